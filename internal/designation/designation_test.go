package designation_test

import (
	"testing"

	"renkei/internal/designation"
)

// TestShippedListsNameTheirSources: the shipped lists parse, each names its
// source, and every business type has a ministry and a sector.
func TestShippedListsNameTheirSources(t *testing.T) {
	l := designation.Default()
	if l.Version == "" || l.Compiled == "" {
		t.Fatal("the data file has no version or date")
	}
	if len(l.Sectors.Items) != 15 || len(l.BusinessTypes.Items) != 15 {
		t.Fatalf("%d sectors and %d business types", len(l.Sectors.Items), len(l.BusinessTypes.Items))
	}
	if l.BusinessTypes.Unverified == "" || l.Register.Unverified == "" {
		t.Fatal("the lists do not say what could not be verified")
	}
}

// FuzzParse: a data file is read or refused,
// never a panic.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"register":{"change_days":3}}`))
	f.Fuzz(func(t *testing.T, b []byte) { _, _ = designation.Parse(b) })
}
