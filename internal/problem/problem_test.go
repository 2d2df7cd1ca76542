package problem

import (
	"errors"
	"fmt"
	"testing"
)

// TestRefusalsKeepTheirKindWhenWrapped: a capability wraps what it refuses
// with what it was doing; the kind, the list and the title survive.
func TestRefusalsKeepTheirKindWhenWrapped(t *testing.T) {
	var ps Problems
	ps.Add("title", "required", "is required")
	ps.Add("", "nothing-to-do", "nothing to do")
	named := Kind(ErrUnavailable, "audit log unavailable", "the audit log could not record this")
	tests := []struct {
		name  string
		err   error
		kind  error
		title string
		text  string
	}{
		{"problems", fmt.Errorf("invalid case: %w", ps), ErrInvalid, "invalid request", "invalid case: title: is required; nothing to do"},
		{"one field", Field("org", "is required"), ErrInvalid, "invalid request", "org: is required"},
		{"not found", fmt.Errorf("case 7: %w", ErrNotFound), ErrNotFound, "not found", "case 7: not found"},
		{"forbidden", fmt.Errorf("%w: only analysts", ErrForbidden), ErrForbidden, "forbidden", "forbidden: only analysts"},
		{"conflict", Newf(ErrConflict, "approval %d is decided", 3), ErrConflict, "conflict", "approval 3 is decided"},
		{"named", fmt.Errorf("release: %w", named), ErrUnavailable, "audit log unavailable", "release: the audit log could not record this"},
		{"wrapped", Wrap(ErrInvalid, "invalid user", errors.New(`login "x" is taken`)), ErrInvalid, "invalid user", `login "x" is taken`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range Kinds {
				if got := errors.Is(tt.err, k); got != (k == tt.kind) {
					t.Errorf("errors.Is(%v, %v) = %v", tt.err, k, got)
				}
			}
			if got := Title(tt.err); got != tt.title {
				t.Errorf("Title = %q, want %q", got, tt.title)
			}
			if tt.err.Error() != tt.text {
				t.Errorf("Error = %q, want %q", tt.err.Error(), tt.text)
			}
		})
	}
	if !errors.Is(fmt.Errorf("x: %w", named), named) {
		t.Error("a named refusal is not itself under errors.Is")
	}
	if w := Wrap(ErrInvalid, "invalid user", fmt.Errorf("org: %w", ErrNotFound)); !errors.Is(w, ErrNotFound) || Title(w) != "invalid user" {
		t.Error("a wrapped refusal lost what it wraps or its title")
	}
	if Wrap(ErrInvalid, "x", nil) != nil {
		t.Error("nothing wrapped is a refusal")
	}
	if got := ps[0].Text(); got != "is required" {
		t.Errorf("Text = %q, want the sentence without its field", got)
	}
	if (Problems{}).Err() != nil || Title(errors.New("disk full")) != "" {
		t.Error("an empty list or a plain error is a refusal")
	}
}
