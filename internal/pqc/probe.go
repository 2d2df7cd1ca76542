package pqc

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"golang.org/x/crypto/ssh"
)

// The probes: one TLS handshake per key-exchange group Go's crypto/tls
// offers, and one SSH key exchange per algorithm golang.org/x/crypto/ssh
// offers, to learn which the endpoint accepts; what the endpoint shows of
// itself (version, cipher suite, certificate chain, host keys) is recorded
// as it is. Nothing is authenticated and nothing is sent beyond a
// handshake. A probe refuses nothing about where it goes: the Service
// decides that (only registered, confirmed endpoints), the member-side CLI
// probes what its user names. Timeouts and handshake failures are results.

// Group is one key-exchange group or algorithm tried in a probe.
type Group struct {
	Name     string `json:"name"`
	Accepted bool   `json:"accepted"`
	Version  string `json:"version,omitempty"`      // TLS version negotiated with it
	Suite    string `json:"cipher_suite,omitempty"` // TLS cipher suite or SSH cipher negotiated with it
	Error    string `json:"error,omitempty"`        // why it was not accepted, as the handshake ended
}

// Certificate is one certificate of an endpoint's chain, leaf first.
type Certificate struct {
	Subject            string    `json:"subject"`
	Issuer             string    `json:"issuer"`
	SignatureAlgorithm string    `json:"signature_algorithm"`
	KeyAlgorithm       string    `json:"key_algorithm"`
	KeySize            int       `json:"key_size"`
	NotAfter           time.Time `json:"not_after"`
	Expired            bool      `json:"expired"`
}

// HostKey is one SSH host key an endpoint showed.
type HostKey struct {
	Algorithm string `json:"algorithm"`
	Size      int    `json:"size"`
}

// Result is what one probe of one endpoint found.
type Result struct {
	Address   string        `json:"address"`
	Protocol  string        `json:"protocol"` // tls or ssh
	Reachable bool          `json:"reachable"`
	Groups    []Group       `json:"groups"`
	Versions  []string      `json:"versions,omitempty"`
	Suites    []string      `json:"cipher_suites,omitempty"`
	Chain     []Certificate `json:"certificate_chain,omitempty"`
	HostKeys  []HostKey     `json:"host_keys,omitempty"`
	Error     string        `json:"error,omitempty"` // why nothing could be learned (no connection)
	Started   time.Time     `json:"started"`
	Duration  time.Duration `json:"duration_ns"`
}

// TLSGroups are the groups a TLS probe tries, as crypto/tls offers them:
// classical elliptic-curve groups and the hybrid ML-KEM groups. crypto/tls
// offers no pure ML-KEM group, so none is tried (docs/pqc.md).
var TLSGroups = []tls.CurveID{tls.X25519MLKEM768, tls.SecP256r1MLKEM768, tls.SecP384r1MLKEM1024, tls.X25519, tls.CurveP256, tls.CurveP384, tls.CurveP521}

// SSHKeyExchanges are the key exchanges an SSH probe tries, as
// golang.org/x/crypto/ssh offers them, post-quantum hybrid first.
var SSHKeyExchanges = []string{ssh.KeyExchangeMLKEM768X25519, ssh.KeyExchangeCurve25519, ssh.KeyExchangeECDHP256, ssh.KeyExchangeECDHP384, ssh.KeyExchangeECDHP521,
	ssh.KeyExchangeDH14SHA256, ssh.KeyExchangeDH16SHA512, ssh.KeyExchangeDHGEXSHA256, ssh.InsecureKeyExchangeDH14SHA1, ssh.InsecureKeyExchangeDH1SHA1}

// SSHHostKeyAlgorithms are the host key algorithms an SSH probe asks for,
// one key exchange each, to see every host key the endpoint has.
var SSHHostKeyAlgorithms = []string{ssh.KeyAlgoED25519, ssh.KeyAlgoECDSA256, ssh.KeyAlgoECDSA384, ssh.KeyAlgoECDSA521, ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}

// Prober probes endpoints.
type Prober struct {
	Timeout time.Duration // per handshake; 5 s when zero
	// Dial opens the connection; net.Dialer's when nil. The Service dials
	// the address it checked, never a name again (a name may resolve
	// elsewhere between the check and the dial).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	Now  func() time.Time
}

func (p Prober) timeout() time.Duration {
	if p.Timeout > 0 {
		return p.Timeout
	}
	return 5 * time.Second
}

func (p Prober) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p Prober) dial(ctx context.Context, addr string) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, p.timeout())
	defer cancel()
	if p.Dial != nil {
		return p.Dial(ctx, "tcp", addr)
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp", addr)
}

// CheckAddress checks that addr is HOST:PORT with a port in 1–65535.
func CheckAddress(addr string) (host string, port int, err error) {
	h, ps, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, fmt.Errorf("address %q: %w", addr, err)
	}
	port, err = strconv.Atoi(ps)
	if err != nil || port < 1 || port > 65535 || h == "" {
		return "", 0, fmt.Errorf("address %q: want HOST:PORT with a port from 1 to 65535", addr)
	}
	return h, port, nil
}

// TLS probes addr (HOST:PORT) with one handshake per group of TLSGroups,
// naming serverName (the host of addr when empty) in SNI.
func (p Prober) TLS(ctx context.Context, addr, serverName string) (Result, error) {
	host, _, err := CheckAddress(addr)
	if err != nil {
		return Result{}, err
	}
	if serverName == "" {
		serverName = host
	}
	r := Result{Address: addr, Protocol: "tls", Started: p.now()}
	start := time.Now()
	for _, g := range TLSGroups {
		res, state := p.tlsHandshake(ctx, addr, serverName, g)
		r.Groups = append(r.Groups, res)
		if state == nil {
			continue
		}
		r.Reachable = true
		r.Versions = appendOnce(r.Versions, res.Version)
		r.Suites = appendOnce(r.Suites, res.Suite)
		if r.Chain == nil {
			r.Chain = chainOf(state.PeerCertificates, r.Started)
		}
	}
	if !r.Reachable {
		r.Reachable, r.Error = p.reachable(ctx, addr)
	}
	r.Duration = time.Since(start)
	return r, nil
}

// tlsHandshake tries one group; the state is nil when the group was not
// accepted.
func (p Prober) tlsHandshake(ctx context.Context, addr, serverName string, g tls.CurveID) (Group, *tls.ConnectionState) {
	res := Group{Name: g.String()}
	conn, err := p.dial(ctx, addr)
	if err != nil {
		res.Error = err.Error()
		return res, nil
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(p.timeout()))
	// The probe learns what the endpoint accepts, not whether it is
	// trusted: the chain is recorded as shown, never verified.
	c := tls.Client(conn, &tls.Config{
		ServerName:         serverName,
		InsecureSkipVerify: true,
		MinVersion:         tls.VersionTLS10,
		CurvePreferences:   []tls.CurveID{g},
	})
	if err := c.HandshakeContext(ctx); err != nil {
		res.Error = err.Error()
		return res, nil
	}
	st := c.ConnectionState()
	if st.CurveID != g {
		res.Error = "negotiated " + st.CurveID.String()
		return res, nil
	}
	res.Accepted = true
	res.Version = tls.VersionName(st.Version)
	res.Suite = tls.CipherSuiteName(st.CipherSuite)
	return res, &st
}

// reachable reports whether anything answers at addr, and why not.
func (p Prober) reachable(ctx context.Context, addr string) (bool, string) {
	conn, err := p.dial(ctx, addr)
	if err != nil {
		return false, err.Error()
	}
	conn.Close()
	return true, ""
}

func chainOf(certs []*x509.Certificate, now time.Time) []Certificate {
	var out []Certificate
	for _, c := range certs {
		alg, size := keyOf(c.PublicKey)
		if alg == "" {
			alg = c.PublicKeyAlgorithm.String()
		}
		out = append(out, Certificate{
			Subject: c.Subject.String(), Issuer: c.Issuer.String(),
			SignatureAlgorithm: c.SignatureAlgorithm.String(), KeyAlgorithm: alg, KeySize: size,
			NotAfter: c.NotAfter.UTC(), Expired: now.After(c.NotAfter),
		})
	}
	return out
}

// keyOf names a public key's algorithm and size in bits.
func keyOf(k any) (string, int) {
	switch k := k.(type) {
	case *rsa.PublicKey:
		return "RSA", k.N.BitLen()
	case *ecdsa.PublicKey:
		return "ECDSA " + k.Curve.Params().Name, k.Curve.Params().BitSize
	case ed25519.PublicKey:
		return "Ed25519", 256
	}
	return "", 0
}

func appendOnce(s []string, x string) []string {
	for _, y := range s {
		if y == x {
			return s
		}
	}
	return append(s, x)
}

// errKeyShown ends an SSH handshake once the server has shown its host
// key: nothing more is needed, and no authentication is tried.
var errKeyShown = errors.New("host key shown")

// SSH probes addr with one key exchange per algorithm of SSHKeyExchanges,
// then one per host key algorithm to see each host key.
func (p Prober) SSH(ctx context.Context, addr string) (Result, error) {
	if _, _, err := CheckAddress(addr); err != nil {
		return Result{}, err
	}
	r := Result{Address: addr, Protocol: "ssh", Started: p.now()}
	start := time.Now()
	for _, kex := range SSHKeyExchanges {
		res, _ := p.sshHandshake(ctx, addr, []string{kex}, nil)
		r.Reachable = r.Reachable || res.Accepted
		r.Groups = append(r.Groups, res)
	}
	for _, alg := range SSHHostKeyAlgorithms {
		res, key := p.sshHandshake(ctx, addr, nil, []string{alg})
		if !res.Accepted || key == nil {
			continue
		}
		hk := sshKeyOf(key)
		if !containsKey(r.HostKeys, hk) {
			r.HostKeys = append(r.HostKeys, hk)
		}
	}
	if !r.Reachable {
		r.Reachable, r.Error = p.reachable(ctx, addr)
	}
	r.Duration = time.Since(start)
	return r, nil
}

func (p Prober) sshHandshake(ctx context.Context, addr string, kex, hostKeyAlgs []string) (Group, ssh.PublicKey) {
	res := Group{}
	if len(kex) == 1 {
		res.Name = kex[0]
	} else if len(hostKeyAlgs) == 1 {
		res.Name = hostKeyAlgs[0]
	}
	conn, err := p.dial(ctx, addr)
	if err != nil {
		res.Error = err.Error()
		return res, nil
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(p.timeout()))
	var shown ssh.PublicKey
	cfg := &ssh.ClientConfig{
		User:              "renkei-pqc-probe",
		HostKeyAlgorithms: hostKeyAlgs,
		Timeout:           p.timeout(),
		HostKeyCallback: func(_ string, _ net.Addr, key ssh.PublicKey) error {
			shown = key
			return errKeyShown
		},
	}
	cfg.KeyExchanges = kex
	_, _, _, err = ssh.NewClientConn(conn, addr, cfg)
	if shown != nil {
		res.Accepted = true
		return res, shown
	}
	if err != nil {
		res.Error = err.Error()
	}
	return res, nil
}

func sshKeyOf(k ssh.PublicKey) HostKey {
	hk := HostKey{Algorithm: k.Type()}
	if ck, ok := k.(ssh.CryptoPublicKey); ok {
		_, hk.Size = keyOf(ck.CryptoPublicKey())
	}
	return hk
}

func containsKey(ks []HostKey, k HostKey) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

// Assets turns what a probe found into inventory assets of the endpoint:
// the protocol as it speaks it (the groups it accepted, versions, cipher
// suites), each certificate of its chain, and each SSH host key.
func (r Result) Assets() []Asset {
	if !r.Reachable {
		return nil
	}
	proto := Asset{Type: TypeProtocol, Name: r.Protocol, Protocol: r.Protocol, Source: SourceProbe, Where: r.Address,
		CipherSuites: r.Suites, Ref: "probe/" + r.Protocol + "@" + r.Address}
	if len(r.Versions) > 0 {
		proto.Version = r.Versions[0]
	}
	for _, g := range r.Groups {
		if g.Accepted {
			proto.Groups = append(proto.Groups, g.Name)
		}
	}
	out := []Asset{proto}
	for i, c := range r.Chain {
		out = append(out, Asset{Type: TypeCertificate, Name: c.Subject, Subject: c.Subject, Issuer: c.Issuer, NotAfter: c.NotAfter,
			SignatureAlgorithm: c.SignatureAlgorithm, KeyAlgorithm: c.KeyAlgorithm, Size: c.KeySize, Source: SourceProbe, Where: r.Address,
			Ref: "probe/certificate/" + strconv.Itoa(i) + "@" + r.Address})
	}
	for _, k := range r.HostKeys {
		out = append(out, Asset{Type: TypeMaterial, Name: k.Algorithm, Size: k.Size, Material: "public-key", Source: SourceProbe, Where: r.Address,
			Ref: "probe/host-key/" + k.Algorithm + "@" + r.Address})
	}
	Classify(out)
	return out
}
