package oversight_test

import (
	"net/url"
	"reflect"
	"testing"
	"time"

	"renkei/internal/audit"
	"renkei/internal/jst"
	"renkei/internal/oversight"
)

// TestFilterSelectsWhatItSays: each condition of a filter holds exactly
// where it says — the period is [from, to) in Japan time, purposes and
// legal bases are contained without regard to case, an approval is named
// by its object, a word of the legal basis or a detail value — and a
// filter read from its own query parameters is the same filter.
func TestFilterSelectsWhatItSays(t *testing.T) {
	at := func(s string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04", s, jst.Zone)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	access := audit.Entry{Time: at("2026-03-31 23:59"), User: "handler-b", Org: "center", Action: audit.ActionCommAccess,
		Purpose: "Botnet takedown support", LegalBasis: "committee approval-9"}
	q := url.Values{"action": {"comm.access"}, "from": {"2026-03-01"}, "to": {"2026-04-01"}}
	f, err := oversight.FilterFromQuery(q)
	if err != nil {
		t.Fatal(err)
	}
	if !f.Match(access) {
		t.Error("March 31 23:59 JST is not in March")
	}
	late := access
	late.Time = at("2026-04-01 00:00")
	early := access
	early.Time = at("2026-03-01 00:00").Add(-time.Nanosecond)
	if f.Match(late) || f.Match(early) {
		t.Error("the period's ends are not [from, to) in Japan time")
	}
	for _, c := range []struct {
		q    url.Values
		want bool
	}{
		{url.Values{"purpose": {"TAKEDOWN"}}, true},
		{url.Values{"purpose": {"phishing"}}, false},
		{url.Values{"legal_basis": {"Committee"}}, true},
		{url.Values{"approval": {"9"}}, true},
		{url.Values{"approval": {"approval-9"}}, true},
		{url.Values{"approval": {"approval-90"}}, false},
		{url.Values{"approval": {"7"}}, false},
		{url.Values{"user": {"handler-a"}}, false},
		{url.Values{"org": {"center"}}, true},
		{url.Values{"action": {"approval.*,comm.*"}}, true},
		{url.Values{"action": {"approval.*"}}, false},
	} {
		f, err := oversight.FilterFromQuery(c.q)
		if err != nil {
			t.Fatal(err)
		}
		if got := f.Match(access); got != c.want {
			t.Errorf("%v: %v, want %v", c.q, got, c.want)
		}
	}
	decision := audit.Entry{Time: at("2026-03-15 10:00"), Action: audit.ActionApprovalDecide, ObjectID: "approval-9"}
	if f, _ := oversight.FilterFromQuery(url.Values{"approval": {"9"}}); !f.Match(decision) {
		t.Error("the decision on approval 9 is not about it")
	}
	full := url.Values{"action": {"comm.access,approval.*"}, "user": {"u"}, "org": {"o"}, "purpose": {"p"}, "legal_basis": {"l"},
		"approval": {"3"}, "from": {"2026-03-01"}, "to": {"2026-04-01T00:00:00+09:00"}, "limit": {"10"}}
	f1, err := oversight.FilterFromQuery(full)
	if err != nil {
		t.Fatal(err)
	}
	f2, err := oversight.FilterFromQuery(f1.Query())
	if err != nil || !reflect.DeepEqual(f1.Query(), f2.Query()) || !f1.From.Equal(f2.From) || !f1.To.Equal(f2.To) {
		t.Errorf("a filter read back from its query differs: %+v, %+v (%v)", f1, f2, err)
	}
	for _, bad := range []url.Values{{"from": {"2026-13-01"}}, {"to": {"March"}}, {"limit": {"0"}}, {"from": {"2026-04-01"}, "to": {"2026-03-01"}}} {
		if _, err := oversight.FilterFromQuery(bad); err == nil {
			t.Errorf("%v is accepted", bad)
		}
	}
}
