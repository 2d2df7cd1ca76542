package huntpkg_test

import (
	"context"
	"strings"
	"testing"

	"renkei/internal/huntpkg"
	"renkei/internal/problem"
	"renkei/internal/store/storetest"
)

// TestPackageIndicatorsPassTheExportGate: nothing reaches a member's sweep
// as malicious that would not reach its blocklist. A package whose
// indicators hold a public resolver, a whole /8, a public suffix or a name
// the center listed is refused, naming each value and the gate's reason;
// the same package without them is published.
func TestPackageIndicatorsPassTheExportGate(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			w := newWorld(t, kind)
			ctx := context.Background()
			if _, err := w.exports.Edit(ctx, w.callers["center"], "center-top-sites", "hostname", []string{"google.com"}, false); err != nil {
				t.Fatal(err)
			}
			hostile := []string{"8.8.8.8", "45.0.0.0/8", "co.jp", "www.google.com", "10.1.2.3"}
			req := huntpkg.PublishRequest{Title: "Sweep", TLP: "amber", Rules: storyRules(t), Scope: []huntpkg.ScopeEntry{{Kind: "all"}},
				Indicators: append([]string{"c2.renkei-test.jp", "203.0.113.7", "Invoke-Mimikatz"}, hostile...)}
			_, err := w.svc.Publish(ctx, w.callers["center"], req)
			if !problem.IsRefusal(err) || !strings.Contains(err.Error(), "export gate") {
				t.Fatalf("a package of hostile indicators: %v", err)
			}
			for _, v := range hostile {
				if !strings.Contains(err.Error(), `"`+v+`"`) {
					t.Errorf("the refusal does not name %s: %v", v, err)
				}
			}
			for _, v := range []string{"c2.renkei-test.jp", "203.0.113.7", "Invoke-Mimikatz"} {
				if strings.Contains(err.Error(), `"`+v+`"`) {
					t.Errorf("the refusal names the ordinary indicator %s: %v", v, err)
				}
			}
			req.Indicators = req.Indicators[:3]
			if _, err := w.svc.Publish(ctx, w.callers["center"], req); err != nil {
				t.Fatalf("the package without them: %v", err)
			}
		})
	}
}
