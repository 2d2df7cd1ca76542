package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"renkei/internal/client"
	"renkei/internal/hubtest"
	"renkei/internal/relevance"
	"renkei/internal/store/storetest"
)

// TestVulnerabilityAPI walks the relevance API on each store: a member
// registers connection points by JSON and CSV, a KEV entry and advisory
// land, the member reads what affects it, another member sees none of it,
// and only the center sees exposure — by sector, without names.
func TestVulnerabilityAPI(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			h := hubtest.New(t, kind, hubtest.WithAudit())
			now := h.Now.UTC()
			h.Org("Town", "local-government", "local-government")
			h.Org("Hospital", "medical", "medical")
			h.Org("Vendor KK", "vendor", "it")
			h.User("analyst", h.Center().Name, "analyst")
			h.Overseer("overseer")
			h.User("town", "Town", "analyst")
			h.User("town-viewer", "Town", "viewer")
			h.User("hosp", "Hospital", "analyst")
			h.User("psirt", "Vendor KK", "reporter")
			s := serve(t, h)
			analyst, overseer, town, viewer, hosp, psirt := s.as("analyst"), s.as("overseer"), s.as("town"), s.as("town-viewer"), s.as("hosp"), s.as("psirt")
			cp := client.ConnectionPointRequest{Kind: "vpn", Vendor: "Example Networks", Product: "SecureGate", Version: "7.0.1", Address: "203.0.113.7"}
			if _, err := viewer.AddConnectionPoint(ctx, cp); status(err) != 403 {
				t.Fatalf("a viewer registered a device: %v", err)
			}
			if _, err := town.AddConnectionPoint(ctx, client.ConnectionPointRequest{Kind: "router", Vendor: "x", Product: "y"}); status(err) != 400 || !strings.Contains(description(err), "kind") {
				t.Fatalf("bad kind: %v", err)
			}
			added, err := town.AddConnectionPoint(ctx, cp)
			if err != nil {
				t.Fatalf("add: %v", err)
			}
			id := added.ConnectionPoint.ID
			if _, err := hosp.ImportConnectionPoints(ctx, []byte("kind,vendor,product,version\nvpn,Example Networks,SecureGate,7.0.1\nrouter,a,b,1\n")); status(err) != 400 || !strings.Contains(description(err), "line 3") {
				t.Fatalf("bad CSV: %v", err)
			}
			if imp, err := hosp.ImportConnectionPoints(ctx, []byte("kind,vendor,product,version\nvpn,Example Networks,SecureGate,7.0.1\n")); err != nil || imp.Imported != 1 {
				t.Fatalf("CSV: %v %+v", err, imp)
			}
			kev, csaf := relevance.StoryDocuments(now)
			res, err := s.App.Relevance.ImportDocuments(ctx, []relevance.Input{{Source: "kev", Data: kev}, {Source: "csaf", Data: csaf}})
			if err != nil || res.Alerts != 2 {
				t.Fatalf("import: %+v %v", res, err)
			}
			fs, err := viewer.AffectingUs(ctx, false)
			if err != nil || len(fs) != 1 || !fs[0].KnownExploited || fs[0].FixedVersion != "7.0.2" {
				t.Fatalf("affecting us: %v %+v", err, fs)
			}
			if fs, err := psirt.AffectingUs(ctx, false); err != nil || len(fs) != 0 {
				t.Fatalf("the vendor sees findings of others: %v %+v", err, fs)
			}
			if err := hosp.DeleteConnectionPoint(ctx, id); status(err) != 404 {
				t.Fatalf("another member deleted the town's device: %v", err)
			}
			if _, err := town.Exposure(ctx, "CVE-2026-99001"); status(err) != 403 {
				t.Fatalf("a member read exposure: %v", err)
			}
			ex, err := analyst.Exposure(ctx, "CVE-2026-99001")
			if err != nil || ex.Members != 2 {
				t.Fatalf("exposure: %v %+v", err, ex)
			}
			if b, _ := json.Marshal(ex); strings.Contains(string(b), "Town") || strings.Contains(string(b), "identity--") {
				t.Fatalf("exposure names a member: %s", b)
			}
			label := client.PublicationRequest{Kind: "label", Product: "Cam", LabelLevel: 3}
			if _, err := town.Publish(ctx, label); status(err) != 403 {
				t.Fatalf("a town hall published as a vendor: %v", err)
			}
			if _, err := psirt.Publish(ctx, label); err != nil {
				t.Fatalf("label: %v", err)
			}
			sb, _ := json.Marshal(map[string]any{"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
				"metadata":   map[string]any{"component": map[string]any{"type": "application", "name": "PACS", "version": "4.2"}},
				"components": []any{map[string]any{"type": "library", "name": "log4j-core", "version": "2.14.1", "purl": "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"}}})
			if _, err := hosp.RegisterSBOM(ctx, "", sb); err != nil {
				t.Fatalf("SBOM: %v", err)
			}
			if _, err := hosp.RegisterSBOM(ctx, "", []byte("not an sbom")); status(err) != 400 {
				t.Fatalf("bad SBOM: %v", err)
			}
			if bs, err := hosp.SBOMs(ctx); err != nil || len(bs) != 1 {
				t.Fatalf("SBOMs: %v %+v", err, bs)
			}
			if _, err := overseer.ConnectionPoints(ctx, false); status(err) != 403 {
				t.Fatalf("an overseer read the register: %v", err)
			}
			if _, err := analyst.AddFeed(ctx, client.FeedRequest{URL: "https://example.com/kev.json", Format: "kev", Interval: "12h"}); err != nil {
				t.Fatalf("feed: %v", err)
			}
			if l, err := analyst.Feeds(ctx); err != nil || len(l) != 1 {
				t.Fatalf("feeds: %v %+v", err, l)
			}
		})
	}
}

// TestProductCatalogueAPI: any member asks the catalogue for the names a
// connection point can be registered under, and a registered point says
// which catalogue product it is matched as.
func TestProductCatalogueAPI(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := hubtest.New(t, "sqlite", hubtest.WithAudit())
	h.Org("Town", "local-government", "local-government")
	h.User("town", "Town", "analyst")
	s := serve(t, h)
	town := s.as("town")
	cat, err := town.Products(ctx, "pulse", 10)
	if err != nil || len(cat.Products) == 0 || cat.Products[0].Vendor != "Ivanti" || cat.Products[0].Name != "Connect Secure" || cat.Products[0].Key != "cpe:ivanti:connect_secure" {
		t.Fatalf("products?q=pulse: %+v %v", cat, err)
	}
	if _, err := town.Products(ctx, "", 5000); status(err) != 400 {
		t.Fatalf("limit 5000: %v", err)
	}
	added, err := town.AddConnectionPoint(ctx, client.ConnectionPointRequest{Kind: "vpn", Vendor: "Pulse Secure", Product: "Pulse Connect Secure", Version: "9.1R18"})
	if err != nil || strings.Join(added.ConnectionPoint.Products, ",") != "Ivanti Connect Secure" {
		t.Fatalf("add: %+v %v", added, err)
	}
}

// TestSBOMRefusalsThroughTheOneMapping: registering an SBOM answers through
// api/problems.go — a document the reader cannot read is 400 "invalid
// SBOM" with the reader's sentence, a role that may not register is 403 —
// and the handler tests no kind of refusal itself.
func TestSBOMRefusalsThroughTheOneMapping(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := hubtest.New(t, "sqlite", hubtest.WithAudit())
	h.Org("Town", "local-government", "local-government")
	h.User("town", "Town", "analyst")
	h.User("town-viewer", "Town", "viewer")
	s := serve(t, h)
	_, err := s.as("town").RegisterSBOM(ctx, "portal", []byte("not an SBOM"))
	var ae *client.APIError
	if status(err) != 400 || !errors.As(err, &ae) || ae.Title() != "invalid SBOM" || description(err) == "" {
		t.Errorf("an unreadable SBOM: %v", err)
	}
	if _, err := s.as("town-viewer").RegisterSBOM(ctx, "portal", []byte(`{"bomFormat":"CycloneDX","specVersion":"1.6","components":[]}`)); status(err) != 403 {
		t.Errorf("a viewer registered an SBOM: %v", err)
	}
}
