package relevance

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"renkei/internal/policy"
	"renkei/internal/problem"
	"renkei/internal/store"
	"renkei/internal/vuln"
	"renkei/internal/vuln/pkgid"
)

// Kinds of connection point, as §2-5 of the policy lists them.
var Kinds = []string{"vpn", "firewall", "remote-desktop", "mail-gateway", "web-gateway", "other"}

// DefaultStaleDays is how long a connection point may go unconfirmed before
// it is flagged stale; the hub setting "vuln_stale_days" overrides it.
const DefaultStaleDays = 90

// ConnectionPoint is one internet-facing device or service of a member.
type ConnectionPoint store.ConnectionPoint

// Asset is the engine's asset id of the connection point, which findings
// and alerts carry: its public id, never its row id.
func (c ConnectionPoint) Asset() string { return "cp-" + c.PublicID }

// Stale reports whether the entry was last confirmed more than days ago.
func (c ConnectionPoint) Stale(now time.Time, days int) bool {
	last := c.LastConfirmed
	if last.IsZero() {
		last = c.Created
	}
	return now.Sub(last) > time.Duration(days)*24*time.Hour
}

func (c ConnectionPoint) device() vuln.Device {
	return vuln.Device{Org: c.OrgID, ID: c.Asset(), Vendor: c.Vendor, Product: c.Product, Version: c.Version, PURL: c.PURL, CPE: c.CPE}
}

// Validate checks a connection point before it is stored.
func (c *ConnectionPoint) Validate() error {
	c.Kind = strings.ToLower(strings.TrimSpace(c.Kind))
	c.Vendor, c.Product, c.Version = strings.TrimSpace(c.Vendor), strings.TrimSpace(c.Product), strings.TrimSpace(c.Version)
	c.PURL, c.CPE, c.Address, c.Owner = strings.TrimSpace(c.PURL), strings.TrimSpace(c.CPE), strings.TrimSpace(c.Address), strings.TrimSpace(c.Owner)
	if c.OrgID == "" {
		return problem.Field("org", "is required")
	}
	ok := false
	for _, k := range Kinds {
		ok = ok || k == c.Kind
	}
	if !ok {
		return problem.Field("kind", "%q is not one of %s", c.Kind, strings.Join(Kinds, ", "))
	}
	if c.Vendor == "" {
		return problem.Field("vendor", "is required")
	}
	if c.Product == "" {
		return problem.Field("product", "is required")
	}
	if c.PURL != "" {
		if _, err := pkgid.ParsePURL(c.PURL); err != nil {
			return problem.Field("purl", "%s", err.Error())
		}
	}
	if c.CPE != "" {
		if _, err := pkgid.ParseCPE(c.CPE); err != nil {
			return problem.Field("cpe", "%s", err.Error())
		}
	}
	if c.Address != "" {
		if err := checkAddress(c.Address); err != nil {
			return problem.Field("address", "%s", err.Error())
		}
	}
	for _, f := range []struct{ name, v string }{{"vendor", c.Vendor}, {"product", c.Product}, {"version", c.Version}, {"owner", c.Owner}} {
		if len(f.v) > 200 {
			return problem.Field(f.name, "is longer than 200 bytes")
		}
	}
	return nil
}

// checkAddress accepts an IP address, a CIDR prefix or a host name, with an
// optional port: what a member writes to say where the device listens.
func checkAddress(a string) error {
	if _, err := netip.ParseAddr(a); err == nil {
		return nil
	}
	if _, err := netip.ParsePrefix(a); err == nil {
		return nil
	}
	if _, err := netip.ParseAddrPort(a); err == nil {
		return nil
	}
	host := a
	if h, p, ok := strings.Cut(a, ":"); ok && !strings.Contains(p, ":") {
		if n, err := strconv.Atoi(p); err != nil || n <= 0 || n > 65535 {
			return fmt.Errorf("%q: port %q is not a number from 1 to 65535", a, p)
		}
		host = h
	}
	if len(host) == 0 || len(host) > 253 {
		return fmt.Errorf("%q is not an IP address, prefix or host name", a)
	}
	for _, label := range strings.Split(host, ".") {
		if label == "" || len(label) > 63 {
			return fmt.Errorf("%q is not an IP address, prefix or host name", a)
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return fmt.Errorf("%q is not an IP address, prefix or host name", a)
			}
		}
	}
	return nil
}

// ConnectionPoints lists the connection points v may read (its own
// organization's), by id; the access condition is part of the query.
func (s *Service) ConnectionPoints(ctx context.Context, v policy.Viewer) ([]ConnectionPoint, error) {
	if !policy.MayReadAssets(v) {
		return nil, fmt.Errorf("%w: vulnerability relevance is for members, vendors and the center", problem.ErrForbidden)
	}
	return cps(s.DB.ConnectionPoints(ctx, v))
}

// ConnectionPointsOf lists the connection points of one organization, or of
// all when org is "", by id: for the operator's CLI, which holds the store.
func (s *Service) ConnectionPointsOf(ctx context.Context, org string) ([]ConnectionPoint, error) {
	return cps(s.DB.ConnectionPointsOf(ctx, org))
}

func cps(rows []store.ConnectionPoint, err error) ([]ConnectionPoint, error) {
	out := make([]ConnectionPoint, len(rows))
	for i, r := range rows {
		out[i] = ConnectionPoint(r)
	}
	return out, err
}

// ConnectionPoint returns the connection point of public id id when v may
// read it; any other is not found, whether or not it exists, and so is a
// row id.
func (s *Service) ConnectionPoint(ctx context.Context, v policy.Viewer, id string) (ConnectionPoint, error) {
	c, err := s.DB.ConnectionPoint(ctx, id)
	if err != nil {
		return ConnectionPoint{}, err
	}
	if !policy.MayReadAsset(v, c.OrgID) {
		return ConnectionPoint{}, fmt.Errorf("connection point %s: %w", id, store.ErrNotFound)
	}
	return ConnectionPoint(c), nil
}

// mayWrite refuses v changes to org's register.
func mayWrite(v policy.Viewer, org string) error {
	if !policy.MayWriteAsset(v, org) {
		return fmt.Errorf("%w: the %s role may not change this register; an analyst, reporter or administrator of the organization may", problem.ErrForbidden, v.Role)
	}
	return nil
}

// StaleDays is the configured staleness period in days.
func (s *Service) StaleDays(ctx context.Context) int {
	if v, _ := s.DB.Setting(ctx, "vuln_stale_days"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			return n
		}
	}
	return DefaultStaleDays
}

// AddConnectionPoint stores a connection point of v's organization,
// evaluates it against the advisories known and alerts the organization of
// what affects it.
func (s *Service) AddConnectionPoint(ctx context.Context, v policy.Viewer, c ConnectionPoint) (ConnectionPoint, Outcome, error) {
	defer s.op()()
	c.OrgID = v.OrgID
	if err := mayWrite(v, c.OrgID); err != nil {
		return c, Outcome{}, err
	}
	if err := c.Validate(); err != nil {
		return c, Outcome{}, err
	}
	// Load first: a load after the insert would index the new point twice.
	if err := s.ensure(ctx); err != nil {
		return c, Outcome{}, err
	}
	now := s.now()
	c.Created, c.Updated = now, now
	if c.LastConfirmed.IsZero() {
		c.LastConfirmed = now
	}
	rows := []store.ConnectionPoint{store.ConnectionPoint(c)}
	if err := s.wrote(s.DB.AddConnectionPoints(ctx, rows)); err != nil {
		return c, Outcome{}, err
	}
	c.ID, c.PublicID = rows[0].ID, rows[0].PublicID
	out, err := s.addTargets(ctx, []vuln.Target{vuln.TargetFromDevice(c.device())})
	return c, out, err
}

// UpdateConnectionPoint replaces the fields of the connection point of
// public id c.PublicID of v's organization (a new version after a patch, a
// confirmation) and re-evaluates it.
func (s *Service) UpdateConnectionPoint(ctx context.Context, v policy.Viewer, c ConnectionPoint) (ConnectionPoint, Outcome, error) {
	defer s.op()()
	c.OrgID = v.OrgID
	if err := mayWrite(v, c.OrgID); err != nil {
		return c, Outcome{}, err
	}
	if err := c.Validate(); err != nil {
		return c, Outcome{}, err
	}
	old, err := s.ConnectionPoint(ctx, v, c.PublicID)
	if err != nil {
		return c, Outcome{}, err
	}
	c.ID = old.ID
	c.Created, c.Updated = old.Created, s.now()
	if c.LastConfirmed.IsZero() {
		c.LastConfirmed = c.Updated
	}
	if err := s.wrote(s.DB.UpdateConnectionPoint(ctx, store.ConnectionPoint(c))); err != nil {
		return c, Outcome{}, err
	}
	if err := s.ensure(ctx); err != nil {
		return c, Outcome{}, err
	}
	s.mu.Lock()
	s.eng.RemoveAsset(c.OrgID, c.Asset())
	s.changed(ctx)
	s.mu.Unlock()
	out, err := s.addTargets(ctx, []vuln.Target{vuln.TargetFromDevice(c.device())})
	return c, out, err
}

// DeleteConnectionPoint takes the connection point of public id id of v's
// organization off the register.
func (s *Service) DeleteConnectionPoint(ctx context.Context, v policy.Viewer, id string) error {
	defer s.op()()
	org := v.OrgID
	if err := mayWrite(v, org); err != nil {
		return err
	}
	if err := s.wrote(s.DB.DeleteConnectionPoint(ctx, org, id)); err != nil {
		return err
	}
	if err := s.ensure(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.eng.RemoveAsset(org, ConnectionPoint{PublicID: id}.Asset())
	s.changed(ctx)
	return nil
}
