package incident

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"renkei/internal/auth"
	"renkei/internal/policy"
	"renkei/internal/problem"
	"renkei/internal/store"
)

// Computer is a registered critical computer (特定重要電子計算機). Operators
// register each one and every change, with the sector ministry that receives
// the notice (Art. 4); the center sees the register by sector.
type Computer struct {
	ID         int64     `json:"id"`
	OrgID      string    `json:"org_id"`
	OrgName    string    `json:"org_name,omitempty"`
	Sector     string    `json:"sector,omitempty"`
	Name       string    `json:"name"`
	Function   string    `json:"function"`
	Location   string    `json:"location,omitempty"`
	Vendor     string    `json:"vendor,omitempty"`
	Product    string    `json:"product,omitempty"`
	Ministry   string    `json:"ministry"`
	Registered time.Time `json:"registered"`
	Updated    time.Time `json:"updated"`
	Retired    time.Time `json:"retired,omitzero"`
	Notices    []Notice  `json:"notices,omitempty"` // filled by Computer
}

// Notice is one notice to the ministry: the registration, a change or a retirement.
type Notice struct {
	Kind     string    `json:"kind"` // register | change | retire
	Change   string    `json:"change"`
	Ministry string    `json:"ministry"`
	UserID   int64     `json:"-"`
	At       time.Time `json:"at"`
}

// mayRegister: an organization's administrators and analysts change its
// register (policy.MayChangeRegister).
func mayRegister(c auth.Caller) error {
	if policy.MayChangeRegister(c.Viewer()) {
		return nil
	}
	return fmt.Errorf("%w: the %s role may not change the critical-computer register", problem.ErrForbidden, c.User.Role)
}

// Register adds a critical computer of the caller's organization and records
// the notice to its ministry, in one transaction.
func (s *Service) Register(ctx context.Context, c auth.Caller, cc Computer) (Computer, error) {
	if err := mayRegister(c); err != nil {
		return cc, err
	}
	var errs problem.Problems
	for _, f := range []struct{ name, v string }{{"name", cc.Name}, {"function", cc.Function}, {"ministry", cc.Ministry}} {
		if strings.TrimSpace(f.v) == "" {
			errs.Add(f.name, "required", "is required")
		} else if len(f.v) > 1000 {
			errs.Add(f.name, "", "is longer than 1000 bytes")
		}
	}
	if len(errs) > 0 {
		return cc, fmt.Errorf("invalid critical computer: %w", errs)
	}
	now := s.now()
	cc.OrgID, cc.Registered, cc.Updated = c.Org.ID, now, now
	err := s.db().InTx(ctx, func(tx *store.Tx) error {
		if err := tx.QueryRow(ctx, "INSERT INTO critical_computers(org_id, name, function, location, vendor, product, ministry, registered_at, updated_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
			cc.OrgID, cc.Name, cc.Function, cc.Location, cc.Vendor, cc.Product, cc.Ministry, store.Micros(now), store.Micros(now)).Scan(&cc.ID); err != nil {
			return fmt.Errorf("register critical computer: %w", err)
		}
		_, err := tx.Exec(ctx, "INSERT INTO computer_notices(computer_id, kind, change, ministry, user_id, at) VALUES(?, 'register', ?, ?, ?, ?)",
			cc.ID, "registered: "+cc.Name, cc.Ministry, c.User.ID, store.Micros(now))
		return err
	})
	return cc, err
}

// Change records a change to one of the caller's organization's critical
// computers (new values for the non-empty fields of upd) and its notice; retire
// ends the registration.
func (s *Service) Change(ctx context.Context, c auth.Caller, id int64, upd Computer, change string, retire bool) (Computer, error) {
	if err := mayRegister(c); err != nil {
		return Computer{}, err
	}
	if strings.TrimSpace(change) == "" {
		return Computer{}, fmt.Errorf("invalid change: %w", problem.Field("change", "describe the change notified to the ministry"))
	}
	v := c.Viewer()
	cur, err := s.Computer(ctx, v, id)
	if err == nil && !policy.MayWrite(v, policy.KindComputer, policy.Own(v, cur.OrgID)) {
		err = fmt.Errorf("critical computer %d: %w", id, store.ErrNotFound) // another's, read by the center
	}
	if err != nil {
		return cur, err
	}
	if !cur.Retired.IsZero() {
		return cur, fmt.Errorf("invalid change: %w", problem.Field("id", "critical computer %d was retired", id))
	}
	set := func(dst *string, v string) {
		if strings.TrimSpace(v) != "" {
			*dst = v
		}
	}
	set(&cur.Name, upd.Name)
	set(&cur.Function, upd.Function)
	set(&cur.Location, upd.Location)
	set(&cur.Vendor, upd.Vendor)
	set(&cur.Product, upd.Product)
	set(&cur.Ministry, upd.Ministry)
	now := s.now()
	kind := "change"
	if retire {
		kind, cur.Retired = "retire", now
	}
	cur.Updated = now
	err = s.db().InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, "UPDATE critical_computers SET name = ?, function = ?, location = ?, vendor = ?, product = ?, ministry = ?, updated_at = ?, retired_at = ? WHERE id = ? AND org_id = ?",
			cur.Name, cur.Function, cur.Location, cur.Vendor, cur.Product, cur.Ministry, store.Micros(now), store.Micros(cur.Retired), id, c.Org.ID); err != nil {
			return fmt.Errorf("change critical computer %d: %w", id, err)
		}
		_, err := tx.Exec(ctx, "INSERT INTO computer_notices(computer_id, kind, change, ministry, user_id, at) VALUES(?, ?, ?, ?, ?, ?)",
			id, kind, change, cur.Ministry, c.User.ID, store.Micros(now))
		return err
	})
	return cur, err
}

const computerCols = `c.id, c.org_id, o.name, o.sector, c.name, c.function, c.location, c.vendor, c.product, c.ministry, c.registered_at, c.updated_at, c.retired_at`

func scanComputer(row interface{ Scan(...any) error }) (Computer, error) {
	var cc Computer
	var reg, upd, ret int64
	err := row.Scan(&cc.ID, &cc.OrgID, &cc.OrgName, &cc.Sector, &cc.Name, &cc.Function, &cc.Location, &cc.Vendor, &cc.Product, &cc.Ministry, &reg, &upd, &ret)
	cc.Registered, cc.Updated, cc.Retired = store.FromMicros(reg), store.FromMicros(upd), store.FromMicros(ret)
	return cc, err
}

// Computer returns one critical computer with its notices, if v may see it.
func (s *Service) Computer(ctx context.Context, v policy.Viewer, id int64) (Computer, error) {
	cond, args := policy.ComputerFilter(v, "c.org_id")
	cc, err := scanComputer(s.db().QueryRow(ctx, "SELECT "+computerCols+" FROM critical_computers c JOIN orgs o ON o.id = c.org_id WHERE c.id = ? AND "+cond, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return cc, fmt.Errorf("critical computer %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return cc, err
	}
	rows, err := s.db().Query(ctx, "SELECT kind, change, ministry, user_id, at FROM computer_notices WHERE computer_id = ? ORDER BY id", id)
	if err != nil {
		return cc, err
	}
	defer rows.Close()
	for rows.Next() {
		var n Notice
		var at int64
		if err := rows.Scan(&n.Kind, &n.Change, &n.Ministry, &n.UserID, &at); err != nil {
			return cc, err
		}
		n.At = store.FromMicros(at)
		cc.Notices = append(cc.Notices, n)
	}
	return cc, rows.Err()
}

// Computers lists the register v may see — its own organization's, or for
// the center every operator's — ordered by sector, organization and name.
// sector, when given, keeps one sector.
func (s *Service) Computers(ctx context.Context, v policy.Viewer, sector string, withRetired bool) ([]Computer, error) {
	cond, args := policy.ComputerFilter(v, "c.org_id")
	q := "SELECT " + computerCols + " FROM critical_computers c JOIN orgs o ON o.id = c.org_id WHERE " + cond
	if sector != "" {
		q += " AND o.sector = ?"
		args = append(args, sector)
	}
	if !withRetired {
		q += " AND c.retired_at = 0"
	}
	rows, err := s.db().Query(ctx, q+" ORDER BY o.sector, o.name, c.name, c.id", args...)
	if err != nil {
		return nil, fmt.Errorf("list critical computers: %w", err)
	}
	defer rows.Close()
	var out []Computer
	for rows.Next() {
		cc, err := scanComputer(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, cc)
	}
	return out, rows.Err()
}
