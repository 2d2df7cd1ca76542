package stix

import "github.com/google/uuid"

// NewID returns a fresh identifier "<typ>--<UUIDv4>" from crypto/rand, as the
// specification recommends for SDOs, SROs and meta objects.
func NewID(typ string) string {
	return typ + "--" + uuid.NewString()
}

// stixSCONamespace is the UUIDv5 namespace the specification fixes for deterministic
// SCO identifiers (section 2.9).
var stixSCONamespace = uuid.MustParse("00abedb4-aa42-466c-9c01-fed23315a9b7")

// validIdentifier reports whether s is "<type>--<UUID>" with an RFC 4122 UUID
// (versions 1 to 5, variant 10xx), as the STIX identifier type requires, and
// returns the type part.
func validIdentifier(s string) (typ string, ok bool) {
	t, ok := identifierType(s)
	return string(t), ok
}

// identifierType is validIdentifier for strings and raw bytes alike, without
// allocating: the type is returned as a slice of s.
func identifierType[T ~string | ~[]byte](s T) (typ T, ok bool) {
	if len(s) < 36+2+3 {
		return typ, false
	}
	i := len(s) - 36 - 2
	if s[i] != '-' || s[i+1] != '-' {
		return typ, false
	}
	typ = s[:i]
	if !validTypeName(typ) {
		return typ, false
	}
	return typ, validUUID(s[i+2:])
}

func validUUID[T ~string | ~[]byte](u T) bool {
	if len(u) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := u[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
			continue
		}
		if !isHex(c) {
			return false
		}
	}
	if v := u[14]; v < '1' || v > '5' {
		return false
	}
	switch u[19] {
	case '8', '9', 'a', 'b', 'A', 'B':
	default:
		return false
	}
	return true
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// validTypeName applies the spec's rule for object type names: 3 to 250 characters of
// a-z, 0-9 and hyphen, starting with a letter, no doubled hyphens.
func validTypeName[T ~string | ~[]byte](t T) bool {
	if len(t) < 3 || len(t) > 250 || t[0] < 'a' || t[0] > 'z' {
		return false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '-':
			if t[i-1] == '-' {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// validPropertyName applies the rule for property names: ASCII letters, digits and
// underscore, 3 to 250 characters ("id" is the one shorter name the spec itself uses).
func validPropertyName(p string) bool {
	if p == "id" {
		return true
	}
	if len(p) < 3 || len(p) > 250 {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}
