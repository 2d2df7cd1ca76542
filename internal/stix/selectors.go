package stix

import (
	"strconv"
	"strings"
)

// checkSelectors enforces STIX 2.1 section 7.2.3.1: every selector of a granular
// marking must point at a property or list item that is present in the object
// ("a.b", "list.[2].c"). A marking whose selector points at nothing would silently
// protect nothing, which is exactly what a marking must never do.
func checkSelectors(c *checker) (string, string) {
	gm := c.value("granular_markings")
	if gm == nil {
		return "", ""
	}
	return eachElement(gm, func(i int, el []byte) (string, string) {
		sels, _ := stringList(objectFields(el, "selectors")[0])
		for j, sel := range sels {
			if !c.resolves(sel) {
				return "[" + strconv.Itoa(i) + "].selectors[" + strconv.Itoa(j) + "]", strconv.Quote(sel) + " does not select any property of the object"
			}
		}
		return "", ""
	})
}

func (c *checker) resolves(sel string) bool {
	parts := strings.Split(sel, ".")
	v := c.value(parts[0])
	if v == nil {
		return false
	}
	for _, part := range parts[1:] {
		var next []byte
		if len(part) >= 3 && part[0] == '[' && part[len(part)-1] == ']' {
			n, err := strconv.Atoi(part[1 : len(part)-1])
			if err != nil || n < 0 || len(v) == 0 || v[0] != '[' {
				return false
			}
			eachElement(v, func(i int, el []byte) (string, string) {
				if i == n {
					next = el
					return "", "found"
				}
				return "", ""
			})
		} else {
			if len(v) == 0 || v[0] != '{' {
				return false
			}
			next = objectFields(v, part)[0]
		}
		if next == nil {
			return false
		}
		v = next
	}
	return true
}
