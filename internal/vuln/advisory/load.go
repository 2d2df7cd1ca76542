package advisory

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// MaxSize bounds one advisory document (the full EPSS CSV is ~10 MB, the
// KEV catalog ~1.3 MB).
const MaxSize = 256 << 20

// ErrUnknownFormat is returned (wrapped) for a document in no supported format.
var ErrUnknownFormat = errors.New("not OSV, CISA KEV, CSAF, OpenVEX, CycloneDX VEX, EPSS or JVN")

// LoadFile reads one advisory document.
func LoadFile(path string) (*Set, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Load(f, path)
}

// Load reads one advisory document, recognizing its format by content.
func Load(r io.Reader, source string) (*Set, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: read: %w", source, err)
	}
	if len(data) > MaxSize {
		return nil, fmt.Errorf("%s: larger than %d MiB", source, MaxSize>>20)
	}
	set, err := Parse(data, source)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	return set, nil
}

// Parse reads one advisory document held in memory.
func Parse(data []byte, source string) (*Set, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	t := bytes.TrimLeft(data, " \t\r\n")
	if len(t) == 0 {
		return nil, fmt.Errorf("empty: %w", ErrUnknownFormat)
	}
	switch t[0] {
	case '{', '[':
		return parseJSON(data, source)
	case '<':
		return parseXML(data, source)
	}
	if isEPSS(t) {
		return parseEPSS(data, source)
	}
	if isKEVCSV(t) {
		return parseKEVCSV(data, source)
	}
	return nil, ErrUnknownFormat
}

type jsonProbe struct {
	// OSV
	SchemaVersion string          `json:"schema_version"`
	ID            string          `json:"id"`
	Modified      string          `json:"modified"`
	Affected      json.RawMessage `json:"affected"`
	// KEV
	CatalogVersion string `json:"catalogVersion"`
	// CSAF
	Document *struct {
		CSAFVersion string `json:"csaf_version"`
	} `json:"document"`
	// OpenVEX
	Context json.RawMessage `json:"@context"`
	// CycloneDX
	BOMFormat string `json:"bomFormat"`
}

func parseJSON(data []byte, source string) (*Set, error) {
	t := bytes.TrimLeft(data, " \t\r\n")
	if t[0] == '[' {
		return parseOSVList(data, source)
	}
	var p jsonProbe
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("JSON: %w", jsonErrorAt(data, err))
	}
	switch {
	case p.CatalogVersion != "":
		return parseKEV(data, source)
	case p.Document != nil && p.Document.CSAFVersion != "":
		if p.Document.CSAFVersion != "2.0" {
			return nil, fmt.Errorf("CSAF version %q is not supported (only 2.0)", p.Document.CSAFVersion)
		}
		return parseCSAF(data, source)
	case bytes.Contains(p.Context, []byte("openvex")):
		return parseOpenVEX(data, source)
	case p.BOMFormat == "CycloneDX":
		return parseCycloneDX(data, source, false)
	case p.ID != "" && (p.Modified != "" || p.SchemaVersion != "" || len(p.Affected) > 0):
		return parseOSV(data, source)
	}
	return nil, ErrUnknownFormat
}

// jsonErrorAt adds the line of a JSON syntax error.
func jsonErrorAt(data []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("line %d (offset %d): %w", 1+bytes.Count(data[:se.Offset], []byte("\n")), se.Offset, err)
	}
	return err
}

func parseXML(data []byte, source string) (*Set, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("XML: %w", err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch {
		case se.Name.Local == "VULDEF-Document":
			return parseVULDEF(data, source)
		case se.Name.Local == "RDF" && bytes.Contains(data, []byte("jvn.jp")):
			return parseJVNRSS(data, source)
		case se.Name.Local == "bom" && strings.HasPrefix(se.Name.Space, "http://cyclonedx.org/schema/bom/"):
			return parseCycloneDX(data, source, true)
		}
		return nil, fmt.Errorf("XML root element <%s>: %w", se.Name.Local, ErrUnknownFormat)
	}
}

// LoadPaths reads every file named, descending into folders. Files in no
// supported format are skipped and reported in the returned problems, as
// are unreadable files, so that one bad file never stops a scan.
func LoadPaths(paths []string) ([]*Set, []Problem) {
	var sets []*Set
	var problems []Problem
	for _, root := range paths {
		info, err := os.Stat(root)
		if err != nil {
			problems = append(problems, Problem{root, err.Error()})
			continue
		}
		var files []string
		if info.IsDir() {
			_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
				if err != nil {
					problems = append(problems, Problem{p, err.Error()})
					return nil
				}
				if !d.IsDir() && !strings.HasPrefix(d.Name(), ".") {
					files = append(files, p)
				}
				return nil
			})
			sort.Strings(files)
		} else {
			files = []string{root}
		}
		for _, f := range files {
			set, err := LoadFile(f)
			if err != nil {
				problems = append(problems, Problem{f, err.Error()})
				continue
			}
			sets = append(sets, set)
		}
	}
	return sets, problems
}
