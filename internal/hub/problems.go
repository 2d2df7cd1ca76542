package hub

import "strings"

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
