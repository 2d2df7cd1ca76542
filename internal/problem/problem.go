// Package problem is Renkei's one vocabulary for refusals. A request is
// refused because of what was asked (ErrInvalid, with a Problems list saying
// which field and why), because what it names does not exist (ErrNotFound),
// because of who asks (ErrForbidden), because of the state things are in
// (ErrConflict), or because a part of the hub does not answer
// (ErrUnavailable).
//
// Capabilities return these, wrapped with what was being done; internal/api
// maps them to HTTP in one place (api/problems.go) and internal/web to the
// console in one place (web/problems.go). Nothing else decides a status.
//
// This package imports nothing of Renkei's and must not: every layer, the
// engines included, may use it.
package problem

import (
	"errors"
	"fmt"
	"strings"
)

// The kinds of refusal. Test for them with errors.Is; wrap them with what
// was being done (fmt.Errorf("open case: %w", problem.ErrForbidden)), or
// give a kind its own sentence with Kind.
var (
	ErrInvalid     = errors.New("invalid request")
	ErrNotFound    = errors.New("not found")
	ErrForbidden   = errors.New("forbidden")
	ErrConflict    = errors.New("conflict")
	ErrUnavailable = errors.New("unavailable")
)

// ErrAuditUnavailable is returned when an act that must be logged first
// (rule C7) could not be logged; the data must then not be released, the act
// not done.
var ErrAuditUnavailable = Kind(ErrUnavailable, "audit log unavailable", "the audit log could not record this access; nothing was released")

// Kinds are the kinds of refusal, in the order a mapping tests them.
var Kinds = []error{ErrInvalid, ErrNotFound, ErrForbidden, ErrConflict, ErrUnavailable}

// Refusal is a named refusal of one kind: a package's sentinel error with its
// own sentence (policy.ErrConflict, hub.ErrAuditUnavailable), still matched
// by errors.Is against itself and against its kind.
type Refusal struct {
	kind  error
	title string
	text  string
	err   error
}

// Kind makes a named refusal of kind. Title is the short stable name an API
// client sees ("audit log unavailable"); empty, the kind's own.
func Kind(kind error, title, text string) *Refusal {
	if title == "" {
		title = kind.Error()
	}
	return &Refusal{kind: kind, title: title, text: text}
}

// Newf is a refusal of kind with its own sentence, for one occasion.
func Newf(kind error, format string, args ...any) error {
	return &Refusal{kind: kind, title: kind.Error(), text: fmt.Sprintf(format, args...)}
}

// Wrap is err, a check that failed, as a refusal of kind with its own
// title ("invalid organization"): its text is err's, and errors.Is holds for
// kind as for what err is. A mapping tests kinds in the order of Kinds, so
// a not-found wrapped as invalid is answered as invalid.
func Wrap(kind error, title string, err error) error {
	if err == nil {
		return nil
	}
	if title == "" {
		title = kind.Error()
	}
	return &Refusal{kind: kind, title: title, text: err.Error(), err: err}
}

func (r *Refusal) Error() string { return r.text }

// Is makes errors.Is(err, kind) hold for a refusal of that kind.
func (r *Refusal) Is(target error) bool { return target == r.kind }

// Unwrap is the error a refusal made by Wrap wraps, nil for others.
func (r *Refusal) Unwrap() error { return r.err }

// Title is the refusal's short stable name.
func (r *Refusal) Title() string { return r.title }

// Problem is one reason a request was refused. Code is stable and names the
// problem for programs (on the wire) and for translation; Field is the field
// at fault ("attachments[2]"), Value what was given there. Msg is the English
// sentence the API and the CLI show, field included ("title: is required").
// Key names the catalog message that says
// the problem to a person and Params fill it in order; without a Key the
// console shows Msg.
type Problem struct {
	Field  string   `json:"field,omitempty"`
	Code   string   `json:"code,omitempty"`
	Value  string   `json:"value,omitempty"`
	Msg    string   `json:"message"`
	Key    string   `json:"-"`
	Params []string `json:"-"`
}

// Text is Msg without its leading field, for showing at the field itself.
func (p Problem) Text() string {
	return strings.TrimPrefix(p.Msg, p.Field+": ")
}

// Problems are every problem found in one request; nothing is saved when
// there is one. A Problems is an ErrInvalid; find the list with errors.As.
type Problems []Problem

func (ps Problems) Error() string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.Msg
	}
	return strings.Join(parts, "; ")
}

// Is makes errors.Is(err, ErrInvalid) hold for a list of problems.
func (ps Problems) Is(target error) bool { return target == ErrInvalid }

// Add appends a problem of field with code and an English sentence, which
// Msg gives led by the field.
func (ps *Problems) Add(field, code, format string, args ...any) {
	*ps = append(*ps, Problem{Field: field, Code: code, Msg: lead(field, fmt.Sprintf(format, args...))})
}

func lead(field, text string) string {
	if field == "" {
		return text
	}
	return field + ": " + text
}

// Err is the list as an error, or nil when it is empty.
func (ps Problems) Err() error {
	if len(ps) == 0 {
		return nil
	}
	return ps
}

// Field is a request refused for one problem with one field.
func Field(field, format string, args ...any) Problems {
	return Problems{{Field: field, Msg: lead(field, fmt.Sprintf(format, args...))}}
}

// Titled is an error with a short stable name of its own for API clients;
// a package's refusal type implements it beside an Is method for its kind.
type Titled interface {
	error
	Title() string
}

// IsRefusal reports whether err is a refusal of one of Kinds, which the
// doors map (api/problems.go, web/problems.go), rather than an error a
// handler turns into one (a document its reader could not read) or a
// failure.
func IsRefusal(err error) bool {
	for _, k := range Kinds {
		if errors.Is(err, k) {
			return true
		}
	}
	return false
}

// Title is the short stable name of a refusal for an API client: a titled
// error's own, else its kind's; "" when err is not a refusal.
func Title(err error) string {
	var t Titled
	if errors.As(err, &t) {
		return t.Title()
	}
	for _, k := range Kinds {
		if errors.Is(err, k) {
			return k.Error()
		}
	}
	return ""
}
