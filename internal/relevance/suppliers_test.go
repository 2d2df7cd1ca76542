package relevance_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"

	"renkei/internal/auth"
	"renkei/internal/hub"
	"renkei/internal/policy"
	"renkei/internal/relevance"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
	"renkei/internal/vuln"
)

// openVEX is a vendor's OpenVEX document saying CVE-2026-99001 does not
// affect SecureGate 7.0.1, signed with whatever author string it likes.
func openVEX(author string) []byte {
	return []byte(`{
  "@context": "https://openvex.dev/ns/v0.2.0",
  "@id": "https://example.org/vex/2026-0001",
  "author": "` + author + `",
  "timestamp": "2026-11-26T12:00:00Z",
  "version": 1,
  "statements": [{
    "vulnerability": {"name": "CVE-2026-99001"},
    "products": [{"@id": "cpe:2.3:o:example_networks:securegate:7.0.1:*:*:*:*:*:*:*"}],
    "status": "not_affected",
    "justification": "vulnerable_code_not_in_execute_path",
    "impact_statement": "The SSL-VPN portal is not enabled in this build."
  }]
}`)
}

// csafVEX is the same statement as a CSAF 2.0 VEX document.
func csafVEX(publisher string) []byte {
	return []byte(`{
  "document": {
    "category": "csaf_vex", "csaf_version": "2.0", "title": "SecureGate not affected",
    "publisher": {"category": "vendor", "name": "` + publisher + `", "namespace": "https://example.org"},
    "tracking": {"id": "X-2026-1", "status": "final", "version": "1", "initial_release_date": "2026-11-26T12:00:00Z", "current_release_date": "2026-11-26T12:00:00Z",
      "revision_history": [{"date": "2026-11-26T12:00:00Z", "number": "1", "summary": "Initial"}]}
  },
  "product_tree": {"branches": [{"category": "vendor", "name": "Example Networks", "branches": [{"category": "product_name", "name": "SecureGate", "branches": [
    {"category": "product_version", "name": "7.0.1", "product": {"product_id": "SG-7.0.1", "name": "SecureGate 7.0.1",
      "product_identification_helper": {"cpe": "cpe:2.3:o:example_networks:securegate:7.0.1:*:*:*:*:*:*:*"}}}]}]}]},
  "vulnerabilities": [{"cve": "CVE-2026-99001", "product_status": {"known_not_affected": ["SG-7.0.1"]},
    "flags": [{"label": "vulnerable_code_not_in_execute_path", "product_ids": ["SG-7.0.1"]}]}]
}`)
}

// centerAnalyst is a center analyst, its caller and viewer.
func centerAnalyst(t *testing.T, e *env) (auth.Caller, policy.Viewer) {
	t.Helper()
	ctx := context.Background()
	u, err := hub.AddUser(ctx, e.h.DB, "kanshi", e.h.Center().ID, "analyst", "", now)
	if err != nil {
		t.Fatal(err)
	}
	c := auth.Caller{User: u, Org: e.h.Center()}
	v, err := e.h.Viewer(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	return c, v
}

// recorder stands in for the audit log: it checks that each change is
// recorded before it takes effect (the register does not hold it yet).
type recorder struct {
	t       *testing.T
	s       *relevance.Service
	actions []string
}

func (r *recorder) record(ctx context.Context, c auth.Caller, action, object string, detail map[string]string) (uint64, error) {
	sps, err := r.s.Suppliers(ctx, policy.System(), "")
	if err != nil {
		r.t.Fatal(err)
	}
	for _, sp := range sps {
		if action == "supplier.register" && (sp.CPEKey == detail["cpe_key"] && sp.CPEKey != "" || sp.PURLKey == detail["purl_key"] && sp.PURLKey != "") {
			r.t.Errorf("%s recorded after it took effect", action)
		}
	}
	if action == "supplier.remove" && len(sps) == 0 {
		r.t.Errorf("%s recorded after it took effect", action)
	}
	r.actions = append(r.actions, action+" "+object)
	return uint64(len(r.actions)), nil
}

// story5 plays step 5 (the town hall's and the hospital's KEV finding),
// adds a second vendor and a center analyst, and returns them.
func story5(t *testing.T, kind string) (*env, store.Org, auth.Caller, policy.Viewer, *recorder) {
	t.Helper()
	ctx := context.Background()
	e := newEnv(t, kind)
	if _, err := e.s.Story5(ctx, e.town.ID, e.hosp.ID, now); err != nil {
		t.Fatal(err)
	}
	other, err := hub.AddOrg(ctx, e.h.DB, "Rival Appliances KK", "vendor", "it", now)
	if err != nil {
		t.Fatal(err)
	}
	c, v := centerAnalyst(t, e)
	r := &recorder{t: t, s: e.s}
	e.s.Record = r.record
	return e, other, c, v, r
}

// openKEV reports whether org's finding of CVE-2026-99001 is known
// exploited and not suppressed, and returns it.
func openKEV(t *testing.T, e *env, s *relevance.Service, org string) (vuln.Finding, bool) {
	t.Helper()
	fs, err := s.Findings(context.Background(), e.as(org))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		if f.Vulnerability == "CVE-2026-99001" {
			return f, f.KnownExploited && !f.Suppressed()
		}
	}
	t.Fatalf("%s has no finding of CVE-2026-99001: %+v", org, fs)
	return vuln.Finding{}, false
}

// TestVendorVEXOnlyForOwnProducts: a vendor's OpenVEX or CSAF statement
// about another vendor's product is refused, whatever author it claims;
// one that reached the store anyway (published before the register
// existed) never suppresses a finding, not even after a reload. Once the
// center registers the vendor as the product's supplier, its statement
// applies. Only the center maintains the register.
func TestVendorVEXOnlyForOwnProducts(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e, rival, c, v, rec := story5(t, kind)
			docs := []struct {
				name, kind string
				data       []byte
			}{
				{"OpenVEX", "vex", openVEX("Example Networks PSIRT")},
				{"CSAF", "csaf", csafVEX("Example Networks K.K.")},
				{"CSAF as VEX", "vex", csafVEX("Example Networks K.K.")},
			}
			for _, d := range docs {
				_, out, err := e.s.Publish(ctx, e.as(rival.ID), rival, relevance.PublishInput{Kind: d.kind, Product: "SecureGate", Source: "upload", Data: d.data})
				var ns *relevance.NotSupplierError
				if !errors.As(err, &ns) || !strings.Contains(err.Error(), "cpe:example_networks:securegate") {
					t.Fatalf("%s about another vendor's product: err %v, want a refusal naming the product", d.name, err)
				}
				if out.Alerts != 0 {
					t.Errorf("%s: a refused publication alerted", d.name)
				}
			}
			if ps, _ := e.s.Publications(ctx, e.as(rival.ID), rival.ID); len(ps) != 0 {
				t.Fatalf("refused publications were kept: %+v", ps)
			}
			// A publication stored before the rule: it enters the engine bound
			// to its publisher, and says nothing about others' products.
			var id int64
			if err := e.h.DB.QueryRow(ctx, "INSERT INTO vuln_publications(org_id, kind, product, created_at) VALUES(?, 'vex', 'SecureGate', 0) RETURNING id", rival.ID).Scan(&id); err != nil {
				t.Fatal(err)
			}
			if _, err := e.s.ImportDocuments(ctx, []relevance.Input{{Source: "publication:" + itoa(id), Data: openVEX("Example Networks")}}); err != nil {
				t.Fatal(err)
			}
			for _, s := range []*relevance.Service{e.s, relevance.New(e.h.DB, e.h.Alerts, nil)} {
				for _, org := range []string{e.town.ID, e.hosp.ID} {
					if f, open := openKEV(t, e, s, org); !open {
						t.Fatalf("another vendor's statement suppressed a known-exploited finding: %+v", f.SuppressedBy)
					}
				}
				if ex, err := s.Exposure(ctx, e.center, "CVE-2026-99001"); err != nil || ex.Members != 2 {
					t.Fatalf("exposure %+v %v, want 2 members", ex, err)
				}
			}
			// Only the center maintains the register.
			townUser, err := hub.AddUser(ctx, e.h.DB, "town-admin", e.town.ID, "org-admin", "", now)
			if err != nil {
				t.Fatal(err)
			}
			tc := auth.Caller{User: townUser, Org: e.town}
			tv, _ := e.h.Viewer(ctx, tc)
			if _, err := e.s.AddSupplier(ctx, tc, tv, relevance.SupplierInput{Org: rival.ID, CPE: "example_networks:securegate"}); !errors.Is(err, hub.ErrForbidden) {
				t.Fatalf("a member registered a supplier: %v", err)
			}
			sp, err := e.s.AddSupplier(ctx, c, v, relevance.SupplierInput{Org: e.vendor.Name, Name: "SecureGate", CPE: "cpe:2.3:o:example_networks:securegate:*:*:*:*:*:*:*:*"})
			if err != nil || sp.CPEKey != "cpe:example_networks:securegate" {
				t.Fatalf("register: %+v %v", sp, err)
			}
			if _, err := e.s.AddSupplier(ctx, c, v, relevance.SupplierInput{Org: rival.ID, CPE: "Example Networks:SecureGate"}); err == nil || !strings.Contains(err.Error(), "registered already") {
				t.Fatalf("a second supplier of one product: %v", err)
			}
			if len(rec.actions) != 1 || rec.actions[0] != "supplier.register supplier:"+e.vendor.ID {
				t.Fatalf("audit = %v", rec.actions)
			}
			// The registered supplier's CSAF statement applies; the rival's
			// still may not.
			if _, _, err := e.s.Publish(ctx, e.as(rival.ID), rival, relevance.PublishInput{Kind: "csaf", Product: "SecureGate", Data: csafVEX("Example Networks K.K.")}); err == nil {
				t.Fatal("the rival published for a product registered to another vendor")
			}
			if _, _, err := e.s.Publish(ctx, e.as(e.vendor.ID), e.vendor, relevance.PublishInput{Kind: "csaf", Product: "SecureGate", Data: csafVEX("Example Networks K.K.")}); err != nil {
				t.Fatal(err)
			}
			if f, open := openKEV(t, e, e.s, e.town.ID); open || f.SuppressedBy.Author != e.vendor.Name {
				t.Fatalf("the supplier's statement does not apply: %+v", f.SuppressedBy)
			}
			// Removing the entry takes the vendor's word off the product.
			if err := e.s.RemoveSupplier(ctx, c, v, sp.PublicID); err != nil {
				t.Fatal(err)
			}
			if _, open := openKEV(t, e, e.s, e.town.ID); !open {
				t.Fatal("a former supplier's statement still suppresses")
			}
		})
	}
}

// TestVEXAuthorIsPublisher: the author shown for a published statement is
// the publishing organization, whatever the document claims, now and after
// a reload.
func TestVEXAuthorIsPublisher(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e, _, c, v, _ := story5(t, kind)
			if _, err := e.s.AddSupplier(ctx, c, v, relevance.SupplierInput{Org: e.vendor.ID, CPE: "example_networks:securegate"}); err != nil {
				t.Fatal(err)
			}
			if _, _, err := e.s.Publish(ctx, e.as(e.vendor.ID), e.vendor, relevance.PublishInput{Kind: "vex", Product: "SecureGate", Data: openVEX("CISA Coordinated Vulnerability Disclosure")}); err != nil {
				t.Fatal(err)
			}
			for _, s := range []*relevance.Service{e.s, relevance.New(e.h.DB, e.h.Alerts, nil)} {
				f, open := openKEV(t, e, s, e.hosp.ID)
				if open || f.SuppressedBy.Author != "Example Networks KK" {
					t.Fatalf("suppressed by %+v, want the author to be the publishing organization", f.SuppressedBy)
				}
			}
		})
	}
}

// TestKEVSuppressionAlerts: when a statement suppresses a known-exploited
// finding, each affected member gets one alert saying who suppressed it
// and why, and the center one alert by sector and count.
func TestKEVSuppressionAlerts(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e, _, c, v, _ := story5(t, kind)
			if _, err := e.s.AddSupplier(ctx, c, v, relevance.SupplierInput{Org: e.vendor.ID, CPE: "example_networks:securegate"}); err != nil {
				t.Fatal(err)
			}
			_, out, err := e.s.Publish(ctx, e.as(e.vendor.ID), e.vendor, relevance.PublishInput{Kind: "vex", Product: "SecureGate", Data: openVEX("Example Networks PSIRT")})
			if err != nil {
				t.Fatal(err)
			}
			if out.Alerts != 3 {
				t.Errorf("alerts raised = %d, want 3 (town hall, hospital, center)", out.Alerts)
			}
			suppressionAlerts := func(org string) []store.Alert {
				var out []store.Alert
				for _, a := range alertsOf(t, e, org) {
					if a.Kind == relevance.KindSuppressionAlert {
						out = append(out, a)
					}
				}
				return out
			}
			for _, org := range []string{e.town.ID, e.hosp.ID} {
				as := suppressionAlerts(org)
				if len(as) != 1 {
					t.Fatalf("%s has %d suppression alerts, want 1", org, len(as))
				}
				a := as[0]
				for _, want := range []string{"CVE-2026-99001", "Example Networks KK", "非該当", "suppressed by a VEX statement"} {
					if !strings.Contains(a.Title, want) {
						t.Errorf("title %q lacks %q", a.Title, want)
					}
				}
				for _, want := range []string{"SecureGate", "vulnerable_code_not_in_execute_path", "Confirm the grounds with the supplier"} {
					if !strings.Contains(a.Body, want) {
						t.Errorf("body lacks %q:\n%s", want, a.Body)
					}
				}
			}
			as := suppressionAlerts(e.h.Center().ID)
			if len(as) != 1 || !strings.Contains(as[0].Title, "2 members") || !strings.Contains(as[0].Body, "local-government 1") || !strings.Contains(as[0].Body, "medical 1") {
				t.Fatalf("center's suppression alerts: %+v", as)
			}
			if strings.Contains(as[0].Body, e.town.Name) || strings.Contains(as[0].Body, e.hosp.Name) {
				t.Errorf("the center's alert names members:\n%s", as[0].Body)
			}
			// The same statement again suppresses nothing new: no alert.
			_, out, err = e.s.Publish(ctx, e.as(e.vendor.ID), e.vendor, relevance.PublishInput{Kind: "csaf", Product: "SecureGate", Data: csafVEX("Example Networks K.K.")})
			if err != nil || out.Alerts != 0 {
				t.Fatalf("a repeated suppression alerted %d times (%v)", out.Alerts, err)
			}
		})
	}
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }

// TestKEVSuppressionAlertedOncePerRecipient: a suppression is alerted once
// to each recipient — each affected member and the center — however many
// hub nodes see it and however often: the alert's cause (the member's
// finding and the suppressing document) is claimed in the store first.
// Each node here is its own service on the one store, loaded before the
// statement arrives, and takes the statement as a node does: importing the
// center's feed document of the vendor's CSAF VEX (ImportDocuments).
func TestKEVSuppressionAlertedOncePerRecipient(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e, _, _, _, _ := story5(t, kind)
			nodes := []*relevance.Service{e.s}
			for range 3 {
				nodes = append(nodes, relevance.New(e.h.DB, e.h.Alerts, nil))
			}
			for _, n := range nodes {
				for _, org := range []string{e.town.ID, e.hosp.ID} {
					if _, open := openKEV(t, e, n, org); !open {
						t.Fatalf("%s: the finding is not open before the statement", org)
					}
				}
			}
			count := func() map[string]int {
				out := map[string]int{}
				for _, org := range []string{e.town.ID, e.hosp.ID, e.h.Center().ID} {
					for _, a := range alertsOf(t, e, org) {
						if a.Kind == relevance.KindSuppressionAlert {
							out[org]++
						}
					}
				}
				return out
			}
			// A revision of a document is new bytes under the same source:
			// each node that has not seen the source yet finds the
			// suppression in it.
			const feed = "https://example.org/csaf/securegate-vex.json"
			revision := func(n int) []byte { return append(csafVEX("Example Networks K.K."), strings.Repeat("\n", n)...) }
			imp := func(n *relevance.Service, source string, data []byte) int {
				res, err := n.ImportDocuments(ctx, []relevance.Input{{Source: source, Data: data}})
				if err != nil || len(res.Documents) != 1 || res.Documents[0].Error != "" {
					t.Errorf("import %s: %+v %v", source, res.Documents, err)
				}
				return res.Outcome.Alerts
			}
			// Two nodes take two revisions at once.
			var wg sync.WaitGroup
			raised := make([]int, 2)
			for i := range raised {
				wg.Add(1)
				go func() {
					defer wg.Done()
					raised[i] = imp(nodes[i], feed, revision(i))
				}()
			}
			wg.Wait()
			if got := count(); got[e.town.ID] != 1 || got[e.hosp.ID] != 1 || got[e.h.Center().ID] != 1 || raised[0]+raised[1] != 3 {
				t.Fatalf("nodes racing: suppression alerts per recipient %v, raised %v: want one each, three in all", got, raised)
			}
			// A third node, still holding the findings open, takes a later
			// revision: the same cause, claimed already, so nothing is raised.
			if n := imp(nodes[2], feed, revision(2)); n != 0 {
				t.Fatalf("a node that saw the suppression late raised %d alerts again", n)
			}
			for _, org := range []string{e.town.ID, e.hosp.ID} {
				if _, open := openKEV(t, e, nodes[2], org); open {
					t.Fatalf("%s: the late node does not apply the statement", org)
				}
			}
			if got := count(); got[e.town.ID] != 1 || got[e.hosp.ID] != 1 || got[e.h.Center().ID] != 1 {
				t.Fatalf("after a late node: suppression alerts per recipient %v, want one each", got)
			}
			// Another document suppressing the same findings is a new cause:
			// one more alert per recipient.
			if n := imp(nodes[3], "https://example.org/csaf/mirror/securegate-vex.json", revision(0)); n != 3 {
				t.Fatalf("a new suppressing document raised %d alerts, want 3", n)
			}
			if got := count(); got[e.town.ID] != 2 || got[e.hosp.ID] != 2 || got[e.h.Center().ID] != 2 {
				t.Fatalf("after a new cause: suppression alerts per recipient %v, want two each", got)
			}
		})
	}
}
