package stix

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"renkei/internal/corpora"
)

// readAll parses every element of the bundle at path and returns the objects and the
// errors met.
func readAll(t testing.TB, path string, opt Options) ([]*Object, []error) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	br := NewBundleReader(f, 1<<20)
	var objs []*Object
	var errs []error
	for {
		raw, _, err := br.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var ee *ElementError
			if !errors.As(err, &ee) {
				t.Fatalf("%s: %v", path, err)
			}
			errs = append(errs, err)
			continue
		}
		o, err := Parse(raw, opt)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		objs = append(objs, o)
	}
	return objs, errs
}

func TestSchemaExamplesParse(t *testing.T) {
	dir := corpora.Path(t, "stix2-json-schemas/examples")
	var files []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".json") {
			files = append(files, p)
		}
		return nil
	})
	if len(files) < 8 {
		t.Fatalf("found only %d example files in %s", len(files), dir)
	}
	for _, p := range files {
		t.Run(filepath.Base(p), func(t *testing.T) {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(data), `"objects"`) {
				objs, errs := readAll(t, p, Options{})
				for _, e := range errs {
					t.Error(e)
				}
				if len(objs) == 0 {
					t.Error("no objects read")
				}
				return
			}
			if _, err := Parse(data, Options{}); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestATTACKICSParses(t *testing.T) {
	p := corpora.Path(t, "mitre-attack-stix/ics-attack/ics-attack.json")
	objs, errs := readAll(t, p, Options{})
	// Five x-mitre-data-component objects of the ICS release carry
	// "x_mitre_data_source_ref": "" — an empty reference. STIX 2.1 requires every
	// property whose name ends in _ref to hold an identifier, custom properties
	// included, so they are rejected on purpose; every other object must pass.
	wantRejected := map[string]bool{
		"x-mitre-data-component--2b3bfe19-d59a-460d-93bb-2f546adc2d2c": true,
		"x-mitre-data-component--3d20385b-24ef-40e1-9f56-f39750379077": true,
		"x-mitre-data-component--4dcd8ba3-2075-4f8b-941e-39884ffaac08": true,
		"x-mitre-data-component--7b375092-3a61-448d-900a-77c9a4bde4dc": true,
		"x-mitre-data-component--da85d358-741a-410d-9433-20d6269a6170": true,
	}
	for _, e := range errs {
		ve, ok := AsValidationError(e)
		if !ok || !wantRejected[ve.ID] || ve.Field != "x_mitre_data_source_ref" {
			t.Errorf("unexpected rejection: %v", e)
		}
	}
	if len(errs) != len(wantRejected) {
		t.Errorf("%d objects rejected, want exactly the %d with an empty x_mitre_data_source_ref", len(errs), len(wantRejected))
	}
	if len(objs)+len(errs) != 1826 {
		t.Errorf("read %d elements, want 1826", len(objs)+len(errs))
	}
	kinds := map[Kind]int{}
	custom := 0
	for _, o := range objs {
		kinds[o.Kind]++
		if o.Custom {
			custom++
		}
		if o.Kind != KindSCO && o.Created.IsZero() {
			t.Errorf("%s: created not set", o.ID)
		}
		if o.Type == "relationship" && (o.SourceRef == "" || o.TargetRef == "" || o.RelationshipType == "") {
			t.Errorf("%s: relationship fields not indexed", o.ID)
		}
	}
	if kinds[KindSRO] != 1373 || custom != 245 {
		t.Errorf("kinds %v, custom %d; want 1373 relationships and 245 valid x-mitre objects", kinds, custom)
	}
}

// TestATTACKSampleDeviations documents why the ATT&CK 3.3.0 detection-strategy sample
// (a plain JSON list of objects) is rejected: its objects violate two MUSTs of STIX
// 2.1 — created/modified with second precision instead of milliseconds, and SDOs
// without spec_version. No other rule may trip.
func TestATTACKSampleDeviations(t *testing.T) {
	data, err := os.ReadFile(corpora.Path(t, "mitre-attack-stix/util/sample_3.3.0_stix-detection-strategy.json"))
	if err != nil {
		t.Fatal(err)
	}
	var list []json.RawMessage
	if err := json.Unmarshal(data, &list); err != nil {
		t.Fatal(err)
	}
	reasons := map[string]int{}
	for _, raw := range list {
		_, err := Parse(raw, Options{})
		ve, ok := AsValidationError(err)
		switch {
		case err == nil:
			reasons["accepted"]++
		case ok && (ve.Field == "created" || ve.Field == "modified") && strings.Contains(ve.Msg, "millisecond"):
			reasons["second precision"]++
		case ok && ve.Field == "spec_version" && ve.Msg == "is required":
			reasons["no spec_version"]++
		default:
			t.Errorf("unexpected: %v", err)
		}
	}
	if reasons["second precision"] != 10 || reasons["no spec_version"] != 3 || reasons["accepted"] != 0 {
		t.Errorf("reasons %v, want 10 second-precision and 3 without spec_version", reasons)
	}
}
