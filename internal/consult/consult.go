// Package consult keeps consultation and support requests: a member asks the
// center (or a support organization the center designated) for help, the
// handler answers, hands the request on to another support organization, or
// closes it; every step is a message in the request's thread.
//
// Requests go only where they are routed: only the center and the
// organizations the center designated as handlers of a topic (a kind of
// request) can be named as a request's handler, and a hand-off to an
// organization other than the center waits for the asker's consent, which
// is recorded in the thread (and in the audit log before it takes effect).
//
// A request is visible to the organization that asked, to the organization
// handling it now, and to the center; that rule is policy.ConsultationFilter,
// put in every query by the store (store/consult.go keeps the SQL).
// Notifications go through alert.Service.Raise, titled from the message
// catalog. It must not open cases itself (the center does that in package
// cases), nor hold SQL.
package consult

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"renkei/internal/alert"
	"renkei/internal/audit"
	"renkei/internal/auth"
	"renkei/internal/i18n"
	"renkei/internal/policy"
	"renkei/internal/problem"
	"renkei/internal/store"
)

// Kinds of request.
var Kinds = []string{"consultation", "support"}

// Request is one consultation or support request with its thread; Message
// one step of the thread. They are kept in the store (store/consult.go).
type (
	Request = store.Consultation
	Message = store.ConsultMessage
)

// ProblemCodes are the codes of the problem.Problems a request or a reply may be refused with.
var ProblemCodes = []string{
	"kind.unknown", "subject.required", "body.required", "subject.too-long", "body.too-long", "handler.unknown",
	"request.closed", "reply.unknown", "handoff.unknown", "handoff.same",
	"handler.not-designated", "handoff.not-designated", "handoff.pending", "consent.none",
}

// problemOf is a single problem.Problem as an error.
func problemOf(field, code, value, format string, args ...any) error {
	return problem.Problems{{Field: field, Code: code, Value: value, Msg: fmt.Sprintf(format, args...)}}
}

// Service keeps requests in the store. Package app builds the one service
// of a process with what it needs.
type Service struct {
	DB     *store.DB
	Now    func() time.Time
	Alerts *alert.Service // tells each side of a new message
	Log    *slog.Logger
	Center string // the national center's organization id
	// Record appends an act to the audit log before it takes effect
	// (hub.Hub.Record); nil when the process keeps no audit log, and then
	// hand-offs and designations are refused.
	Record func(ctx context.Context, c auth.Caller, action, objectID string, detail map[string]string) (uint64, error)
}

func (s *Service) now() time.Time { return s.Now().UTC() }

// mayWrite: every role that acts for its organization asks and replies
// (policy.MayAskConsultation); viewers and the committee do not.
func mayWrite(c auth.Caller) error {
	if c.ReadOnly {
		return fmt.Errorf("%w: read-only token", problem.ErrForbidden)
	}
	if !policy.MayAskConsultation(c.Viewer()) {
		return fmt.Errorf("%w: the %s role may not write consultations", problem.ErrForbidden, c.User.Role)
	}
	return nil
}

// Ask opens a request from the caller's organization to the center, or to
// handler (a support organization, by name or id) when given.
func (s *Service) Ask(ctx context.Context, c auth.Caller, kind, subject, body, handler string) (Request, error) {
	if err := mayWrite(c); err != nil {
		return Request{}, err
	}
	if kind == "" {
		kind = "consultation"
	}
	var problems problem.Problems
	if !slices.Contains(Kinds, kind) {
		problems = append(problems, problem.Problem{Field: "kind", Code: "kind.unknown", Value: kind,
			Msg: fmt.Sprintf("kind: %q is not one of %s", kind, strings.Join(Kinds, ", "))})
	}
	if strings.TrimSpace(subject) == "" {
		problems = append(problems, problem.Problem{Field: "subject", Code: "subject.required", Msg: "subject: is required"})
	}
	if strings.TrimSpace(body) == "" {
		problems = append(problems, problem.Problem{Field: "body", Code: "body.required", Msg: "body: is required"})
	}
	// One sentence for both limits, as the API has always said it; the code
	// names the field at fault (the subject when both are).
	if tooLong := "subject or body: too long (500 bytes, 64 KiB)"; len(subject) > 500 {
		problems = append(problems, problem.Problem{Field: "subject", Code: "subject.too-long", Msg: tooLong})
	} else if len(body) > 64<<10 {
		problems = append(problems, problem.Problem{Field: "body", Code: "body.too-long", Msg: tooLong})
	}
	h := s.Center
	if handler != "" {
		o, err := s.DB.Org(ctx, handler)
		switch {
		case err != nil:
			problems = append(problems, problem.Problem{Field: "handler", Code: "handler.unknown", Value: handler,
				Msg: fmt.Sprintf("handler: no organization %q", handler)})
		case slices.Contains(Kinds, kind):
			ok, err := s.routable(ctx, kind, o)
			if err != nil {
				return Request{}, err
			}
			if !ok {
				problems = append(problems, problem.Problem{Field: "handler", Code: "handler.not-designated", Value: o.Name,
					Msg: fmt.Sprintf("handler: %s is not designated to handle %s requests", o.Name, kind)})
			}
			h = o.ID
		}
	}
	if len(problems) > 0 {
		return Request{}, fmt.Errorf("invalid request: %w", problems)
	}
	now := s.now()
	r := Request{OrgID: c.Org.ID, UserID: c.User.ID, HandlerOrg: h, Kind: kind, Subject: subject, Body: body, Status: "open", Created: now, Updated: now}
	if err := s.DB.AskConsultation(ctx, &r, Message{Kind: "question", OrgID: c.Org.ID, User: c.User.Login, Body: body, At: now}); err != nil {
		return r, err
	}
	s.alert(ctx, r.HandlerOrg, r, i18n.M("alert.consult.new."+r.Kind, r.PublicID, c.Org.Name, r.Subject))
	return r, nil
}

// alert tells org of a step of request r, titled with a catalog message
// rendered in each reader's language.
func (s *Service) alert(ctx context.Context, org string, r Request, title i18n.Message) {
	data, _ := json.Marshal(map[string]any{"consultation": r.PublicID})
	if _, err := s.Alerts.Raise(ctx, store.Alert{OrgID: org, Kind: "consultation", Severity: "info",
		TitleKey: title.Key, TitleParams: title.Params, BodyMsgs: alert.Lines(i18n.M("alert.consult.body")), Data: string(data)}); err != nil && s.Log != nil {
		s.Log.Error("alert consultation", "consultation", r.PublicID, "err", err)
	}
}

// Reply adds a step to a request: "answer" (by the handler or the center),
// "question" (a follow-up by the asker), "handoff" (the handler or the center
// passes it to the organization named in to), "consent" or "decline" (the
// asker, of a pending hand-off), or "close". id is the request's public id.
func (s *Service) Reply(ctx context.Context, c auth.Caller, id string, kind, body, to string) (Request, error) {
	if err := mayWrite(c); err != nil {
		return Request{}, err
	}
	v := c.Viewer()
	r, err := s.Get(ctx, v, id)
	if err != nil {
		return r, err
	}
	if r.Status == "closed" {
		return r, problemOf("", "request.closed", "", "request %s is closed", id)
	}
	st, err := s.decide(ctx, c, r, kind, body, to)
	if err != nil {
		return r, err
	}
	if strings.TrimSpace(st.body) == "" {
		return r, problemOf("body", "body.required", "", "body: is required")
	}
	// A hand-off that takes effect is logged before it does, with whose
	// consent; without the log it does not take effect.
	if st.logged != nil {
		if _, err := s.audited(ctx, c, audit.ActionConsultHandoff, "consultation:"+id, st.logged); err != nil {
			return r, err
		}
	}
	// The row changes only if no other step changed the pending hand-off
	// meanwhile: a consent applies to the hand-off the asker saw.
	now := s.now()
	next := r
	next.Status, next.HandlerOrg, next.HandoffTo, next.Updated = st.status, st.handler, st.handoffTo, now
	err = s.DB.ReplyToConsultation(ctx, next, r, Message{Kind: kind, OrgID: c.Org.ID, User: c.User.Login, Body: st.body, At: now})
	if errors.Is(err, store.ErrConsultationChanged) {
		err = problemOf("", "handoff.pending", "", "request %s changed meanwhile; reload it and reply again", id)
	}
	if err != nil {
		return r, fmt.Errorf("request %s: %w", id, err)
	}
	s.alertStep(ctx, r, st)
	got, err := s.Get(ctx, v, id)
	if errors.Is(err, store.ErrNotFound) {
		// The caller handed the request on and no longer sees it: say what
		// happened, without the thread.
		next.Messages = nil
		got, err = next, nil
	}
	got.Step = st.name
	return got, err
}

// step is what a reply does to a request: its status, handler and pending
// hand-off after it, what it was (Request.Step), the message it adds, and
// the audit entry of a hand-off that takes effect (nil for other steps).
type step struct {
	status, handler, handoffTo string
	name, body                 string
	logged                     map[string]string
}

// decide checks that c may take a step of kind on request r and says what
// it does; body is the message given, to the organization a hand-off names.
func (s *Service) decide(ctx context.Context, c auth.Caller, r Request, kind, body, to string) (step, error) {
	v := c.Viewer()
	rel := policy.ConsultationRel(v, r.OrgID, r.HandlerOrg)
	handles := policy.MayHandleConsultation(v, rel)
	asker := rel&policy.RelOwn != 0
	st := step{status: r.Status, handler: r.HandlerOrg, handoffTo: r.HandoffTo, name: kind, body: body}
	switch kind {
	case "answer":
		if !handles {
			return st, fmt.Errorf("%w: only the handling organization or the center answers", problem.ErrForbidden)
		}
		st.status = "answered"
	case "question":
		if !asker {
			return st, fmt.Errorf("%w: only the asking organization adds questions", problem.ErrForbidden)
		}
		st.status = "open"
	case "handoff":
		if !handles {
			return st, fmt.Errorf("%w: only the handling organization or the center hands a request on", problem.ErrForbidden)
		}
		return s.handOff(ctx, r, st, to)
	case "consent", "decline":
		if !asker {
			return st, fmt.Errorf("%w: only the asking organization consents to a hand-off", problem.ErrForbidden)
		}
		return s.answerHandOff(ctx, c, r, st, kind == "consent")
	case "close":
		if !handles && !asker {
			return st, fmt.Errorf("%w", problem.ErrForbidden)
		}
		st.status, st.handoffTo = "closed", ""
		if strings.TrimSpace(st.body) == "" {
			st.body = "closed"
		}
	default:
		return st, problemOf("kind", "reply.unknown", kind, "kind: %q is not answer, question, handoff, consent, decline or close", kind)
	}
	return st, nil
}

// handOff is the step that hands request r to the organization named to:
// at once to the center, which sees every request already (no third party
// learns of it, so no consent is asked); to any other designated handler
// once the asker consents.
func (s *Service) handOff(ctx context.Context, r Request, st step, to string) (step, error) {
	o, err := s.DB.Org(ctx, to)
	if err != nil {
		return st, problemOf("to", "handoff.unknown", to, "handoff: no organization %q", to)
	}
	if o.ID == r.HandlerOrg {
		return st, problemOf("to", "handoff.same", o.Name, "handoff: %s handles it already", o.Name)
	}
	if ok, err := s.routable(ctx, r.Kind, o); err != nil {
		return st, err
	} else if !ok {
		return st, problemOf("to", "handoff.not-designated", o.Name, "handoff: %s is not designated to handle %s requests", o.Name, r.Kind)
	}
	if o.IsCenter() {
		st.handler, st.status, st.handoffTo, st.name = o.ID, "open", "", "handoff.done"
		st.logged = map[string]string{"from": r.HandlerOrg, "to": o.ID, "consent": "not needed: the center"}
	} else {
		st.handoffTo, st.name = o.ID, "handoff.awaiting-consent"
	}
	if strings.TrimSpace(st.body) == "" {
		st.body = "handed to " + o.Name
		if !o.IsCenter() {
			st.body = "proposes to hand the request to " + o.Name + "; waiting for the asker's consent"
		}
	}
	return st, nil
}

// answerHandOff is the asker c consenting to (consent) or declining the
// hand-off pending on request r.
func (s *Service) answerHandOff(ctx context.Context, c auth.Caller, r Request, st step, consent bool) (step, error) {
	if r.HandoffTo == "" {
		return st, problemOf("", "consent.none", "", "request %s has no hand-off waiting for consent", r.PublicID)
	}
	o, err := s.DB.Org(ctx, r.HandoffTo)
	if err != nil {
		return st, fmt.Errorf("request %s: proposed handler: %w", r.PublicID, err)
	}
	if consent {
		st.handler, st.status, st.name = o.ID, "open", "handoff.consented"
		st.logged = map[string]string{"from": r.HandlerOrg, "to": o.ID, "consent": c.User.Login}
		if strings.TrimSpace(st.body) == "" {
			st.body = "consents to the hand-off to " + o.Name
		}
	} else {
		st.name = "handoff.declined"
		if strings.TrimSpace(st.body) == "" {
			st.body = "declines the hand-off to " + o.Name
		}
	}
	st.handoffTo = ""
	return st, nil
}

// alertStep tells each side of request r (as it was before the step) what
// step st did.
func (s *Service) alertStep(ctx context.Context, r Request, st step) {
	rid := r.PublicID
	switch st.name {
	case "answer":
		s.alert(ctx, r.OrgID, r, i18n.M("alert.consult.answered", rid, r.Subject))
	case "question":
		s.alert(ctx, r.HandlerOrg, r, i18n.M("alert.consult.question", rid, r.Subject))
	case "handoff.awaiting-consent":
		s.alert(ctx, r.OrgID, r, i18n.M("alert.consult.handoff.proposed", rid))
	case "handoff.done", "handoff.consented":
		s.alert(ctx, st.handler, r, i18n.M("alert.consult.handoff.to-you", rid, r.Subject))
		if st.name == "handoff.done" {
			s.alert(ctx, r.OrgID, r, i18n.M("alert.consult.handoff.to-center", rid))
		} else {
			s.alert(ctx, r.HandlerOrg, r, i18n.M("alert.consult.handoff.consented", rid))
		}
	case "handoff.declined":
		s.alert(ctx, r.HandlerOrg, r, i18n.M("alert.consult.handoff.declined", rid))
	}
}

// Get returns the request of public id id with its thread, if v may see it
// (policy.ConsultationFilter, in the store's query); a row id, which never
// leaves the hub, is not found.
func (s *Service) Get(ctx context.Context, v policy.Viewer, id string) (Request, error) {
	return s.DB.Consultation(ctx, v, id)
}

// List returns the requests v may see, most recently updated first.
func (s *Service) List(ctx context.Context, v policy.Viewer, status string, limit int) ([]Request, error) {
	if limit <= 0 || limit > 1000 {
		limit = 200
	}
	return s.DB.Consultations(ctx, v, status, limit)
}
