package cases_test

import (
	"os"
	"path/filepath"
	"testing"

	"renkei/internal/cases"
)

// FuzzParseTemplate: a template from outside (the center's file, the API's
// body) is refused or read, never a panic, and what is read checks again.
func FuzzParseTemplate(f *testing.F) {
	files, _ := filepath.Glob("templates/*.json")
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"name":"x","title":{"ja":"a"},"tasks":[{"title":{"ja":"b"},"due_hours":-1}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		tm, err := cases.ParseTemplate(b)
		if err != nil {
			return
		}
		if tm.TitleIn("en") == "" || tm.Name == "" {
			t.Fatalf("a template read without a title or name: %+v", tm)
		}
	})
}

// FuzzParseDue: a due date from a form, the API or the command line is
// read or refused, never a panic.
func FuzzParseDue(f *testing.F) {
	for _, s := range []string{"2026-12-10", "2026-12-10 17:00", "2026-12-10T17:00", "2026-12-10T17:00:00+09:00", "none", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if d, err := cases.ParseDue(s); err == nil && d.Location().String() != "UTC" {
			t.Fatalf("%q read as %v, not in UTC", s, d)
		}
	})
}
