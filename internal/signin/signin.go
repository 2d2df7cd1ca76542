// Package signin is how people and machines prove who they are beyond a
// password and a token: OpenID Connect single sign-on with the identity
// providers the center configures (their users mapped to an organization
// and a role by claims), and client certificates registered to a machine
// identity of an organization, presented over mutual TLS instead of a
// token.
//
// It keeps the configuration and the linked identities (store/signin.go),
// checks what providers and authenticators send, and logs every
// configuration change and every account it makes or links before it
// takes effect. It decides no access: who may configure, which roles a
// mapping may give and who must give a passkey are policy's
// (policy/signin.go). It starts no session itself: the console does, once
// the sign-in is logged.
package signin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"renkei/internal/audit"
	"renkei/internal/auth"
	"renkei/internal/policy"
	"renkei/internal/problem"
	"renkei/internal/store"
)

// Service is sign-in's rules over the store.
type Service struct {
	DB  *store.DB
	Now func() time.Time
	Log *slog.Logger
	// Record appends an act to the audit log before it takes effect.
	Record func(ctx context.Context, c auth.Caller, action, objectID string, detail map[string]string) (uint64, error)
	// CreateUser makes an account, logged first (hub.CreateUser): a
	// mapping that allows it makes one on a user's first sign-in.
	CreateUser func(ctx context.Context, c auth.Caller, login, org, role, password string) (store.User, error)
	// Forget makes every node forget the credentials it remembers
	// (auth.Authenticator.Forget), after a certificate is revoked.
	Forget func()
	// Client reaches identity providers (nil: a client with a 15 s timeout).
	Client *http.Client

	providers sync.Map // issuer → *oidcProvider: discovery and keys, fetched once
}

// Refusals of a sign-in. The console shows each in the reader's language;
// the operator's log gets the detail.
var (
	// ErrUnmapped: the provider vouched for the user, but no mapping of
	// the center's says which organization and role they are.
	ErrUnmapped = problem.Kind(problem.ErrForbidden, "not mapped to an organization", "your identity provider signed you in, but the hub's sign-in mappings do not name your organization: ask the national center")
	// ErrNoAccount: a mapping names the organization but does not allow
	// accounts to be made, and none is there to link.
	ErrNoAccount = problem.Kind(problem.ErrForbidden, "no account", "your organization signs in through this provider, but you have no account on the hub: ask your organization's administrator")
	// ErrRejected: what the provider sent does not hold (signature,
	// audience, nonce, expiry, state).
	ErrRejected = problem.Kind(problem.ErrForbidden, "sign-in rejected", "the sign-in could not be verified: start again")
)

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) mayConfigure(c auth.Caller, what string) error {
	if !policy.MayConfigureSignIn(c.Viewer()) {
		return fmt.Errorf("%s: %w", what, problem.ErrForbidden)
	}
	return nil
}

func invalid(title string, err error) error { return problem.Wrap(problem.ErrInvalid, title, err) }

// CheckSecretRef accepts where a client secret is read: env:NAME (an
// environment variable of the serving process) or file:PATH (an absolute
// path), or "" for a public client (PKCE alone).
func CheckSecretRef(ref string) error {
	kind, rest, _ := strings.Cut(ref, ":")
	switch {
	case ref == "":
		return nil
	case kind == "env" && rest != "" && !strings.ContainsAny(rest, "= \x00"):
		return nil
	case kind == "file" && strings.HasPrefix(rest, "/") && !strings.ContainsRune(rest, 0):
		return nil
	}
	return fmt.Errorf("secret %q: give env:NAME or file:/absolute/path (the secret itself is never stored)", ref)
}

// readSecret reads a client secret where ref says.
func readSecret(ref string) (string, error) {
	kind, rest, _ := strings.Cut(ref, ":")
	switch kind {
	case "":
		return "", nil
	case "env":
		v, ok := os.LookupEnv(rest)
		if !ok {
			return "", fmt.Errorf("client secret: environment variable %s is not set", rest)
		}
		return v, nil
	case "file":
		b, err := os.ReadFile(rest)
		if err != nil {
			return "", fmt.Errorf("client secret: %w", err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	return "", fmt.Errorf("client secret: %q is neither env:NAME nor file:PATH", ref)
}

// checkProvider checks a provider's configuration as given.
func checkProvider(p store.OIDCProvider) error {
	if !validName(p.Name) {
		return fmt.Errorf("name %q: use 1–32 lowercase letters, digits and -", p.Name)
	}
	u, err := url.Parse(p.Issuer)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("issuer %q: give the provider's issuer URL (https://…)", p.Issuer)
	}
	if p.ClientID == "" || len(p.ClientID) > 256 {
		return errors.New("client id: give the id the provider registered the hub under")
	}
	if err := CheckSecretRef(p.SecretRef); err != nil {
		return err
	}
	for _, sc := range p.Scopes {
		if !validClaim(sc) {
			return fmt.Errorf("scope %q: not a scope name", sc)
		}
	}
	if p.LoginClaim != "" && !validClaim(p.LoginClaim) {
		return fmt.Errorf("login claim %q: not a claim name", p.LoginClaim)
	}
	return nil
}

func validName(s string) bool {
	if len(s) == 0 || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if !('a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// PutProvider adds or changes an identity provider, logged first
// (signin.configure, change "provider").
func (s *Service) PutProvider(ctx context.Context, c auth.Caller, p store.OIDCProvider) error {
	if err := s.mayConfigure(c, "configure an identity provider"); err != nil {
		return err
	}
	if err := checkProvider(p); err != nil {
		return invalid("invalid identity provider", err)
	}
	p.Created = s.now()
	if _, err := s.Record(ctx, c, audit.ActionSignInConfigure, "oidc:"+p.Name, map[string]string{"via": c.Via(), "change": "provider",
		"issuer": p.Issuer, "client_id": p.ClientID, "secret": p.SecretRef, "scopes": strings.Join(p.Scopes, " "),
		"login_claim": p.LoginClaim, "disabled": fmt.Sprint(p.Disabled)}); err != nil {
		return err
	}
	s.providers.Delete(p.Name)
	return s.DB.PutOIDCProvider(ctx, p)
}

// RemoveProvider removes a provider with its mappings and linked
// identities (the accounts stay), logged first.
func (s *Service) RemoveProvider(ctx context.Context, c auth.Caller, name string) error {
	if err := s.mayConfigure(c, "remove an identity provider"); err != nil {
		return err
	}
	if _, err := s.DB.OIDCProvider(ctx, name); err != nil {
		return err
	}
	if _, err := s.Record(ctx, c, audit.ActionSignInConfigure, "oidc:"+name, map[string]string{"via": c.Via(), "change": "provider-remove"}); err != nil {
		return err
	}
	s.providers.Delete(name)
	return s.DB.DeleteOIDCProvider(ctx, name)
}

// AddMapping adds a claim mapping after the provider's others, logged
// first (change "mapping"). The role must be one a mapping may give to
// the organization (policy.MayMapRole).
func (s *Service) AddMapping(ctx context.Context, c auth.Caller, m store.OIDCMapping) (store.OIDCMapping, error) {
	if err := s.mayConfigure(c, "map claims"); err != nil {
		return m, err
	}
	if _, err := s.DB.OIDCProvider(ctx, m.Provider); err != nil {
		return m, err
	}
	if len(m.Conditions) == 0 {
		return m, invalid("invalid mapping", errors.New("give at least one condition claim=value"))
	}
	for _, cond := range m.Conditions {
		if _, err := ParseCondition(cond.String()); err != nil {
			return m, invalid("invalid mapping", err)
		}
	}
	org, err := s.DB.Org(ctx, m.OrgID) // an id or a name
	if err != nil {
		return m, invalid("invalid mapping", fmt.Errorf("organization %q: %w", m.OrgID, err))
	}
	m.OrgID = org.ID
	r, err := policy.ParseRole(m.Role)
	if err != nil {
		return m, invalid("invalid mapping", err)
	}
	if err := policy.MayMapRole(r, org.Kind); err != nil {
		return m, err
	}
	m.Created = s.now()
	conds := make([]string, len(m.Conditions))
	for i, cond := range m.Conditions {
		conds[i] = cond.String()
	}
	if _, err := s.Record(ctx, c, audit.ActionSignInConfigure, "oidc:"+m.Provider, map[string]string{"via": c.Via(), "change": "mapping",
		"conditions": strings.Join(conds, " "), "org": org.ID, "role": m.Role, "create_accounts": fmt.Sprint(m.Create)}); err != nil {
		return m, err
	}
	return s.DB.AddOIDCMapping(ctx, m)
}

// RemoveMapping removes a claim mapping, logged first (change
// "mapping-remove"). Users it mapped sign in no more unless another holds.
func (s *Service) RemoveMapping(ctx context.Context, c auth.Caller, id string) error {
	if err := s.mayConfigure(c, "remove a mapping"); err != nil {
		return err
	}
	m, err := s.DB.OIDCMapping(ctx, id)
	if err != nil {
		return err
	}
	if _, err := s.Record(ctx, c, audit.ActionSignInConfigure, "oidc:"+m.Provider, map[string]string{"via": c.Via(), "change": "mapping-remove", "mapping": m.PublicID}); err != nil {
		return err
	}
	return s.DB.DeleteOIDCMapping(ctx, id)
}
