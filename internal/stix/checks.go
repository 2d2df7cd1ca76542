package stix

import (
	"encoding/base64"
	"math"
	"net/netip"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// propCheck validates the raw JSON value v of one property. It returns "" when the
// value is acceptable, otherwise a sub-path below the property (like "[2].phase_name",
// possibly empty) and a message saying what is wrong.
type propCheck func(c *checker, v []byte) (sub, msg string)

// jsonString returns the Go string of a JSON string value and whether v is one.
func jsonString(v []byte) (string, bool) {
	if len(v) < 2 || v[0] != '"' {
		return "", false
	}
	inner := v[1 : len(v)-1]
	for _, c := range inner {
		if c == '\\' {
			b, err := jsontext.AppendUnquote(nil, v)
			if err != nil {
				return "", false
			}
			return string(b), true
		}
	}
	return string(inner), true
}

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
	if _, ok := jsonString(v); !ok {
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

// stringList decodes a non-empty list of strings (the spec forbids empty lists).
func stringList(v []byte) ([]string, string) {
	if len(v) == 0 || v[0] != '[' {
		return nil, "must be a list of strings, not " + kindName(v)
	}
	var l []string
	if err := json.Unmarshal(v, &l); err != nil {
		return nil, "must be a list of strings"
	}
	if len(l) == 0 {
		return nil, "must not be an empty list"
	}
	return l, ""
}

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
		s, ok := jsonString(v)
		if !ok {
			return "", "must be a string, not " + kindName(v)
		}
		for _, x := range values {
			if s == x {
				return "", ""
			}
		}
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
		s, ok := jsonString(v)
		if !ok {
			return "", "must be an identifier string, not " + kindName(v)
		}
		return "", refMsg(s, allowed)
	}
}

func refs(allowed ...string) propCheck {
	return func(c *checker, v []byte) (string, string) {
		l, msg := stringList(v)
		if msg != "" {
			return "", msg
		}
		for i, s := range l {
			if m := refMsg(s, allowed); m != "" {
				return "[" + strconv.Itoa(i) + "]", m
			}
		}
		return "", ""
	}
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
		return refs("*")
	}
	return ref("*")
}

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
	var m map[string]string
	if err := json.Unmarshal(v, &m); err != nil {
		return "", "must map hash algorithm names to strings"
	}
	if len(m) == 0 {
		return "", "must not be empty"
	}
	for k, h := range m {
		if len(k) > 250 || k == "" {
			return "", "hash algorithm names must be 1 to 250 characters"
		}
		if n, ok := hashLengths[k]; ok {
			if len(h) != n || strings.IndexFunc(h, func(r rune) bool { return !(r < 128 && isHex(byte(r))) }) >= 0 {
				return "." + k, "must be " + strconv.Itoa(n) + " hex digits"
			}
		}
	}
	return "", ""
}

type externalReference struct {
	SourceName  *string        `json:"source_name"`
	Description *string        `json:"description"`
	URL         *string        `json:"url"`
	ExternalID  *string        `json:"external_id"`
	Hashes      jsontext.Value `json:"hashes"`
}

func isExternalReferences(c *checker, v []byte) (string, string) {
	if len(v) == 0 || v[0] != '[' {
		return "", "must be a list, not " + kindName(v)
	}
	var l []externalReference
	if err := json.Unmarshal(v, &l); err != nil {
		return "", "must be a list of external references: " + jsonErr(err)
	}
	if len(l) == 0 {
		return "", "must not be an empty list"
	}
	for i, r := range l {
		at := "[" + strconv.Itoa(i) + "]"
		if r.SourceName == nil {
			return at + ".source_name", "is required"
		}
		if r.Description == nil && r.URL == nil && r.ExternalID == nil {
			return at, "needs description, url or external_id besides source_name"
		}
		if len(r.Hashes) > 0 {
			if sub, msg := isHashes(c, r.Hashes); msg != "" {
				return at + ".hashes" + sub, msg
			}
		}
	}
	return "", ""
}

type killChainPhase struct {
	KillChainName *string `json:"kill_chain_name"`
	PhaseName     *string `json:"phase_name"`
}

func isKillChainPhases(c *checker, v []byte) (string, string) {
	if len(v) == 0 || v[0] != '[' {
		return "", "must be a list, not " + kindName(v)
	}
	var l []killChainPhase
	if err := json.Unmarshal(v, &l); err != nil {
		return "", "must be a list of kill chain phases: " + jsonErr(err)
	}
	if len(l) == 0 {
		return "", "must not be an empty list"
	}
	for i, p := range l {
		at := "[" + strconv.Itoa(i) + "]"
		if p.KillChainName == nil {
			return at + ".kill_chain_name", "is required"
		}
		if p.PhaseName == nil {
			return at + ".phase_name", "is required"
		}
	}
	return "", ""
}

type granularMarking struct {
	Selectors  []string `json:"selectors"`
	MarkingRef *string  `json:"marking_ref"`
	Lang       *string  `json:"lang"`
}

func isGranularMarkings(c *checker, v []byte) (string, string) {
	if len(v) == 0 || v[0] != '[' {
		return "", "must be a list, not " + kindName(v)
	}
	var l []granularMarking
	if err := json.Unmarshal(v, &l); err != nil {
		return "", "must be a list of granular markings: " + jsonErr(err)
	}
	if len(l) == 0 {
		return "", "must not be an empty list"
	}
	for i, g := range l {
		at := "[" + strconv.Itoa(i) + "]"
		if len(g.Selectors) == 0 {
			return at + ".selectors", "must be a non-empty list of selectors"
		}
		switch {
		case g.MarkingRef != nil && g.Lang != nil:
			return at, "must have marking_ref or lang, not both"
		case g.MarkingRef == nil && g.Lang == nil:
			return at + ".marking_ref", "is required (or lang)"
		case g.MarkingRef != nil:
			if m := refMsg(*g.MarkingRef, []string{"marking-definition"}); m != "" {
				return at + ".marking_ref", m
			}
		}
	}
	return "", ""
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

// mimeParts checks email-message body_multipart entries: each has body or
// body_raw_ref (an artifact or file), not both.
func isMimeParts(c *checker, v []byte) (string, string) {
	if len(v) == 0 || v[0] != '[' {
		return "", "must be a list, not " + kindName(v)
	}
	var l []struct {
		Body       *string `json:"body"`
		BodyRawRef *string `json:"body_raw_ref"`
	}
	if err := json.Unmarshal(v, &l); err != nil {
		return "", "must be a list of MIME parts: " + jsonErr(err)
	}
	for i, p := range l {
		at := "[" + strconv.Itoa(i) + "]"
		switch {
		case p.Body != nil && p.BodyRawRef != nil:
			return at, "must have body or body_raw_ref, not both"
		case p.Body == nil && p.BodyRawRef == nil:
			return at, "needs body or body_raw_ref"
		case p.BodyRawRef != nil:
			if m := refMsg(*p.BodyRawRef, []string{"artifact", "file"}); m != "" {
				return at + ".body_raw_ref", m
			}
		}
	}
	return "", ""
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
