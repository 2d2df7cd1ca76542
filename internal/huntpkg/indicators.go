package huntpkg

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"

	"renkei/internal/stix/pattern"
)

// PatternValues returns the literal strings a STIX pattern compares for
// equality (=, IN) or network membership (ISSUBSET), without negations: the
// values worth searching logs for. Comparisons that cannot be expressed as
// "this text appears" (ranges, regular expressions, LIKE) are left out.
func PatternValues(p string) ([]string, error) {
	pt, err := pattern.Parse(p)
	if err != nil {
		return nil, fmt.Errorf("pattern: %w", err)
	}
	var out []string
	add := func(v pattern.Value) {
		if v.Kind == pattern.KindString && strings.TrimSpace(v.Str) != "" {
			out = append(out, v.Str)
		}
	}
	for _, c := range pt.Comparisons() {
		if c.Negated {
			continue
		}
		switch c.Op {
		case pattern.Eq, pattern.IsSubset:
			add(c.Value)
		case pattern.In:
			for _, v := range c.Value.Set {
				add(v)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// ReadIndicatorList reads one indicator per line — a value, or the id of a
// STIX indicator on the hub — skipping blank lines and "#" comments.
func ReadIndicatorList(r io.Reader, name string) ([]string, error) {
	var out []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.ContainsAny(line, "\x00\r") {
			return nil, fmt.Errorf("%s line %d: control characters in an indicator", name, n)
		}
		out = append(out, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}
