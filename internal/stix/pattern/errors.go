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

// Caret returns the pattern text and, on a second line, a caret under the byte
// the error points at, followed by the message; for command-line output.
func (e *SyntaxError) Caret(src string) string {
	off := min(max(e.Offset, 0), len(src))
	pad := make([]byte, 0, off)
	for _, r := range src[:off] {
		if r == '\t' {
			pad = append(pad, '\t')
		} else {
			pad = append(pad, ' ')
		}
	}
	return src + "\n" + string(pad) + "^ " + e.Msg
}
