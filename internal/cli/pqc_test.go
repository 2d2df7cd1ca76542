package cli

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
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"renkei/internal/api"
	"renkei/internal/hubtest"
)

// loopbackTLS serves TLS on a loopback port with a self-signed ECDSA
// certificate and the groups given, until the test ends.
func loopbackTLS(t *testing.T, groups ...tls.CurveID) string {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "scan.test"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, CurvePreferences: groups})
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
	return ln.Addr().String()
}

// TestPQCScanJSONContract: `renkei pqc scan HOST:PORT --format json` writes
// one object with groups (each with name and accepted), classification and
// findings, as issue 16's command-line contract says; the groups accepted
// are the server's.
func TestPQCScanJSONContract(t *testing.T) {
	for _, tc := range []struct {
		name   string
		groups []tls.CurveID
		class  string
		hybrid bool
	}{
		{"hybrid", []tls.CurveID{tls.X25519MLKEM768, tls.X25519}, "hybrid", true},
		{"classical", []tls.CurveID{tls.CurveP256}, "quantum-vulnerable", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr := loopbackTLS(t, tc.groups...)
			code, out, errs := runCLI(t, "pqc", "scan", addr, "--format", "json")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			var got struct {
				Groups []struct {
					Name     string `json:"name"`
					Accepted *bool  `json:"accepted"`
				} `json:"groups"`
				Classification struct {
					Class  string `json:"class"`
					Reason string `json:"reason"`
				} `json:"classification"`
				Findings []map[string]any `json:"findings"`
			}
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			if len(got.Groups) < 7 || got.Classification.Class != tc.class || got.Classification.Reason == "" || got.Findings == nil {
				t.Fatalf("%s", out)
			}
			for _, g := range got.Groups {
				if g.Accepted == nil {
					t.Errorf("group %s without accepted", g.Name)
				}
				if g.Name == "X25519MLKEM768" && *g.Accepted != tc.hybrid {
					t.Errorf("X25519MLKEM768 accepted %v, want %v", *g.Accepted, tc.hybrid)
				}
			}
			var raw map[string]any
			json.Unmarshal([]byte(out), &raw)
			for _, k := range []string{"groups", "classification", "findings"} {
				if _, ok := raw[k]; !ok {
					t.Errorf("no %q", k)
				}
			}
		})
	}
}

// TestPQCScanForPeople: the table names the groups, the certificate and
// the classification in the language asked for; a bad address is refused.
func TestPQCScanForPeople(t *testing.T) {
	addr := loopbackTLS(t, tls.X25519)
	code, out, errs := runCLI(t, "--lang", "ja", "pqc", "scan", addr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"X25519MLKEM768", "グループ", "証明書 CN=scan.test", "分類：quantum-vulnerable"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	if code, _, errs := runCLI(t, "pqc", "scan", "example.jp"); code != 1 || !strings.Contains(errs, "HOST:PORT") {
		t.Errorf("an address without a port: exit %d, %s", code, errs)
	}
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	a := closed.Addr().String()
	closed.Close()
	if code, out, errs := runCLI(t, "pqc", "scan", a, "--format", "json", "--timeout", "300ms"); code != 0 || !strings.Contains(out, `"reachable": false`) {
		t.Errorf("a closed port is a result: exit %d, %s %s", code, out, errs)
	}
}

// TestPQCClassifyCBOM: `renkei pqc classify` reads the CycloneDX protocol
// example offline and classifies its assets; a file that is no CBOM is
// refused with the reason.
func TestPQCClassifyCBOM(t *testing.T) {
	cbom := "../../../shared/corpora/cyclonedx-bom-examples/CBOM/Protocol/bom.json"
	code, out, errs := runCLI(t, "pqc", "classify", cbom, "--format", "json", "--data-lifetime", "25")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var got classifyJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if got.Assets == 0 || got.Summary["quantum-vulnerable"] == 0 || !got.Findings[0].HNDL {
		t.Errorf("%s", out)
	}
	code, out, _ = runCLI(t, "--lang", "en", "pqc", "classify", cbom)
	if code != 0 || !strings.Contains(out, "[quantum-vulnerable] protocol TLSv1.2") {
		t.Errorf("exit %d\n%s", code, out)
	}
	if code, _, errs := runCLI(t, "pqc", "classify", "pqc_test.go"); code != 1 || !strings.Contains(errs, "pqc_test.go") {
		t.Errorf("not a CBOM: exit %d, %s", code, errs)
	}
}

// TestPQCScanReportsBack: `renkei pqc scan --report` probes from where it
// runs and the hub takes the result into the member's inventory.
func TestPQCScanReportsBack(t *testing.T) {
	h := hubtest.New(t, "sqlite", hubtest.WithAudit())
	h.Org("Town", "local-government", "local-government")
	h.User("town", "Town", "analyst")
	srv := httptest.NewServer((&api.Server{App: h.App, MaxBody: 1 << 20}).Handler())
	defer srv.Close()
	addr := loopbackTLS(t, tls.X25519MLKEM768)
	code, _, errs := runCLI(t, "--lang", "en", "pqc", "scan", addr, "--report", "--hub", srv.URL, "--token", h.Token("town"))
	if code != 0 || !strings.Contains(errs, "took 2 crypto assets") {
		t.Fatalf("exit %d: %s", code, errs)
	}
	as, err := h.App.PQC.Inventory(context.Background(), h.Caller("town"))
	if err != nil || len(as) != 2 || as[0].Classification.Class != "hybrid" && as[1].Classification.Class != "hybrid" {
		t.Fatalf("inventory: %v %+v", err, as)
	}
	if code, _, _ := runCLI(t, "pqc", "scan", addr, "--report"); code != 1 {
		t.Errorf("--report without a hub: exit %d", code)
	}
}
