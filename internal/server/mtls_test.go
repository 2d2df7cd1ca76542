package server_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"log/slog"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"renkei/internal/auth"
	"renkei/internal/client"
	"renkei/internal/hub"
	"renkei/internal/server"
	"renkei/internal/signin"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// testCA is a certificate authority made for one test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newTestCA(t *testing.T, name string) testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return testCA{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// issue makes a client certificate for a machine, signed by the CA.
func (ca testCA) issue(t *testing.T, cn string) (tls.Certificate, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: cn}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// status is the HTTP status of a refusal from the client (0: none, or no answer).
func status(err error) int {
	var ae *client.APIError
	if errors.As(err, &ae) {
		return ae.Status
	}
	return 0
}

func presenting(cert *tls.Certificate) *http.Client {
	c := &tls.Config{InsecureSkipVerify: true} // the hub's own certificate is self-signed here
	if cert != nil {                           // presented whatever CAs the hub names (Go's client would hold back one of another CA)
		c.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return cert, nil }
	}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: c}}
}

// TestClientCertificateIsExactlyItsIdentity: over mutual TLS, a machine
// client presenting a certificate signed by the configured CA and
// registered to an account is that account at the API and TAXII, with no
// token; an unregistered certificate is refused (401), one of another CA
// ends the handshake, and a revoked one is refused at once although the
// node remembers credentials for an hour.
func TestClientCertificateIsExactlyItsIdentity(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			dsn, token := prepare(t, kind)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			db, err := store.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := hub.AddUser(ctx, db, "power-collector", "Power Co", "analyst", "", time.Now()); err != nil {
				t.Fatal(err)
			}
			ca, stranger := newTestCA(t, "Power Co machines CA"), newTestCA(t, "someone else's CA")
			caFile := filepath.Join(t.TempDir(), "clients-ca.pem")
			if err := os.WriteFile(caFile, ca.pem, 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := server.New(ctx, server.Config{Listen: "127.0.0.1:0", DataDir: t.TempDir(), SelfSignedTLS: true, ClientCA: caFile}, slog.New(slog.DiscardHandler), db)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			s.App.Auth.CacheTTL = time.Hour
			addrc, done := make(chan string, 1), make(chan error, 1)
			go func() { done <- s.Run(ctx, func(a string) { addrc <- a }) }()
			base := "https://" + <-addrc

			machine, machinePEM := ca.issue(t, "collector-1")
			unregistered, _ := ca.issue(t, "collector-2")
			foreign, _ := stranger.issue(t, "collector-1")
			spki, err := signin.ParseCertOrHash(machinePEM)
			if err != nil {
				t.Fatal(err)
			}
			center, err := db.Org(ctx, s.App.Hub.Center().ID)
			if err != nil {
				t.Fatal(err)
			}
			operator := auth.System("cli:test", center)
			cc, err := s.App.SignIn.RegisterCert(ctx, operator, "power-collector", spki, "collector", false)
			if err != nil {
				t.Fatal(err)
			}

			viaCert := &client.Client{Hub: base, HTTP: presenting(&machine), Certificate: &machine}
			me, err := viaCert.Me(ctx)
			if err != nil || me.Login != "power-collector" || me.Org.Name != "Power Co" {
				t.Fatalf("the registered certificate is %+v (%v), want power-collector of Power Co", me, err)
			}
			if _, err := viaCert.Collections(ctx); err != nil {
				t.Errorf("TAXII with the certificate: %v", err)
			}
			// A token still works beside it, and wins when both are given.
			if me, err := (&client.Client{Hub: base, Token: token, HTTP: presenting(&machine)}).Me(ctx); err != nil || me.Login != "power" {
				t.Errorf("a token with a certificate: %+v %v, want power", me, err)
			}
			if _, err := (&client.Client{Hub: base, HTTP: presenting(&unregistered), Certificate: &unregistered}).Me(ctx); status(err) != http.StatusUnauthorized {
				t.Errorf("an unregistered certificate of the trusted CA: %v, want 401", err)
			}
			if _, err := (&client.Client{Hub: base, HTTP: presenting(&foreign), Certificate: &foreign}).Me(ctx); err == nil || status(err) != 0 {
				t.Errorf("a certificate of another CA was accepted: %v", err)
			}
			if res, err := presenting(nil).Get(base + "/api/v1/me"); err != nil || res.StatusCode != http.StatusUnauthorized {
				t.Errorf("no certificate and no token: %v %v, want 401", res, err)
			} else {
				res.Body.Close()
			}

			if err := s.App.SignIn.RevokeCert(ctx, operator, cc.PublicID); err != nil {
				t.Fatal(err)
			}
			if _, err := viaCert.Me(ctx); status(err) != http.StatusUnauthorized {
				t.Errorf("the revoked certificate: %v, want 401 at once", err)
			}
			cancel()
			if err := <-done; err != nil {
				t.Fatalf("shutdown: %v", err)
			}
		})
	}
}
