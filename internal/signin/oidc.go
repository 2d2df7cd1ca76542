package signin

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"renkei/internal/audit"
	"renkei/internal/auth"
	"renkei/internal/policy"
	"renkei/internal/store"
)

// flowTTL is how long a sign-in at a provider may take, from the redirect
// to the callback.
const flowTTL = 10 * time.Minute

// defaultLoginClaim makes a new account's login when the provider names none.
const defaultLoginClaim = "email"

type oidcProvider struct {
	issuer string
	p      *oidc.Provider
}

// httpClient is how the hub reaches identity providers: bounded in time.
func (s *Service) httpClient() *http.Client {
	if s.Client != nil {
		return s.Client
	}
	return &http.Client{Timeout: 15 * time.Second}
}

// discover fetches a provider's discovery document once (and its keys as
// tokens need them), through the hub's client.
func (s *Service) discover(ctx context.Context, p store.OIDCProvider) (*oidc.Provider, error) {
	if v, ok := s.providers.Load(p.Name); ok && v.(*oidcProvider).issuer == p.Issuer {
		return v.(*oidcProvider).p, nil
	}
	// The provider keeps the context to fetch keys later: not the request's.
	bg := oidc.ClientContext(context.WithoutCancel(ctx), s.httpClient())
	op, err := oidc.NewProvider(bg, p.Issuer)
	if err != nil {
		return nil, fmt.Errorf("discover identity provider %s: %w", p.Name, err)
	}
	s.providers.Store(p.Name, &oidcProvider{issuer: p.Issuer, p: op})
	return op, nil
}

// EnabledProviders lists the providers the login page offers.
func (s *Service) EnabledProviders(ctx context.Context) ([]store.OIDCProvider, error) {
	ps, err := s.DB.OIDCProviders(ctx)
	var out []store.OIDCProvider
	for _, p := range ps {
		if !p.Disabled {
			out = append(out, p)
		}
	}
	return out, err
}

func randomString() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Begin starts a sign-in at provider name: it keeps the flow (a hash of
// its state, its nonce, its PKCE verifier, where to go after) and returns
// the provider's authorization URL and the state, which the browser keeps
// in a cookie so that the callback is bound to it.
func (s *Service) Begin(ctx context.Context, name, redirectURL, next string) (authURL, state string, err error) {
	p, err := s.DB.OIDCProvider(ctx, name)
	if err != nil || p.Disabled {
		return "", "", fmt.Errorf("sign in with %q: %w", name, store.ErrNotFound)
	}
	op, err := s.discover(ctx, p)
	if err != nil {
		return "", "", err
	}
	state, nonce, verifier := randomString(), randomString(), oauth2.GenerateVerifier()
	if err := s.DB.AddOIDCFlow(ctx, store.OIDCFlow{StateHash: auth.HashSecret(state), Provider: p.Name, Nonce: nonce, Verifier: verifier,
		Next: next, Expires: s.now().Add(flowTTL)}, s.now()); err != nil {
		return "", "", err
	}
	conf := oauth2.Config{ClientID: p.ClientID, Endpoint: op.Endpoint(), RedirectURL: redirectURL, Scopes: append([]string{oidc.ScopeOpenID}, p.Scopes...)}
	return conf.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), state, nil
}

// Finish completes a sign-in at the callback: it takes the flow of state
// (once), exchanges the code with the PKCE verifier, verifies the ID token
// (signature by the provider's keys, issuer, audience = the hub's client
// id, expiry, and the flow's nonce), finds the first mapping whose
// conditions the claims hold, and returns the account it names — linked
// before, linked now (an account of that organization and role with the
// login the claims give), or made now when the mapping allows — and where
// to go next. Linking and making an account are logged first; the login
// itself is the console's to log.
func (s *Service) Finish(ctx context.Context, name, state, code, redirectURL string) (store.User, string, error) {
	f, err := s.DB.TakeOIDCFlow(ctx, auth.HashSecret(state), s.now())
	if errors.Is(err, store.ErrNotFound) || (err == nil && f.Provider != name) {
		return store.User{}, "", fmt.Errorf("%w: no sign-in under way with this state (expired, used, or another browser's)", ErrRejected)
	}
	if err != nil {
		return store.User{}, "", err
	}
	p, err := s.DB.OIDCProvider(ctx, name)
	if err != nil || p.Disabled {
		return store.User{}, "", fmt.Errorf("%w: identity provider %q is not enabled", ErrRejected, name)
	}
	op, err := s.discover(ctx, p)
	if err != nil {
		return store.User{}, "", err
	}
	secret, err := readSecret(p.SecretRef)
	if err != nil {
		return store.User{}, "", err
	}
	conf := oauth2.Config{ClientID: p.ClientID, ClientSecret: secret, Endpoint: op.Endpoint(), RedirectURL: redirectURL}
	cctx := oidc.ClientContext(ctx, s.httpClient())
	tok, err := conf.Exchange(cctx, code, oauth2.VerifierOption(f.Verifier))
	if err != nil {
		return store.User{}, "", fmt.Errorf("%w: the provider refused the code: %v", ErrRejected, err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return store.User{}, "", fmt.Errorf("%w: the provider sent no ID token", ErrRejected)
	}
	idt, err := op.VerifierContext(cctx, &oidc.Config{ClientID: p.ClientID, Now: s.now}).Verify(cctx, raw)
	if err != nil {
		return store.User{}, "", fmt.Errorf("%w: %v", ErrRejected, err)
	}
	if idt.Nonce != f.Nonce {
		return store.User{}, "", fmt.Errorf("%w: the ID token's nonce is not this sign-in's", ErrRejected)
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return store.User{}, "", fmt.Errorf("%w: claims: %v", ErrRejected, err)
	}
	u, err := s.account(ctx, p, idt.Subject, claims)
	if err != nil {
		return store.User{}, "", err
	}
	return u, f.Next, nil
}

// account is the account a provider's verified user signs in as.
func (s *Service) account(ctx context.Context, p store.OIDCProvider, subject string, claims map[string]any) (store.User, error) {
	ms, err := s.DB.OIDCMappings(ctx, p.Name)
	if err != nil {
		return store.User{}, err
	}
	var m *store.OIDCMapping
	for i := range ms {
		if Holds(ms[i].Conditions, claims) {
			m = &ms[i]
			break
		}
	}
	if m == nil {
		return store.User{}, fmt.Errorf("%w (provider %s, subject %s)", ErrUnmapped, p.Name, subject)
	}
	org, err := s.DB.Org(ctx, m.OrgID)
	if err != nil {
		return store.User{}, fmt.Errorf("%w: mapping %s names organization %s, which is gone", ErrUnmapped, m.PublicID, m.OrgID)
	}
	if id, err := s.DB.OIDCIdentity(ctx, p.Name, subject); err != nil {
		return store.User{}, err
	} else if id != 0 {
		u, err := s.DB.UserByID(ctx, id)
		if err != nil {
			return store.User{}, err
		}
		if u.OrgID != org.ID { // the claims now say another organization
			return store.User{}, fmt.Errorf("%w: subject %s is linked to an account of another organization than the mapping names", ErrUnmapped, subject)
		}
		return u, nil
	}
	claim := p.LoginClaim
	if claim == "" {
		claim = defaultLoginClaim
	}
	if claim == "email" {
		if v := ClaimValues(claims, "email_verified"); len(v) == 1 && v[0] == "false" {
			return store.User{}, fmt.Errorf("%w: the provider has not verified the e-mail address", ErrNoAccount)
		}
	}
	login, err := loginFrom(claims, claim)
	if err != nil {
		return store.User{}, fmt.Errorf("%w: %v", ErrNoAccount, err)
	}
	sys := auth.System("oidc:"+p.Name, org)
	u, err := s.DB.UserByLogin(ctx, login)
	switch {
	case err == nil:
		// An account of that login is linked only when it is what the
		// mapping says: the same organization and role.
		if u.OrgID != org.ID || !policy.MayLinkAccount(policy.Role(u.Role), policy.Role(m.Role)) {
			return store.User{}, fmt.Errorf("%w: account %s is not of the organization and role the mapping names", ErrNoAccount, login)
		}
	case !errors.Is(err, store.ErrNotFound):
		return store.User{}, err
	case !m.Create:
		return store.User{}, fmt.Errorf("%w: no account %s, and mapping %s makes none", ErrNoAccount, login, m.PublicID)
	default:
		if u, err = s.CreateUser(ctx, sys, login, org.ID, m.Role, ""); err != nil {
			return store.User{}, fmt.Errorf("%w: make account %s: %v", ErrNoAccount, login, err)
		}
	}
	if _, err := s.Record(ctx, sys, audit.ActionSignInLink, "user:"+u.Login, map[string]string{"via": "oidc", "provider": p.Name,
		"subject": subject, "mapping": m.PublicID, "org": org.ID, "role": u.Role}); err != nil {
		return store.User{}, err
	}
	if err := s.DB.LinkOIDCIdentity(ctx, p.Name, subject, u.ID, s.now()); err != nil {
		return store.User{}, err
	}
	return u, nil
}
