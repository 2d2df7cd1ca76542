package api_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"math/big"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"renkei/internal/client"
	"renkei/internal/hubtest"
	"renkei/internal/pqc"
	"renkei/internal/store/storetest"
)

// pqcTLS serves TLS with the hybrid and classical groups on a loopback
// port until the test ends.
func pqcTLS(t *testing.T) (port string) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "probe.test"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); c.(*tls.Conn).Handshake() }()
		}
	}()
	_, port, _ = net.SplitHostPort(ln.Addr().String())
	return port
}

// TestPQCProbesOnlyRegisteredConfirmedEndpoints: the hub refuses to probe
// an address its member did not register, one registered but not
// confirmed, and one whose name now resolves elsewhere than confirmed; it
// probes a confirmed one (on loopback, learning the hybrid group), within
// the rate limit, and the probe's assets join the member's inventory,
// which no other member sees.
func TestPQCProbesOnlyRegisteredConfirmedEndpoints(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			h := hubtest.New(t, kind, hubtest.WithAudit())
			h.Org("Town", "local-government", "local-government")
			h.Org("Hospital", "medical", "medical")
			h.User("town", "Town", "analyst")
			h.User("town-viewer", "Town", "viewer")
			h.User("hosp", "Hospital", "analyst")
			s := serve(t, h)
			town, viewer, hosp := s.as("town"), s.as("town-viewer"), s.as("hosp")
			resolves := map[string]string{"probe.test": "127.0.0.1"}
			s.App.PQC.Resolve = func(_ context.Context, host string) ([]string, error) {
				if a, ok := resolves[host]; ok {
					return []string{a}, nil
				}
				return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
			}
			port := pqcTLS(t)
			addr := "probe.test:" + port

			if _, err := town.PQCProbe(ctx, client.PQCProbeRequest{Address: "127.0.0.1:" + port}); status(err) != 403 || !strings.Contains(description(err), "not registered") {
				t.Fatalf("an unregistered address was probed: %v", err)
			}
			if _, err := viewer.PQCRegisterEndpoint(ctx, client.PQCEndpointRequest{Address: addr, Protocol: "tls"}); status(err) != 403 {
				t.Fatalf("a viewer registered an endpoint: %v", err)
			}
			if _, err := town.PQCRegisterEndpoint(ctx, client.PQCEndpointRequest{Address: "probe.test", Protocol: "tls"}); status(err) != 400 {
				t.Fatalf("an address without a port: %v", err)
			}
			ep, err := town.PQCRegisterEndpoint(ctx, client.PQCEndpointRequest{Address: addr, Protocol: "tls", DataLifetime: 30})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := town.PQCProbe(ctx, client.PQCProbeRequest{Address: addr}); status(err) != 403 || !strings.Contains(description(err), "not confirmed") {
				t.Fatalf("an unconfirmed endpoint was probed: %v", err)
			}
			if _, err := hosp.PQCConfirmEndpoint(ctx, ep.PublicID); status(err) != 404 {
				t.Fatalf("another member confirmed the town's endpoint: %v", err)
			}
			if _, err := hosp.PQCProbe(ctx, client.PQCProbeRequest{Address: addr}); status(err) != 403 {
				t.Fatalf("another member had the town's endpoint probed: %v", err)
			}
			if c, err := town.PQCConfirmEndpoint(ctx, ep.PublicID); err != nil || c.Addresses != "127.0.0.1" {
				t.Fatalf("confirm: %v %+v", err, c)
			}
			resolves["probe.test"] = "192.0.2.9"
			if _, err := town.PQCProbe(ctx, client.PQCProbeRequest{Address: addr}); status(err) != 403 || !strings.Contains(description(err), "resolves to 192.0.2.9") {
				t.Fatalf("a name that resolves elsewhere was probed: %v", err)
			}
			resolves["probe.test"] = "127.0.0.1"
			res, err := town.PQCProbe(ctx, client.PQCProbeRequest{Address: addr})
			if err != nil {
				t.Fatal(err)
			}
			if !res.Reachable || !res.Groups[0].Accepted || res.Groups[0].Name != "X25519MLKEM768" || len(res.Chain) != 1 {
				t.Fatalf("probe: %+v", res)
			}
			t.Logf("hub probe of %s (all groups, one certificate): %v", addr, res.Duration)
			if _, err := town.PQCProbe(ctx, client.PQCProbeRequest{Address: addr}); status(err) != 409 {
				t.Fatalf("probed again at once: %v", err)
			}
			inv, err := town.PQCInventory(ctx)
			if err != nil || len(inv) != 2 || inv[0].Where != addr {
				t.Fatalf("inventory: %v %+v", err, inv)
			}
			if inv, err := hosp.PQCInventory(ctx); err != nil || len(inv) != 0 {
				t.Fatalf("another member sees the town's inventory: %v %+v", err, inv)
			}
			if es, err := hosp.PQCEndpoints(ctx); err != nil || len(es) != 0 {
				t.Fatalf("another member sees the town's endpoints: %v %+v", err, es)
			}
		})
	}
}

// TestPQCPlanAndCenterView: a member imports a CBOM, marks a data lifetime
// (harvest-now-decrypt-later appears), plans a step against the
// government's milestone the center set and completes it; the plan shows
// findings ranked, the step and progress; the CBOM out is CycloneDX 1.6; the
// center sees a sector of three members in figures and a sector of one
// suppressed, and members do not see the center's view.
func TestPQCPlanAndCenterView(t *testing.T) {
	cbom, err := os.ReadFile("../../../shared/corpora/cyclonedx-bom-examples/CBOM/Protocol/bom.json")
	if err != nil {
		t.Skipf("the CycloneDX examples are not there (../shared/corpora): %v", err)
	}
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			h := hubtest.New(t, kind, hubtest.WithAudit())
			h.User("analyst", h.Center().Name, "analyst")
			h.Org("Town", "local-government", "local-government")
			h.User("town", "Town", "analyst")
			for _, n := range []string{"H1", "H2", "H3"} {
				h.Org(n, "medical", "medical")
				h.User(strings.ToLower(n), n, "analyst")
			}
			s := serve(t, h)
			analyst, town := s.as("analyst"), s.as("town")
			if _, err := town.PQCImportCBOM(ctx, "bad", []byte(`{"not":"a cbom"}`)); status(err) != 400 {
				t.Fatalf("a document that is no CBOM: %v", err)
			}
			imp, err := town.PQCImportCBOM(ctx, "tls-gateway", cbom)
			if err != nil || imp.Assets == 0 {
				t.Fatalf("import: %v %+v", err, imp)
			}
			for _, n := range []string{"h1", "h2", "h3"} {
				if _, err := s.as(n).PQCImportCBOM(ctx, "gateway", cbom); err != nil {
					t.Fatal(err)
				}
			}
			inv, _ := town.PQCInventory(ctx)
			var proto string
			for _, a := range inv {
				if a.Type == pqc.TypeProtocol {
					proto = a.ID
				}
			}
			if err := town.PQCSetDataLifetime(ctx, proto, 30); err != nil {
				t.Fatal(err)
			}
			if err := town.PQCSetMilestones(ctx, "2034-03-31"); status(err) != 403 {
				t.Fatalf("a member set the milestones: %v", err)
			}
			if err := analyst.PQCSetMilestones(ctx, "2034-03-31"); err != nil {
				t.Fatal(err)
			}
			st, err := town.PQCAddStep(ctx, pqc.StepRequest{Title: "Enable X25519MLKEM768 on the gateway", Owner: "network team", Milestone: pqc.MilestoneGovernment, Asset: proto})
			if err != nil || st.Due.Format(time.DateOnly) != "2034-03-31" {
				t.Fatalf("step: %v %+v", err, st)
			}
			if _, err := town.PQCUpdateStep(ctx, st.PublicID, pqc.StepRequest{Status: "finished"}); status(err) != 400 {
				t.Fatalf("a bad status: %v", err)
			}
			if _, err := town.PQCUpdateStep(ctx, st.PublicID, pqc.StepRequest{Status: pqc.StatusDone}); err != nil {
				t.Fatal(err)
			}
			plan, err := town.PQCPlan(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if plan.HNDL != 1 || !plan.Findings[0].Classification.HNDL || plan.Findings[0].ID != proto || len(plan.Steps) != 1 ||
				plan.Milestones.Government.Format(time.DateOnly) != "2034-03-31" || len(plan.Progress) == 0 || plan.Progress[len(plan.Progress)-1].Done != 1 {
				t.Fatalf("plan: %+v", plan)
			}
			out, err := town.PQCExportCBOM(ctx)
			var bom struct {
				SpecVersion string            `json:"specVersion"`
				Components  []json.RawMessage `json:"components"`
			}
			if err != nil || json.Unmarshal(out, &bom) != nil || bom.SpecVersion != "1.6" || len(bom.Components) < len(inv) {
				t.Fatalf("CBOM out: %v %.200s", err, out)
			}
			if _, err := town.PQCSectors(ctx); status(err) != 403 {
				t.Fatalf("a member read the center's view: %v", err)
			}
			cells, err := analyst.PQCSectors(ctx)
			if err != nil {
				t.Fatal(err)
			}
			seen := 0
			for _, c := range cells {
				switch c.Sector {
				case "medical":
					seen++
					if c.Suppressed || c.Orgs != 3 || c.Classes[pqc.Vulnerable] == 0 {
						t.Errorf("medical: %+v", c)
					}
				case "local-government":
					seen++
					if !c.Suppressed || c.Orgs != 0 || c.Assets != 0 || c.Steps != 0 {
						t.Errorf("a sector of one member is shown: %+v", c)
					}
				}
			}
			if seen != 2 {
				t.Errorf("cells %+v", cells)
			}
		})
	}
}
