package sbom

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// MaxSize bounds what Load reads, so that a hostile file cannot exhaust
// memory: the largest public SBOMs are tens of megabytes.
const MaxSize = 512 << 20

// ErrNotSBOM is returned (wrapped) for input that is no SBOM at all.
var ErrNotSBOM = errors.New("not a CycloneDX or SPDX document")

// UnsupportedError refuses an SBOM whose format is recognized but not read.
type UnsupportedError struct{ Reason string }

func (e *UnsupportedError) Error() string { return e.Reason }

// LoadFile reads an SBOM from a file.
func LoadFile(path string) (*Document, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Load(f, path)
}

// Load reads one SBOM, recognizing its format by content. source names it
// in messages.
func Load(r io.Reader, source string) (*Document, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: read: %w", source, err)
	}
	if len(data) > MaxSize {
		return nil, fmt.Errorf("%s: larger than %d MiB", source, MaxSize>>20)
	}
	doc, err := Parse(data, source)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	return doc, nil
}

// Parse reads one SBOM held in memory.
func Parse(data []byte, source string) (*Document, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) == 0 {
		return nil, fmt.Errorf("empty file: %w", ErrNotSBOM)
	}
	switch trimmed[0] {
	case '{':
		return parseJSON(data, source)
	case '<':
		return parseXML(data, source)
	}
	if isTagValue(trimmed) {
		return parseSPDX(data, source, "tag-value")
	}
	if isYAML(trimmed) {
		return parseSPDX(data, source, "YAML")
	}
	return nil, ErrNotSBOM
}

// jsonProbe holds the members that tell JSON SBOM formats apart.
type jsonProbe struct {
	BOMFormat   string          `json:"bomFormat"`
	SpecVersion json.RawMessage `json:"specVersion"`
	SPDXVersion string          `json:"spdxVersion"`
	Context     json.RawMessage `json:"@context"`
	Graph       json.RawMessage `json:"@graph"`
}

func parseJSON(data []byte, source string) (*Document, error) {
	// Fast path: the format members come first in every producer's output;
	// decoding the whole document twice would double the cost of ingestion.
	head := data[:min(len(data), 4096)]
	switch {
	case bytes.Contains(head, []byte(`"bomFormat"`)) && bytes.Contains(head, []byte(`"CycloneDX"`)):
		return parseCycloneDX(data, source, "JSON")
	case bytes.Contains(head, []byte(`"spdxVersion"`)) && bytes.Contains(head, []byte(`"SPDX-2.`)):
		return parseSPDX(data, source, "JSON")
	}
	var p jsonProbe
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("JSON: %w", describeJSONError(data, err))
	}
	switch {
	case p.BOMFormat == "CycloneDX":
		return parseCycloneDX(data, source, "JSON")
	case p.SPDXVersion != "":
		return parseSPDX(data, source, "JSON")
	case len(p.Context) > 0 && bytes.Contains(p.Context, []byte("spdx.org/rdf/3")):
		return nil, &UnsupportedError{"SPDX 3.0 (JSON-LD) is not supported: export the SBOM as SPDX 2.3 or CycloneDX"}
	case len(p.Context) > 0 || len(p.Graph) > 0:
		return nil, fmt.Errorf("JSON-LD document without an SPDX 3 context: %w", ErrNotSBOM)
	case p.BOMFormat != "":
		return nil, fmt.Errorf("bomFormat %q: %w", p.BOMFormat, ErrNotSBOM)
	}
	return nil, fmt.Errorf("JSON without bomFormat or spdxVersion: %w", ErrNotSBOM)
}

// describeJSONError adds the line and column to a JSON syntax error.
func describeJSONError(data []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line := 1 + bytes.Count(data[:se.Offset], []byte("\n"))
		return fmt.Errorf("line %d (offset %d): %w", line, se.Offset, err)
	}
	return err
}

func parseXML(data []byte, source string) (*Document, error) {
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
		ns := se.Name.Space
		switch {
		case se.Name.Local == "bom" && strings.HasPrefix(ns, "http://cyclonedx.org/schema/bom/"):
			return parseCycloneDX(data, source, "XML")
		case se.Name.Local == "RDF" && bytes.Contains(data, []byte("spdx.org/rdf/terms")):
			return parseSPDX(data, source, "RDF/XML")
		case se.Name.Local == "Document" && bytes.Contains(data, []byte("<spdxVersion>")):
			return nil, &UnsupportedError{"SPDX XML is not supported (tools-golang reads SPDX JSON, YAML, tag-value and RDF/XML): convert it to SPDX JSON"}
		case se.Name.Local == "bom":
			return nil, fmt.Errorf("<bom> in namespace %q, not a CycloneDX schema namespace: %w", ns, ErrNotSBOM)
		}
		return nil, fmt.Errorf("XML root element <%s>: %w", se.Name.Local, ErrNotSBOM)
	}
}

func isTagValue(b []byte) bool {
	for _, line := range strings.SplitN(string(b[:min(len(b), 4096)]), "\n", 40) {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "SPDXVersion:") {
			return true
		}
	}
	return false
}

func isYAML(b []byte) bool {
	for _, line := range strings.SplitN(string(b[:min(len(b), 4096)]), "\n", 40) {
		if strings.HasPrefix(strings.TrimSpace(line), "spdxVersion:") {
			return true
		}
	}
	return false
}
