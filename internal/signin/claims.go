package signin

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"renkei/internal/store"
)

// Claim conditions are written claim=value: the claim is a name or a
// dotted path into nested objects (verified_claims.claims.corporate_number,
// as identity-assurance providers such as GビズID nest what they verified);
// the value is compared exactly with a string, a number written in full, or
// true/false; a list holds the condition when one of its items does.

// ParseCondition reads one condition, claim=value.
func ParseCondition(s string) (store.ClaimCondition, error) {
	claim, value, ok := strings.Cut(s, "=")
	if !ok {
		return store.ClaimCondition{}, fmt.Errorf("condition %q: write claim=value", s)
	}
	if !validClaim(claim) {
		return store.ClaimCondition{}, fmt.Errorf("condition %q: the claim is a name or a dotted path of names (letters, digits, _ - :)", s)
	}
	if value == "" || len(value) > 512 || !utf8.ValidString(value) || strings.ContainsAny(value, "\r\n\x00") {
		return store.ClaimCondition{}, fmt.Errorf("condition %q: the value is 1–512 characters on one line", s)
	}
	return store.ClaimCondition{Claim: claim, Value: value}, nil
}

// validClaim accepts a claim name or a dotted path of names.
func validClaim(s string) bool {
	if s == "" || len(s) > 200 {
		return false
	}
	for _, part := range strings.Split(s, ".") {
		if part == "" {
			return false
		}
		for _, r := range part {
			if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '_' || r == '-' || r == ':') {
				return false
			}
		}
	}
	return true
}

// ClaimValues is what the claim at path holds, as the strings conditions
// compare with: none when it is missing or an object.
func ClaimValues(claims map[string]any, path string) []string {
	var at []any = []any{claims}
	for _, name := range strings.Split(path, ".") {
		var next []any
		for _, v := range at {
			switch o := v.(type) {
			case map[string]any:
				if x, ok := o[name]; ok {
					next = append(next, x)
				}
			case []any: // a list of objects: look into each
				for _, item := range o {
					if m, ok := item.(map[string]any); ok {
						if x, ok := m[name]; ok {
							next = append(next, x)
						}
					}
				}
			}
		}
		at = next
	}
	var out []string
	var add func(v any, depth int)
	add = func(v any, depth int) {
		switch x := v.(type) {
		case string:
			out = append(out, x)
		case float64:
			out = append(out, strconv.FormatFloat(x, 'f', -1, 64))
		case bool:
			out = append(out, strconv.FormatBool(x))
		case []any:
			if depth == 0 {
				for _, item := range x {
					add(item, 1)
				}
			}
		}
	}
	for _, v := range at {
		add(v, 0)
	}
	return out
}

// Holds reports whether every condition holds for the claims.
func Holds(conds []store.ClaimCondition, claims map[string]any) bool {
	if len(conds) == 0 {
		return false
	}
	for _, c := range conds {
		found := false
		for _, v := range ClaimValues(claims, c.Claim) {
			if v == c.Value {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// errNoLogin: the login claim is missing or is no login the hub accepts.
var errNoLogin = errors.New("the provider's login claim gives no usable login")

// loginFrom makes an account's login from the login claim: lower-cased;
// it must then be a login the hub accepts (hub.CheckLogin's set, checked
// again when the account is made).
func loginFrom(claims map[string]any, claim string) (string, error) {
	vs := ClaimValues(claims, claim)
	if len(vs) != 1 || vs[0] == "" || len(vs[0]) > 64 {
		return "", errNoLogin
	}
	return strings.ToLower(vs[0]), nil
}
