package api

import (
	"net/http"

	"renkei/internal/client"
	"renkei/internal/store"
)

// listPartners lists the partners, their agreements and their state (the
// center and the oversight committee).
func (s *Server) listPartners(q *request) error {
	ps, err := s.Federation.List(q.r.Context(), q.viewer)
	if err != nil {
		return err
	}
	if ps == nil {
		ps = []store.Partner{}
	}
	writeJSON(q.w, http.StatusOK, client.Partners{Partners: ps})
	return nil
}

// addPartner adds a partner with its agreement, logged first
// (partner.create) by the service.
func (s *Server) addPartner(q *request) error {
	var n client.NewPartner
	if err := decode(q, &n); err != nil {
		return err
	}
	p, err := s.Federation.Add(q.r.Context(), q.caller, n)
	if err != nil {
		return err
	}
	writeJSON(q.w, http.StatusCreated, p)
	return nil
}

// syncPartner runs one pull and push with a partner now, logged first
// (partner.sync) by the service.
func (s *Server) syncPartner(q *request) error {
	res, err := s.Federation.Sync(q.r.Context(), q.caller, q.r.PathValue("name"))
	if err != nil {
		return err
	}
	writeJSON(q.w, http.StatusOK, res)
	return nil
}
