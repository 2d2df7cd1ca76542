package web

import (
	"errors"
	"fmt"
	"testing"

	"renkei/internal/hub"
	"renkei/internal/problem"
	"renkei/internal/store"
)

// TestEachRefusalHasOneErrorPage: the console's one mapping gives each kind
// of refusal its status and a catalog key both languages have, and leaves
// lists of problems and plain errors to the form's page.
func TestEachRefusalHasOneErrorPage(t *testing.T) {
	t.Parallel()
	cats, err := loadCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		err    error
		status int
		key    string
	}{
		{"not found", fmt.Errorf("case 3: %w", store.ErrNotFound), 404, "error.notfound"},
		{"forbidden", fmt.Errorf("%w: only analysts", hub.ErrForbidden), 403, "error.forbidden"},
		{"conflict", problem.Newf(problem.ErrConflict, "approval 3 is decided"), 409, "error.conflict"},
		{"audit log", fmt.Errorf("act: %w", hub.ErrAuditUnavailable), 503, "error.audit"},
		{"unavailable", problem.ErrUnavailable, 503, "error.store"},
		{"last member", fmt.Errorf("retire: %w", hub.ErrLastMember), 409, "error.conflict"},
		{"check of an act", problem.Wrap(problem.ErrInvalid, "invalid user", errors.New("login taken")), 0, ""},
		{"problems", problem.Field("title", "is required"), 0, ""},
		{"plain", errors.New("disk full"), 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, key, ok := refusal(tt.err)
			if status != tt.status || key != tt.key || ok != (tt.status != 0) {
				t.Fatalf("refusal = %d %q %v", status, key, ok)
			}
			for _, l := range Languages {
				if _, has := cats[l][key]; ok && !has {
					t.Errorf("%s catalog has no %s", l, key)
				}
			}
		})
	}
}
