package huntpkg_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"renkei/internal/audit"
	"renkei/internal/hub"
	"renkei/internal/huntpkg"
	"renkei/internal/problem"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

func storyRules(t *testing.T) []huntpkg.RuleFile {
	t.Helper()
	b, err := os.ReadFile("testdata/story.yml")
	if err != nil {
		t.Fatal(err)
	}
	return []huntpkg.RuleFile{{Name: "story.yml", YAML: string(b)}}
}

func TestPublishScopeAndVisibility(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			w := newWorld(t, kind)
			pub, err := w.svc.Publish(ctx, w.callers["center"], huntpkg.PublishRequest{
				Title: "VPN intrusion sweep", TLP: "amber", Rules: storyRules(t), Indicators: []string{"203.0.113.7", "evil.example"},
				Scope: []huntpkg.ScopeEntry{{Kind: "sector", Value: "energy"}, {Kind: "sector", Value: "water"}},
			})
			if err != nil {
				t.Fatal(err)
			}
			if pub.RulesLoaded < 2 || len(pub.NotLoaded) != 0 {
				t.Fatalf("rules loaded %d, not loaded %v", pub.RulesLoaded, pub.NotLoaded)
			}
			if pub.Alerted != 3 {
				t.Errorf("alerted %d organizations, want 3 (Power Co, Grid Co, Water Works)", pub.Alerted)
			}
			id := pub.Package.ID
			for _, tc := range []struct {
				name    string
				login   string
				sees    bool
				inScope bool
			}{
				{"energy operator in scope", "power", true, true},
				{"sector matched without case", "grid", true, true},
				{"water utility in scope", "water", true, true},
				{"hospital out of scope", "hospital", false, false},
				{"transport out of scope", "rail", false, false},
				{"center publisher", "center", true, false},
				{"reporter role reads no content", "power-reporter", false, true},
				{"overseer reads no content", "overseer", false, false},
			} {
				t.Run(tc.name, func(t *testing.T) {
					_, _, _, err := w.svc.Get(ctx, w.callers[tc.login], id)
					if tc.sees != (err == nil) {
						t.Fatalf("Get: sees=%v, err=%v", tc.sees, err)
					}
					if err != nil && !errors.Is(err, store.ErrNotFound) {
						t.Fatalf("an invisible package must look absent, got %v", err)
					}
					list, err := w.svc.List(ctx, w.callers[tc.login], 0)
					if err != nil {
						t.Fatal(err)
					}
					if got := len(list) == 1 && list[0].ID == id; got != tc.sees {
						t.Fatalf("List: sees=%v, list=%v", tc.sees, list)
					}
					if tc.sees && list[0].InScope != tc.inScope {
						t.Errorf("in scope = %v, want %v", list[0].InScope, tc.inScope)
					}
					if got := len(w.alerts(t, tc.login, "hunt-package")) == 1; got != tc.inScope {
						t.Errorf("alerted = %v", got)
					}
				})
			}
		})
	}
}

func TestPublishRules(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, "sqlite")
	bad := huntpkg.RuleFile{Name: "bad.yml", YAML: "title: broken\nid: 11111111-2222-4333-8444-555555555555\nlogsource: {product: windows}\ndetection:\n  sel:\n    Image|nosuchmodifier: x\n  condition: sel\n"}
	for _, tc := range []struct {
		name, login string
		req         huntpkg.PublishRequest
		field       string
		notAllowed  bool
	}{
		{"member to another sector", "power", huntpkg.PublishRequest{Title: "x", TLP: "amber", Rules: storyRules(t), Scope: []huntpkg.ScopeEntry{{Kind: "sector", Value: "water"}}}, "scope", false},
		{"member to everyone", "power", huntpkg.PublishRequest{Title: "x", TLP: "amber", Rules: storyRules(t), Scope: []huntpkg.ScopeEntry{{Kind: "all"}}}, "scope", false},
		{"member to a group it is not in", "power", huntpkg.PublishRequest{Title: "x", TLP: "amber", Rules: storyRules(t), Scope: []huntpkg.ScopeEntry{{Kind: "group", Value: "Lifelines ISAC"}}}, "scope", false},
		{"unknown organization", "center", huntpkg.PublishRequest{Title: "x", TLP: "amber", Rules: storyRules(t), Scope: []huntpkg.ScopeEntry{{Kind: "org", Value: "Nobody"}}}, "scope", false},
		{"red", "center", huntpkg.PublishRequest{Title: "x", TLP: "red", Rules: storyRules(t), Scope: []huntpkg.ScopeEntry{{Kind: "all"}}}, "tlp", false},
		{"no title", "center", huntpkg.PublishRequest{TLP: "amber", Rules: storyRules(t), Scope: []huntpkg.ScopeEntry{{Kind: "all"}}}, "title", false},
		{"nothing to run", "center", huntpkg.PublishRequest{Title: "x", TLP: "amber", Scope: []huntpkg.ScopeEntry{{Kind: "all"}}}, "rules", false},
		{"a rule that does not load", "center", huntpkg.PublishRequest{Title: "x", TLP: "amber", Rules: append(storyRules(t), bad), Scope: []huntpkg.ScopeEntry{{Kind: "all"}}}, "rules", false},
		{"unreadable STIX indicator", "center", huntpkg.PublishRequest{Title: "x", TLP: "amber", Indicators: []string{"indicator--00000000-0000-4000-8000-000000000000"}, Scope: []huntpkg.ScopeEntry{{Kind: "all"}}}, "indicators", false},
		{"reporter may not publish", "power-reporter", huntpkg.PublishRequest{Title: "x", TLP: "amber", Rules: storyRules(t), Scope: []huntpkg.ScopeEntry{{Kind: "sector", Value: "energy"}}}, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := w.svc.Publish(ctx, w.callers[tc.login], tc.req)
			var fe problem.Problems
			switch {
			case tc.notAllowed:
				if !errors.Is(err, huntpkg.ErrNotAllowed) {
					t.Fatalf("want not allowed, got %v", err)
				}
			case !errors.As(err, &fe) || fe[0].Field != tc.field:
				t.Fatalf("want a %s error, got %v", tc.field, err)
			}
		})
	}
	t.Run("unloaded rule is named with its reason", func(t *testing.T) {
		p, err := w.svc.Publish(ctx, w.callers["center"], huntpkg.PublishRequest{Title: "x", TLP: "amber", Rules: append(storyRules(t), bad), Scope: []huntpkg.ScopeEntry{{Kind: "all"}}})
		if err == nil || p == nil || len(p.NotLoaded) != 1 || p.NotLoaded[0].Path != "bad.yml" || !strings.Contains(p.NotLoaded[0].Reason, "nosuchmodifier") {
			t.Fatalf("got %v, %+v", err, p)
		}
		p, err = w.svc.Publish(ctx, w.callers["center"], huntpkg.PublishRequest{Title: "x", TLP: "amber", Rules: append(storyRules(t), bad), Scope: []huntpkg.ScopeEntry{{Kind: "all"}}, AllowUnloaded: true})
		if err != nil || len(p.NotLoaded) != 1 {
			t.Fatalf("allow unloaded: %v", err)
		}
	})
	t.Run("member to its own sector and group", func(t *testing.T) {
		p, err := w.svc.Publish(ctx, w.callers["water"], huntpkg.PublishRequest{Title: "ours", TLP: "amber+strict", Rules: storyRules(t),
			Scope: []huntpkg.ScopeEntry{{Kind: "sector", Value: "water"}, {Kind: "group", Value: "Lifelines ISAC"}}})
		if err != nil {
			t.Fatal(err)
		}
		// Rail Co is in the group; the center is not addressed and AMBER+STRICT keeps it out.
		if _, _, _, err := w.svc.Get(ctx, w.callers["rail"], p.Package.ID); err != nil {
			t.Errorf("group member: %v", err)
		}
		if _, _, _, err := w.svc.Get(ctx, w.callers["center"], p.Package.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("center sees an AMBER+STRICT package not addressed to it: %v", err)
		}
	})
}

// TestStrictPackageReadsAreLoggedFirst: reading an AMBER+STRICT package (or
// its findings) is in the audit log before it is returned, with the entry's
// index as the receipt (rule C7); an AMBER one needs no record; and with the
// log unavailable nothing is returned.
func TestStrictPackageReadsAreLoggedFirst(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, "sqlite")
	publish := func(tlp string) string {
		pub, err := w.svc.Publish(ctx, w.callers["center"], huntpkg.PublishRequest{Title: "sweep " + tlp, TLP: tlp, Rules: storyRules(t),
			Scope: []huntpkg.ScopeEntry{{Kind: "org", Value: "Power Co"}}})
		if err != nil {
			t.Fatal(err)
		}
		return pub.Package.ID
	}
	strict, amber := publish("amber+strict"), publish("amber")
	before, err := w.h.Audit.Size(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, idx, err := w.svc.Get(ctx, w.callers["power"], amber); err != nil || idx != 0 {
		t.Fatalf("AMBER package: receipt %d, %v; want no record", idx, err)
	}
	p, _, idx, err := w.svc.Get(ctx, w.callers["power"], strict)
	if err != nil || p == nil || idx < before {
		t.Fatalf("AMBER+STRICT package: receipt %d (log had %d entries), %v", idx, before, err)
	}
	// Closing waits for a checkpoint that covers every entry.
	if err := w.h.Audit.Close(); err != nil {
		t.Fatal(err)
	}
	v, err := audit.NewVerifier(w.h.Audit.VerifierKey())
	if err != nil {
		t.Fatal(err)
	}
	f, err := audit.NewFetcher(w.h.Audit.Dir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	logged := false
	if _, err := audit.Scan(ctx, f, []note.Verifier{v}, func(i uint64, e audit.Entry) error {
		if i == idx && e.Action == audit.ActionObjectRead && e.ObjectID == "hunting-package:"+strict && e.User == "power" {
			logged = true
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !logged {
		t.Fatalf("entry %d does not record power reading %s", idx, strict)
	}
	if p, _, _, err := w.svc.Get(ctx, w.callers["power"], strict); !errors.Is(err, hub.ErrAuditUnavailable) || p != nil {
		t.Fatalf("with the log closed: %v, package returned: %v", err, p != nil)
	}
	if _, _, _, err := w.svc.Get(ctx, w.callers["power"], amber); err != nil {
		t.Fatalf("an AMBER package needs no record and is still served: %v", err)
	}
}
