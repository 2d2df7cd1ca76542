package cases_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"renkei/internal/cases"
	"renkei/internal/problem"
)

// TestCaseProblemsCarryCodes: a refused case or act says why with a stable
// code per problem, for the console to translate, while its message stays
// the English the API and the CLI have always given.
func TestCaseProblemsCarryCodes(t *testing.T) {
	h, cs := setup(t, "sqlite")
	ctx := context.Background()
	s := h.App.Cases
	k, err := s.Open(ctx, cs["kanshi"], cases.Case{Title: "x"})
	if err != nil {
		t.Fatal(err)
	}
	id := k.PublicID
	tests := []struct {
		name      string
		do        func() error
		codes     []string
		values    []string
		wantError string
	}{
		{"open: no title, bad severity, unknown assignee", func() error {
			_, err := s.Open(ctx, cs["kanshi"], cases.Case{Severity: "apocalyptic", Assignee: "nobody"})
			return err
		}, []string{"title.required", "severity.unknown", "assignee.unknown"}, []string{"", "apocalyptic", "nobody"},
			`invalid case: title: is required; severity: "apocalyptic" is not one of low, medium, high, critical; assignee: no user "nobody"`},
		{"open: assignee outside the center", func() error {
			_, err := s.Open(ctx, cs["kanshi"], cases.Case{Title: "x", Assignee: "mizu"})
			return err
		}, []string{"assignee.not-center"}, []string{"mizu"}, `invalid case: assignee: mizu is not a center user`},
		{"open: source of no known kind", func() error {
			_, err := s.Open(ctx, cs["kanshi"], cases.Case{Title: "x", Source: "rumour:1"})
			return err
		}, []string{"source.invalid"}, []string{"rumour:1"}, `invalid case: source: "rumour:1" is not report:<incident>, alert:<alert> or consult:<consultation>`},
		{"open: source that does not exist", func() error {
			_, err := s.Open(ctx, cs["kanshi"], cases.Case{Title: "x", Source: "report:999"})
			return err
		}, []string{"source.unknown"}, []string{"report:999"}, `invalid case: source: no report 999`},
		{"act: bad status and severity", func() error {
			_, err := s.Do(ctx, cs["kanshi"], k.PublicID, cases.Act{Status: "done", Severity: "huge"})
			return err
		}, []string{"status.unknown", "severity.unknown"}, []string{"done", "huge"},
			`case ` + id + `: status: "done" is not one of new, investigating, responding, resolved, closed; severity: "huge" is not one of low, medium, high, critical`},
		{"act: bad link and long note", func() error {
			_, err := s.Do(ctx, cs["kanshi"], k.PublicID, cases.Act{Link: &cases.Link{Kind: "rumour"}, Note: strings.Repeat("x", 64<<10+1)})
			return err
		}, []string{"link.invalid", "note.too-long"}, []string{"rumour", ""},
			`case ` + id + `: link: want a kind (object, org, report, alert, consult, hunting, advisory) and a reference; note: longer than 64 KiB`},
		{"act: nothing", func() error {
			_, err := s.Do(ctx, cs["kanshi"], k.PublicID, cases.Act{Note: " "})
			return err
		}, []string{"nothing-to-do"}, []string{""}, `case ` + id + `: nothing to do: give a status, severity, assignee, note or link`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do()
			if err == nil || err.Error() != tt.wantError {
				t.Fatalf("err = %v\nwant  %s", err, tt.wantError)
			}
			var ps problem.Problems
			if !errors.As(err, &ps) {
				t.Fatalf("%v is not problem.Problems", err)
			}
			var codes, values []string
			for _, p := range ps {
				codes, values = append(codes, p.Code), append(values, p.Value)
				if !slices.Contains(cases.ProblemCodes, p.Code) {
					t.Errorf("code %q is not in ProblemCodes", p.Code)
				}
			}
			if !slices.Equal(codes, tt.codes) || !slices.Equal(values, tt.values) {
				t.Fatalf("codes %q values %q, want %q %q", codes, values, tt.codes, tt.values)
			}
		})
	}
	// Refusals that are not about the input keep their kind.
	if _, err := s.Do(ctx, cs["mizu"], k.PublicID, cases.Act{Status: "done"}); errors.As(err, new(problem.Problems)) {
		t.Fatalf("a forbidden act reads as problems: %v", err)
	}
}
