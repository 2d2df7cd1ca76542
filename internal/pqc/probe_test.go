package pqc

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// chain makes a CA (RSA 2048) and a leaf for 127.0.0.1 of key leafKey
// signed by it, valid until notAfter.
func chain(t testing.TB, leafKey crypto.Signer, notAfter time.Time) tls.Certificate {
	t.Helper()
	caKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test CA"}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: notAfter.Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, caKey.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "probe.test"}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: notAfter, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"probe.test"}}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, caCert, leafKey.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{leafDER, caDER}, PrivateKey: leafKey}
}

// serveTLS serves TLS with cfg on a loopback port until the test ends,
// completing each handshake and closing.
func serveTLS(t testing.TB, cfg *tls.Config) string {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
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
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(5 * time.Second))
				c.(*tls.Conn).Handshake()
			}()
		}
	}()
	return ln.Addr().String()
}

func accepted(r Result) map[string]bool {
	m := map[string]bool{}
	for _, g := range r.Groups {
		m[g.Name] = g.Accepted
	}
	return m
}

// TestProbeTLSLearnsEachGroup: against loopback servers configured with
// chosen groups and versions, the probe finds exactly the groups each
// accepts, its version, and its chain's algorithms, sizes and expiry, and
// classifies the endpoint: hybrid when it accepts X25519MLKEM768,
// quantum-vulnerable when it accepts only classical groups.
func TestProbeTLSLearnsEachGroup(t *testing.T) {
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	expired := time.Now().Add(-24 * time.Hour)
	for _, tc := range []struct {
		name    string
		cfg     *tls.Config
		want    []string // accepted groups
		version string
		keyAlg  string
		keySize int
		expired bool
		class   Class
	}{
		{"hybrid and classical, TLS 1.3", &tls.Config{Certificates: []tls.Certificate{chain(t, ecKey, time.Now().AddDate(1, 0, 0))}},
			[]string{"X25519MLKEM768", "SecP256r1MLKEM768", "SecP384r1MLKEM1024", "X25519", "CurveP256", "CurveP384", "CurveP521"}, "TLS 1.3", "ECDSA P-256", 256, false, Hybrid},
		{"only X25519MLKEM768", &tls.Config{Certificates: []tls.Certificate{chain(t, ecKey, time.Now().AddDate(1, 0, 0))}, CurvePreferences: []tls.CurveID{tls.X25519MLKEM768}},
			[]string{"X25519MLKEM768"}, "TLS 1.3", "ECDSA P-256", 256, false, Hybrid},
		{"classical only, TLS 1.2, RSA, expired", &tls.Config{Certificates: []tls.Certificate{chain(t, rsaKey, expired)}, MaxVersion: tls.VersionTLS12,
			CurvePreferences: []tls.CurveID{tls.X25519, tls.CurveP256}},
			[]string{"X25519", "CurveP256"}, "TLS 1.2", "RSA", 2048, true, Vulnerable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr := serveTLS(t, tc.cfg)
			r, err := Prober{Timeout: 3 * time.Second}.TLS(context.Background(), addr, "")
			if err != nil {
				t.Fatal(err)
			}
			got := accepted(r)
			for _, g := range TLSGroups {
				want := false
				for _, w := range tc.want {
					want = want || w == g.String()
				}
				if got[g.String()] != want {
					t.Errorf("%s accepted %v, want %v", g, got[g.String()], want)
				}
			}
			if len(r.Versions) != 1 || r.Versions[0] != tc.version {
				t.Errorf("versions %v, want %s", r.Versions, tc.version)
			}
			if len(r.Chain) != 2 || r.Chain[0].KeyAlgorithm != tc.keyAlg || r.Chain[0].KeySize != tc.keySize || r.Chain[0].Expired != tc.expired ||
				r.Chain[1].KeyAlgorithm != "RSA" || r.Chain[0].SignatureAlgorithm != "SHA256-RSA" {
				t.Errorf("chain %+v", r.Chain)
			}
			as := r.Assets()
			if len(as) != 3 || as[0].Classification.Class != tc.class {
				t.Fatalf("assets %+v", as)
			}
			if as[1].Classification.Class != Vulnerable {
				t.Errorf("the leaf certificate (%s, signed with RSA) is %s", tc.keyAlg, as[1].Classification.Class)
			}
			t.Logf("probe of %s: %v", addr, r.Duration)
		})
	}
}

// TestProbeFailuresAreResults: a port nothing listens on, a server that
// never answers (each handshake times out) and a server whose certificate
// is malformed give results that say so, not errors.
func TestProbeFailuresAreResults(t *testing.T) {
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	closedAddr := closed.Addr().String()
	closed.Close()

	silent, _ := net.Listen("tcp", "127.0.0.1:0")
	t.Cleanup(func() { silent.Close() })
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()

	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	bad := serveTLS(t, &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{[]byte("not a certificate")}, PrivateKey: key}}})

	for _, tc := range []struct {
		name, addr string
		reachable  bool
		errorHas   string
	}{
		{"closed port", closedAddr, false, "refused"},
		{"silent server", silent.Addr().String(), true, "timeout"},
		{"malformed certificate", bad, true, "certificate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Prober{Timeout: 300 * time.Millisecond}.TLS(context.Background(), tc.addr, "")
			if err != nil {
				t.Fatalf("an error, not a result: %v", err)
			}
			if r.Reachable != tc.reachable {
				t.Errorf("reachable %v, want %v (%s)", r.Reachable, tc.reachable, r.Error)
			}
			for _, g := range r.Groups {
				if g.Accepted || !containsFold(g.Error, tc.errorHas) {
					t.Errorf("%s: accepted %v, error %q, want one about %q", g.Name, g.Accepted, g.Error, tc.errorHas)
				}
			}
		})
	}
	if _, err := (Prober{}).TLS(context.Background(), "no-port", ""); err == nil {
		t.Error("an address without a port was probed")
	}
}

func containsFold(s, sub string) bool {
	return len(sub) == 0 || len(s) >= len(sub) && (func() bool {
		for i := 0; i+len(sub) <= len(s); i++ {
			if equalFold(s[i:i+len(sub)], sub) {
				return true
			}
		}
		return false
	})()
}

func equalFold(a, b string) bool {
	for i := range len(a) {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// serveSSH serves SSH on a loopback port with the key exchanges kex and
// the host keys, until the test ends; no one can log in.
func serveSSH(t testing.TB, kex []string, keys ...crypto.Signer) string {
	t.Helper()
	cfg := &ssh.ServerConfig{}
	cfg.KeyExchanges = kex
	cfg.PasswordCallback = func(ssh.ConnMetadata, []byte) (*ssh.Permissions, error) { return nil, errKeyShown }
	for _, k := range keys {
		s, err := ssh.NewSignerFromSigner(k)
		if err != nil {
			t.Fatal(err)
		}
		cfg.AddHostKey(s)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
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
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(5 * time.Second))
				ssh.NewServerConn(c, cfg)
			}()
		}
	}()
	return ln.Addr().String()
}

// TestProbeSSHLearnsKeyExchangesAndHostKeys: against loopback SSH servers
// with chosen key exchanges and host keys, the probe finds exactly those
// accepted and every host key, and classifies the endpoint.
func TestProbeSSHLearnsKeyExchangesAndHostKeys(t *testing.T) {
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 3072)
	for _, tc := range []struct {
		name  string
		kex   []string
		keys  []crypto.Signer
		hosts []HostKey
		class Class
	}{
		{"hybrid ML-KEM and curve25519", []string{ssh.KeyExchangeMLKEM768X25519, ssh.KeyExchangeCurve25519}, []crypto.Signer{edKey},
			[]HostKey{{"ssh-ed25519", 256}}, Hybrid},
		{"classical only", []string{ssh.KeyExchangeCurve25519, ssh.KeyExchangeDH14SHA256}, []crypto.Signer{edKey, rsaKey},
			[]HostKey{{"ssh-ed25519", 256}, {"ssh-rsa", 3072}}, Vulnerable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr := serveSSH(t, tc.kex, tc.keys...)
			r, err := Prober{Timeout: 3 * time.Second}.SSH(context.Background(), addr)
			if err != nil {
				t.Fatal(err)
			}
			got := accepted(r)
			for _, k := range SSHKeyExchanges {
				want := false
				for _, w := range tc.kex {
					want = want || w == k
				}
				if got[k] != want {
					t.Errorf("%s accepted %v, want %v", k, got[k], want)
				}
			}
			hosts := r.HostKeys // one RSA key, however many signature algorithms ask for it
			if len(hosts) != len(tc.hosts) {
				t.Fatalf("host keys %+v, want %+v", r.HostKeys, tc.hosts)
			}
			for i := range hosts {
				if hosts[i] != tc.hosts[i] {
					t.Errorf("host key %+v, want %+v", hosts[i], tc.hosts[i])
				}
			}
			as := r.Assets()
			if as[0].Classification.Class != tc.class {
				t.Errorf("classified %s, want %s: %s", as[0].Classification.Class, tc.class, as[0].Classification.Reason.In("en"))
			}
			for _, a := range as[1:] {
				if a.Classification.Class != Vulnerable {
					t.Errorf("host key %s is %s", a.Name, a.Classification.Class)
				}
			}
			t.Logf("probe of %s: %v", addr, r.Duration)
		})
	}
}
