package signin

import (
	"context"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"renkei/internal/audit"
	"renkei/internal/auth"
	"renkei/internal/policy"
	"renkei/internal/problem"
	"renkei/internal/store"
)

// ParseCertOrHash reads what the center registers: a PEM certificate, or
// the hex SHA-256 of its SubjectPublicKeyInfo (64 hex digits, colons
// allowed, as openssl prints fingerprints).
func ParseCertOrHash(in []byte) (string, error) {
	s := strings.TrimSpace(string(in))
	if h := strings.ToLower(strings.ReplaceAll(s, ":", "")); len(h) == 64 {
		if _, err := hex.DecodeString(h); err == nil {
			return h, nil
		}
	}
	block, _ := pem.Decode(in)
	if block == nil || block.Type != "CERTIFICATE" {
		return "", errors.New("give a PEM certificate or the hex SHA-256 of its SubjectPublicKeyInfo")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return "", fmt.Errorf("certificate: %w", err)
	}
	return auth.SPKIHash(cert), nil
}

// RegisterCert registers a certificate's public key (spki, from
// ParseCertOrHash) to the account login, a machine identity of its
// organization, logged first (cert.register). A request over TLS that
// presents a certificate with this key, signed by the CA the hub trusts
// for clients, is that account, as a token would be.
func (s *Service) RegisterCert(ctx context.Context, c auth.Caller, login, spki, name string, readOnly bool) (store.ClientCert, error) {
	if err := s.mayConfigure(c, "register a client certificate"); err != nil {
		return store.ClientCert{}, err
	}
	u, err := s.DB.UserByLogin(ctx, login)
	if err != nil {
		return store.ClientCert{}, err
	}
	if !policy.OperatorManages(policy.Role(u.Role)) {
		return store.ClientCert{}, fmt.Errorf("register a certificate for %s: %w", login, problem.ErrForbidden)
	}
	if _, err := s.DB.ClientCertBySPKI(ctx, spki); err == nil {
		return store.ClientCert{}, invalid("invalid certificate", errors.New("this public key is registered already: make a new key for another identity"))
	}
	if _, err := s.Record(ctx, c, audit.ActionCertRegister, "user:"+u.Login, map[string]string{"via": c.Via(), "spki_sha256": spki,
		"name": name, "read_only": strconv.FormatBool(readOnly), "org": u.OrgID}); err != nil {
		return store.ClientCert{}, err
	}
	cc, err := s.DB.AddClientCert(ctx, store.ClientCert{UserID: u.ID, Login: u.Login, SPKI: spki, Name: name, ReadOnly: readOnly, Created: s.now()})
	return cc, err
}

// RevokeCert revokes a registered certificate at once, on every node:
// logged first (cert.revoke), then counted as a change of credentials that
// every serve node hears (store.ChangeAuth) and forgotten here.
func (s *Service) RevokeCert(ctx context.Context, c auth.Caller, id string) error {
	if err := s.mayConfigure(c, "revoke a client certificate"); err != nil {
		return err
	}
	cc, err := s.DB.ClientCertByPublicID(ctx, id)
	if err != nil {
		return err
	}
	if _, err := s.Record(ctx, c, audit.ActionCertRevoke, "cert:"+cc.PublicID, map[string]string{"via": c.Via(), "user": cc.Login, "spki_sha256": cc.SPKI}); err != nil {
		return err
	}
	if err := s.DB.RevokeClientCert(ctx, cc.ID, s.now()); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if s.Forget != nil {
		s.Forget()
	}
	return nil
}

// Certs lists the registered certificates (for those who configure sign-in).
func (s *Service) Certs(ctx context.Context, c auth.Caller) ([]store.ClientCert, error) {
	if err := s.mayConfigure(c, "list client certificates"); err != nil {
		return nil, err
	}
	return s.DB.ClientCerts(ctx, "")
}
