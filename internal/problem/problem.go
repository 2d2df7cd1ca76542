// Package problem holds why a request was refused, in words every layer
// shares: the sentinel errors a capability returns when a caller may not do
// something (ErrForbidden) or when an act that must be logged first could not
// be logged (ErrAuditUnavailable), and the field-by-field Problems of an
// invalid request.
//
// It is a leaf: it imports nothing of Renkei, so that every capability, the
// API, the console and the CLI can use it without importing each other or the
// STIX intake (package hub). It must not map problems to HTTP statuses or to
// console text: the API and the console each do that in one place.
package problem

import (
	"errors"
	"strings"
)

// ErrForbidden is returned when a caller may not do what it asked.
var ErrForbidden = errors.New("forbidden")

// ErrAuditUnavailable is returned when an act that must be logged first
// (rule C7) could not be logged; the data must then not be released.
var ErrAuditUnavailable = errors.New("the audit log could not record this access; nothing was released")

// Problem is one reason a request was refused. Code is stable and names the
// problem for translation; Field is the field at fault, Value what was given
// there; Msg is the English sentence the API and the CLI show, field included.
type Problem struct {
	Field string `json:"field,omitempty"`
	Code  string `json:"code"`
	Value string `json:"value,omitempty"`
	Msg   string `json:"message"`
}

// Problems are every problem found in one request; nothing is saved when
// there is one. Services return them wrapped with what was being done: find
// them with errors.As.
type Problems []Problem

func (ps Problems) Error() string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.Msg
	}
	return strings.Join(parts, "; ")
}
