package stix

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/uuid"
)

// SetProperty returns a copy of the object raw with the top-level property key set to
// value (marshalled with encoding/json; a json.RawMessage is inserted as is). Every
// other member keeps its exact bytes and its place, so unknown and custom properties
// survive; an existing key is replaced where it stands, a new one is appended. It is
// how Renkei rewrites created_by_ref for submitter protection or bumps modified.
func SetProperty(raw json.RawMessage, key string, value any) (json.RawMessage, error) {
	v, err := json.Marshal(value)
	if err != nil {
		return nil, fmt.Errorf("set %s: %w", key, err)
	}
	members, err := splitMembers(raw)
	if err != nil {
		return nil, fmt.Errorf("set %s: %w", key, err)
	}
	replaced := false
	for i := range members {
		if members[i].name == key {
			members[i].val = v
			replaced = true
		}
	}
	if !replaced {
		members = append(members, member{name: key, val: v})
	}
	return joinMembers(members)
}

// DeleteProperty returns a copy of raw without the top-level property key.
func DeleteProperty(raw json.RawMessage, key string) (json.RawMessage, error) {
	members, err := splitMembers(raw)
	if err != nil {
		return nil, fmt.Errorf("delete %s: %w", key, err)
	}
	out := members[:0]
	for _, m := range members {
		if m.name != key {
			out = append(out, m)
		}
	}
	return joinMembers(out)
}

func joinMembers(members []member) (json.RawMessage, error) {
	n := 2
	for _, m := range members {
		n += len(m.name) + len(m.val) + 4
	}
	b := make([]byte, 0, n)
	b = append(b, '{')
	for i, m := range members {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = jsontext.AppendQuote(b, m.name); err != nil {
			return nil, err
		}
		b = append(b, ':')
		b = append(b, m.val...)
	}
	b = append(b, '}')
	v := jsontext.Value(b)
	if err := v.Compact(); err != nil {
		return nil, err
	}
	return json.RawMessage(v), nil
}

// idContributing lists, per SCO type, the properties whose values determine a
// deterministic identifier (STIX 2.1 section 6, "ID Contributing Properties").
var idContributing = map[string][]string{
	"artifact":             {"hashes", "payload_bin"},
	"autonomous-system":    {"number"},
	"directory":            {"path"},
	"domain-name":          {"value"},
	"email-addr":           {"value"},
	"email-message":        {"from_ref", "subject", "body"},
	"file":                 {"hashes", "name", "extensions", "parent_directory_ref"},
	"ipv4-addr":            {"value"},
	"ipv6-addr":            {"value"},
	"mac-addr":             {"value"},
	"mutex":                {"name"},
	"network-traffic":      {"start", "end", "src_ref", "dst_ref", "src_port", "dst_port", "protocols", "extensions"},
	"software":             {"name", "cpe", "swid", "vendor", "version"},
	"url":                  {"value"},
	"user-account":         {"account_type", "user_id", "account_login"},
	"windows-registry-key": {"key", "values"},
	"x509-certificate":     {"hashes", "serial_number"},
}

// hashPreference is the order in which one hash is chosen when a hashes property
// contributes to an id (the spec keeps a single hash so that adding a second one
// later does not change the identity of the observable).
var hashPreference = []string{"MD5", "SHA-1", "SHA-256", "SHA-512"}

// DeterministicSCOID returns the identifier the specification prescribes for an SCO:
// a UUIDv5 in the STIX namespace over the RFC 8785 canonical JSON of its
// ID-contributing properties. For a type without such properties (process, custom
// types), or when none of them is present, it returns a random NewID, as the spec says.
func DeterministicSCOID(typ string, props map[string]any) string {
	names := idContributing[typ]
	contrib := map[string]any{}
	for _, n := range names {
		v, ok := props[n]
		if !ok || v == nil {
			continue
		}
		if n == "hashes" {
			v = chooseOneHash(v)
		}
		contrib[n] = v
	}
	if len(contrib) == 0 {
		return NewID(typ)
	}
	b, err := json.Marshal(contrib)
	if err != nil {
		return NewID(typ)
	}
	v := jsontext.Value(b)
	if err := v.Canonicalize(); err != nil {
		return NewID(typ)
	}
	return typ + "--" + uuid.NewSHA1(stixSCONamespace, v).String()
}

func chooseOneHash(v any) any {
	var m map[string]any
	switch h := v.(type) {
	case map[string]any:
		m = h
	case map[string]string:
		m = make(map[string]any, len(h))
		for k, x := range h {
			m[k] = x
		}
	default:
		return v
	}
	for _, k := range hashPreference {
		if x, ok := m[k]; ok {
			return map[string]any{k: x}
		}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) == 0 {
		return v
	}
	return map[string]any{keys[0]: m[keys[0]]}
}

// NewVersion returns raw as a new version of the same object: the properties in set
// are written (a nil value deletes one), and modified becomes now, or one millisecond
// after the current modified if now is not later, because STIX orders versions by
// modified and two versions must never share it. created and id are kept, as the
// specification requires for a new version; SCOs, which have no versions, are refused.
func NewVersion(raw json.RawMessage, now time.Time, set map[string]any) (json.RawMessage, error) {
	o, err := Parse(raw, Options{})
	if err != nil {
		return nil, fmt.Errorf("new version: %w", err)
	}
	if o.Kind == KindSCO {
		return nil, fmt.Errorf("new version of %s: SCOs are not versioned", o.ID)
	}
	for _, k := range []string{"id", "type", "created", "modified", "spec_version"} {
		if _, ok := set[k]; ok {
			return nil, fmt.Errorf("new version of %s: %s cannot be changed", o.ID, k)
		}
	}
	out := raw
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if set[k] == nil {
			out, err = DeleteProperty(out, k)
		} else {
			out, err = SetProperty(out, k, set[k])
		}
		if err != nil {
			return nil, fmt.Errorf("new version of %s: %w", o.ID, err)
		}
	}
	mod := now.UTC().Truncate(time.Millisecond)
	if !mod.After(o.Modified) {
		mod = o.Modified.Truncate(time.Millisecond).Add(time.Millisecond)
	}
	return SetProperty(out, "modified", FormatTime(mod))
}
