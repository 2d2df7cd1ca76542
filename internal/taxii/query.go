package taxii

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"renkei/internal/store"
)

// Page sizes: a client may ask for fewer objects, never more.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// Query is the parsed filtering and paging parameters of a TAXII request.
type Query struct {
	AddedAfter   time.Time
	Limit        int
	Next         store.Cursor // opened from NextToken by the server
	NextToken    string       // the sealed `next` value as the client sent it
	IDs          []string
	Types        []string
	Versions     string // last | first | all | specific
	VersionTimes []time.Time
	SpecVersions []string
}

// ParseQuery reads added_after, limit, next and match[id|type|version|spec_version].
// Unknown match[...] fields and malformed values are errors that name the parameter.
func ParseQuery(v url.Values) (Query, error) {
	q := Query{Limit: DefaultLimit, Versions: "last"}
	for key, vals := range v {
		if len(vals) == 0 {
			continue
		}
		val := vals[len(vals)-1]
		switch key {
		case "added_after":
			t, err := parseTimestamp(val)
			if err != nil {
				return q, fmt.Errorf("added_after: %w", err)
			}
			q.AddedAfter = t
		case "limit":
			n, err := strconv.Atoi(val)
			if err != nil || n < 1 {
				return q, fmt.Errorf("limit: %q is not a positive whole number", val)
			}
			q.Limit = min(n, MaxLimit)
		case "next":
			if _, err := base64.RawURLEncoding.DecodeString(val); err != nil || val == "" || len(val) > 200 {
				return q, fmt.Errorf("next: %q is not a value this server gave", val)
			}
			q.NextToken = val
		case "match[id]":
			q.IDs = splitList(val)
			for _, id := range q.IDs {
				if !validID(id) {
					return q, fmt.Errorf("match[id]: %q is not a STIX identifier", id)
				}
			}
		case "match[type]":
			q.Types = splitList(val)
			for _, t := range q.Types {
				if !validType(t) {
					return q, fmt.Errorf("match[type]: %q is not a STIX type name", t)
				}
			}
		case "match[version]":
			q.Versions, q.VersionTimes = "", nil
			for _, s := range splitList(val) {
				switch s {
				case "last", "first", "all":
					if q.Versions != "" && q.Versions != "specific" {
						q.Versions = "all" // e.g. "first,last": keep both by listing all
					} else if q.Versions == "" {
						q.Versions = s
					}
				default:
					t, err := parseTimestamp(s)
					if err != nil {
						return q, fmt.Errorf("match[version]: %q is not last, first, all or a timestamp", s)
					}
					q.VersionTimes = append(q.VersionTimes, t)
				}
			}
			if len(q.VersionTimes) > 0 {
				if q.Versions == "" {
					q.Versions = "specific"
				} else {
					q.Versions = "all"
					q.VersionTimes = nil
				}
			}
			if q.Versions == "" {
				q.Versions = "last"
			}
		case "match[spec_version]":
			q.SpecVersions = splitList(val)
			for _, s := range q.SpecVersions {
				if s != "2.0" && s != "2.1" {
					return q, fmt.Errorf("match[spec_version]: %q is not 2.0 or 2.1", s)
				}
			}
		default:
			if strings.HasPrefix(key, "match[") {
				return q, fmt.Errorf("%s: filtering on this field is not supported (use id, type, version or spec_version)", key)
			}
			// Other parameters are ignored, as TAXII asks of servers.
		}
	}
	return q, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func parseTimestamp(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || !strings.HasSuffix(s, "Z") {
		return time.Time{}, fmt.Errorf("%q is not an RFC 3339 UTC timestamp like 2026-01-02T03:04:05.000Z", s)
	}
	return t.UTC(), nil
}

func validType(t string) bool {
	if len(t) < 3 || len(t) > 250 {
		return false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func validID(id string) bool {
	typ, uuid, ok := strings.Cut(id, "--")
	return ok && validType(typ) && len(uuid) == 36
}
