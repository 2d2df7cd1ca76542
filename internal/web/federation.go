package web

// The federation page (issue 15): the hub's partners, their sharing
// agreements and what their synchronizations did, for the center and the
// oversight committee; the center runs a synchronization from it. Partners
// are added through the CLI and the API (renkei partner add), which log the
// act first; every decision is internal/federation's and policy's.

import (
	"net/http"
	"net/url"
	"strconv"

	"renkei/internal/policy"
	"renkei/internal/store"
)

type federationData struct {
	Partners []partnerRow
	Manage   bool     // the reader may run a synchronization
	Synced   []string // the last synchronization: partner, in, out, refused
	Error    string
}

// partnerRow is a partner with its agreement as the page shows it.
type partnerRow struct {
	store.Partner
	TLPMax, ArrivalTLP string
	Consenting         []string // the organizations' names
}

func (s *server) federationPage(w http.ResponseWriter, r *http.Request, req *request) {
	s.showFederation(w, r, req, http.StatusOK, &federationData{})
}

func (s *server) showFederation(w http.ResponseWriter, r *http.Request, req *request, status int, d *federationData) {
	ctx := r.Context()
	ps, err := s.Federation.List(ctx, req.viewer)
	if err != nil {
		if !s.refused(w, r, err) {
			s.serverError(w, r, err)
		}
		return
	}
	orgs, err := s.Store.Orgs(ctx)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	names := map[string]string{}
	for _, o := range orgs {
		names[o.ID] = o.Name
	}
	for _, p := range ps {
		row := partnerRow{Partner: p, TLPMax: p.Agreement.TLPMax.Label(), ArrivalTLP: p.Agreement.ArrivalTLP.Label()}
		for _, id := range p.Agreement.Orgs {
			if n, ok := names[id]; ok {
				row.Consenting = append(row.Consenting, n)
			} else {
				row.Consenting = append(row.Consenting, id)
			}
		}
		d.Partners = append(d.Partners, row)
	}
	d.Manage = policy.MayManagePartners(req.viewer)
	if q := r.URL.Query(); q.Get("synced") != "" {
		d.Synced = []string{q.Get("synced"), q.Get("in"), q.Get("out"), q.Get("refused")}
	}
	s.render(w, r, req, status, "federation", "nav.federation", "federation", d)
}

// syncPartner runs one synchronization from the page.
func (s *server) syncPartner(w http.ResponseWriter, r *http.Request, req *request) {
	res, err := s.Federation.Sync(r.Context(), req.caller, r.PathValue("name"))
	switch {
	case s.refused(w, r, err):
	case err != nil:
		s.showFederation(w, r, req, http.StatusBadRequest, &federationData{Error: err.Error()})
	default:
		v := url.Values{"synced": {res.Partner}, "in": {strconv.FormatInt(res.In, 10)}, "out": {strconv.FormatInt(res.Out, 10)},
			"refused": {strconv.FormatInt(res.Refused, 10)}}
		http.Redirect(w, r, "/federation?"+v.Encode(), http.StatusSeeOther)
	}
}
