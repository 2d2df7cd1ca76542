package huntpkg_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"renkei/internal/hub"
	"renkei/internal/huntpkg"
	"renkei/internal/policy"
	"renkei/internal/problem"
)

// TestPublishWithSTIXIndicator: a STIX indicator id is replaced by the values
// of its pattern, for a publisher who may read it, and refused otherwise.
func TestPublishWithSTIXIndicator(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, "sqlite")
	id := "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"
	bundle := fmt.Sprintf(`{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[{"type":"indicator","spec_version":"2.1","id":%q,
		"created":"2026-11-01T00:00:00.000Z","modified":"2026-11-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '198.51.100.23'] OR [domain-name:value = 'c2.example']",
		"pattern_type":"stix","valid_from":"2026-11-01T00:00:00.000Z","indicator_types":["malicious-activity"],"object_marking_refs":[%q]}]}`, id, policy.MarkingAmber)
	coll, err := w.h.DB.Collection(ctx, hub.MembersCollection)
	if err != nil {
		t.Fatal(err)
	}
	st, err := w.h.Submit(ctx, w.callers["power"], coll, strings.NewReader(bundle))
	if err != nil || st.Success != 1 {
		t.Fatalf("submit: %v %+v", err, st)
	}
	p, err := w.svc.Publish(ctx, w.callers["center"], huntpkg.PublishRequest{Title: "C2 sweep", TLP: "amber", Indicators: []string{id, "extra.example"},
		Scope: []huntpkg.ScopeEntry{{Kind: "sector", Value: "energy"}}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, in := range p.Package.Indicators {
		got = append(got, in.Value+"|"+in.STIXID)
	}
	if strings.Join(got, " ") != "198.51.100.23|"+id+" c2.example|"+id+" extra.example|" {
		t.Fatalf("indicators: %v", got)
	}
	// The hospital may not read Power Co's AMBER indicator, so it cannot put it in a package.
	_, err = w.svc.Publish(ctx, w.callers["hospital"], huntpkg.PublishRequest{Title: "x", TLP: "amber", Indicators: []string{id},
		Scope: []huntpkg.ScopeEntry{{Kind: "org", Value: "Power Co"}}})
	var fe problem.Problems
	if !errors.As(err, &fe) || fe[0].Field != "indicators" {
		t.Fatalf("want an indicators error, got %v", err)
	}
}
