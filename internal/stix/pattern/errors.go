package pattern

import "fmt"

// SyntaxError reports why a pattern was rejected and where: Offset is the byte
// offset in the pattern text of the token (or character) at fault, so a user
// interface can put a caret under it. Semantic errors (an invalid object type, a
// timestamp that is not a date, a CIDR that is not one) carry the offset of the
// offending token too.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("pattern: offset %d: %s", e.Offset, e.Msg)
}
