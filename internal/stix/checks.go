package stix

import (
	"encoding/base64"
	"math"
	"net/netip"
	"strconv"
	"strings"
)

// propCheck validates the raw JSON value v of one property. It returns "" when the
// value is acceptable, otherwise a sub-path below the property (like "[2].phase_name",
// possibly empty) and a message saying what is wrong.
type propCheck func(c *checker, v []byte) (sub, msg string)

func kindName(v []byte) string {
	if len(v) == 0 {
		return "nothing"
	}
	switch v[0] {
	case '"':
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "a list"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

func isString(c *checker, v []byte) (string, string) {
	if len(v) < 2 || v[0] != '"' {
		return "", "must be a string, not " + kindName(v)
	}
	return "", ""
}

func isBool(c *checker, v []byte) (string, string) {
	if s := string(v); s != "true" && s != "false" {
		return "", "must be true or false, not " + kindName(v)
	}
	return "", ""
}

func isObject(c *checker, v []byte) (string, string) {
	if len(v) == 0 || v[0] != '{' {
		return "", "must be an object, not " + kindName(v)
	}
	return "", ""
}

func isAny(c *checker, v []byte) (string, string) { return "", "" }

func isStringList(c *checker, v []byte) (string, string) {
	_, msg := stringList(v)
	return "", msg
}

// integer returns a check for a JSON integer within [lo, hi].
func integer(lo, hi int64) propCheck {
	return func(c *checker, v []byte) (string, string) {
		n, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil {
			return "", "must be an integer, not " + string(truncate(v, 40))
		}
		if n < lo || n > hi {
			return "", "must be between " + strconv.FormatInt(lo, 10) + " and " + strconv.FormatInt(hi, 10) + ", not " + strconv.FormatInt(n, 10)
		}
		return "", ""
	}
}

// number returns a check for a JSON number within [lo, hi].
func number(lo, hi float64) propCheck {
	return func(c *checker, v []byte) (string, string) {
		if len(v) == 0 || !(v[0] == '-' || v[0] >= '0' && v[0] <= '9') {
			return "", "must be a number, not " + kindName(v)
		}
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil || math.IsNaN(f) {
			return "", "must be a number"
		}
		if f < lo || f > hi {
			return "", "must be between " + strconv.FormatFloat(lo, 'g', -1, 64) + " and " + strconv.FormatFloat(hi, 'g', -1, 64)
		}
		return "", ""
	}
}

// timestamp checks a STIX timestamp and remembers it for co-constraints.
func timestamp(millis bool) propCheck {
	return func(c *checker, v []byte) (string, string) {
		s, ok := jsonString(v)
		if !ok {
			return "", "must be a timestamp string, not " + kindName(v)
		}
		t, err := parseTimestamp(s, millis)
		if err != nil {
			return "", strconv.Quote(s) + " " + err.Error()
		}
		c.setTime(c.current, t)
		return "", ""
	}
}

var (
	isTimestamp = timestamp(false)
	isMillis    = timestamp(true)
)

// enum returns a check that the value is one of a closed set (a spec "enum", not an
// open vocabulary, which only SHOULD be used).
func enum(values ...string) propCheck {
	return func(c *checker, v []byte) (string, string) {
		if len(v) < 2 || v[0] != '"' {
			return "", "must be a string, not " + kindName(v)
		}
		for _, x := range values {
			if string(v[1:len(v)-1]) == x {
				return "", ""
			}
		}
		s, _ := jsonString(v)
		return "", strconv.Quote(s) + " is not one of " + strings.Join(values, ", ")
	}
}

func enumList(values ...string) propCheck {
	one := enum(values...)
	return func(c *checker, v []byte) (string, string) {
		l, msg := stringList(v)
		if msg != "" {
			return "", msg
		}
		for i, s := range l {
			if _, m := one(c, []byte(strconv.Quote(s))); m != "" {
				return "[" + strconv.Itoa(i) + "]", m
			}
		}
		return "", ""
	}
}

// ref returns a check that the value is an identifier of one of the allowed types.
// The pseudo-types "SDO", "SCO" and "SRO" stand for every type of that kind (custom
// types included, since their kind cannot be known from the id); "*" allows any type.
func ref(allowed ...string) propCheck {
	return func(c *checker, v []byte) (string, string) {
		if len(v) < 2 || v[0] != '"' {
			return "", "must be an identifier string, not " + kindName(v)
		}
		return "", rawRefMsg(v, allowed)
	}
}

func refs(allowed ...string) propCheck {
	return func(c *checker, v []byte) (string, string) {
		if len(v) == 0 || v[0] != '[' {
			return "", "must be a list of identifiers, not " + kindName(v)
		}
		n := 0
		sub, msg := eachElement(v, func(i int, el []byte) (string, string) {
			n++
			if len(el) < 2 || el[0] != '"' {
				return "[" + strconv.Itoa(i) + "]", "must be an identifier string, not " + kindName(el)
			}
			if m := rawRefMsg(el, allowed); m != "" {
				return "[" + strconv.Itoa(i) + "]", m
			}
			return "", ""
		})
		if msg == "" && n == 0 {
			return "", "must not be an empty list"
		}
		return sub, msg
	}
}

// rawRefMsg is refMsg for a raw JSON string, allocating only to report a problem.
func rawRefMsg(v []byte, allowed []string) string {
	inner := v[1 : len(v)-1]
	for _, b := range inner {
		if b == '\\' {
			s, _ := jsonString(v)
			return refMsg(s, allowed)
		}
	}
	typ, ok := identifierType(inner)
	if ok && targetAllowed(string(typ), allowed) {
		return ""
	}
	return refMsg(string(inner), allowed)
}

func refMsg(s string, allowed []string) string {
	typ, ok := validIdentifier(s)
	if !ok {
		return strconv.Quote(s) + ` is not an identifier "<type>--<RFC 4122 UUID>"`
	}
	if targetAllowed(typ, allowed) {
		return ""
	}
	return "must refer to " + describeTargets(allowed) + ", not " + typ
}

func targetAllowed(typ string, allowed []string) bool {
	for _, a := range allowed {
		switch a {
		case "*":
			return true
		case "SDO":
			if IsSDO(typ) || !knownType(typ) {
				return true
			}
		case "SCO":
			if IsSCO(typ) || !knownType(typ) {
				return true
			}
		case "SRO":
			if IsSRO(typ) || !knownType(typ) {
				return true
			}
		default:
			if a == typ {
				return true
			}
		}
	}
	return false
}

func describeTargets(allowed []string) string {
	if len(allowed) == 1 {
		return "a " + allowed[0]
	}
	return "a " + strings.Join(allowed[:len(allowed)-1], ", ") + " or " + allowed[len(allowed)-1]
}

// genericRef checks a property that is not in the type's table but whose name ends in
// _ref or _refs: the spec requires such properties to hold identifiers.
func genericRef(name string) propCheck {
	if strings.HasSuffix(name, "_refs") {
		return anyRefs
	}
	return anyRef
}

var (
	anyRef  = ref("*")
	anyRefs = refs("*")
)

func isHexString(c *checker, v []byte) (string, string) {
	s, ok := jsonString(v)
	if !ok {
		return "", "must be a hex string, not " + kindName(v)
	}
	if len(s)%2 != 0 {
		return "", "must be an even number of hex digits"
	}
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			return "", "must contain only hex digits"
		}
	}
	return "", ""
}

func isBinary(c *checker, v []byte) (string, string) {
	s, ok := jsonString(v)
	if !ok {
		return "", "must be a base64 string, not " + kindName(v)
	}
	if _, err := base64.StdEncoding.DecodeString(s); err != nil {
		return "", "must be base64 (RFC 4648): " + err.Error()
	}
	return "", ""
}

// hashLengths are the hex lengths of the hashing-algorithm-ov entries with a fixed form.
var hashLengths = map[string]int{"MD5": 32, "SHA-1": 40, "SHA-256": 64, "SHA-512": 128, "SHA3-256": 64, "SHA3-512": 128}

func isHashes(c *checker, v []byte) (string, string) {
	if len(v) == 0 || v[0] != '{' {
		return "", "must be an object of algorithm to hash, not " + kindName(v)
	}
	n := 0
	sub, msg := eachMember(v, func(k string, hv []byte) (string, string) {
		n++
		h, ok := jsonString(hv)
		if !ok {
			return "." + k, "must be a string"
		}
		if len(k) > 250 || k == "" {
			return "", "hash algorithm names must be 1 to 250 characters"
		}
		if want, ok := hashLengths[k]; ok {
			if len(h) != want || strings.IndexFunc(h, func(r rune) bool { return !(r < 128 && isHex(byte(r))) }) >= 0 {
				return "." + k, "must be " + strconv.Itoa(want) + " hex digits"
			}
		}
		return "", ""
	})
	if msg == "" && n == 0 {
		return "", "must not be empty"
	}
	return sub, msg
}

// nonEmptyList runs fn on each element of a list of objects that the spec says must
// not be empty.
func nonEmptyList(v []byte, fn func(at string, el []byte) (string, string)) (string, string) {
	if len(v) == 0 || v[0] != '[' {
		return "", "must be a list, not " + kindName(v)
	}
	n := 0
	sub, msg := eachElement(v, func(i int, el []byte) (string, string) {
		n++
		at := "[" + strconv.Itoa(i) + "]"
		if len(el) == 0 || el[0] != '{' {
			return at, "must be an object, not " + kindName(el)
		}
		return fn(at, el)
	})
	if msg == "" && n == 0 {
		return "", "must not be an empty list"
	}
	return sub, msg
}

// optString checks that a member, if present, is a string.
func optString(at, name string, v []byte) (string, string) {
	if v != nil {
		if _, ok := jsonString(v); !ok {
			return at + "." + name, "must be a string, not " + kindName(v)
		}
	}
	return "", ""
}

func isExternalReferences(c *checker, v []byte) (string, string) {
	return nonEmptyList(v, func(at string, el []byte) (string, string) {
		f := objectFields(el, "source_name", "description", "url", "external_id", "hashes")
		if f[0] == nil {
			return at + ".source_name", "is required"
		}
		for i, n := range []string{"source_name", "description", "url", "external_id"} {
			if sub, msg := optString(at, n, f[i]); msg != "" {
				return sub, msg
			}
		}
		if f[1] == nil && f[2] == nil && f[3] == nil {
			return at, "needs description, url or external_id besides source_name"
		}
		if f[4] != nil {
			if sub, msg := isHashes(c, f[4]); msg != "" {
				return at + ".hashes" + sub, msg
			}
		}
		return "", ""
	})
}

func isKillChainPhases(c *checker, v []byte) (string, string) {
	return nonEmptyList(v, func(at string, el []byte) (string, string) {
		f := objectFields(el, "kill_chain_name", "phase_name")
		for i, n := range []string{"kill_chain_name", "phase_name"} {
			if f[i] == nil {
				return at + "." + n, "is required"
			}
			if sub, msg := optString(at, n, f[i]); msg != "" {
				return sub, msg
			}
		}
		return "", ""
	})
}

func isGranularMarkings(c *checker, v []byte) (string, string) {
	return nonEmptyList(v, func(at string, el []byte) (string, string) {
		f := objectFields(el, "selectors", "marking_ref", "lang")
		if f[0] == nil {
			return at + ".selectors", "must be a non-empty list of selectors"
		}
		if _, msg := stringList(f[0]); msg != "" {
			return at + ".selectors", msg
		}
		switch {
		case f[1] != nil && f[2] != nil:
			return at, "must have marking_ref or lang, not both"
		case f[1] == nil && f[2] == nil:
			return at + ".marking_ref", "is required (or lang)"
		case f[1] != nil:
			s, ok := jsonString(f[1])
			if !ok {
				return at + ".marking_ref", "must be an identifier string"
			}
			if m := refMsg(s, []string{"marking-definition"}); m != "" {
				return at + ".marking_ref", m
			}
		}
		if f[2] != nil {
			if _, msg := isLanguageTag(c, f[2]); msg != "" {
				return at + ".lang", msg
			}
		}
		return "", ""
	})
}

func isIPv4(c *checker, v []byte) (string, string) { return ipValue(c, v, true) }
func isIPv6(c *checker, v []byte) (string, string) { return ipValue(c, v, false) }

// ipValue checks an ipv4-addr/ipv6-addr value: one address or a CIDR block. Defanged
// observables are exempt, since defanging alters the value on purpose.
func ipValue(c *checker, v []byte, four bool) (string, string) {
	s, ok := jsonString(v)
	if !ok {
		return "", "must be a string, not " + kindName(v)
	}
	if c.defanged {
		return "", ""
	}
	var addr netip.Addr
	var err error
	if strings.IndexByte(s, '/') >= 0 {
		var p netip.Prefix
		p, err = netip.ParsePrefix(s)
		addr = p.Addr()
	} else {
		addr, err = netip.ParseAddr(s)
	}
	if err != nil || addr.Is4() != four || addr.Zone() != "" {
		if four {
			return "", strconv.Quote(s) + " is not an IPv4 address or CIDR block"
		}
		return "", strconv.Quote(s) + " is not an IPv6 address or CIDR block"
	}
	return "", ""
}

// isMAC checks the spec's MAC-48 form: colon-delimited, lower-case, with leading zeros.
func isMAC(c *checker, v []byte) (string, string) {
	s, ok := jsonString(v)
	if !ok {
		return "", "must be a string, not " + kindName(v)
	}
	if c.defanged {
		return "", ""
	}
	bad := len(s) != 17
	for i := 0; !bad && i < 17; i++ {
		ch := s[i]
		if i%3 == 2 {
			bad = ch != ':'
		} else {
			bad = !(ch >= '0' && ch <= '9' || ch >= 'a' && ch <= 'f')
		}
	}
	if bad {
		return "", strconv.Quote(s) + " is not a lower-case colon-delimited MAC-48 address like 00:1a:2b:3c:4d:5e"
	}
	return "", ""
}

func isRelationshipType(c *checker, v []byte) (string, string) {
	s, ok := jsonString(v)
	if !ok {
		return "", "must be a string, not " + kindName(v)
	}
	if s == "" {
		return "", "must not be empty"
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if !(ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || ch == '-') {
			return "", strconv.Quote(s) + " may contain only a-z, 0-9 and hyphen"
		}
	}
	return "", ""
}

// isMimeParts checks email-message body_multipart entries: each has body or
// body_raw_ref (an artifact or file), not both.
func isMimeParts(c *checker, v []byte) (string, string) {
	return nonEmptyList(v, func(at string, el []byte) (string, string) {
		f := objectFields(el, "body", "body_raw_ref")
		switch {
		case f[0] != nil && f[1] != nil:
			return at, "must have body or body_raw_ref, not both"
		case f[0] == nil && f[1] == nil:
			return at, "needs body or body_raw_ref"
		case f[1] != nil:
			s, ok := jsonString(f[1])
			if !ok {
				return at + ".body_raw_ref", "must be an identifier string"
			}
			if m := refMsg(s, []string{"artifact", "file"}); m != "" {
				return at + ".body_raw_ref", m
			}
		}
		return optString(at, "body", f[0])
	})
}

func jsonErr(err error) string {
	s := err.Error()
	s = strings.TrimPrefix(s, "json: ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

func truncate(v []byte, n int) []byte {
	if len(v) > n {
		return v[:n]
	}
	return v
}
