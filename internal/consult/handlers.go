package consult

// Designated handlers: the organizations the center designated to handle a
// topic (a kind of request). Only they, and the center, can be named as a
// request's handler or be handed a request. Each designation and each
// withdrawal is logged before it takes effect.

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"renkei/internal/audit"
	"renkei/internal/auth"
	"renkei/internal/policy"
	"renkei/internal/problem"
	"renkei/internal/store"
)

// Handler is one designation: org handles requests of topic. It is kept in
// the store (store/consult.go).
type Handler = store.ConsultHandler

// routable reports whether a request of topic may be handled by o: the
// center always, any other organization when designated for the topic.
func (s *Service) routable(ctx context.Context, topic string, o store.Org) (bool, error) {
	if o.IsCenter() {
		return true, nil
	}
	return s.DB.ConsultHandlerDesignated(ctx, topic, o.ID)
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
	h := Handler{Topic: topic, OrgID: o.ID, OrgName: o.Name, CreatedBy: c.User.Login}
	if err := s.DB.DesignateConsultHandler(ctx, h, s.now()); err != nil {
		return Handler{}, err
	}
	return h, nil
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
	if err := s.DB.RevokeConsultHandler(ctx, topic, o.ID); err != nil {
		return fmt.Errorf("withdraw %s: %w", o.Name, err)
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
	o, err := s.DB.Org(ctx, org)
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
	return s.DB.ConsultHandlers(ctx, topic)
}
