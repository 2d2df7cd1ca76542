package telemetry

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gaissmai/bart"
	"github.com/google/uuid"

	"renkei/internal/alert"
	"renkei/internal/auth"
	"renkei/internal/bus"
	"renkei/internal/hub"
	"renkei/internal/i18n"
	"renkei/internal/jst"
	"renkei/internal/match"
	"renkei/internal/policy"
	"renkei/internal/stix"
	"renkei/internal/store"
)

// Worker matches selected records against the hub's indicators. Several
// workers, in this process or in `renkei worker` processes elsewhere, share
// the stream through one durable consumer.
type Worker struct {
	Service *Service
	Bus     *bus.Bus
	Metrics *Metrics
	// Refresh is how often the indicator set and address spaces are rebuilt.
	Refresh time.Duration

	// stage, when set (by tests), is called as Handle passes each of its
	// stages: "matched", "stored", "sighted", "alerted"; an error stops
	// Handle there, as the worker's death would.
	stage func(ctx context.Context, name string) error

	set    match.Matcher
	spaces atomic.Pointer[bart.Table[[]string]]
	caller auth.Caller
	viewer policy.Viewer
}

// MatcherLogin is the system account matches are attributed to.
const MatcherLogin = "renkei-matcher"

// Prepare loads the indicators and address spaces once.
func (w *Worker) Prepare(ctx context.Context) error {
	if w.Metrics == nil {
		w.Metrics = NewMetrics(nil)
	}
	if w.Refresh <= 0 {
		w.Refresh = 30 * time.Second
	}
	u, err := w.Service.DB.UserByLogin(ctx, MatcherLogin)
	if errors.Is(err, store.ErrNotFound) {
		if _, err = hub.AddUser(ctx, w.Service.DB, MatcherLogin, w.Service.Center.ID, string(policy.RoleAnalyst), "", w.Service.Now()); err != nil && !store.IsUniqueViolation(err) {
			return fmt.Errorf("matcher account: %w", err)
		}
		u, err = w.Service.DB.UserByLogin(ctx, MatcherLogin)
	}
	if err != nil {
		return err
	}
	w.caller = auth.Caller{User: u, Org: w.Service.Center}
	if w.viewer, err = w.Service.Viewer(ctx, w.caller); err != nil {
		return err
	}
	return w.Load(ctx)
}

// Load rebuilds the indicator set from every indicator the center may see, and
// the table of members' address spaces.
func (w *Worker) Load(ctx context.Context) error {
	b := match.NewBuilder()
	q := store.ObjectQuery{Viewer: w.viewer, Types: []string{"indicator"}, Limit: 1000}
	for {
		objs, more, err := w.Service.DB.Objects(ctx, q)
		if err != nil {
			return err
		}
		for _, o := range objs {
			if o.Pattern == "" {
				continue
			}
			ind := match.Indicator{ID: o.ID, Pattern: o.Pattern, TLP: o.ACL.TLP.String(), Markings: []string{o.ACL.TLP.MarkingID()},
				ValidFrom: o.ValidFrom, ValidUntil: o.ValidUntil, Revoked: o.Revoked}
			b.AddSTIX(ind) // patterns were validated on the way in; ones the matcher cannot use are skipped
		}
		if !more {
			break
		}
		l := objs[len(objs)-1]
		q.After = store.Cursor{DateAdded: store.Micros(l.DateAdded), PK: l.PK}
	}
	w.set.Swap(b.Build())
	spaces := &bart.Table[[]string]{}
	stored, err := w.Service.DB.AddressSpaces(ctx)
	if err != nil {
		return err
	}
	for _, a := range stored {
		p, err := netip.ParsePrefix(a.Prefix)
		if err != nil {
			continue
		}
		orgs, _ := spaces.Get(p)
		spaces.Insert(p, append(orgs, a.OrgID))
	}
	w.spaces.Store(spaces)
	return nil
}

// Run consumes the stream until ctx ends, reloading indicators periodically.
func (w *Worker) Run(ctx context.Context) error {
	go func() {
		t := time.NewTicker(w.Refresh)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if err := w.Load(ctx); err != nil && ctx.Err() == nil {
					w.Service.Log.Error("reload indicators", "err", err)
				}
			}
		}
	}()
	return w.Bus.Consume(ctx, Stream, Matchers, w.Handle)
}

// sightingKey groups the matches of one batch.
type sightingKey struct{ indicator, source string }

type sightingAgg struct {
	ind         *match.Indicator
	hit         match.Hit // the first hit: the indicator's kind and value
	count       int
	first, last time.Time
	orgs        map[string]bool // members whose address space was involved
	// hosts are, per member involved, its own addresses in the records
	// and what they talked to (the member-side address of each record).
	hosts map[string]map[netip.Addr]*hostAgg
	// readers are the members of orgs that as a whole may read the
	// indicator: the sighting is addressed to them too, and their alert
	// names the indicator.
	readers []string
	stored  store.Object // the stored indicator, PK 0 when it is gone
	// effects are the effect keys of the records that matched (EffectKey).
	effects map[string]bool
	id      string // the sighting's id (sightingID)
}

// Handle matches one batch of selected records: matched records are kept for
// the source's retention, and each indicator matched in the batch gives one
// sighting (through the hub, so its author is alerted) and one alert to every
// member whose registered address space was involved.
//
// The bus may hand the same batch out more than once (a worker died, or its
// connection dropped, before acknowledging it), and Handle may have been cut
// off anywhere before. Each effect therefore has a key derived from what it
// is, and the store refuses a second one: a matched record is keyed by the
// record and the indicator (EffectKey), a sighting's id by its source, its
// indicator and the keys of its records, and an alert by its sighting and its
// organization. A batch handled twice stores, sights and alerts once; one
// cut off half-way is completed by its next delivery.
func (w *Worker) Handle(ctx context.Context, data []byte) error {
	recs, err := DecodeBatch(data)
	if err != nil {
		w.Service.Log.Error("telemetry batch is not valid; dropped", "err", err)
		return nil // a malformed message would be redelivered forever
	}
	set := w.set.Set()
	if set == nil {
		return errors.New("indicators not loaded")
	}
	// The sightings' time is the batch's arrival on the bus, the same at
	// every delivery, so that a sighting made again is the same version.
	at := w.Service.now()
	if d, ok := bus.DeliveryOf(ctx); ok {
		at = d.Stored.UTC()
	}
	spaces := w.spaces.Load()
	aggs := map[sightingKey]*sightingAgg{}
	var keep []kept
	for _, r := range recs {
		// One record, however many indicators it matches: its matches are
		// kept with it, and its key (made only for a record that matched)
		// does not depend on them.
		var key string
		var inds []string
		for _, a := range []netip.Addr{r.Src, r.Dst} {
			set.MatchAddr(a, r.Start, func(h match.Hit) {
				if key == "" {
					key = EffectKey(r)
				}
				k := sightingKey{h.Indicator.ID, r.Source}
				g := aggs[k]
				if g == nil {
					g = &sightingAgg{ind: h.Indicator, hit: h, first: r.Start, last: r.End, orgs: map[string]bool{},
						hosts: map[string]map[netip.Addr]*hostAgg{}, effects: map[string]bool{}}
					aggs[k] = g
				}
				if g.effects[key] {
					return // both its addresses matched the indicator: one record all the same
				}
				g.effects[key] = true
				g.count++
				if r.Start.Before(g.first) {
					g.first = r.Start
				}
				if r.End.After(g.last) {
					g.last = r.End
				}
				for i, mine := range []netip.Addr{r.Src, r.Dst} {
					orgs, ok := spaces.Lookup(mine)
					if !ok {
						continue
					}
					other := r.Dst
					if i == 1 {
						other = r.Src
					}
					for _, o := range orgs {
						g.orgs[o] = true
						g.host(o, mine).add(other, r.End)
					}
				}
				inds = append(inds, h.Indicator.ID)
			})
		}
		if len(inds) > 0 {
			slices.Sort(inds)
			keep = append(keep, kept{r, slices.Compact(inds), key})
		}
	}
	if len(keep) == 0 {
		return nil
	}
	if err := w.at(ctx, "matched"); err != nil {
		return err
	}
	stored, err := w.store(ctx, keep)
	if err != nil {
		return err
	}
	if err := w.at(ctx, "stored"); err != nil {
		return err
	}
	for src, n := range stored {
		w.Metrics.Matches.WithLabelValues(src).Add(float64(n))
	}
	sightings := make([]any, 0, len(aggs))
	for k, g := range aggs {
		w.involved(ctx, k, g)
		sightings = append(sightings, w.sighting(k, g, at))
	}
	// One bundle for the whole batch: one transaction, however many indicators matched.
	col, err := w.Service.DB.Collection(ctx, hub.MembersCollection)
	if err != nil {
		return err
	}
	body, _ := json.Marshal(map[string]any{"type": "bundle", "id": stix.NewID("bundle"), "objects": sightings})
	st, err := w.Service.Submit(ctx, w.caller, col, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("sightings: %w", err)
	}
	if st.Failure > 0 {
		w.Service.Log.Warn("sightings refused", "failures", st.Failure, "status", st.ID)
	}
	if err := w.at(ctx, "sighted"); err != nil {
		return err
	}
	cps := map[string][]store.ConnectionPoint{} // read once a batch per member
	for k, g := range aggs {
		if err := w.alertSpaces(ctx, k, g, cps); err != nil {
			return err
		}
	}
	return w.at(ctx, "alerted")
}

// at passes a stage of Handle (Worker.stage).
func (w *Worker) at(ctx context.Context, stage string) error {
	if w.stage == nil {
		return nil
	}
	return w.stage(ctx, stage)
}

// kept is a matched record, the indicators it matched (sorted, once each)
// and its effect key.
type kept struct {
	s    Selected
	inds []string
	key  string
}

// EffectKey is the idempotency key of a matched record: the SHA-256 of every
// field of the selected record. A record delivered again has the same key,
// so the store keeps it once; the indicators it matched are its matches,
// each kept once, not part of its identity. (Records kept before migration
// 00046 keep the keys they had, which named their one indicator.)
func EffectKey(r Selected) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%d\x00%d\x00%d\x00%d\x00%d\x00%d\x00%d\x00%d\x00%s\x00%s",
		r.Source, r.Src, r.Dst, r.SrcPort, r.DstPort, r.Proto, r.Start.UnixNano(), r.End.UnixNano(), r.Bytes, r.Packets, r.TCPFlags,
		r.Direction, r.Exporter)
	return hex.EncodeToString(h.Sum(nil))
}

// hostAgg is one member-side address of the records of a sighting: how many
// records, the addresses on the other side, and the last record's end.
type hostAgg struct {
	count  int
	others []netip.Addr
	last   time.Time
}

func (h *hostAgg) add(other netip.Addr, end time.Time) {
	h.count++
	if !slices.Contains(h.others, other) {
		h.others = append(h.others, other)
	}
	if end.After(h.last) {
		h.last = end
	}
}

// host is the member-side address a of org in g's records.
func (g *sightingAgg) host(org string, a netip.Addr) *hostAgg {
	m := g.hosts[org]
	if m == nil {
		m = map[netip.Addr]*hostAgg{}
		g.hosts[org] = m
	}
	h := m[a]
	if h == nil {
		h = &hostAgg{}
		m[a] = h
	}
	return h
}

// effectSpace is the UUIDv5 namespace of the sightings the matcher makes.
var effectSpace = uuid.MustParse("3de57b96-862d-4260-86ad-96dd3e3d7a5a")

// sightingID is the id of the sighting of k's indicator by k's source made
// of the records whose effect keys are given: the same records give the
// same sighting, however often their batch is handled.
func sightingID(k sightingKey, effects map[string]bool) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s", k.source, k.indicator)
	for _, e := range slices.Sorted(maps.Keys(effects)) {
		fmt.Fprintf(h, "\x00%s", e)
	}
	return "sighting--" + uuid.NewSHA1(effectSpace, h.Sum(nil)).String()
}

func (w *Worker) store(ctx context.Context, keep []kept) (map[string]int64, error) {
	now := w.Service.now()
	retention := map[string]time.Duration{}
	recs := make([]store.TelemetryRecord, len(keep))
	for i, k := range keep {
		r := k.s
		ret, ok := retention[r.Source]
		if !ok {
			src, err := GetSource(ctx, w.Service.DB, r.Source)
			if err != nil {
				return nil, err
			}
			ret = src.Retention
			retention[r.Source] = ret
		}
		recs[i] = store.TelemetryRecord{Source: r.Source, Src: r.Src.String(), Dst: r.Dst.String(), SrcPort: int(r.SrcPort), DstPort: int(r.DstPort),
			Proto: int(r.Proto), Start: r.Start, End: r.End, Bytes: int64(r.Bytes), Packets: int64(r.Packets), TCPFlags: int(r.TCPFlags),
			Direction: string(r.Direction), Exporter: r.Exporter, Indicators: k.inds, Received: now, Expires: now.Add(ret), Key: k.key}
	}
	return w.Service.DB.KeepTelemetryRecords(ctx, recs)
}

// involved finds the stored indicator and, among the members whose address
// space was involved, those that as a whole may read it (g.readers).
func (w *Worker) involved(ctx context.Context, k sightingKey, g *sightingAgg) {
	if len(g.orgs) == 0 {
		return
	}
	ind, err := w.Service.DB.ObjectByID(ctx, w.viewer, k.indicator)
	if err != nil {
		w.Service.Log.Warn("flow match: indicator gone before its sighting", "object", k.indicator, "err", err)
		return
	}
	g.stored = ind
	for org := range g.orgs {
		if w.orgReads(ctx, org, ind.ACL) {
			g.readers = append(g.readers, org)
		}
	}
	slices.Sort(g.readers)
}

// sighting is a sighting of the indicator by the center's collection, under
// the indicator's TLP; through the hub its author is alerted. It comes from
// communications information, so it is addressed to the center and to the
// members whose address space was involved and who may read the indicator
// (the design's story: the sighting and the alert go to the indicator's
// author and to the operator whose addresses matched); the hub widens it to
// the indicator's author. Even at TLP:GREEN it does not go to every member.
func (w *Worker) sighting(k sightingKey, g *sightingAgg, now time.Time) map[string]any {
	g.id = sightingID(k, g.effects)
	first, last := g.first, g.last
	if first.IsZero() {
		first = now
	}
	if last.Before(first) {
		last = first
	}
	return map[string]any{
		"type": "sighting", "spec_version": "2.1", "id": g.id,
		"created": stix.FormatTime(now), "modified": stix.FormatTime(now), "sighting_of_ref": k.indicator,
		"count": g.count, "first_seen": stix.FormatTime(first), "last_seen": stix.FormatTime(last),
		"where_sighted_refs": []string{w.Service.Center.ID}, "created_by_ref": w.Service.Center.ID,
		"object_marking_refs": g.ind.Markings, "description": "Matched in communications information (source " + k.source + ")",
		"extensions": map[string]any{hub.Extension: map[string]any{"extension_type": "property-extension", "recipient_orgs": append([]string{w.Service.Center.ID}, g.readers...)}},
	}
}

// alertSpaces alerts the members whose registered address space was involved.
// An organization that as a whole may read the indicator is told which one,
// and the alert names it, so that only its readers see it; any other is told
// only that its address space matched an indicator it may not read, with the
// count and times of its own records. Either way the alert names the
// member's own hosts involved — the member-side address of the records, and
// the connection point it belongs to when the member registered one — and
// what to do: for a reader, the catalog's advice for the indicator's kind
// and confidence (block, check the host …); otherwise only to check its
// hosts, since the other side of the records would tell the indicator. Each
// alert's key is its sighting's id: raised again for the same records, it is
// not stored again. cps remembers, for the batch, each member's connection
// points once read.
func (w *Worker) alertSpaces(ctx context.Context, k sightingKey, g *sightingAgg, cps map[string][]store.ConnectionPoint) error {
	if len(g.orgs) == 0 || g.stored.PK == 0 {
		return nil
	}
	ind := g.stored
	for org := range g.orgs {
		reader := slices.Contains(g.readers, org)
		points, ok := cps[org]
		if !ok {
			var err error
			if points, err = w.Service.DB.ConnectionPointsOf(ctx, org); err != nil {
				return fmt.Errorf("alert %s: connection points: %w", org, err)
			}
			cps[org] = points
		}
		hostLines, hosts := w.hostLines(g.hosts[org], points, reader)
		title := i18n.M("alert.flow.match", k.indicator, strconv.Itoa(g.count))
		lines := []i18n.Message{i18n.M("alert.flow.body.what", strconv.Itoa(g.count), g.first.In(jst.Zone).Format("2006-01-02 15:04 MST"), g.last.In(jst.Zone).Format("2006-01-02 15:04 MST"))}
		lines = append(lines, hostLines...)
		lines = append(lines, flowAdvice(g, reader), i18n.M("alert.flow.body.todo"))
		a := store.Alert{OrgID: org, Kind: "flow-match", Severity: "high", TitleKey: title.Key, TitleParams: title.Params, BodyMsgs: alert.Lines(lines...),
			ObjectRef: k.indicator, Objects: []int64{ind.PK}, Key: "flow-match:" + g.id}
		data := map[string]any{"indicator": k.indicator, "count": g.count, "first_seen": stix.FormatTime(g.first), "last_seen": stix.FormatTime(g.last), "hosts": hosts}
		if !reader {
			hidden := i18n.M("alert.flow.hidden", strconv.Itoa(g.count))
			a.TitleKey, a.TitleParams = hidden.Key, hidden.Params
			a.ObjectRef, a.Objects = "", nil
			delete(data, "indicator")
		}
		b, _ := json.Marshal(data)
		a.Data = string(b)
		if _, err := w.Service.Alerts.Raise(ctx, a); errors.Is(err, store.ErrNotFound) {
			w.Service.Log.Warn("flow match: organization gone before its alert", "org", org, "err", err)
		} else if err != nil {
			return fmt.Errorf("alert %s: %w", org, err) // the batch is handled again; alerts raised already are not raised twice
		}
	}
	return nil
}

// maxAlertHosts is how many of a member's hosts an alert names one by one.
const maxAlertHosts = 10

// flowHost is a member's host in a flow-match alert's data.
type flowHost struct {
	Address         string   `json:"address"`
	Records         int      `json:"records"`
	Remote          []string `json:"remote,omitempty"` // only for a reader of the indicator
	Last            string   `json:"last"`
	ConnectionPoint *flowCP  `json:"connection_point,omitempty"`
}

type flowCP struct {
	Kind    string `json:"kind"`
	Vendor  string `json:"vendor"`
	Product string `json:"product"`
	Address string `json:"address"`
}

// hostLines are the alert's lines naming a member's hosts (most records
// first, at most maxAlertHosts), and the same as data. The other side of
// each record is named only to a reader of the indicator.
func (w *Worker) hostLines(hosts map[netip.Addr]*hostAgg, cps []store.ConnectionPoint, reader bool) ([]i18n.Message, []flowHost) {
	addrs := slices.SortedFunc(maps.Keys(hosts), func(a, b netip.Addr) int {
		if c := hosts[b].count - hosts[a].count; c != 0 {
			return c
		}
		return a.Compare(b)
	})
	var lines []i18n.Message
	data := []flowHost{}
	for i, a := range addrs {
		if i == maxAlertHosts {
			lines = append(lines, i18n.M("alert.flow.body.more_hosts", strconv.Itoa(len(addrs)-maxAlertHosts)))
			break
		}
		h := hosts[a]
		fh := flowHost{Address: a.String(), Records: h.count, Last: stix.FormatTime(h.last)}
		where := i18n.Ref(i18n.M("alert.flow.body.no_cp"))
		if cp, ok := connectionPointOf(cps, a); ok {
			fh.ConnectionPoint = &flowCP{Kind: cp.Kind, Vendor: cp.Vendor, Product: cp.Product, Address: cp.Address}
			where = i18n.Ref(i18n.M("alert.flow.body.cp", i18n.Ref(i18n.M("vuln.kind."+cp.Kind)), strings.TrimSpace(cp.Vendor+" "+cp.Product), cp.Address))
		}
		last := h.last.In(jst.Zone).Format("2006-01-02 15:04 MST")
		if reader {
			others := make([]string, len(h.others))
			for j, o := range h.others {
				others[j] = o.String()
			}
			slices.Sort(others)
			fh.Remote = others
			lines = append(lines, i18n.M("alert.flow.body.host", a.String(), where, strconv.Itoa(h.count), strings.Join(others, ", "), last))
		} else {
			lines = append(lines, i18n.M("alert.flow.body.host_hidden", a.String(), where, strconv.Itoa(h.count), last))
		}
		data = append(data, fh)
	}
	return lines, data
}

// connectionPointOf is the registered connection point whose address is a,
// or, failing that, the one with the narrowest prefix holding a. Connection
// points registered by host name are not resolved.
func connectionPointOf(cps []store.ConnectionPoint, a netip.Addr) (store.ConnectionPoint, bool) {
	best, bits := store.ConnectionPoint{}, -1
	for _, cp := range cps {
		p, ok := cpPrefix(cp.Address)
		if ok && p.Contains(a) && p.Bits() > bits {
			best, bits = cp, p.Bits()
		}
	}
	return best, bits >= 0
}

// cpPrefix reads a connection point's address: an IP (with or without a
// port) or a prefix.
func cpPrefix(s string) (netip.Prefix, bool) {
	s = strings.TrimSpace(s)
	if ap, err := netip.ParseAddrPort(s); err == nil {
		s = ap.Addr().String()
	}
	if a, err := netip.ParseAddr(s); err == nil {
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), true
	}
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), true
	}
	return netip.Prefix{}, false
}

// flowAdvice is what a member should do about a flow match: for a reader of
// the indicator, the catalog's advice for its kind (an address or a range)
// and confidence; for anyone else, to check its hosts (the kind and
// confidence of an indicator it may not read are not its to know).
func flowAdvice(g *sightingAgg, reader bool) i18n.Message {
	if !reader {
		return i18n.M("alert.flow.todo.hidden")
	}
	value := g.hit.IndicatorValue()
	level := confidenceLevel(g.stored.Raw)
	if g.hit.Kind == match.CIDR {
		return i18n.M("alert.flow.todo.cidr."+level, value)
	}
	return i18n.M("alert.flow.todo.ip."+level, value)
}

// confidenceLevel is the STIX confidence of an indicator (0–100) as the
// catalog's advice reads it: high from 70, medium from 30, low below, and
// unknown when the indicator gives none.
func confidenceLevel(raw []byte) string {
	var v struct {
		Confidence *int `json:"confidence"`
	}
	switch {
	case json.Unmarshal(raw, &v) != nil || v.Confidence == nil:
		return "unknown"
	case *v.Confidence >= 70:
		return "high"
	case *v.Confidence >= 30:
		return "medium"
	default:
		return "low"
	}
}

// orgReads reports whether org as a whole may read an object with acl.
func (w *Worker) orgReads(ctx context.Context, org string, acl policy.ACL) bool {
	o, err := w.Service.DB.Org(ctx, org)
	if err != nil {
		return false
	}
	groups, err := w.Service.DB.OrgGroups(ctx, org)
	if err != nil {
		return false
	}
	return policy.Decide(policy.OrgAudience(o.ID, o.IsCenter(), groups), acl)
}
