// Package federation keeps the hub's partners — remote TAXII 2.1 API roots,
// MISP instances, feeds and other Renkei hubs — with their sharing
// agreements, and moves objects to and from them: a pull stores what a
// partner offers through the hub's STIX intake (as the partner's own
// organization, with a provenance extension naming the partner and the
// pull), a push sends what the agreement lets leave.
//
// It decides nothing about who may see or send what: every object that
// leaves passes policy.MayLeave, every object that arrives policy.MayArrive,
// and who keeps or sees partners is policy.MayManagePartners and
// MaySeePartners. It reaches only the URLs of configured partners, through
// a client that refuses addresses inside the hub's network (as webhooks do,
// unless the agreement allows them) and redirects to any other host. It
// keeps no secret: a partner's token or key is read from the environment
// or a file at each synchronization, and never logged or shown.
package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"renkei/internal/alert"
	"renkei/internal/audit"
	"renkei/internal/auth"
	"renkei/internal/client"
	"renkei/internal/policy"
	"renkei/internal/problem"
	"renkei/internal/store"
)

// Partner is a partner as the store keeps it.
type Partner = store.Partner

// Kinds of partner, and directions.
const (
	KindTAXII = "taxii"
	KindMISP  = "misp"
	KindFeed  = "feed"

	Pull = "pull"
	Push = "push"
	Both = "both"
)

// Service keeps the partners and runs their synchronizations. Package app
// builds the one service of a process.
type Service struct {
	DB  *store.DB
	Now func() time.Time
	Log *slog.Logger
	// Record appends an act to the audit log before it takes effect
	// (hub.Hub.Record); every act is refused without it.
	Record func(ctx context.Context, c auth.Caller, action, objectID string, detail map[string]string) (uint64, error)
	// Submit stores objects through the hub's intake (hub.Hub.Submit).
	Submit func(ctx context.Context, c auth.Caller, coll store.Collection, body io.Reader) (store.Status, error)
	// Present is an object as a reader is shown it (hub.Hub.Present): what
	// leaves is what the partner's own account would be shown.
	Present func(v policy.Viewer, o store.Object) json.RawMessage
	// Viewer is how the policy sees an account (hub.Hub.Viewer).
	Viewer func(ctx context.Context, c auth.Caller) (policy.Viewer, error)
	// NewOrg and NewUser make the partner's organization and account,
	// unlogged: the partner.create entry, appended first, covers them.
	NewOrg  func(ctx context.Context, name string) (store.Org, error)
	NewUser func(ctx context.Context, login, org string) (store.User, error)
	// Reach bounds where partners may be reached (as for webhooks);
	// Timeout bounds each request (default one minute).
	Reach   alert.Reach
	Timeout time.Duration
	// Retries is how many times a failed request to a partner is tried
	// again, after Backoff, doubled each time (defaults 3 and 2 s).
	Retries int
	Backoff time.Duration

	arrivals sync.Map // org id → arrival: the partner whose account submits, looked up once a minute
}

// record logs an act, with the door it came through (Detail "via").
func (s *Service) record(ctx context.Context, c auth.Caller, action, id string, detail map[string]string) error {
	if s.Record == nil {
		return problem.ErrAuditUnavailable
	}
	detail["via"] = c.Via()
	_, err := s.Record(ctx, c, action, id, detail)
	return err
}

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}

// NewPartner is what the center gives to add a partner (the API's body).
type NewPartner = client.NewPartner

// check says every problem of n at once.
func (s *Service) check(ctx context.Context, n *NewPartner) error {
	var ps problem.Problems
	n.Name = strings.TrimSpace(n.Name)
	if err := checkName(n.Name); err != nil {
		ps.Add("name", "", "%v", err)
	}
	if !slices.Contains([]string{KindTAXII, KindMISP, KindFeed}, n.Kind) {
		ps.Add("kind", "", "%q: want taxii, misp or feed", n.Kind)
	}
	if !slices.Contains([]string{Pull, Push, Both}, n.Direction) {
		ps.Add("direction", "", "%q: want pull, push or both", n.Direction)
	}
	if n.Kind == KindFeed && n.Direction != Pull {
		ps.Add("direction", "", "a feed is only pulled")
	}
	if n.Kind == KindFeed && !slices.Contains([]string{"csv", "text", "misp"}, n.Format) {
		ps.Add("format", "", "%q: a feed's format is csv, text or misp", n.Format)
	}
	if n.Kind == KindTAXII && len(n.Collections) == 0 {
		ps.Add("collection", "", "a TAXII partner needs the id of at least one of its collections")
	}
	for _, c := range n.Collections {
		if c == "" || strings.ContainsAny(c, ",/?#") {
			ps.Add("collection", "", "%q is not a collection id", c)
		}
	}
	if n.Kind != KindFeed && n.Secret == "" {
		ps.Add("secret", "", "a %s partner needs its token or key: give env:NAME or file:PATH", n.Kind)
	}
	if n.Secret != "" && !validSecretRef(n.Secret) {
		// The value is not repeated: it may be the secret itself.
		ps.Add("secret", "", "give where the secret is read, env:NAME or file:PATH, not the secret itself")
	}
	if err := n.Agreement.Check(); err != nil {
		ps.Add("agreement", "", "%v", err)
	}
	if err := s.checkURL(ctx, n.URL, n.Agreement.AllowInside); err != nil {
		ps.Add("url", "", "%v", err)
	}
	if n.ScheduleSeconds < 0 {
		ps.Add("schedule", "", "a schedule is a positive number of seconds, or none")
	}
	return ps.Err()
}

// checkName accepts a partner's name: what a login may be (hub.CheckLogin's
// set, lowercase letters, digits, '.', '_', '-'), since the partner's
// account is named after it.
func checkName(name string) error {
	if name == "" || len(name) > 48 {
		return errors.New("a partner's name is 1 to 48 characters")
	}
	for i, c := range name {
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || (i > 0 && i < len(name)-1 && (c == '.' || c == '_' || c == '-'))
		if !ok {
			return fmt.Errorf("%q: use lowercase letters, digits, '.', '_' and '-', beginning and ending with a letter or digit", name)
		}
	}
	return nil
}

// checkURL accepts an http(s) URL without credentials that the hub may
// reach: outside its network, unless the agreement allows inside.
func (s *Service) checkURL(ctx context.Context, raw string, inside bool) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("%q is not an http(s) URL", raw)
	}
	if u.User != nil {
		return fmt.Errorf("put no credentials in the URL; give the secret as env:NAME or file:PATH")
	}
	if inside {
		return nil
	}
	if err := s.Reach.CheckURL(ctx, raw); err != nil {
		if errors.Is(err, alert.ErrInside) {
			return fmt.Errorf("%v; an agreement may allow it (allow_inside)", strings.TrimSuffix(err.Error(), ": "+alert.ErrInside.Error()))
		}
		return err
	}
	return nil
}

// Add makes a partner with its agreement, its organization (kind partner)
// and the account its objects are stored under, logged first
// (partner.create, with the agreement whole, for the oversight committee).
func (s *Service) Add(ctx context.Context, c auth.Caller, n NewPartner) (Partner, error) {
	if !policy.MayManagePartners(c.Viewer()) {
		return Partner{}, fmt.Errorf("add partner: %w", problem.ErrForbidden)
	}
	if n.LocalCollection == "" {
		n.LocalCollection = membersCollection
	}
	if err := s.check(ctx, &n); err != nil {
		return Partner{}, err
	}
	if _, err := s.DB.PartnerByName(ctx, n.Name); err == nil {
		return Partner{}, problem.Field("name", "a partner named %q exists already", n.Name)
	} else if !errors.Is(err, store.ErrNotFound) {
		return Partner{}, err
	}
	if _, err := s.DB.Collection(ctx, n.LocalCollection); err != nil {
		return Partner{}, problem.Field("local_collection", "%s: %v", n.LocalCollection, err)
	}
	agreement, _ := json.Marshal(n.Agreement)
	p := Partner{ID: store.NewPublicID(), Name: n.Name, Kind: n.Kind, URL: n.URL, SecretRef: n.Secret, Direction: n.Direction,
		Collections: n.Collections, LocalCollection: n.LocalCollection, Format: n.Format, Schedule: time.Duration(n.ScheduleSeconds) * time.Second,
		HubID: n.HubID, Login: "partner-" + n.Name, Agreement: n.Agreement, CreatedAt: s.Now().UTC(), CreatedBy: c.User.Login}
	if err := s.record(ctx, c, audit.ActionPartnerCreate, "partner:"+p.ID, map[string]string{
		"name": p.Name, "kind": p.Kind, "url": p.URL, "direction": p.Direction, "collections": strings.Join(p.Collections, ","),
		"local_collection": p.LocalCollection, "agreement": string(agreement)}); err != nil {
		return Partner{}, err
	}
	org, err := s.NewOrg(ctx, p.Name+" (partner)")
	if err != nil {
		return Partner{}, fmt.Errorf("add partner %s: its organization: %w", p.Name, err)
	}
	p.OrgID = org.ID
	if _, err := s.NewUser(ctx, p.Login, org.ID); err != nil {
		return Partner{}, fmt.Errorf("add partner %s: its account: %w", p.Name, err)
	}
	if err := s.DB.AddPartner(ctx, p); err != nil {
		return Partner{}, err
	}
	s.log().Info("partner added", "partner", p.Name, "kind", p.Kind, "direction", p.Direction, "user", c.User.Login)
	return p, nil
}

// membersCollection is where a partner's objects go unless its agreement
// names another collection (hub.MembersCollection).
const membersCollection = "9f1e5d2a-6b1c-4c1e-8d7a-000000000001"

// List returns every partner with its agreement and state.
func (s *Service) List(ctx context.Context, v policy.Viewer) ([]Partner, error) {
	if !policy.MaySeePartners(v) {
		return nil, fmt.Errorf("partners: %w", problem.ErrForbidden)
	}
	return s.DB.Partners(ctx)
}

// Get returns one partner by name or id.
func (s *Service) Get(ctx context.Context, v policy.Viewer, name string) (Partner, error) {
	if !policy.MaySeePartners(v) {
		return Partner{}, fmt.Errorf("partner: %w", problem.ErrForbidden)
	}
	return s.DB.PartnerByName(ctx, name)
}

// Failures lists a partner's latest refused objects.
func (s *Service) Failures(ctx context.Context, v policy.Viewer, name string, limit int) ([]store.PartnerFailure, error) {
	p, err := s.Get(ctx, v, name)
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	return s.DB.PartnerFailures(ctx, p.ID, limit)
}

// validSecretRef reports whether ref says where a secret is read.
func validSecretRef(ref string) bool {
	name, ok := strings.CutPrefix(ref, "env:")
	if ok {
		return name != "" && !strings.ContainsAny(name, "= \t\n")
	}
	path, ok := strings.CutPrefix(ref, "file:")
	return ok && path != ""
}

// secret reads a partner's token or key from where its reference says. The
// error names the reference, never the value.
func secret(ref string) (string, error) {
	if ref == "" {
		return "", nil
	}
	if name, ok := strings.CutPrefix(ref, "env:"); ok {
		v := strings.TrimSpace(os.Getenv(name))
		if v == "" {
			return "", fmt.Errorf("the secret %s is not set", ref)
		}
		return v, nil
	}
	if path, ok := strings.CutPrefix(ref, "file:"); ok {
		f, err := os.Open(path)
		if err != nil {
			return "", fmt.Errorf("the secret %s cannot be read: %w", ref, err)
		}
		defer f.Close()
		b, err := io.ReadAll(io.LimitReader(f, 64<<10))
		if err != nil {
			return "", fmt.Errorf("the secret %s cannot be read: %w", ref, err)
		}
		if v := strings.TrimSpace(string(b)); v != "" {
			return v, nil
		}
		return "", fmt.Errorf("the secret %s is empty", ref)
	}
	return "", fmt.Errorf("the secret reference of this partner is neither env:NAME nor file:PATH")
}

// httpClient is the client of one partner: every connection goes to an
// address the partner may be reached at (outside the hub's network unless
// its agreement allows inside), and a redirect to any other host, scheme or
// port is refused.
func (s *Service) httpClient(p Partner) *http.Client {
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = time.Minute
	}
	var hc *http.Client
	if p.Agreement.AllowInside {
		hc = &http.Client{Timeout: timeout, Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 4, TLSHandshakeTimeout: timeout}}
	} else {
		hc = s.Reach.Client(timeout)
	}
	base, _ := url.Parse(p.URL)
	hc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if req.URL.Scheme != base.Scheme || req.URL.Host != base.Host {
			return fmt.Errorf("partner %s redirected to %s://%s, which is not its own address %s://%s: refused", p.Name, req.URL.Scheme, req.URL.Host, base.Scheme, base.Host)
		}
		if len(via) >= 5 {
			return fmt.Errorf("partner %s: too many redirects", p.Name)
		}
		return nil
	}
	return hc
}

// OrgKind is the kind of a partner's organization, and Role the role of the
// account its objects are submitted by (it submits; it reads what an
// analyst of a member would, which the agreement narrows further).
const (
	OrgKind = "partner"
	Role    = "analyst"
)
