package incident

import (
	"context"
	"fmt"
	"strings"

	"renkei/internal/auth"
	"renkei/internal/policy"
	"renkei/internal/problem"
	"renkei/internal/store"
)

// Computer is a registered critical computer (特定重要電子計算機). Operators
// register each one and every change, with the sector ministry that receives
// the notice (Art. 4); the center sees the register by sector. Notice is one
// notice to the ministry: the registration, a change or a retirement. They
// are kept in the store (store/incidents.go).
type (
	Computer = store.Computer
	Notice   = store.ComputerNotice
)

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
	id, pub, err := s.DB.RegisterComputer(ctx, cc, Notice{Kind: "register", Change: "registered: " + cc.Name, Ministry: cc.Ministry, UserID: c.User.ID, At: now})
	if err != nil {
		return cc, err
	}
	cc.ID, cc.PublicID = id, pub
	return cc, nil
}

// Change records a change to one of the caller's organization's critical
// computers, named by its public id (new values for the non-empty fields of
// upd), and its notice; retire ends the registration.
func (s *Service) Change(ctx context.Context, c auth.Caller, id string, upd Computer, change string, retire bool) (Computer, error) {
	if err := mayRegister(c); err != nil {
		return Computer{}, err
	}
	if strings.TrimSpace(change) == "" {
		return Computer{}, fmt.Errorf("invalid change: %w", problem.Field("change", "describe the change notified to the ministry"))
	}
	v := c.Viewer()
	cur, err := s.Computer(ctx, v, id)
	if err == nil && !policy.MayWrite(v, policy.KindComputer, policy.Own(v, cur.OrgID)) {
		err = fmt.Errorf("critical computer %s: %w", id, store.ErrNotFound) // another's, read by the center
	}
	if err != nil {
		return cur, err
	}
	if !cur.Retired.IsZero() {
		return cur, fmt.Errorf("invalid change: %w", problem.Field("id", "critical computer %s was retired", id))
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
	// Only a computer of the caller's organization changes (cur.OrgID is
	// c.Org.ID: MayWrite above).
	err = s.DB.ChangeComputer(ctx, cur, Notice{Kind: kind, Change: change, Ministry: cur.Ministry, UserID: c.User.ID, At: now})
	return cur, err
}

// Computer returns the critical computer of public id id with its notices,
// if v may see it (policy.ComputerFilter, in the store's query); a row id
// is not found.
func (s *Service) Computer(ctx context.Context, v policy.Viewer, id string) (Computer, error) {
	return s.DB.Computer(ctx, v, id)
}

// Computers lists the register v may see — its own organization's, or for
// the center every operator's — ordered by sector, organization and name.
// sector, when given, keeps one sector.
func (s *Service) Computers(ctx context.Context, v policy.Viewer, sector string, withRetired bool) ([]Computer, error) {
	return s.DB.Computers(ctx, v, sector, withRetired)
}
