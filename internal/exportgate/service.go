package exportgate

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"renkei/internal/audit"
	"renkei/internal/auth"
	"renkei/internal/policy"
	"renkei/internal/problem"
	"renkei/internal/store"
	"renkei/internal/warninglist"
)

// Service keeps the warninglists, export policies and reviews. Package app
// builds the one service of a process.
type Service struct {
	DB     *store.DB
	Now    func() time.Time
	Center string // the national center's organization id: its own indicators need no review
	// Record appends an act to the audit log before it takes effect
	// (hub.Hub.Record); every change is refused without it.
	Record func(ctx context.Context, c auth.Caller, action, objectID string, detail map[string]string) (uint64, error)
	Log    *slog.Logger
	// HubAddresses are the hub's own addresses, which no export may block.
	HubAddresses []string

	mu      sync.Mutex
	matcher *warninglist.Matcher
	version string
	checked time.Time // when shownMatcher last asked the store (hits.go)

	// hits remembers ObjectHits's answer per pattern for the matcher hitsOf
	// (hits.go): a page shows the same patterns again and again.
	hitsMu sync.Mutex
	hitsOf *warninglist.Matcher
	hits   map[string]shown
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

// ListInfo is one warninglist as the center sees it.
type ListInfo struct {
	*warninglist.List
	Enabled   bool      `json:"enabled"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
	UpdatedBy string    `json:"updated_by,omitempty"`
}

// lists reads every list: built-in (with the center's switches), stored,
// and the registered addresses.
func (s *Service) lists(ctx context.Context) ([]ListInfo, error) {
	stored, err := s.DB.Warninglists(ctx)
	if err != nil {
		return nil, err
	}
	switches := map[string]store.Warninglist{}
	var out []ListInfo
	for _, w := range stored {
		if w.Origin == warninglist.OriginBuiltin {
			switches[w.ID] = w
			continue
		}
		l, err := warninglist.Parse(w.Body)
		if err != nil {
			s.logWarn("stored warninglist unreadable", w.ID, err)
			continue
		}
		l.ID, l.Origin, l.Action = w.ID, w.Origin, w.Action
		out = append(out, ListInfo{List: l, Enabled: w.Enabled, UpdatedAt: w.UpdatedAt, UpdatedBy: w.UpdatedBy})
	}
	var builtin []ListInfo
	for _, l := range warninglist.Builtin() {
		li := ListInfo{List: l, Enabled: true}
		if w, ok := switches[l.ID]; ok {
			li.Enabled, li.UpdatedAt, li.UpdatedBy = w.Enabled, w.UpdatedAt, w.UpdatedBy
		}
		builtin = append(builtin, li)
	}
	prefixes, err := s.DB.AddressSpacePrefixes(ctx)
	if err != nil {
		return nil, err
	}
	reg := warninglist.Registered(append(slices.Clone(s.HubAddresses), prefixes...))
	li := ListInfo{List: reg, Enabled: true}
	if w, ok := switches[reg.ID]; ok {
		li.Enabled, li.UpdatedAt, li.UpdatedBy = w.Enabled, w.UpdatedAt, w.UpdatedBy
	}
	return append(append(builtin, li), out...), nil
}

func (s *Service) logWarn(msg, id string, err error) {
	if s.Log != nil {
		s.Log.Warn(msg, "list", id, "err", err)
	}
}

// Lists returns every warninglist, built-in ones first.
func (s *Service) Lists(ctx context.Context, v policy.Viewer) ([]ListInfo, error) {
	if !policy.MayReadWarninglists(v) {
		return nil, fmt.Errorf("warninglists: %w", problem.ErrForbidden)
	}
	return s.lists(ctx)
}

// Matcher returns the matcher over every enabled list, rebuilt only when
// the stored lists or the registered addresses changed.
func (s *Service) Matcher(ctx context.Context) (*warninglist.Matcher, string, error) {
	v, err := s.DB.WarninglistsVersion(ctx)
	if err != nil {
		return nil, "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.matcher != nil && s.version == v {
		return s.matcher, v, nil
	}
	infos, err := s.lists(ctx)
	if err != nil {
		return nil, "", err
	}
	var on []*warninglist.List
	for _, li := range infos {
		if li.Enabled {
			on = append(on, li.List)
		}
	}
	s.matcher, s.version = warninglist.New(on), v
	return s.matcher, v, nil
}

func (s *Service) allowed(c auth.Caller) error {
	if !policy.MayManageWarninglists(c.Viewer()) {
		return fmt.Errorf("warninglists: %w", problem.ErrForbidden)
	}
	return nil
}

func isBuiltin(id string) bool {
	if id == warninglist.RegisteredName {
		return true
	}
	for _, l := range warninglist.Builtin() {
		if l.ID == id {
			return true
		}
	}
	return false
}

// Import stores lists read in MISP's format (renkei warninglists import),
// each replacing an imported list of the same id, with action (refuse or
// warn) for their hits. Each list is logged before it is stored.
func (s *Service) Import(ctx context.Context, c auth.Caller, lists []*warninglist.List, action string) error {
	if err := s.allowed(c); err != nil {
		return err
	}
	if action == "" {
		action = warninglist.ActionRefuse
	}
	if action != warninglist.ActionRefuse && action != warninglist.ActionWarn {
		return problem.Field("action", "want refuse or warn")
	}
	for _, l := range lists {
		if l.ID == "" {
			l.ID = l.Name
		}
		if isBuiltin(l.ID) {
			return problem.Field("list", "%s is a built-in list: import it under another name", l.ID)
		}
		if err := l.Check(); err != nil {
			return problem.Field("list", "%s", err)
		}
		body, err := l.JSON()
		if err != nil {
			return err
		}
		if err := s.record(ctx, c, audit.ActionWarninglistChange, "warninglist:"+l.ID, map[string]string{
			"op": "import", "version": strconv.Itoa(l.Version), "entries": strconv.Itoa(len(l.List)), "type": l.Type, "action": action}); err != nil {
			return err
		}
		if err := s.DB.SaveWarninglist(ctx, store.Warninglist{ID: l.ID, Origin: warninglist.OriginImported, Action: action,
			Enabled: true, Body: body, UpdatedAt: s.Now().UTC(), UpdatedBy: c.User.Login}); err != nil {
			return err
		}
	}
	return nil
}

// Edit adds values to, or removes them from, a list the center keeps,
// creating it (of type typ: cidr or hostname, with the refuse action) on the
// first addition. Built-in and imported lists are not edited entry by entry
// (built-in ones change with Renkei, imported ones by importing again).
func (s *Service) Edit(ctx context.Context, c auth.Caller, id, typ string, values []string, remove bool) (*warninglist.List, error) {
	if err := s.allowed(c); err != nil {
		return nil, err
	}
	id = strings.TrimSpace(id)
	if id == "" || isBuiltin(id) {
		return nil, problem.Field("list", "name a list the center keeps (not a built-in one)")
	}
	var clean []string
	for _, v := range values {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		if typ == warninglist.TypeCIDR || (typ == "" && looksIP(v)) {
			p, err := netip.ParsePrefix(v)
			if err != nil {
				a, err2 := netip.ParseAddr(v)
				if err2 != nil {
					return nil, problem.Field("value", "%q is not an address or CIDR", v)
				}
				p = netip.PrefixFrom(a, a.BitLen())
			}
			v = p.Masked().String()
		} else {
			k, cv, ok := warninglist.Canonical(v)
			if !ok {
				return nil, problem.Field("value", "%q is not a value a list can hold", v)
			}
			_ = k
			v = cv
		}
		clean = append(clean, v)
	}
	if len(clean) == 0 {
		return nil, problem.Field("value", "give at least one value")
	}
	op := "add"
	if remove {
		op = "remove"
	}
	var out *warninglist.List
	err := s.DB.UpdateWarninglist(ctx, id, func(w *store.Warninglist, found bool) error {
		var l *warninglist.List
		if found {
			if w.Origin != warninglist.OriginCenter {
				return problem.Field("list", "%s was imported: import it again to change it", id)
			}
			var err error
			if l, err = warninglist.Parse(w.Body); err != nil {
				return err
			}
		} else {
			if remove {
				return fmt.Errorf("warninglist %s: %w", id, problem.ErrNotFound)
			}
			if typ == "" {
				typ = warninglist.TypeHostname
				if looksIP(clean[0]) {
					typ = warninglist.TypeCIDR
				}
			}
			l = &warninglist.List{Name: id, Type: typ, Description: "Kept by the center.", List: []string{}}
			w.Origin, w.Action, w.Enabled = warninglist.OriginCenter, warninglist.ActionRefuse, true
		}
		for _, v := range clean {
			i := slices.Index(l.List, v)
			switch {
			case remove && i >= 0:
				l.List = slices.Delete(l.List, i, i+1)
			case !remove && i < 0:
				l.List = append(l.List, v)
			}
		}
		l.Version++
		body, err := l.JSON()
		if err != nil {
			return err
		}
		// Logged before it takes effect: the transaction commits only after.
		if err := s.record(ctx, c, audit.ActionWarninglistChange, "warninglist:"+id, map[string]string{
			"op": op, "values": strings.Join(clean, " "), "version": strconv.Itoa(l.Version)}); err != nil {
			return err
		}
		w.Body, w.UpdatedAt, w.UpdatedBy = body, s.Now().UTC(), c.User.Login
		l.ID, l.Origin, l.Action = id, w.Origin, w.Action
		out = l
		return nil
	})
	return out, err
}

func looksIP(v string) bool {
	if _, err := netip.ParsePrefix(v); err == nil {
		return true
	}
	_, err := netip.ParseAddr(v)
	return err == nil
}

// SetEnabled switches a list on or off (a built-in one too: the center may
// decide that, say, documentation ranges are no concern of its exports).
func (s *Service) SetEnabled(ctx context.Context, c auth.Caller, id string, on bool) error {
	if err := s.allowed(c); err != nil {
		return err
	}
	op := "disable"
	if on {
		op = "enable"
	}
	return s.DB.UpdateWarninglist(ctx, id, func(w *store.Warninglist, found bool) error {
		if !found {
			if !isBuiltin(id) {
				return fmt.Errorf("warninglist %s: %w", id, problem.ErrNotFound)
			}
			w.Origin, w.Action = warninglist.OriginBuiltin, warninglist.ActionRefuse
		}
		if err := s.record(ctx, c, audit.ActionWarninglistChange, "warninglist:"+id, map[string]string{"op": op}); err != nil {
			return err
		}
		w.Enabled, w.UpdatedAt, w.UpdatedBy = on, s.Now().UTC(), c.User.Login
		return nil
	})
}

// Policy is an export policy as set and shown.
type Policy = store.ExportPolicy

// Scopes of an export policy.
const (
	ScopeHub        = "hub"
	ScopeCollection = "collection"
	ScopeOrg        = "org"
)

// SetPolicy sets the export policy of a scope, logged first (policy.change).
func (s *Service) SetPolicy(ctx context.Context, c auth.Caller, p Policy) error {
	switch p.Scope {
	case ScopeHub:
		p.ScopeID = ""
	case ScopeCollection, ScopeOrg:
		if p.ScopeID == "" {
			return problem.Field("scope", "name the collection or organization")
		}
	default:
		return problem.Field("scope", "want hub, collection or org")
	}
	if !policy.MaySetExportPolicy(c.Viewer(), p.Scope, p.ScopeID) {
		return fmt.Errorf("export policy: %w", problem.ErrForbidden)
	}
	if p.MinConfidence < 0 || p.MinConfidence > 100 {
		return problem.Field("min_confidence", "a STIX confidence is 0 to 100")
	}
	if p.MaxAge < 0 {
		return problem.Field("max_age", "give a duration of zero (no limit) or more")
	}
	if err := s.record(ctx, c, audit.ActionPolicyChange, "export-policy:"+p.Scope+":"+p.ScopeID, map[string]string{
		"min_confidence": strconv.Itoa(p.MinConfidence), "max_age": p.MaxAge.String(),
		"require_review": strconv.FormatBool(p.RequireReview)}); err != nil {
		return err
	}
	p.UpdatedAt, p.UpdatedBy = s.Now().UTC(), c.User.Login
	return s.DB.SetExportPolicy(ctx, p)
}

// Policies lists the export policies set that v may see (a member: the
// hub's, the collections' and its own organization's).
func (s *Service) Policies(ctx context.Context, v policy.Viewer) ([]Policy, error) {
	if !policy.MayReadWarninglists(v) {
		return nil, fmt.Errorf("export policies: %w", problem.ErrForbidden)
	}
	ps, err := s.DB.ExportPolicies(ctx)
	if err != nil {
		return nil, err
	}
	out := ps[:0]
	for _, p := range ps {
		if policy.MaySeeExportPolicy(v, p.Scope, p.ScopeID) {
			out = append(out, p)
		}
	}
	return out, nil
}

// Review releases an indicator waiting for the center's review to the
// exports (release true) or holds it back, logged first.
func (s *Service) Review(ctx context.Context, c auth.Caller, stixID string, release bool, note string) error {
	if !policy.MayReviewExports(c.Viewer()) {
		return fmt.Errorf("export review: %w", problem.ErrForbidden)
	}
	if !strings.HasPrefix(stixID, "indicator--") {
		return problem.Field("id", "name an indicator (indicator--…)")
	}
	d := ReviewHold
	if release {
		d = ReviewRelease
	}
	if err := s.record(ctx, c, audit.ActionExportReview, stixID, map[string]string{"decision": d, "note": note}); err != nil {
		return err
	}
	return s.DB.SetExportReview(ctx, store.ExportReview{StixID: stixID, Decision: d, Note: note, ReviewedBy: c.User.Login, ReviewedAt: s.Now().UTC()})
}

// Queue is the center's review queue as one reader sees it.
type Queue struct {
	// Items are the indicators waiting that the reader may see, newest
	// first: those under a policy that requires review, and IDN homographs
	// of a listed name, which wait whatever the policies.
	Items []store.Object
	// Hidden counts the indicators waiting that the reader may not see:
	// they are neither listed nor described, but not silently left out.
	Hidden int
}

// maxIDNCandidates bounds the indicators with an internationalized name the
// queue checks for homographs at each reading.
const maxIDNCandidates = 1000

// ReviewQueue lists, newest first, the indicators v may see that wait for
// the center's review before they reach exports (at most limit; 0: 100),
// and counts those it may not see.
func (s *Service) ReviewQueue(ctx context.Context, v policy.Viewer, limit int) (Queue, error) {
	if !policy.MayReadReviewQueue(v) {
		return Queue{}, fmt.Errorf("export review queue: %w", problem.ErrForbidden)
	}
	if limit <= 0 {
		limit = 100
	}
	items, err := s.DB.ExportReviewQueue(ctx, v, s.Center, limit)
	if err != nil {
		return Queue{}, err
	}
	idn, err := s.DB.ExportReviewIDNCandidates(ctx, v, maxIDNCandidates)
	if err != nil {
		return Queue{}, err
	}
	listed := map[string]bool{}
	for _, o := range items {
		listed[o.ID] = true
	}
	for _, o := range idn {
		if !listed[o.ID] && s.homograph(o) {
			listed[o.ID] = true
			items = append(items, o)
		}
	}
	slices.SortStableFunc(items, func(a, b store.Object) int {
		return cmp.Or(b.DateAdded.Compare(a.DateAdded), cmp.Compare(b.PK, a.PK))
	})
	q := Queue{Items: items[:min(len(items), limit)]}
	hidden, err := s.DB.ExportReviewHidden(ctx, v, s.Center)
	if err != nil {
		return Queue{}, err
	}
	for _, h := range hidden {
		if h.UnderPolicy || s.homograph(store.Object{ID: "indicator--", Pattern: h.Pattern}) {
			q.Hidden++
		}
	}
	return q, nil
}

// homograph reports whether one of indicator o's values is an IDN homograph
// of a name in an enabled warninglist, which the gate holds for review.
func (s *Service) homograph(o store.Object) bool {
	for _, h := range s.ObjectHits(o) {
		if h.How == "homograph" {
			return true
		}
	}
	return false
}

// ReadThresholds returns the hub's thresholds to a reader who may list the
// warninglists (Thresholds, without a reader, is the gate's own read).
func (s *Service) ReadThresholds(ctx context.Context, v policy.Viewer) (Thresholds, error) {
	if !policy.MayReadWarninglists(v) {
		return Thresholds{}, fmt.Errorf("export gate thresholds: %w", problem.ErrForbidden)
	}
	return s.Thresholds(ctx)
}

// The center's review decisions.
const (
	ReviewRelease = "release"
	ReviewHold    = "hold"
)

// Confidence reads an object's STIX confidence; -1 when it has none.
func Confidence(raw []byte) int {
	var v struct {
		Confidence *int `json:"confidence"`
	}
	if json.Unmarshal(raw, &v) != nil || v.Confidence == nil {
		return -1
	}
	return *v.Confidence
}
