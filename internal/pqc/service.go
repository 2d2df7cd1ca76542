package pqc

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"renkei/internal/audit"
	"renkei/internal/auth"
	"renkei/internal/policy"
	"renkei/internal/problem"
	"renkei/internal/store"
)

// Service keeps the organizations' inventories, endpoints and plans, and
// probes registered, confirmed endpoints for them. Access is decided in
// package policy (policy.MayReadPQC, MayChangePQC, MayProbe,
// MayReadPQCSectors); every act is appended to the audit log first (Record)
// and takes effect only if the log took it.
type Service struct {
	DB     *store.DB
	Now    func() time.Time
	Log    *slog.Logger
	Record func(ctx context.Context, c auth.Caller, action, objectID string, detail map[string]string) (uint64, error)
	// Prober probes; its Dial is replaced at each probe by one that dials
	// only the address confirmed.
	Prober Prober
	// Resolve returns the IP addresses host resolves to
	// (net.DefaultResolver.LookupHost when nil); an IP literal is itself.
	Resolve func(ctx context.Context, host string) ([]string, error)
	// ProbeGap is the least time between two probes of one endpoint (10
	// minutes when zero); ProbesPerHour the most probes of one
	// organization's endpoints in an hour (20 when zero).
	ProbeGap      time.Duration
	ProbesPerHour int
}

// MinCell is the fewest organizations a cell of the center's view shows
// figures for; smaller cells are suppressed, so that no member can be
// singled out.
const MinCell = 3

// SettingGovernment is the settings key of the government's target date
// (YYYY-MM-DD).
const SettingGovernment = "pqc.milestone.government"

func (s *Service) now() time.Time { return s.Now().UTC() }

func (s *Service) record(ctx context.Context, c auth.Caller, action, object string, detail map[string]string) error {
	if s.Record == nil {
		return nil
	}
	if _, err := s.Record(ctx, c, action, object, detail); err != nil {
		return problem.Wrap(problem.ErrAuditUnavailable, "audit log unavailable", err)
	}
	return nil
}

func (s *Service) mayChange(c auth.Caller, what string) (policy.Viewer, error) {
	v := c.Viewer()
	if !policy.MayChangePQC(v, v.OrgID) {
		return v, problem.Newf(problem.ErrForbidden, "%s: only people who change their organization's register may", what)
	}
	return v, nil
}

// Milestones returns the hub's milestones: NIST IR 8547's (draft) and the
// government's target as set (DefaultMilestones until then).
func (s *Service) Milestones(ctx context.Context) Milestones {
	m := DefaultMilestones
	if v, err := s.DB.Setting(ctx, SettingGovernment); err == nil && v != "" {
		if t, err := time.Parse(time.DateOnly, v); err == nil {
			m.Government = t
		}
	}
	return m
}

// SetGovernmentTarget sets the government's target date.
func (s *Service) SetGovernmentTarget(ctx context.Context, c auth.Caller, date string) error {
	if !policy.MaySetPQCMilestones(c.Viewer()) {
		return problem.Newf(problem.ErrForbidden, "set milestones: only the center's staff may")
	}
	t, err := time.Parse(time.DateOnly, date)
	if err != nil || t.Year() < 2024 || t.Year() > 2100 {
		return problem.Field("government", "give a date as YYYY-MM-DD between 2024 and 2100")
	}
	if err := s.record(ctx, c, audit.ActionPQCMilestones, "pqc:milestones", map[string]string{"government": date}); err != nil {
		return err
	}
	return s.DB.SetSetting(ctx, SettingGovernment, date)
}

// classified decodes stored assets and classifies them with their data
// lifetimes against the horizon, ranked.
func (s *Service) classified(ctx context.Context, rows []store.PQCAsset) []Asset {
	horizon := s.Milestones(ctx).Disallowed
	now := s.now()
	as := make([]Asset, 0, len(rows))
	for _, r := range rows {
		var a Asset
		if err := json.Unmarshal(r.Body, &a); err != nil {
			s.Log.Warn("pqc: stored asset does not read", "asset", r.PublicID, "err", err)
			continue
		}
		a.ID, a.Source, a.DataLifetime = r.PublicID, r.Source, r.DataLifetime
		as = append(as, a)
	}
	Classify(as)
	for i := range as {
		as[i].Classification = Exposure(as[i].Classification, as[i].DataLifetime, now, horizon)
	}
	Rank(as)
	return as
}

// Inventory returns the caller's organization's crypto assets, classified
// and ranked by exposure.
func (s *Service) Inventory(ctx context.Context, c auth.Caller) ([]Asset, error) {
	v := c.Viewer()
	if !policy.MayReadPQC(v, v.OrgID) {
		return nil, problem.Newf(problem.ErrForbidden, "read the crypto inventory: not for this role")
	}
	rows, err := s.DB.PQCAssets(ctx, v)
	if err != nil {
		return nil, err
	}
	return s.classified(ctx, rows), nil
}

func (s *Service) store(ctx context.Context, org, source, origin string, as []Asset, lifetime int) error {
	rows := make([]store.PQCAsset, 0, len(as))
	for _, a := range as {
		a.ID, a.Classification = "", Classification{}
		b, err := json.Marshal(a)
		if err != nil {
			return fmt.Errorf("store crypto asset %s: %w", a.Name, err)
		}
		rows = append(rows, store.PQCAsset{Body: b, DataLifetime: max(lifetime, a.DataLifetime), Created: s.now()})
	}
	return s.DB.ReplacePQCAssets(ctx, org, source, origin, rows)
}

// ImportCBOM takes the crypto assets of a CycloneDX document into the
// caller's organization's inventory, in place of those a document of the
// same name brought before; it returns how many.
func (s *Service) ImportCBOM(ctx context.Context, c auth.Caller, name string, document []byte) (int, error) {
	v, err := s.mayChange(c, "import a CBOM")
	if err != nil {
		return 0, err
	}
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 200 {
		return 0, problem.Field("name", "give the CBOM a name of 1 to 200 characters")
	}
	as, err := ReadCBOM(document, name)
	if err != nil {
		return 0, problem.Wrap(problem.ErrInvalid, "invalid CBOM", err)
	}
	if err := s.record(ctx, c, audit.ActionPQCImport, "pqc-cbom:"+name, map[string]string{"assets": strconv.Itoa(len(as))}); err != nil {
		return 0, err
	}
	return len(as), s.store(ctx, v.OrgID, SourceCBOM, "cbom:"+name, as, 0)
}

// AddAsset enters one crypto asset by hand.
func (s *Service) AddAsset(ctx context.Context, c auth.Caller, a Asset) (Asset, error) {
	v, err := s.mayChange(c, "add a crypto asset")
	if err != nil {
		return a, err
	}
	a.Name = strings.TrimSpace(a.Name)
	if a.Name == "" || len(a.Name) > 200 {
		return a, problem.Field("name", "name the algorithm, key, certificate or protocol (1 to 200 characters)")
	}
	if !slices.Contains([]string{TypeAlgorithm, TypeCertificate, TypeProtocol, TypeMaterial}, a.Type) {
		return a, problem.Field("type", "type is algorithm, certificate, protocol or related-crypto-material")
	}
	if a.DataLifetime < 0 || a.DataLifetime > 100 {
		return a, problem.Field("data_lifetime_years", "give 0 to 100 years")
	}
	a.Source, a.Related = SourceManual, nil
	if err := s.record(ctx, c, audit.ActionPQCAsset, "pqc-asset:"+a.Name, map[string]string{"type": a.Type}); err != nil {
		return a, err
	}
	if err := s.store(ctx, v.OrgID, SourceManual, "", []Asset{a}, a.DataLifetime); err != nil {
		return a, err
	}
	Classify([]Asset{a})
	return a, nil
}

// SetDataLifetime marks how many years the data asset id protects must
// stay confidential.
func (s *Service) SetDataLifetime(ctx context.Context, c auth.Caller, id string, years int) error {
	v, err := s.mayChange(c, "mark a data lifetime")
	if err != nil {
		return err
	}
	if years < 0 || years > 100 {
		return problem.Field("data_lifetime_years", "give 0 to 100 years")
	}
	if err := s.record(ctx, c, audit.ActionPQCAsset, "pqc-asset:"+id, map[string]string{"data_lifetime_years": strconv.Itoa(years)}); err != nil {
		return err
	}
	return s.DB.SetPQCDataLifetime(ctx, v.OrgID, id, years)
}

// Endpoints lists the caller's organization's registered endpoints.
func (s *Service) Endpoints(ctx context.Context, c auth.Caller) ([]store.PQCEndpoint, error) {
	v := c.Viewer()
	if !policy.MayReadPQC(v, v.OrgID) {
		return nil, problem.Newf(problem.ErrForbidden, "read endpoints: not for this role")
	}
	return s.DB.PQCEndpoints(ctx, v)
}

// RegisterEndpoint registers HOST:PORT (tls or ssh) of the caller's
// organization for probing; the hub probes it only once the organization
// has confirmed it owns it (ConfirmEndpoint).
func (s *Service) RegisterEndpoint(ctx context.Context, c auth.Caller, address, protocol string, lifetime int) (store.PQCEndpoint, error) {
	v, err := s.mayChange(c, "register an endpoint")
	if err != nil {
		return store.PQCEndpoint{}, err
	}
	if _, _, err := CheckAddress(address); err != nil {
		return store.PQCEndpoint{}, problem.Field("address", "%s", err.Error())
	}
	if protocol != "tls" && protocol != "ssh" {
		return store.PQCEndpoint{}, problem.Field("protocol", "protocol is tls or ssh")
	}
	if lifetime < 0 || lifetime > 100 {
		return store.PQCEndpoint{}, problem.Field("data_lifetime_years", "give 0 to 100 years")
	}
	e := store.PQCEndpoint{PublicID: store.NewPublicID(), OrgID: v.OrgID, Address: strings.ToLower(address), Protocol: protocol, DataLifetime: lifetime, Created: s.now()}
	if err := s.record(ctx, c, audit.ActionPQCEndpointAdd, "pqc-endpoint:"+e.PublicID, map[string]string{"address": e.Address, "protocol": protocol}); err != nil {
		return e, err
	}
	return e, s.DB.AddPQCEndpoint(ctx, &e)
}

func (s *Service) resolve(ctx context.Context, host string) ([]string, error) {
	if ip := net.ParseIP(strings.Trim(host, "[]")); ip != nil {
		return []string{ip.String()}, nil
	}
	r := s.Resolve
	if r == nil {
		r = net.DefaultResolver.LookupHost
	}
	addrs, err := r(ctx, host)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(addrs))
	for _, a := range addrs {
		if ip := net.ParseIP(a); ip != nil {
			out = append(out, ip.String())
		}
	}
	sort.Strings(out)
	return slices.Compact(out), nil
}

// ConfirmEndpoint records that the caller's organization owns endpoint id,
// as the caller confirms, and the addresses its host resolves to now: the
// hub will probe only those.
func (s *Service) ConfirmEndpoint(ctx context.Context, c auth.Caller, id string) (store.PQCEndpoint, error) {
	v, err := s.mayChange(c, "confirm an endpoint")
	if err != nil {
		return store.PQCEndpoint{}, err
	}
	e, err := s.DB.PQCEndpoint(ctx, v.OrgID, id)
	if err != nil {
		return e, err
	}
	host, _, _ := CheckAddress(e.Address)
	addrs, err := s.resolve(ctx, host)
	if err != nil || len(addrs) == 0 {
		return e, problem.Newf(problem.ErrInvalid, "confirm endpoint %s: %s does not resolve (%v)", e.Address, host, err)
	}
	e.Addresses, e.Confirmed, e.ConfirmedBy = strings.Join(addrs, ","), s.now(), c.User.Login
	if err := s.record(ctx, c, audit.ActionPQCEndpointConfirm, "pqc-endpoint:"+e.PublicID, map[string]string{"address": e.Address, "addresses": e.Addresses}); err != nil {
		return e, err
	}
	return e, s.DB.ConfirmPQCEndpoint(ctx, v.OrgID, e.PublicID, e.Addresses, e.ConfirmedBy, e.Confirmed)
}

// Probe has the hub probe address (HOST:PORT) for the caller's
// organization: refused unless the organization registered it and
// confirmed it owns it, and unless its host resolves now only to the
// addresses confirmed; within the rate limit; logged before it connects.
// The probe dials the confirmed address, never the name again. Its assets
// replace those of the endpoint's last probe.
func (s *Service) Probe(ctx context.Context, c auth.Caller, address, protocol string) (Result, error) {
	v := c.Viewer()
	host, port, err := CheckAddress(address)
	if err != nil {
		return Result{}, problem.Field("address", "%s", err.Error())
	}
	eps, err := s.DB.PQCEndpointsAt(ctx, v.OrgID, strings.ToLower(address))
	if err != nil {
		return Result{}, err
	}
	var e store.PQCEndpoint
	for _, x := range eps {
		if protocol == "" || x.Protocol == protocol {
			e = x
			break
		}
	}
	registered, confirmed := e.PublicID != "", !e.Confirmed.IsZero()
	if !policy.MayProbe(v, v.OrgID, registered, confirmed) {
		switch {
		case !registered:
			return Result{}, problem.Newf(problem.ErrForbidden, "probe %s: the hub probes only endpoints your organization registered and confirmed it owns; this one is not registered", address)
		case !confirmed:
			return Result{}, problem.Newf(problem.ErrForbidden, "probe %s: registered but not confirmed as your organization's; confirm it first", address)
		}
		return Result{}, problem.Newf(problem.ErrForbidden, "probe %s: only people who change their organization's register may", address)
	}
	now, err := s.resolve(ctx, host)
	if err != nil {
		return Result{}, problem.Newf(problem.ErrInvalid, "probe %s: %s does not resolve (%v)", address, host, err)
	}
	pinned := strings.Split(e.Addresses, ",")
	for _, a := range now {
		if !slices.Contains(pinned, a) {
			return Result{}, problem.Newf(problem.ErrForbidden, "probe %s: %s resolves to %s, not to the addresses confirmed (%s); confirm the endpoint again", address, host, a, e.Addresses)
		}
	}
	gap, perHour := s.ProbeGap, s.ProbesPerHour
	if gap == 0 {
		gap = 10 * time.Minute
	}
	if perHour == 0 {
		perHour = 20
	}
	if err := s.DB.TakePQCProbe(ctx, v.OrgID, e.PublicID, s.now(), gap, perHour); err != nil {
		return Result{}, err
	}
	if err := s.record(ctx, c, audit.ActionPQCProbe, "pqc-endpoint:"+e.PublicID, map[string]string{"address": e.Address, "protocol": e.Protocol, "dial": pinned[0]}); err != nil {
		return Result{}, err
	}
	p := s.Prober
	target := net.JoinHostPort(pinned[0], strconv.Itoa(port))
	inner := p.Dial
	p.Dial = func(ctx context.Context, network, _ string) (net.Conn, error) {
		if inner != nil {
			return inner(ctx, network, target)
		}
		var d net.Dialer
		return d.DialContext(ctx, network, target)
	}
	var res Result
	if e.Protocol == "ssh" {
		res, err = p.SSH(ctx, address)
	} else {
		res, err = p.TLS(ctx, address, host)
	}
	if err != nil {
		return res, err
	}
	s.Log.Info("pqc: endpoint probed", "org", v.OrgID, "endpoint", e.PublicID, "reachable", res.Reachable, "duration", res.Duration)
	return res, s.store(ctx, v.OrgID, SourceProbe, "endpoint:"+e.PublicID, res.Assets(), e.DataLifetime)
}

// ReportScan takes a member-side scan (renkei pqc scan … --report) into
// the caller's organization's inventory, in place of the last scan of the
// same address and protocol.
func (s *Service) ReportScan(ctx context.Context, c auth.Caller, res Result) (int, error) {
	v, err := s.mayChange(c, "report a scan")
	if err != nil {
		return 0, err
	}
	if _, _, err := CheckAddress(res.Address); err != nil {
		return 0, problem.Field("address", "%s", err.Error())
	}
	if res.Protocol != "tls" && res.Protocol != "ssh" {
		return 0, problem.Field("protocol", "protocol is tls or ssh")
	}
	if len(res.Groups) > 64 || len(res.Chain) > 16 || len(res.HostKeys) > 16 || len(res.Suites) > 64 {
		return 0, problem.Field("groups", "too many groups, certificates, host keys or suites for one endpoint")
	}
	as := res.Assets()
	if err := s.record(ctx, c, audit.ActionPQCScanReport, "pqc-scan:"+res.Address, map[string]string{"protocol": res.Protocol, "assets": strconv.Itoa(len(as))}); err != nil {
		return 0, err
	}
	return len(as), s.store(ctx, v.OrgID, SourceProbe, "scan:"+res.Protocol+":"+strings.ToLower(res.Address), as, 0)
}

// ExportCBOM writes the caller's organization's inventory as a CycloneDX
// 1.6 CBOM.
func (s *Service) ExportCBOM(ctx context.Context, c auth.Caller) ([]byte, error) {
	as, err := s.Inventory(ctx, c)
	if err != nil {
		return nil, err
	}
	return WriteCBOM(as, Meta{Name: c.Org.Name, Created: s.now()})
}
