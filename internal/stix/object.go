package stix

import (
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// Object is one parsed and validated STIX object: the fields Renkei indexes, and the
// object itself exactly as received (compacted) in Raw. Everything not listed here,
// custom properties included, stays in Raw untouched.
type Object struct {
	ID, Type, SpecVersion string
	Kind                  Kind      // sdo, sro, sco or meta; for custom types as declared or inferred
	Custom                bool      // the type is not defined by the specification (x- prefix or extension-definition)
	Created, Modified     time.Time // Modified==Created if absent (marking-definition); both zero for SCOs
	CreatedByRef          string
	ObjectMarkingRefs     []string
	Revoked               bool
	Confidence            *int
	Labels                []string
	Extensions            map[string]json.RawMessage // the raw "extensions" map
	Raw                   json.RawMessage            // the object exactly as received (compact)

	// Type-specific fields Renkei indexes.
	Name                  string // name, value, path, … (see docs/stix.md), where the type has one
	Pattern, PatternType  string // indicator
	ValidFrom, ValidUntil time.Time
	SightingOfRef         string // sighting
	WhereSightedRefs      []string
	FirstSeen, LastSeen   time.Time // sighting, campaign, intrusion-set, malware, …
	Count                 int       // sighting; 0 when absent
	SourceRef, TargetRef  string    // relationship
	RelationshipType      string
	ObjectRefs            []string // report, grouping, note, opinion, observed-data
}

// Options tune Parse.
type Options struct {
	// ValidatePattern, when set, checks the pattern of indicators whose pattern_type is
	// "stix" (normally pattern.Parse wrapped by the caller). Its error text becomes the
	// message of the ValidationError for field "pattern".
	ValidatePattern func(pattern string) error
	// MaxObjectBytes rejects larger objects before decoding them; 0 means no limit.
	MaxObjectBytes int
}

// ValidationError says which object, which property and what is wrong. ID and Type are
// filled in as far as they could be read.
type ValidationError struct {
	ID, Type, Field, Msg string
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("object ")
	switch {
	case e.ID != "":
		b.WriteString(e.ID)
	case e.Type != "":
		b.WriteString("of type " + e.Type)
	default:
		b.WriteString("(no id)")
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// AsValidationError returns err as a *ValidationError if it is one.
func AsValidationError(err error) (*ValidationError, bool) {
	var ve *ValidationError
	ok := errors.As(err, &ve)
	return ve, ok
}
