package api

import (
	"net/http"

	"renkei/internal/client"
	"renkei/internal/consult"
	"renkei/internal/policy"
)

// The designated handlers of consultation topics: every member reads who
// may handle what; the center designates and withdraws (policy decides;
// the service logs each change before it takes effect).

func (s *Server) listHandlers(q *request) error {
	if !policy.ReadsSupplierRegister(q.viewer) {
		return fail(http.StatusForbidden, "forbidden", "the designated handlers are for members and the center")
	}
	hs, err := s.Consult.Handlers(q.r.Context(), q.r.URL.Query().Get("topic"))
	if err != nil {
		return err
	}
	if hs == nil {
		hs = []consult.Handler{}
	}
	writeJSON(q.w, 200, map[string]any{"handlers": hs})
	return nil
}

// designateHandler takes {"topic": "support", "org": "name or id"}.
func (s *Server) designateHandler(q *request) error {
	var in client.HandlerRequest
	if err := decode(q, &in); err != nil {
		return err
	}
	h, err := s.Consult.Designate(q.r.Context(), q.caller, q.viewer, in.Topic, in.Org)
	if err != nil {
		return err
	}
	writeJSON(q.w, http.StatusCreated, map[string]any{"handler": h})
	return nil
}

// revokeHandler takes the same body as designateHandler.
func (s *Server) revokeHandler(q *request) error {
	var in client.HandlerRequest
	if err := decode(q, &in); err != nil {
		return err
	}
	if err := s.Consult.Revoke(q.r.Context(), q.caller, q.viewer, in.Topic, in.Org); err != nil {
		return err
	}
	writeJSON(q.w, 200, map[string]any{"revoked": in})
	return nil
}
