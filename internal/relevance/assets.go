package relevance

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

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
type ConnectionPoint struct {
	ID            int64
	OrgID         string
	Kind          string
	Vendor        string
	Product       string
	Version       string
	PURL          string
	CPE           string
	Address       string
	Owner         string
	LastConfirmed time.Time
	Created       time.Time
	Updated       time.Time
}

// Asset is the engine's asset id of the connection point.
func (c ConnectionPoint) Asset() string { return "cp-" + strconv.FormatInt(c.ID, 10) }

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

const cpCols = "id, org_id, kind, vendor, product, version, purl, cpe, address, owner, last_confirmed, created_at, updated_at"

func scanCP(row interface{ Scan(...any) error }) (ConnectionPoint, error) {
	var c ConnectionPoint
	var lc, cr, up int64
	err := row.Scan(&c.ID, &c.OrgID, &c.Kind, &c.Vendor, &c.Product, &c.Version, &c.PURL, &c.CPE, &c.Address, &c.Owner, &lc, &cr, &up)
	c.LastConfirmed, c.Created, c.Updated = store.FromMicros(lc), store.FromMicros(cr), store.FromMicros(up)
	return c, err
}

type execer interface {
	QueryRow(ctx context.Context, q string, args ...any) *sql.Row
}

func insertCP(ctx context.Context, x execer, c *ConnectionPoint) error {
	err := x.QueryRow(ctx, "INSERT INTO vuln_connection_points(org_id, kind, vendor, product, version, purl, cpe, address, owner, last_confirmed, created_at, updated_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
		c.OrgID, c.Kind, c.Vendor, c.Product, c.Version, c.PURL, c.CPE, c.Address, c.Owner, store.Micros(c.LastConfirmed), store.Micros(c.Created), store.Micros(c.Updated)).Scan(&c.ID)
	if err != nil {
		return fmt.Errorf("store connection point %s %s: %w", c.Vendor, c.Product, err)
	}
	return nil
}

// ConnectionPoints lists connection points: of one organization, or of all
// when org is "" (for the hub administrator's CLI), by id.
func (s *Service) ConnectionPoints(ctx context.Context, org string) ([]ConnectionPoint, error) {
	q, args := "SELECT "+cpCols+" FROM vuln_connection_points", []any{}
	if org != "" {
		q += " WHERE org_id = ?"
		args = append(args, org)
	}
	rows, err := s.DB.Query(ctx, q+" ORDER BY id", args...)
	if err != nil {
		return nil, fmt.Errorf("list connection points: %w", err)
	}
	defer rows.Close()
	var out []ConnectionPoint
	for rows.Next() {
		c, err := scanCP(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ConnectionPoint returns one of an organization's connection points.
func (s *Service) ConnectionPoint(ctx context.Context, org string, id int64) (ConnectionPoint, error) {
	c, err := scanCP(s.DB.QueryRow(ctx, "SELECT "+cpCols+" FROM vuln_connection_points WHERE id = ? AND org_id = ?", id, org))
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("connection point %d: %w", id, store.ErrNotFound)
	}
	return c, err
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

// AddConnectionPoint stores a connection point, evaluates it against the
// advisories known and alerts its organization of what affects it.
func (s *Service) AddConnectionPoint(ctx context.Context, c ConnectionPoint) (ConnectionPoint, Outcome, error) {
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
	if err := insertCP(ctx, s.DB, &c); err != nil {
		return c, Outcome{}, err
	}
	out, err := s.addTargets(ctx, []vuln.Target{vuln.TargetFromDevice(c.device())})
	return c, out, err
}

// UpdateConnectionPoint replaces a connection point's fields (a new version
// after a patch, a confirmation) and re-evaluates it.
func (s *Service) UpdateConnectionPoint(ctx context.Context, c ConnectionPoint) (ConnectionPoint, Outcome, error) {
	if err := c.Validate(); err != nil {
		return c, Outcome{}, err
	}
	old, err := s.ConnectionPoint(ctx, c.OrgID, c.ID)
	if err != nil {
		return c, Outcome{}, err
	}
	c.Created, c.Updated = old.Created, s.now()
	if c.LastConfirmed.IsZero() {
		c.LastConfirmed = c.Updated
	}
	_, err = s.DB.Exec(ctx, "UPDATE vuln_connection_points SET kind = ?, vendor = ?, product = ?, version = ?, purl = ?, cpe = ?, address = ?, owner = ?, last_confirmed = ?, updated_at = ? WHERE id = ? AND org_id = ?",
		c.Kind, c.Vendor, c.Product, c.Version, c.PURL, c.CPE, c.Address, c.Owner, store.Micros(c.LastConfirmed), store.Micros(c.Updated), c.ID, c.OrgID)
	if err != nil {
		return c, Outcome{}, fmt.Errorf("update connection point %d: %w", c.ID, err)
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

// DeleteConnectionPoint takes a connection point off the register.
func (s *Service) DeleteConnectionPoint(ctx context.Context, org string, id int64) error {
	res, err := s.DB.Exec(ctx, "DELETE FROM vuln_connection_points WHERE id = ? AND org_id = ?", id, org)
	if err != nil {
		return fmt.Errorf("delete connection point %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("connection point %d: %w", id, store.ErrNotFound)
	}
	if err := s.ensure(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.eng.RemoveAsset(org, ConnectionPoint{ID: id}.Asset())
	s.changed(ctx)
	return nil
}
