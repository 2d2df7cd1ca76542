package huntpkg

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"renkei/internal/alert"
	"renkei/internal/audit"
	"renkei/internal/auth"
	"renkei/internal/hunt"
	"renkei/internal/i18n"
	"renkei/internal/policy"
	"renkei/internal/problem"
	"renkei/internal/sigma"
	"renkei/internal/stix"
	"renkei/internal/store"
)

// Limits on what one package or one report may carry.
const (
	MaxRuleBytes = 8 << 20 // all rule files of a package together
	MaxMatches   = 10000   // matches sent with one report
)

// Service publishes packages and takes reports. Package app builds the one
// service of a process with what it needs.
type Service struct {
	DB     *store.DB
	Now    func() time.Time
	Alerts *alert.Service // tells the organizations in scope, and the publisher of findings
	Log    *slog.Logger
	// Viewer is how the access policy sees a caller, its organization's
	// sharing groups included (hub.Hub.Viewer): scopes name groups.
	Viewer func(ctx context.Context, c auth.Caller) (policy.Viewer, error)
	// Record appends an act to the audit log before it takes effect
	// (hub.Hub.Record): the reading of AMBER+STRICT and RED packages.
	Record func(ctx context.Context, c auth.Caller, action, objectID string, detail map[string]string) (uint64, error)
	// KeyDir holds the signing key: DATA/hunt-keys of a running hub, beside
	// the audit log's folder. Empty: packages can be read but not published.
	KeyDir string
	// Screen passes indicator values through the export gate for the
	// publisher (exportgate.Service.Screen) and says why each value it
	// keeps out is kept out: a package whose indicators the gate refuses is
	// not published, so that nothing reaches a member's sweep as malicious
	// that would not reach its blocklist. Nil: packages with indicators are
	// refused.
	Screen func(ctx context.Context, v policy.Viewer, values []string) (map[string]string, error)
}

// ErrNotAllowed is returned when the caller may not do what it asked.
var ErrNotAllowed = problem.Kind(problem.ErrForbidden, "", "not allowed")

func (s *Service) now() time.Time { return s.Now().UTC() }

// Keys loads (or makes, the first time) the hub's package-signing key.
func (s *Service) Keys() (*Keys, error) {
	dir := s.KeyDir
	if dir == "" {
		return nil, errors.New("hunting packages: the hub has no key directory (DATA/hunt-keys) configured")
	}
	return LoadOrCreateKeys(dir)
}

// PublishRequest is what a publisher sends.
type PublishRequest struct {
	Title       string
	Description string
	TLP         string       // clear, green, amber, amber+strict
	Scope       []ScopeEntry // organization and group names or ids
	Rules       []RuleFile
	// Indicators are plain values (addresses, domains, hashes, URLs, any
	// string) or ids of STIX indicators on the hub the publisher may read,
	// whose patterns' literal values are swept for.
	Indicators []string
	// AllowUnloaded publishes even when some rules do not load.
	AllowUnloaded bool
}

// Published is the outcome of Publish.
type Published struct {
	Package     *Package
	Signed      []byte
	RulesLoaded int
	NotLoaded   []*sigma.LoadError
	Alerted     int // organizations told of the package
}

// Publish checks, signs and stores a package and alerts every organization
// in its scope. The national center may address any scope; another
// organization its own audience: its own sector, sharing groups it belongs
// to, and named organizations.
func (s *Service) Publish(ctx context.Context, c auth.Caller, req PublishRequest) (*Published, error) {
	if !policy.MayPublishHuntPackage(c.Viewer()) {
		return nil, fmt.Errorf("%w: packages are published by analysts and administrators", ErrNotAllowed)
	}
	v, err := s.Viewer(ctx, c)
	if err != nil {
		return nil, err
	}
	title := strings.TrimSpace(req.Title)
	if title == "" || len(title) > 300 {
		return nil, problem.Field("title", "give a title of 1 to 300 characters")
	}
	tlp, err := policy.ParseTLP(req.TLP)
	if err != nil {
		return nil, problem.Field("tlp", "%s", err.Error())
	}
	if tlp == policy.Red {
		return nil, problem.Field("tlp", "TLP:RED is for named people; a hunting package goes to organizations (use amber+strict)")
	}
	scope, err := s.resolveScope(ctx, c, v, req.Scope)
	if err != nil {
		return nil, err
	}
	if len(req.Rules) == 0 && len(req.Indicators) == 0 {
		return nil, problem.Field("rules", "a package needs Sigma rules, indicators, or both")
	}
	size := 0
	for i, f := range req.Rules {
		size += len(f.YAML)
		if strings.TrimSpace(f.Name) == "" {
			req.Rules[i].Name = fmt.Sprintf("rule-%d.yml", i+1)
		}
	}
	if size > MaxRuleBytes {
		return nil, problem.Field("rules", "%d bytes of rules; at most %d are accepted", size, MaxRuleBytes)
	}
	inds, err := s.resolveIndicators(ctx, v, req.Indicators)
	if err != nil {
		return nil, err
	}
	if err := s.screen(ctx, v, inds); err != nil {
		return nil, err
	}
	p := &Package{Format: FormatVersion, ID: stix.NewID("hunt-package"), Title: title, Description: strings.TrimSpace(req.Description),
		PublisherOrg: c.Org.ID, PublisherName: c.Org.Name, TLP: tlp.Label(), Scope: scope, Rules: req.Rules, Indicators: inds,
		Created: s.now().Truncate(time.Microsecond)}
	e, err := p.Engine(hunt.EngineOptions{})
	if err != nil {
		return nil, problem.Field("rules", "%s", err.Error())
	}
	out := &Published{Package: p, RulesLoaded: len(e.Rules), NotLoaded: e.NotLoaded}
	if len(e.NotLoaded) > 0 && !req.AllowUnloaded {
		msgs := make([]string, 0, len(e.NotLoaded))
		for _, le := range e.NotLoaded {
			msgs = append(msgs, le.Error())
		}
		return out, problem.Field("rules", "%d rules do not load (fix them, or publish anyway with allow_unloaded): %s",
			len(e.NotLoaded), strings.Join(msgs, "; "))
	}
	if len(e.Rules) == 0 {
		return out, problem.Field("rules", "no rule loads")
	}
	keys, err := s.Keys()
	if err != nil {
		return nil, err
	}
	signed, err := keys.Sign(p)
	if err != nil {
		return nil, err
	}
	out.Signed = signed
	rulesJSON, _ := json.Marshal(p.Rules)
	indJSON, _ := json.Marshal(p.Indicators)
	stScope := make([]store.HuntScope, len(scope))
	for i, se := range scope {
		stScope[i] = store.HuntScope{Kind: se.Kind, Value: se.Value}
	}
	if err := s.DB.PublishHuntPackage(ctx, store.HuntPackage{ID: p.ID, Title: p.Title, Description: p.Description, PublisherOrg: p.PublisherOrg,
		PublisherUser: c.User.ID, TLP: int(tlp), Rules: string(rulesJSON), Indicators: string(indJSON), Created: p.Created, Signed: string(signed),
		KeyName: keys.Signer.Name()}, stScope); err != nil {
		return nil, err
	}
	orgs, err := s.scopeOrgs(ctx, p)
	if err != nil {
		return out, err
	}
	for _, o := range orgs {
		if o.ID == p.PublisherOrg {
			continue
		}
		data, _ := json.Marshal(map[string]any{"package": p.ID, "tlp": p.TLP, "rules": out.RulesLoaded, "indicators": len(p.Indicators)})
		title := i18n.M("alert.hunt.package", p.Title)
		body := alert.Lines(
			i18n.M("alert.hunt.package.what", p.PublisherName, p.Title, p.TLP, strconv.Itoa(out.RulesLoaded), strconv.Itoa(len(p.Indicators))),
			alert.Blank,
			i18n.M("alert.hunt.package.todo"),
			i18n.M("alert.hunt.package.command", p.ID))
		if _, err := s.Alerts.Raise(ctx, store.Alert{OrgID: o.ID, Kind: "hunt-package", Severity: "medium",
			TitleKey: title.Key, TitleParams: title.Params, ObjectRef: p.ID, Data: string(data), BodyMsgs: body}); err != nil {
			return out, err
		}
		out.Alerted++
	}
	s.Log.Info("hunting package published", "package", p.ID, "org", c.Org.ID, "rules", out.RulesLoaded, "indicators", len(p.Indicators), "alerted", out.Alerted)
	return out, nil
}

// resolveScope turns names into ids and applies what a non-center
// publisher may address.
func (s *Service) resolveScope(ctx context.Context, c auth.Caller, v policy.Viewer, in []ScopeEntry) ([]ScopeEntry, error) {
	if len(in) == 0 {
		return nil, problem.Field("scope", "name at least one sector, org-kind, org or group (or all)")
	}
	center := policy.InCenter(v)
	var out []ScopeEntry
	for _, e := range in {
		val := strings.TrimSpace(e.Value)
		switch e.Kind {
		case ScopeAll:
			if !center {
				return nil, problem.Field("scope", "only the national center addresses every member; name your sector, groups or organizations")
			}
			val = ""
		case ScopeSector:
			val = store.SectorKey(val)
			if !center && val != store.SectorKey(c.Org.Sector) {
				return nil, problem.Field("scope", "sector %q: an organization addresses only its own sector (%q)", val, c.Org.Sector)
			}
		case ScopeOrgKind:
			if !slices.Contains(store.MemberOrgKinds, val) {
				return nil, problem.Field("scope", "org-kind %q is not one of %s", val, strings.Join(store.MemberOrgKinds, ", "))
			}
			if !center {
				return nil, problem.Field("scope", "only the national center addresses organizations by kind")
			}
		case ScopeOrg:
			o, err := s.DB.Org(ctx, val)
			if err != nil {
				return nil, problem.Field("scope", "org %q: no such organization", val)
			}
			val = o.ID
		case ScopeGroup:
			g, err := s.DB.Group(ctx, val)
			if err != nil {
				return nil, problem.Field("scope", "group %q: no such sharing group", val)
			}
			if !center && !slices.Contains(v.Groups, g.ID) {
				return nil, problem.Field("scope", "group %q: an organization addresses only groups it belongs to", g.Name)
			}
			val = g.ID
		default:
			return nil, problem.Field("scope", "unknown scope kind %q", e.Kind)
		}
		se := ScopeEntry{Kind: e.Kind, Value: val}
		if !slices.Contains(out, se) {
			out = append(out, se)
		}
	}
	return out, nil
}

// screen refuses indicators the export gate keeps out, naming each with
// the gate's reason.
func (s *Service) screen(ctx context.Context, v policy.Viewer, inds []Indicator) error {
	if len(inds) == 0 {
		return nil
	}
	if s.Screen == nil {
		return problem.Field("indicators", "the export gate is not available: indicators cannot be published")
	}
	values := make([]string, len(inds))
	for i, in := range inds {
		values[i] = in.Value
	}
	out, err := s.Screen(ctx, v, values)
	if err != nil {
		return fmt.Errorf("screen indicators: %w", err)
	}
	if len(out) == 0 {
		return nil
	}
	msgs := make([]string, 0, len(out))
	for _, val := range slices.Sorted(maps.Keys(out)) {
		msgs = append(msgs, fmt.Sprintf("%q (%s)", val, out[val]))
	}
	return problem.Field("indicators", "%d indicators never reach a sweep or an export (the export gate keeps them out; see renkei warninglists check): %s",
		len(out), strings.Join(msgs, "; "))
}

// resolveIndicators keeps plain values and replaces ids of STIX indicators
// by the literal values of their patterns.
func (s *Service) resolveIndicators(ctx context.Context, v policy.Viewer, in []string) ([]Indicator, error) {
	var out []Indicator
	seen := map[string]bool{}
	add := func(i Indicator) {
		if i.Value != "" && !seen[i.Value+"\x00"+i.STIXID] {
			seen[i.Value+"\x00"+i.STIXID] = true
			out = append(out, i)
		}
	}
	for n, x := range in {
		x = strings.TrimSpace(x)
		if x == "" || strings.HasPrefix(x, "#") {
			continue
		}
		if !strings.HasPrefix(x, "indicator--") {
			add(Indicator{Value: x})
			continue
		}
		o, err := s.DB.ObjectByID(ctx, v, x)
		if err != nil {
			return nil, problem.Field("indicators", "entry %d: %s is not an indicator you can read on the hub", n+1, x)
		}
		vals, err := PatternValues(o.Pattern)
		if err != nil {
			return nil, problem.Field("indicators", "entry %d: %s: %v", n+1, x, err)
		}
		if len(vals) == 0 {
			return nil, problem.Field("indicators", "entry %d: %s: its pattern has no value to search logs for", n+1, x)
		}
		for _, val := range vals {
			add(Indicator{Value: val, STIXID: x})
		}
	}
	return out, nil
}

// stored is a package row.
type stored struct {
	pkg           *Package
	signed        []byte
	publisherUser int64
	tlp           policy.TLP
}

func (s *Service) load(ctx context.Context, id string) (*stored, error) {
	row, err := s.DB.HuntPackageSigned(ctx, id)
	if err != nil {
		return nil, err
	}
	signed, pubUser, tlp := row.Signed, row.PublisherUser, row.TLP
	// The stored note's text is the package; it is read back from the signed
	// form so that what the hub shows is what it signed.
	text, _, ok := strings.Cut(signed, "\n\n")
	if !ok {
		return nil, fmt.Errorf("hunting package %s: stored signed note is malformed", id)
	}
	p, err := ParseCanonical([]byte(text + "\n"))
	if err != nil {
		return nil, err
	}
	return &stored{pkg: p, signed: []byte(signed), publisherUser: pubUser, tlp: policy.TLP(tlp)}, nil
}

// InScope reports whether an organization (with its sharing groups) is
// addressed by the scope.
func InScope(org store.Org, groups []string, scope []ScopeEntry) bool {
	if org.IsCommittee() {
		return false // the oversight committee is not a member: it hunts nothing
	}
	for _, e := range scope {
		switch e.Kind {
		case ScopeAll:
			if !org.IsCenter() {
				return true
			}
		case ScopeSector:
			if org.Sector != "" && store.SectorKey(org.Sector) == store.SectorKey(e.Value) {
				return true
			}
		case ScopeOrgKind:
			if org.Kind == e.Value {
				return true
			}
		case ScopeOrg:
			if org.ID == e.Value {
				return true
			}
		case ScopeGroup:
			if slices.Contains(groups, e.Value) {
				return true
			}
		}
	}
	return false
}

// acl is how the policy sees a package for a viewer: the publisher is the
// author, and the package is addressed to its named organizations and groups
// and, when the viewer is in scope by sector, kind or "all", to the viewer's
// organization.
func (st *stored) acl(v policy.Viewer, inScope bool) policy.ACL {
	a := policy.ACL{TLP: st.tlp, AuthorOrg: st.pkg.PublisherOrg, SubmitterUser: st.publisherUser}
	for _, e := range st.pkg.Scope {
		switch e.Kind {
		case ScopeOrg:
			a.RecipientOrgs = append(a.RecipientOrgs, e.Value)
		case ScopeGroup:
			a.RecipientGroups = append(a.RecipientGroups, e.Value)
		}
	}
	if inScope && !slices.Contains(a.RecipientOrgs, v.OrgID) {
		a.RecipientOrgs = append(a.RecipientOrgs, v.OrgID)
	}
	return a
}

// visible decides whether the caller may see the package: the publisher's
// organization and the center as the TLP allows them, any other
// organization only when it is in scope and the TLP allows.
func (st *stored) visible(c auth.Caller, v policy.Viewer) bool {
	in := InScope(c.Org, v.Groups, st.pkg.Scope)
	return policy.MayReadHuntPackage(v, st.pkg.PublisherOrg, in, st.acl(v, in))
}

// Get returns a package the caller may see, with its signed form, and the
// index of the audit entry that logged the reading when its TLP asks for one
// (AMBER+STRICT and RED, rule C7; 0 otherwise). A package the caller may not
// see is reported as not found, so its existence does not leak. With an error
// nothing may be shown.
func (s *Service) Get(ctx context.Context, c auth.Caller, id string) (*Package, []byte, uint64, error) {
	st, _, err := s.visibleOne(ctx, c, id)
	if err != nil {
		return nil, nil, 0, err
	}
	idx, err := s.logRead(ctx, c, st, "")
	if err != nil {
		return nil, nil, 0, err
	}
	return st.pkg, st.signed, idx, nil
}

// logRead appends the reading of a package kept under TLP:AMBER+STRICT or
// RED (or of its findings, what = "/findings") to the audit log, durably,
// and returns the entry's index; 0 when the TLP needs no record.
func (s *Service) logRead(ctx context.Context, c auth.Caller, st *stored, what string) (uint64, error) {
	if !policy.ReadLogged(st.tlp) {
		return 0, nil
	}
	if s.Record == nil {
		return 0, problem.ErrAuditUnavailable
	}
	return s.Record(ctx, c, audit.ActionObjectRead, "hunting-package:"+st.pkg.ID+what, map[string]string{"tlp": st.tlp.Label()})
}

// Visible returns nil when c may read package id (as Get decides), an error
// wrapping store.ErrNotFound or a refusal otherwise. It reads nothing of
// the package's content, so it logs no read: a case links a package by it.
func (s *Service) Visible(ctx context.Context, c auth.Caller, id string) error {
	_, _, err := s.visibleOne(ctx, c, id)
	return err
}

func (s *Service) visibleOne(ctx context.Context, c auth.Caller, id string) (*stored, policy.Viewer, error) {
	v, err := s.Viewer(ctx, c)
	if err != nil {
		return nil, v, err
	}
	st, err := s.load(ctx, id)
	if err != nil {
		return nil, v, err
	}
	if !st.visible(c, v) {
		return nil, v, fmt.Errorf("hunting package %s: %w", id, store.ErrNotFound)
	}
	return st, v, nil
}

// Summary is a package as listed.
type Summary struct {
	ID            string       `json:"id"`
	Title         string       `json:"title"`
	PublisherOrg  string       `json:"publisher_org"`
	PublisherName string       `json:"publisher_name"`
	TLP           string       `json:"tlp"`
	Scope         []ScopeEntry `json:"scope"`
	Rules         int          `json:"rule_files"`
	Indicators    int          `json:"indicators"`
	Created       time.Time    `json:"created"`
	InScope       bool         `json:"in_scope"` // the caller's organization is asked to run it
	RanByMe       bool         `json:"ran"`      // the caller's organization has reported a run
}

// List returns the packages the caller may see, newest first. The SQL
// keeps the packages its organization published or is in the scope of
// (policy.HuntPackageFilter: the center reads every scope); the policy then
// decides each one's TLP. Listings are not paginated (at most limit rows),
// so no count can leak.
func (s *Service) List(ctx context.Context, c auth.Caller, limit int) ([]Summary, error) {
	v, err := s.Viewer(ctx, c)
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	ids, err := s.DB.HuntPackageIDs(ctx, v, limit)
	if err != nil {
		return nil, err
	}
	ran, err := s.DB.HuntPackagesRunBy(ctx, c.Org.ID)
	if err != nil {
		return nil, err
	}
	out := []Summary{}
	for _, id := range ids {
		st, err := s.load(ctx, id)
		if err != nil {
			return nil, err
		}
		if !st.visible(c, v) {
			continue
		}
		p := st.pkg
		out = append(out, Summary{ID: p.ID, Title: p.Title, PublisherOrg: p.PublisherOrg, PublisherName: p.PublisherName, TLP: p.TLP,
			Scope: p.Scope, Rules: len(p.Rules), Indicators: len(p.Indicators), Created: p.Created,
			InScope: InScope(c.Org, v.Groups, p.Scope), RanByMe: ran[p.ID]})
	}
	return out, nil
}

// scopeOrgs lists every organization the package's scope addresses.
func (s *Service) scopeOrgs(ctx context.Context, p *Package) ([]store.Org, error) {
	orgs, err := s.DB.Orgs(ctx)
	if err != nil {
		return nil, err
	}
	var out []store.Org
	for _, o := range orgs {
		groups, err := s.DB.OrgGroups(ctx, o.ID)
		if err != nil {
			return nil, err
		}
		if InScope(o, groups, p.Scope) {
			out = append(out, o)
		}
	}
	return out, nil
}
