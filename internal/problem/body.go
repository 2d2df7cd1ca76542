package problem

import "strconv"

// Body is what an HTTP answer refusing a request carries, on every door that
// answers JSON: the REST API and TAXII write it, the typed client reads it.
// Its properties are exactly those of the TAXII 2.1 error message resource
// (section 3.6.1): a title (required), and optionally a description for
// people, an error id and code, the HTTP status as a string, a URL of
// external details and a dictionary of details. Optional properties are
// omitted when empty, on both doors, so that a TAXII client sees no empty
// "description". The REST API adds Fields, the problems of a request one by
// one; a TAXII answer never has them.
type Body struct {
	Title           string         `json:"title"`
	Description     string         `json:"description,omitempty"`
	ErrorID         string         `json:"error_id,omitempty"`
	ErrorCode       string         `json:"error_code,omitempty"`
	HTTPStatus      string         `json:"http_status,omitempty"`
	ExternalDetails string         `json:"external_details,omitempty"`
	Details         map[string]any `json:"details,omitempty"`
	// Fields, for a request refused for what it asked, are the problems
	// one by one, so that a form can show each at its field (REST API only).
	Fields Problems `json:"fields,omitempty"`
}

// NewBody is the body of a refusal with status, title and description.
func NewBody(status int, title, description string) Body {
	return Body{Title: title, Description: description, HTTPStatus: strconv.Itoa(status)}
}
