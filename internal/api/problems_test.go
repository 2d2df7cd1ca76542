package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"testing"

	"renkei/internal/hub"
	"renkei/internal/problem"
	"renkei/internal/store"
)

// TestEachRefusalHasOneAnswer: every kind of refusal gets its status and the
// problem body in one place; a list of problems carries its fields and the
// title names what was refused; any other error is not answered here.
func TestEachRefusalHasOneAnswer(t *testing.T) {
	t.Parallel()
	var ps problem.Problems
	ps.Add("title", "required", "is required")
	tests := []struct {
		name   string
		err    error
		status int
		title  string
		fields int
	}{
		{"problems", fmt.Errorf("invalid report: %w", ps), 400, "invalid report", 1},
		{"not found", fmt.Errorf("case 3: %w", store.ErrNotFound), 404, "not found", 0},
		{"forbidden", fmt.Errorf("%w: only analysts", hub.ErrForbidden), 403, "forbidden", 0},
		{"conflict", problem.Newf(problem.ErrConflict, "approval 3 is decided"), 409, "conflict", 0},
		{"audit log", fmt.Errorf("act: %w", hub.ErrAuditUnavailable), 503, "audit log unavailable", 0},
		{"bad cursor", store.ErrBadCursor, 400, "invalid cursor", 0},
		{"check of an act", problem.Wrap(problem.ErrInvalid, "invalid user", fmt.Errorf("organization %q: %w", "x", store.ErrNotFound)), 400, "invalid user", 0},
		{"last member", fmt.Errorf("retire: %w", hub.ErrLastMember), 409, "conflict", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			if !writeProblem(w, tt.err) {
				t.Fatal("not answered")
			}
			var body struct {
				Title, Description, HTTPStatus string
				Fields                         []map[string]string
			}
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			var raw map[string]any
			json.Unmarshal(w.Body.Bytes(), &raw)
			if w.Code != tt.status || body.Title != tt.title || body.Description != tt.err.Error() || raw["http_status"] != fmt.Sprint(tt.status) || len(body.Fields) != tt.fields {
				t.Errorf("%d %s", w.Code, w.Body)
			}
		})
	}
	if writeProblem(httptest.NewRecorder(), errors.New("disk full")) {
		t.Error("a plain error answered as a refusal")
	}
}
