package consult

// Designated handlers: the organizations the center designated to handle a
// topic (a kind of request). Only they, and the center, can be named as a
// request's handler or be handed a request. Each designation and each
// withdrawal is logged before it takes effect.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"renkei/internal/audit"
	"renkei/internal/auth"
	"renkei/internal/policy"
	"renkei/internal/problem"
	"renkei/internal/store"
)

// Handler is one designation: org handles requests of topic.
type Handler struct {
	Topic     string `json:"topic"`
	OrgID     string `json:"org"`
	OrgName   string `json:"org_name"`
	CreatedBy string `json:"created_by,omitempty"`
}

// routable reports whether a request of topic may be handled by o: the
// center always, any other organization when designated for the topic.
func (s *Service) routable(ctx context.Context, topic string, o store.Org) (bool, error) {
	if o.IsCenter() {
		return true, nil
	}
	var one int
	err := s.db().QueryRow(ctx, "SELECT 1 FROM consult_handlers WHERE topic = ? AND org_id = ?", topic, o.ID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("designation of %s for %s: %w", o.Name, topic, err)
	}
	return true, nil
}

// Designate makes org a handler of topic, for v (policy.DesignatesHandlers),
// logged as c before it takes effect.
func (s *Service) Designate(ctx context.Context, c auth.Caller, v policy.Viewer, topic, org string) (Handler, error) {
	o, err := s.designation(ctx, v, topic, org)
	if err != nil {
		return Handler{}, err
	}
	if err := s.record(ctx, c, audit.ActionHandlerDesignate, topic, o); err != nil {
		return Handler{}, err
	}
	_, err = s.db().Exec(ctx, "INSERT INTO consult_handlers(topic, org_id, created_by, created_at) VALUES(?, ?, ?, ?) ON CONFLICT DO NOTHING",
		topic, o.ID, c.User.Login, store.Micros(s.now()))
	if err != nil {
		return Handler{}, fmt.Errorf("designate %s for %s: %w", o.Name, topic, err)
	}
	return Handler{Topic: topic, OrgID: o.ID, OrgName: o.Name, CreatedBy: c.User.Login}, nil
}

// Revoke withdraws a designation, for v, logged as c before it takes
// effect. Requests the organization handles now stay with it.
func (s *Service) Revoke(ctx context.Context, c auth.Caller, v policy.Viewer, topic, org string) error {
	o, err := s.designation(ctx, v, topic, org)
	if err != nil {
		return err
	}
	if ok, err := s.routable(ctx, topic, o); err != nil {
		return err
	} else if !ok || o.IsCenter() {
		return fmt.Errorf("%s is not designated for %s: %w", o.Name, topic, store.ErrNotFound)
	}
	if err := s.record(ctx, c, audit.ActionHandlerRevoke, topic, o); err != nil {
		return err
	}
	if _, err := s.db().Exec(ctx, "DELETE FROM consult_handlers WHERE topic = ? AND org_id = ?", topic, o.ID); err != nil {
		return fmt.Errorf("withdraw %s for %s: %w", o.Name, topic, err)
	}
	return nil
}

func (s *Service) designation(ctx context.Context, v policy.Viewer, topic, org string) (store.Org, error) {
	if !policy.DesignatesHandlers(v) {
		return store.Org{}, fmt.Errorf("%w: only the center's administrators and analysts designate handlers", problem.ErrForbidden)
	}
	if !slices.Contains(Kinds, topic) {
		return store.Org{}, problemOf("topic", "kind.unknown", topic, "topic: %q is not one of %s", topic, strings.Join(Kinds, ", "))
	}
	o, err := s.db().Org(ctx, org)
	if err != nil {
		return store.Org{}, problemOf("org", "handler.unknown", org, "org: no organization %q", org)
	}
	return o, nil
}

// record logs a change of designation before it takes effect; a hub
// without an audit log refuses it.
func (s *Service) record(ctx context.Context, c auth.Caller, action, topic string, o store.Org) error {
	_, err := s.audited(ctx, c, action, "org:"+o.ID, map[string]string{"topic": topic, "org": o.Name})
	return err
}

// audited appends an act to the audit log before it takes effect; without
// the log the act is refused (problem.ErrAuditUnavailable).
func (s *Service) audited(ctx context.Context, c auth.Caller, action, objectID string, detail map[string]string) (uint64, error) {
	if s.Record == nil {
		return 0, problem.ErrAuditUnavailable
	}
	return s.Record(ctx, c, action, objectID, detail)
}

// Handlers lists the designations, of one topic or of all when topic is "".
// The center handles every topic and is not listed.
func (s *Service) Handlers(ctx context.Context, topic string) ([]Handler, error) {
	q, args := "SELECT h.topic, h.org_id, o.name, h.created_by FROM consult_handlers h JOIN orgs o ON o.id = h.org_id", []any{}
	if topic != "" {
		q += " WHERE h.topic = ?"
		args = append(args, topic)
	}
	rows, err := s.db().Query(ctx, q+" ORDER BY h.topic, o.name", args...)
	if err != nil {
		return nil, fmt.Errorf("list handlers: %w", err)
	}
	defer rows.Close()
	var out []Handler
	for rows.Next() {
		var h Handler
		if err := rows.Scan(&h.Topic, &h.OrgID, &h.OrgName, &h.CreatedBy); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}
