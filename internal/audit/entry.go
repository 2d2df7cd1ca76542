package audit

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxEntrySize is the largest encoded entry a log accepts: the C2SP tlog-tiles
// limit on one entry (its length is a 16-bit prefix in the entry bundle).
const MaxEntrySize = 1<<16 - 1

// Entry is one audited act. Its canonical JSON encoding (Marshal) is exactly
// the leaf data stored in the log, so that the committee can recompute every
// leaf hash from what it reads.
//
// Node and Seq are set by the Log: Seq counts the entries of one node from 1
// without holes, so an entry that was dropped after the fact shows as a gap.
type Entry struct {
	Time       time.Time         // when the act happened (UTC, stored with nanoseconds)
	Node       string            // the hub node that wrote the entry
	Seq        uint64            // per-node sequence number, 1, 2, 3, ...
	User       string            // who acted
	Org        string            // the user's organization
	Role       string            // the role the user acted in (analyst, handler, overseer, ...)
	Action     string            // what was done, e.g. "object.read", "approval.decide"
	Purpose    string            // why (stated purpose)
	LegalBasis string            // under which legal basis or approval
	ObjectID   string            // what it was done to (an id, never content)
	ObjectHash string            // HashObject(salt, content) of the object at that moment
	RequestID  string            // the request that caused the act
	Detail     map[string]string // further facts (counts, approval ids); never content
}

// wireEntry fixes the JSON field names and their order, which makes the
// encoding canonical together with the rules checked in ParseEntry.
type wireEntry struct {
	Time       string            `json:"time"`
	Node       string            `json:"node"`
	Seq        uint64            `json:"seq"`
	User       string            `json:"user,omitempty"`
	Org        string            `json:"org,omitempty"`
	Role       string            `json:"role,omitempty"`
	Action     string            `json:"action"`
	Purpose    string            `json:"purpose,omitempty"`
	LegalBasis string            `json:"legal_basis,omitempty"`
	ObjectID   string            `json:"object_id,omitempty"`
	ObjectHash string            `json:"object_hash,omitempty"`
	RequestID  string            `json:"request_id,omitempty"`
	Detail     map[string]string `json:"detail,omitempty"`
}

// timeLayout is RFC 3339 in UTC with exactly nine fractional digits, so that
// one instant has exactly one spelling.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

// Validate reports the first field that makes e unfit for the log.
func (e *Entry) Validate() error {
	if e.Action == "" {
		return errors.New("entry: action is empty")
	}
	if e.Node == "" {
		return errors.New("entry: node is empty")
	}
	if e.Seq == 0 {
		return errors.New("entry: seq is 0 (sequence numbers start at 1)")
	}
	if e.Time.IsZero() {
		return errors.New("entry: time is zero")
	}
	if y := e.Time.UTC().Year(); y < 1 || y > 9999 {
		return fmt.Errorf("entry: time year %d out of range", y)
	}
	check := func(name, v string) error {
		if !utf8.ValidString(v) {
			return fmt.Errorf("entry: %s is not valid UTF-8", name)
		}
		return nil
	}
	for _, f := range [...]struct{ name, v string }{{"node", e.Node}, {"user", e.User}, {"org", e.Org},
		{"role", e.Role}, {"action", e.Action}, {"purpose", e.Purpose}, {"legal_basis", e.LegalBasis},
		{"object_id", e.ObjectID}, {"object_hash", e.ObjectHash}, {"request_id", e.RequestID}} {
		if err := check(f.name, f.v); err != nil {
			return err
		}
	}
	for k, v := range e.Detail {
		if err := check("detail key", k); err != nil {
			return err
		}
		if err := check("detail "+k, v); err != nil {
			return err
		}
	}
	return nil
}

// Marshal returns the canonical JSON encoding of e: fixed field order, empty
// optional fields omitted, detail keys sorted, time in UTC with nanoseconds,
// no insignificant white space and no HTML escaping.
func (e *Entry) Marshal() ([]byte, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	w := wireEntry{
		Time: e.Time.UTC().Format(timeLayout), Node: e.Node, Seq: e.Seq, User: e.User, Org: e.Org,
		Role: e.Role, Action: e.Action, Purpose: e.Purpose, LegalBasis: e.LegalBasis,
		ObjectID: e.ObjectID, ObjectHash: e.ObjectHash, RequestID: e.RequestID,
	}
	if len(e.Detail) > 0 {
		w.Detail = e.Detail
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&w); err != nil {
		return nil, fmt.Errorf("entry: encode: %w", err)
	}
	b := buf.Bytes()
	return b[:len(b)-1], nil // Encode adds a newline
}

// ParseEntry decodes one leaf of the log. It accepts only the canonical
// encoding that Marshal produces, so that no entry can be rewritten into a
// different byte string meaning the same thing, and it says where the input
// is wrong when it refuses.
func ParseEntry(data []byte) (Entry, error) {
	return parseCanonical(data)
}

func firstDiff(a, b []byte) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

// hashPrefix names the construction in the hash string so that it can change
// later without ambiguity.
const hashPrefix = "hmac-sha256:"

// HashObject returns the salted hash recorded for an object's content:
// HMAC-SHA-256 keyed with the hub's salt. The salt keeps the log from
// confirming guesses of the content (a short indicator or a name could
// otherwise be tested by hashing candidates), while whoever holds the salt and
// the object can still prove which version was accessed.
func HashObject(salt, content []byte) string {
	m := hmac.New(sha256.New, salt)
	m.Write(content)
	return hashPrefix + hex.EncodeToString(m.Sum(nil))
}

// String gives a one-line description of e for messages (no detail values).
func (e *Entry) String() string {
	keys := slices.Sorted(maps.Keys(e.Detail))
	return fmt.Sprintf("%s seq %d %s by %s/%s on %s [%s]", e.Node, e.Seq, e.Action, e.Org, e.User, e.ObjectID, strings.Join(keys, ","))
}
