package server_test

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"renkei/internal/server"
	"renkei/internal/store"
)

// TestTLSOnlyAEADAndHSTS: with --tls the hub sends Strict-Transport-Security
// on every response, and a TLS 1.2 client is offered only ECDHE with AEAD
// ciphers — one that offers nothing but CBC with HMAC-SHA1 is refused.
func TestTLSOnlyAEADAndHSTS(t *testing.T) {
	t.Parallel()
	dsn, token := prepare(t, "sqlite")
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s, err := server.New(context.Background(), server.Config{Listen: "127.0.0.1:0", DataDir: t.TempDir(), SelfSignedTLS: true}, slog.New(slog.DiscardHandler), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, func(a string) { addrc <- a }) }()
	addr := <-addrc

	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	for _, path := range []string{"/healthz", "/login", "/api/v1/objects", "/taxii2/", "/no-such-page"} {
		req, _ := http.NewRequest("GET", "https://"+addr+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if got := res.Header.Get("Strict-Transport-Security"); !strings.HasPrefix(got, "max-age=") || got == "max-age=0" {
			t.Errorf("GET %s (%d): Strict-Transport-Security %q", path, res.StatusCode, got)
		}
	}

	cbcSHA1 := []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
		tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA}
	if conn, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true, MaxVersion: tls.VersionTLS12, CipherSuites: cbcSHA1}); err == nil {
		st := conn.ConnectionState()
		conn.Close()
		t.Fatalf("a TLS 1.2 client offering only CBC-SHA1 connected with %s", tls.CipherSuiteName(st.CipherSuite))
	}
	var offered []uint16
	for _, cs := range append(tls.CipherSuites(), tls.InsecureCipherSuites()...) {
		offered = append(offered, cs.ID)
	}
	conn, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true, MaxVersion: tls.VersionTLS12, CipherSuites: offered})
	if err != nil {
		t.Fatalf("a TLS 1.2 client offering every suite: %v", err)
	}
	st := conn.ConnectionState()
	conn.Close()
	if name := tls.CipherSuiteName(st.CipherSuite); !strings.Contains(name, "_GCM_") && !strings.Contains(name, "CHACHA20_POLY1305") {
		t.Fatalf("TLS 1.2 negotiated %s, want an AEAD suite", name)
	}
	for _, id := range server.TLS12CipherSuites {
		if name := tls.CipherSuiteName(id); strings.Contains(name, "CBC") || strings.HasSuffix(name, "_SHA") || !strings.HasPrefix(name, "TLS_ECDHE_") {
			t.Errorf("offered on TLS 1.2: %s", name)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("graceful shutdown: %v", err)
	}
}
