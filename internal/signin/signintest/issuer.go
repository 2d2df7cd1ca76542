// Package signintest runs a real OpenID Connect provider on loopback for
// tests: discovery, a JSON Web Key Set, an authorization endpoint that
// approves at once (as a user who already signed in at the provider would
// see it) and a token endpoint that checks the client, the code, the
// redirect URI and the PKCE verifier and answers with an ID token signed by
// a key made for the test (ES256). Tests set the claims of the next sign-in
// and may tamper with the token (another audience, nonce or an expired one)
// to see the hub refuse it.
package signintest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Issuer is a running provider.
type Issuer struct {
	URL              string
	ClientID, Secret string

	key *ecdsa.PrivateKey
	kid string

	mu sync.Mutex
	// claims are the next sign-in's claims besides iss, aud, exp, iat, nonce.
	claims map[string]any
	// tamper changes the next ID token's claims just before it is signed.
	tamper func(map[string]any)
	codes  map[string]grant
	// Authorized is the query of the last authorization request.
	Authorized url.Values
}

type grant struct {
	clientID, redirect, challenge, nonce string
	claims                               map[string]any
	tamper                               func(map[string]any)
}

// New starts a provider on loopback that knows one client, stopped when
// the test ends.
func New(t testing.TB, clientID, secret string) *Issuer {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	is := &Issuer{ClientID: clientID, Secret: secret, key: key, kid: "test-key-1", codes: map[string]grant{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", is.discovery)
	mux.HandleFunc("GET /keys", is.keys)
	mux.HandleFunc("GET /authorize", is.authorize)
	mux.HandleFunc("POST /token", is.token)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	is.URL = srv.URL
	return is
}

// SignInAs sets the claims of the next sign-ins (sub and whatever the
// mappings read), and clears any tampering.
func (is *Issuer) SignInAs(claims map[string]any) {
	is.mu.Lock()
	defer is.mu.Unlock()
	is.claims, is.tamper = claims, nil
}

// Tamper makes the next sign-ins' ID tokens pass through fn before they
// are signed.
func (is *Issuer) Tamper(fn func(claims map[string]any)) {
	is.mu.Lock()
	defer is.mu.Unlock()
	is.tamper = fn
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func (is *Issuer) discovery(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, map[string]any{
		"issuer":                                is.URL,
		"authorization_endpoint":                is.URL + "/authorize",
		"token_endpoint":                        is.URL + "/token",
		"jwks_uri":                              is.URL + "/keys",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"ES256"},
		"code_challenge_methods_supported":      []string{"S256"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
	})
}

func (is *Issuer) keys(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &is.key.PublicKey, KeyID: is.kid, Algorithm: "ES256", Use: "sig"}}})
}

func (is *Issuer) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	is.mu.Lock()
	is.Authorized = q
	claims, tamper := is.claims, is.tamper
	is.mu.Unlock()
	redirect, err := url.Parse(q.Get("redirect_uri"))
	switch {
	case err != nil || redirect.Host == "":
		http.Error(w, "redirect_uri missing", http.StatusBadRequest)
		return
	case q.Get("client_id") != is.ClientID:
		http.Error(w, "unknown client", http.StatusBadRequest)
		return
	case q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "":
		http.Error(w, "the code flow with PKCE (S256) is required", http.StatusBadRequest)
		return
	}
	code := rand.Text()
	is.mu.Lock()
	is.codes[code] = grant{clientID: is.ClientID, redirect: redirect.String(), challenge: q.Get("code_challenge"), nonce: q.Get("nonce"), claims: claims, tamper: tamper}
	is.mu.Unlock()
	back := redirect.Query()
	back.Set("code", code)
	back.Set("state", q.Get("state"))
	redirect.RawQuery = back.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

func (is *Issuer) token(w http.ResponseWriter, r *http.Request) {
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostFormValue("client_id"), r.PostFormValue("client_secret")
	} else {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	}
	fail := func(status int, code string) {
		w.WriteHeader(status)
		writeJSON(w, map[string]string{"error": code})
	}
	if id != is.ClientID || subtle.ConstantTimeCompare([]byte(secret), []byte(is.Secret)) != 1 {
		fail(http.StatusUnauthorized, "invalid_client")
		return
	}
	is.mu.Lock()
	g, found := is.codes[r.PostFormValue("code")]
	delete(is.codes, r.PostFormValue("code")) // a code is used once
	is.mu.Unlock()
	sum := sha256.Sum256([]byte(r.PostFormValue("code_verifier")))
	switch {
	case r.PostFormValue("grant_type") != "authorization_code" || !found:
		fail(http.StatusBadRequest, "invalid_grant")
		return
	case r.PostFormValue("redirect_uri") != g.redirect:
		fail(http.StatusBadRequest, "invalid_grant")
		return
	case base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge:
		fail(http.StatusBadRequest, "invalid_grant") // the PKCE verifier does not match the challenge
		return
	}
	now := time.Now()
	claims := map[string]any{"iss": is.URL, "aud": is.ClientID, "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix()}
	if g.nonce != "" {
		claims["nonce"] = g.nonce
	}
	for k, v := range g.claims {
		claims[k] = v
	}
	if g.tamper != nil {
		g.tamper(claims)
	}
	payload, _ := json.Marshal(claims)
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: is.key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", is.kid))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	sig, err := signer.Sign(payload)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	idt, _ := sig.CompactSerialize()
	writeJSON(w, map[string]any{"access_token": rand.Text(), "token_type": "Bearer", "expires_in": 300, "id_token": idt})
}
