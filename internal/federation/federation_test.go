package federation_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"renkei/internal/auth"
	"renkei/internal/federation"
	"renkei/internal/hub"
	"renkei/internal/hubtest"
	"renkei/internal/policy"
	"renkei/internal/problem"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
	"renkei/internal/taxii"
)

// operator is this machine's operator acting for the center.
func operator(h *hubtest.Hub) auth.Caller { return auth.System("cli:test", h.Center()) }

func partner(name, url string) federation.NewPartner {
	return federation.NewPartner{Name: name, Kind: federation.KindTAXII, URL: url, Secret: "env:RENKEI_TEST_PARTNER_TOKEN",
		Direction: federation.Pull, Collections: []string{hub.MembersCollection},
		Agreement: policy.Agreement{TLPMax: policy.Green, AllowInside: true}}
}

// TestPartnersAreTheCentersAndLoggedFirst: only the center makes a
// partner; a partner is refused without its act in the audit log, with an
// agreement letting AMBER+STRICT or RED leave, with the secret itself
// instead of where to read it, and with a URL inside the hub's network
// unless its agreement allows it; the committee sees the agreement, a
// member sees nothing.
func TestPartnersAreTheCentersAndLoggedFirst(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			h := hubtest.New(t, kind, hubtest.WithAudit())
			h.Org("Sakura ISAC", "operator", "energy")
			h.User("isac-admin", "Sakura ISAC", "org-admin")
			h.Overseer("iinkai")
			fed := h.App.Federation

			if _, err := fed.Add(ctx, h.Caller("isac-admin"), partner("cert-x", "https://taxii.example.org/api1/")); !errors.Is(err, problem.ErrForbidden) {
				t.Fatalf("a member's administrator added a partner: %v", err)
			}
			for _, c := range []struct {
				name  string
				edit  func(*federation.NewPartner)
				field string
			}{
				{"AMBER+STRICT may leave", func(n *federation.NewPartner) { n.Agreement.TLPMax = policy.AmberStrict }, "agreement"},
				{"RED may leave", func(n *federation.NewPartner) { n.Agreement.TLPMax = policy.Red }, "agreement"},
				{"the secret itself", func(n *federation.NewPartner) { n.Secret = "s3cr3t-token-value" }, "secret"},
				{"loopback without the agreement allowing it", func(n *federation.NewPartner) {
					n.URL, n.Agreement.AllowInside = "http://127.0.0.1:9/taxii2/api/", false
				}, "url"},
				{"private range", func(n *federation.NewPartner) { n.URL, n.Agreement.AllowInside = "https://10.1.2.3/api/", false }, "url"},
				{"no collection", func(n *federation.NewPartner) { n.Collections = nil }, "collection"},
				{"a name that is no login", func(n *federation.NewPartner) { n.Name = "CERT X" }, "name"},
			} {
				n := partner("cert-x", "https://taxii.example.org/api1/")
				c.edit(&n)
				_, err := fed.Add(ctx, operator(h), n)
				var ps problem.Problems
				if !errors.As(err, &ps) || !strings.Contains(err.Error(), c.field+":") {
					t.Errorf("%s: %v, want a problem with %s", c.name, err, c.field)
				}
				if err != nil && strings.Contains(err.Error(), "s3cr3t") {
					t.Errorf("%s: the refusal repeats the secret: %v", c.name, err)
				}
			}

			// The log refuses: nothing is made, not even the organization.
			record := fed.Record
			fed.Record = func(context.Context, auth.Caller, string, string, map[string]string) (uint64, error) {
				return 0, problem.ErrAuditUnavailable
			}
			if _, err := fed.Add(ctx, operator(h), partner("cert-x", "https://taxii.example.org/api1/")); !errors.Is(err, problem.ErrAuditUnavailable) {
				t.Fatalf("added with the audit log refusing: %v", err)
			}
			if _, err := h.DB.Org(ctx, "cert-x (partner)"); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("the partner's organization was made although its act was not logged: %v", err)
			}
			var logged []map[string]string
			fed.Record = func(ctx context.Context, c auth.Caller, action, id string, d map[string]string) (uint64, error) {
				logged = append(logged, map[string]string{"action": action, "agreement": d["agreement"]})
				return record(ctx, c, action, id, d)
			}
			n := partner("cert-x", "https://taxii.example.org/api1/")
			n.Agreement = policy.Agreement{TLPMax: policy.Amber, AmberRecipient: true, Types: []string{"indicator"}}
			p, err := fed.Add(ctx, operator(h), n)
			if err != nil {
				t.Fatal(err)
			}
			if len(logged) != 1 || logged[0]["action"] != "partner.create" || !strings.Contains(logged[0]["agreement"], `"tlp_max":2`) {
				t.Fatalf("logged %v, want one partner.create with the agreement", logged)
			}
			if p.SecretRef != "env:RENKEI_TEST_PARTNER_TOKEN" || p.OrgID == "" || p.Login != "partner-cert-x" {
				t.Fatalf("partner %+v", p)
			}
			ps, err := fed.List(ctx, h.ViewerOf("iinkai"))
			if err != nil || len(ps) != 1 || ps[0].Agreement.TLPMax != policy.Amber {
				t.Fatalf("the committee sees %+v, %v; want the partner and its agreement", ps, err)
			}
			if _, err := fed.List(ctx, h.ViewerOf("isac-admin")); !errors.Is(err, problem.ErrForbidden) {
				t.Fatalf("a member listed the partners: %v", err)
			}
		})
	}
}

// indicator is a STIX indicator numbered n, marked with marking.
func indicator(n int, marking string) map[string]any {
	return map[string]any{"type": "indicator", "spec_version": "2.1", "id": fmt.Sprintf("indicator--%08d-0000-4000-8000-000000000000", n),
		"created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z", "pattern_type": "stix",
		"pattern": fmt.Sprintf("[ipv4-addr:value = '198.51.100.%d']", n%250), "valid_from": "2026-01-01T00:00:00Z",
		"object_marking_refs": []string{marking}}
}

func submit(t *testing.T, h *hubtest.Hub, login string, objs ...any) {
	t.Helper()
	ctx := context.Background()
	col, err := h.DB.Collection(ctx, hub.MembersCollection)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000001", "objects": objs})
	st, err := h.Submit(ctx, h.Caller(login), col, bytes.NewReader(body))
	if err != nil || st.Failure > 0 {
		t.Fatalf("submit: %v %+v", err, st)
	}
}

// partnerObjects are the objects a hub stored under a partner's
// organization, by STIX id.
func partnerObjects(t *testing.T, h *hubtest.Hub, org string) map[string]store.Object {
	t.Helper()
	objs, _, err := h.DB.Objects(context.Background(), store.ObjectQuery{Viewer: policy.System(), Versions: "all", Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]store.Object{}
	for _, o := range objs {
		if o.ACL.AuthorOrg != org {
			continue
		}
		if _, twice := out[o.ID]; twice {
			t.Fatalf("%s stored twice", o.ID)
		}
		out[o.ID] = o
	}
	return out
}

// TestPullFromARenkeiPartner: a hub pulls a partner's collection over real
// HTTP from another hub's TAXII 2.1 server. What the agreement lets in is
// stored as the partner's organization, marked at least as the agreement
// says, each object with the provenance extension naming the partner and
// the pull; AMBER+STRICT, RED, and AMBER without the agreement naming this
// hub as a recipient are refused with their reason; a second run stores
// nothing twice and takes only what was added since.
func TestPullFromARenkeiPartner(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			remote := hubtest.New(t, kind, hubtest.WithAudit()) // it logs the release of RED objects
			remote.Org("Sakura ISAC", "operator", "energy")
			remote.User("isac", "Sakura ISAC", "analyst")
			srv := httptest.NewServer((&taxii.Server{Hub: remote.Hub, MaxContentLength: 8 << 20}).Handler())
			defer srv.Close()
			t.Setenv("RENKEI_TEST_PARTNER_TOKEN", remote.Token("isac"))
			submit(t, remote, "isac", indicator(1, policy.MarkingClear), indicator(2, policy.MarkingGreen), indicator(3, policy.MarkingAmber),
				indicator(4, policy.MarkingAmberStrict), indicator(5, policy.MarkingRed))

			h := hubtest.New(t, kind, hubtest.WithAudit())
			h.App.Federation.Backoff = time.Millisecond
			n := partner("sakura", srv.URL+"/taxii2/api/")
			n.Agreement.TLPMax, n.Agreement.ArrivalTLP = policy.Amber, policy.Green // AMBER, but not named its recipient
			p, err := h.App.Federation.Add(ctx, operator(h), n)
			if err != nil {
				t.Fatal(err)
			}
			res, err := h.App.Federation.Sync(ctx, operator(h), "sakura")
			if err != nil || len(res.Errors) > 0 {
				t.Fatalf("sync: %v %+v", err, res)
			}
			if res.In != 2 || res.Refused != 3 {
				t.Fatalf("sync moved %+v, want 2 in and 3 refused", res)
			}
			reasons := map[string]string{}
			for _, f := range res.Refusal {
				reasons[f.ObjectID] = f.Reason
			}
			for id, want := range map[string]string{"indicator--00000003-0000-4000-8000-000000000000": policy.RefusedAmber,
				"indicator--00000004-0000-4000-8000-000000000000": policy.RefusedStrict, "indicator--00000005-0000-4000-8000-000000000000": policy.RefusedStrict} {
				if !strings.Contains(reasons[id], "("+want+")") {
					t.Errorf("%s refused for %q, want %s", id, reasons[id], want)
				}
			}
			got := partnerObjects(t, h, p.OrgID)
			if len(got) != 2 {
				t.Fatalf("stored %d objects of the partner, want 2", len(got))
			}
			for id, o := range got {
				if o.ACL.TLP != policy.Green {
					t.Errorf("%s stored as %s, want at least the agreement's TLP:GREEN", id, o.ACL.TLP.Label())
				}
				var ext struct {
					Extensions map[string]federation.Provenance `json:"extensions"`
				}
				json.Unmarshal(o.Raw, &ext)
				if pv := ext.Extensions[federation.Extension]; pv.Partner != p.ID || pv.Pull != res.Run {
					t.Errorf("%s carries provenance %+v, want partner %s and pull %s", id, pv, p.ID, res.Run)
				}
			}

			submit(t, remote, "isac", indicator(6, policy.MarkingGreen))
			res, err = h.App.Federation.Sync(ctx, operator(h), "sakura")
			if err != nil || len(res.Errors) > 0 {
				t.Fatalf("second sync: %v %+v", err, res)
			}
			if got := partnerObjects(t, h, p.OrgID); len(got) != 3 {
				t.Fatalf("after a second run %d objects of the partner, want 3", len(got))
			}
			ps, _ := h.App.Federation.List(ctx, policy.System())
			if ps[0].LastSuccessAt.IsZero() || ps[0].ObjectsIn < 3 || ps[0].LastError != "" {
				t.Fatalf("partner state %+v", ps[0])
			}
		})
	}
}

// TestTwoHubsFederateBothWaysPerAgreement: two real hubs, each serving
// TAXII 2.1 over loopback HTTP, push to each other under their agreements.
// The sending side lets out only what its agreement allows (no
// AMBER+STRICT, RED, named recipients or non-consenting organization);
// the receiving side re-checks and refuses AMBER it was not named a
// recipient of, which comes back as the sender's recorded failure; an
// object never goes back to the hub it came from; a second run sends
// nothing again.
func TestTwoHubsFederateBothWaysPerAgreement(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			a := hubtest.New(t, kind, hubtest.WithAudit())
			b := hubtest.New(t, kind, hubtest.WithAudit())
			for _, h := range []*hubtest.Hub{a, b} {
				h.App.Federation.Backoff = time.Millisecond
			}
			srvA := httptest.NewServer((&taxii.Server{Hub: a.Hub, MaxContentLength: 8 << 20}).Handler())
			defer srvA.Close()
			srvB := httptest.NewServer((&taxii.Server{Hub: b.Hub, MaxContentLength: 8 << 20}).Handler())
			defer srvB.Close()
			power := a.Org("Sakura Power", "operator", "energy")
			a.User("power", "Sakura Power", "analyst")
			a.Org("Other Works", "operator", "water")
			a.User("other", "Other Works", "analyst")
			b.Org("Minato ISAC", "operator", "water")
			b.User("isac", "Minato ISAC", "analyst")
			idA, _ := a.DB.HubID(ctx)
			idB, _ := b.DB.HubID(ctx)

			// Each hub knows the other as a partner; each pushes with a
			// token of the account the other made for it.
			pa := partner("hub-b", srvB.URL+"/taxii2/api/")
			pa.Direction, pa.HubID, pa.Secret = federation.Push, idB, "env:RENKEI_TEST_TOKEN_AT_B"
			pa.Agreement = policy.Agreement{TLPMax: policy.Amber, AmberRecipient: true, Orgs: []string{power.ID}, AllowInside: true}
			if _, err := a.App.Federation.Add(ctx, operator(a), pa); err != nil {
				t.Fatal(err)
			}
			pb := partner("hub-a", srvA.URL+"/taxii2/api/")
			pb.Direction, pb.HubID, pb.Secret = federation.Push, idA, "env:RENKEI_TEST_TOKEN_AT_A"
			pb.Agreement = policy.Agreement{TLPMax: policy.Green, AllowInside: true} // B accepts at most GREEN from A
			atB, err := b.App.Federation.Add(ctx, operator(b), pb)
			if err != nil {
				t.Fatal(err)
			}
			t.Setenv("RENKEI_TEST_TOKEN_AT_B", b.Token("partner-hub-a"))
			t.Setenv("RENKEI_TEST_TOKEN_AT_A", a.Token("partner-hub-b"))
			// B consents for its own member's objects to go to A.
			isac, _ := b.DB.Org(ctx, "Minato ISAC")
			if _, err := b.DB.Exec(ctx, "UPDATE partners SET agreement = ? WHERE name = 'hub-a'",
				`{"tlp_max":1,"orgs":["`+isac.ID+`"],"allow_inside":true,"arrival_tlp":0}`); err != nil {
				t.Fatal(err)
			}

			addressed := indicator(16, policy.MarkingGreen)
			addressed["extensions"] = map[string]any{hub.Extension: map[string]any{"extension_type": "property-extension", "recipient_orgs": []string{"Other Works"}}}
			submit(t, a, "power", indicator(11, policy.MarkingClear), indicator(12, policy.MarkingGreen), indicator(13, policy.MarkingAmber),
				indicator(14, policy.MarkingAmberStrict), indicator(15, policy.MarkingRed), addressed)
			submit(t, a, "other", indicator(17, policy.MarkingGreen))
			submit(t, b, "isac", indicator(21, policy.MarkingGreen))

			res, err := a.App.Federation.Sync(ctx, operator(a), "hub-b")
			if err != nil || len(res.Errors) > 0 {
				t.Fatalf("A → B: %v %+v", err, res)
			}
			// 11 and 12 are accepted; 13 leaves A (AMBER, B named its
			// recipient) but B, accepting at most GREEN, refuses it; 16
			// (named recipients) and 17 (no consent) never leave, nor do 14
			// and 15, which the hub itself cannot read (AMBER+STRICT, RED).
			if res.Out != 2 || res.Refused != 3 || len(res.Refusal) != 1 || res.Refusal[0].ObjectID != "indicator--00000013-0000-4000-8000-000000000000" {
				t.Fatalf("A → B moved %+v, want 2 out, 3 refused, 13 refused by B", res)
			}
			fromA := partnerObjects(t, b, atB.OrgID)
			if len(fromA) != 2 {
				t.Fatalf("B stored %d of A's objects, want 2", len(fromA))
			}
			for id, o := range fromA {
				if pv := provenance(o); pv.OriginHub != idA || pv.Partner != atB.ID {
					t.Errorf("%s at B carries %+v, want origin hub %s and partner %s", id, pv, idA, atB.ID)
				}
			}

			// B pushes back: its own member's object goes, A's never return.
			// B's agreement names only its member as consenting, and A's
			// objects came from A: refused as loops before consent is asked.
			if _, err := b.DB.Exec(ctx, "UPDATE partners SET agreement = ? WHERE name = 'hub-a'",
				`{"tlp_max":1,"orgs":["`+isac.ID+`","`+atB.OrgID+`"],"allow_inside":true,"arrival_tlp":0}`); err != nil {
				t.Fatal(err)
			}
			res, err = b.App.Federation.Sync(ctx, operator(b), "hub-a")
			if err != nil || len(res.Errors) > 0 {
				t.Fatalf("B → A: %v %+v", err, res)
			}
			if res.Out != 1 || res.Refused != 2 {
				t.Fatalf("B → A moved %+v, want its own object out and A's two refused as loops", res)
			}
			res, err = a.App.Federation.Sync(ctx, operator(a), "hub-b")
			if err != nil || res.Out != 0 {
				t.Fatalf("a second run A → B sent %+v, %v; want nothing", res, err)
			}
		})
	}
}

func provenance(o store.Object) federation.Provenance {
	var ext struct {
		Extensions map[string]federation.Provenance `json:"extensions"`
	}
	json.Unmarshal(o.Raw, &ext)
	return ext.Extensions[federation.Extension]
}
