package alert

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"renkei/internal/store"
)

// Kinds are the kinds of alert the hub raises, each named in the catalog
// as "alert.kind.<kind>" (TestEveryAlertKindIsNamed).
var Kinds = []string{"advisory", "case", "consultation", "emergency-measure", "flow-match", "hunt-findings", "hunt-package",
	"incident-report", "report-overdue", "sighting", "vulnerability", "vulnerability-suppressed"}

// Severities are an alert's severities, least first, each named in the
// catalog as "severity.<severity>".
var Severities = []string{"info", "low", "medium", "high", "critical"}

// ParseQuery reads the inbox's filters from the query of a request to the
// API or the console, the same way at both doors:
//
//	kind=K         one of Kinds
//	severity=S     one of Severities
//	unread=1       only alerts not read yet; read=1 only those read
//	state=S        unread or read, the same
//	since=D        raised at or after D; until=D raised before the end of D
//	group=KEY      only the duplicates of one group (an alert's group key)
//
// A day D is a date (2006-01-02) in zone, from its midnight, or a time in
// RFC 3339, taken as it is. An empty parameter is no filter.
func ParseQuery(v url.Values, zone *time.Location) (store.AlertQuery, error) {
	q := store.AlertQuery{Kind: v.Get("kind"), Severity: v.Get("severity"), Group: v.Get("group"),
		Unread: v.Get("unread") != "", ReadOnly: v.Get("read") != ""}
	switch st := v.Get("state"); st {
	case "":
	case "unread":
		q.Unread = true
	case "read":
		q.ReadOnly = true
	default:
		return q, fmt.Errorf("state %q is neither unread nor read", st)
	}
	if q.Kind != "" && !slices.Contains(Kinds, q.Kind) {
		return q, fmt.Errorf("kind %q is not one of %s", q.Kind, strings.Join(Kinds, ", "))
	}
	if q.Severity != "" && !slices.Contains(Severities, q.Severity) {
		return q, fmt.Errorf("severity %q is not one of %s", q.Severity, strings.Join(Severities, ", "))
	}
	if q.Unread && q.ReadOnly {
		return q, fmt.Errorf("unread and read together match nothing: give one")
	}
	if q.Group != "" && !store.ValidPublicID(q.Group) {
		return q, fmt.Errorf("group %q is not a group key (32 hex digits)", q.Group)
	}
	var err error
	if q.Since, err = parseDay(v.Get("since"), zone, false); err != nil {
		return q, fmt.Errorf("since: %w", err)
	}
	if q.Until, err = parseDay(v.Get("until"), zone, true); err != nil {
		return q, fmt.Errorf("until: %w", err)
	}
	return q, nil
}

// parseDay reads a date in zone (its start, or with end the start of the
// next day) or an RFC 3339 time; "" is the zero time.
func parseDay(s string, zone *time.Location, end bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseInLocation(time.DateOnly, s, zone); err == nil {
		if end {
			d = d.AddDate(0, 0, 1)
		}
		return d, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither a date (2006-01-02) nor an RFC 3339 time", s)
	}
	return t, nil
}
