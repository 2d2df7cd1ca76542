package pattern

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"renkei/internal/corpora"
)

// TestExamplesCorpus parses the pattern of every indicator in the OASIS STIX 2.1
// examples (stix2-json-schemas/examples) and checks the round trip.
func TestExamplesCorpus(t *testing.T) {
	dir := corpora.Path(t, "stix2-json-schemas/examples")
	n := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, ind := range indicators(t, path, data) {
			n++
			p, err := Parse(ind.Pattern)
			if err != nil {
				t.Errorf("%s: %s: %v", filepath.Base(path), ind.ID, err)
				continue
			}
			checkRoundTrip(t, p)
			if len(p.Comparisons()) == 0 {
				t.Errorf("%s: no comparisons in %s", ind.ID, ind.Pattern)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 10 {
		t.Fatalf("only %d indicators with STIX patterns found in %s", n, dir)
	}
	t.Logf("%d indicator patterns parsed", n)
}

type indicator struct {
	ID          string `json:"id"`
	Type        string `json:"type"`
	Pattern     string `json:"pattern"`
	PatternType string `json:"pattern_type"`
}

// indicators returns the indicators with a STIX pattern in a bundle or a bare object.
func indicators(t *testing.T, path string, data []byte) []indicator {
	var bundle struct {
		Objects []indicator `json:"objects"`
	}
	if err := json.Unmarshal(data, &bundle); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	objs := bundle.Objects
	var single indicator
	if json.Unmarshal(data, &single) == nil && single.Type == "indicator" {
		objs = append(objs, single)
	}
	var out []indicator
	for _, o := range objs {
		if o.Type == "indicator" && o.Pattern != "" && (o.PatternType == "" || o.PatternType == "stix") {
			out = append(out, o)
		}
	}
	return out
}
