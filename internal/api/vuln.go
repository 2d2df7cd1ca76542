package api

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"renkei/internal/client"
	"renkei/internal/problem"
	"renkei/internal/relevance"
	"renkei/internal/vuln"
)

// Vulnerability relevance: connection points, registered SBOMs, what
// affects us, vendor publishing, feeds and the center's exposure view.
// Members see and change only their own organization's entries: the
// service decides (policy) and these handlers translate.

func (s *Server) relevance() *relevance.Service { return s.Relevance }

func cpOut(c relevance.ConnectionPoint, now time.Time, days int) client.ConnectionPoint {
	return client.ConnectionPoint{ID: c.PublicID, Kind: c.Kind, Vendor: c.Vendor, Product: c.Product, Version: c.Version, PURL: c.PURL, CPE: c.CPE,
		Address: c.Address, Owner: c.Owner, LastConfirmed: c.LastConfirmed, Stale: c.Stale(now, days), Products: c.Products(), Created: c.Created, Updated: c.Updated}
}

// listProducts answers from the product catalogue: any authenticated
// caller may ask what names a connection point can be registered under.
func (s *Server) listProducts(q *request) error {
	limit := 50
	if v := q.r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return problem.Field("limit", "%q is not a number from 1 to 1000", v)
		}
		limit = n
	}
	writeJSON(q.w, 200, client.Catalogue{Products: relevance.Catalogue(q.r.URL.Query().Get("q"), limit)})
	return nil
}

// connectionPoint is the connection point in, of public id id ("" for a
// new one).
func connectionPoint(in client.ConnectionPointRequest, id string) relevance.ConnectionPoint {
	return relevance.ConnectionPoint{PublicID: id, Kind: in.Kind, Vendor: in.Vendor, Product: in.Product, Version: in.Version,
		PURL: in.PURL, CPE: in.CPE, Address: in.Address, Owner: in.Owner, LastConfirmed: in.LastConfirmed}
}

func (s *Server) listConnectionPoints(q *request) error {
	ctx := q.r.Context()
	cps, err := s.relevance().ConnectionPoints(ctx, q.viewer)
	if err != nil {
		return err
	}
	days := s.relevance().StaleDays(ctx)
	staleOnly := q.r.URL.Query().Get("stale") != ""
	out := []client.ConnectionPoint{}
	for _, c := range cps {
		j := cpOut(c, s.now(), days)
		if staleOnly && !j.Stale {
			continue
		}
		out = append(out, j)
	}
	writeJSON(q.w, 200, client.ConnectionPoints{ConnectionPoints: out, StaleDays: days})
	return nil
}

func (s *Server) addConnectionPoint(q *request) error {
	var in client.ConnectionPointRequest
	if err := decode(q, &in); err != nil {
		return err
	}
	c, out, err := s.relevance().AddConnectionPoint(q.r.Context(), q.viewer, connectionPoint(in, ""))
	if err != nil {
		return err
	}
	writeJSON(q.w, http.StatusCreated, client.ConnectionPointOutcome{ConnectionPoint: cpOut(c, s.now(), s.relevance().StaleDays(q.r.Context())), Outcome: out})
	return nil
}

// updateConnectionPoint replaces the connection point named by its public
// id; a row id (a sequence over every organization's connection points,
// which never leaves the hub) is not found.
func (s *Server) updateConnectionPoint(q *request) error {
	id := q.r.PathValue("id")
	var in client.ConnectionPointRequest
	if err := decode(q, &in); err != nil {
		return err
	}
	c, out, err := s.relevance().UpdateConnectionPoint(q.r.Context(), q.viewer, connectionPoint(in, id))
	if err != nil {
		return err
	}
	writeJSON(q.w, 200, client.ConnectionPointOutcome{ConnectionPoint: cpOut(c, s.now(), s.relevance().StaleDays(q.r.Context())), Outcome: out})
	return nil
}

// deleteConnectionPoint removes the connection point named by its public
// id; a row id is not found.
func (s *Server) deleteConnectionPoint(q *request) error {
	id := q.r.PathValue("id")
	if err := s.relevance().DeleteConnectionPoint(q.r.Context(), q.viewer, id); err != nil {
		return err
	}
	writeJSON(q.w, 200, map[string]any{"deleted": id})
	return nil
}

// importConnectionPoints takes a CSV body (header row); nothing is imported
// when any line is bad, and the error lists the lines.
func (s *Server) importConnectionPoints(q *request) error {
	cps, err := relevance.ParseConnectionPointsCSV(q.r.Body, "request body", q.caller.Org.ID)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return fail(http.StatusBadRequest, "invalid CSV", "%v", err)
	}
	cps, out, err := s.relevance().ImportConnectionPoints(q.r.Context(), q.viewer, cps)
	if err != nil {
		return err
	}
	writeJSON(q.w, http.StatusCreated, client.ImportOutcome{Imported: len(cps), Outcome: out})
	return nil
}

func (s *Server) listSBOMs(q *request) error {
	bs, err := s.relevance().SBOMs(q.r.Context(), q.viewer)
	if err != nil {
		return err
	}
	if bs == nil {
		bs = []relevance.SBOM{}
	}
	writeJSON(q.w, 200, map[string]any{"sboms": bs})
	return nil
}

// registerSBOM takes the SBOM document as the body; ?name= names the product.
func (s *Server) registerSBOM(q *request) error {
	data, err := io.ReadAll(q.r.Body)
	if err != nil {
		return err
	}
	name := q.r.URL.Query().Get("name")
	b, out, err := s.relevance().RegisterSBOM(q.r.Context(), q.viewer, name, "upload", data)
	if err != nil {
		if problem.IsRefusal(err) {
			return err
		}
		return problem.Wrap(problem.ErrInvalid, "invalid SBOM", err) // what the SBOM reader could not read
	}
	writeJSON(q.w, http.StatusCreated, client.SBOMOutcome{SBOM: b, Outcome: out})
	return nil
}

// deleteSBOM removes the SBOM named by its public id; a row id is not
// found.
func (s *Server) deleteSBOM(q *request) error {
	id := q.r.PathValue("id")
	if err := s.relevance().DeleteSBOM(q.r.Context(), q.viewer, id); err != nil {
		return err
	}
	writeJSON(q.w, 200, map[string]any{"deleted": id})
	return nil
}

// affectingUs is "what affects us": the caller's organization's findings,
// known exploited first, then EPSS, then severity. ?all=1 includes findings
// suppressed by VEX.
func (s *Server) affectingUs(q *request) error {
	fs, err := s.relevance().Findings(q.r.Context(), q.viewer)
	if err != nil {
		return err
	}
	all := q.r.URL.Query().Get("all") != ""
	out := []vuln.Finding{}
	for _, f := range fs {
		if all || !f.Suppressed() {
			out = append(out, f)
		}
	}
	writeJSON(q.w, 200, map[string]any{"findings": out})
	return nil
}

func (s *Server) listPublications(q *request) error {
	ps, err := s.relevance().Publications(q.r.Context(), q.viewer, q.r.URL.Query().Get("org"))
	if err != nil {
		return err
	}
	if ps == nil {
		ps = []relevance.Publication{}
	}
	writeJSON(q.w, 200, map[string]any{"publications": ps})
	return nil
}

// publish takes the document as the body and the rest as query parameters:
// kind (sbom, vex, csaf, label), product, version, label_level, note.
func (s *Server) publish(q *request) error {
	v := q.r.URL.Query()
	data, err := io.ReadAll(q.r.Body)
	if err != nil {
		return err
	}
	level, _ := strconv.Atoi(v.Get("label_level"))
	// The outcome (whom the publication alerted) is not returned: a vendor
	// must not learn which members run its products.
	p, _, err := s.relevance().Publish(q.r.Context(), q.viewer, q.caller.Org, relevance.PublishInput{Kind: v.Get("kind"), Product: v.Get("product"), Version: v.Get("version"),
		Note: v.Get("note"), LabelLevel: level, Source: "upload", Data: data})
	if err != nil {
		return err
	}
	writeJSON(q.w, http.StatusCreated, map[string]any{"publication": p})
	return nil
}

// The product–supplier register: every member reads it, the center
// maintains it (policy decides; the service logs each change before it
// takes effect).

func (s *Server) listSuppliers(q *request) error {
	org := q.r.URL.Query().Get("org")
	if org != "" {
		o, err := s.Store.Org(q.r.Context(), org)
		if err != nil {
			return fail(http.StatusBadRequest, "invalid org", "no organization %q", org)
		}
		org = o.ID
	}
	sps, err := s.relevance().Suppliers(q.r.Context(), q.viewer, org)
	if err != nil {
		return err
	}
	if sps == nil {
		sps = []relevance.Supplier{}
	}
	writeJSON(q.w, 200, map[string]any{"suppliers": sps})
	return nil
}

// addSupplier takes {"org", "name", "cpe", "purl"}: cpe is a CPE name or
// vendor:product, purl a package URL; one of them is required.
func (s *Server) addSupplier(q *request) error {
	var in client.SupplierRequest
	if err := decode(q, &in); err != nil {
		return err
	}
	sp, err := s.relevance().AddSupplier(q.r.Context(), q.caller, q.viewer, relevance.SupplierInput{Org: in.Org, Name: in.Name, CPE: in.CPE, PURL: in.PURL})
	if err != nil {
		return err
	}
	writeJSON(q.w, http.StatusCreated, map[string]any{"supplier": sp})
	return nil
}

// removeSupplier removes the register entry named by its public id; a row
// id is not found.
func (s *Server) removeSupplier(q *request) error {
	id := q.r.PathValue("id")
	if err := s.relevance().RemoveSupplier(q.r.Context(), q.caller, q.viewer, id); err != nil {
		return err
	}
	writeJSON(q.w, 200, map[string]any{"removed": id})
	return nil
}

// exposure is the center's view of one vulnerability: members per sector,
// never their names.
func (s *Server) exposure(q *request) error {
	ex, err := s.relevance().Exposure(q.r.Context(), q.viewer, q.r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(q.w, 200, ex)
	return nil
}

func (s *Server) listFeeds(q *request) error {
	fs, err := s.relevance().Feeds(q.r.Context(), q.viewer)
	if err != nil {
		return err
	}
	if fs == nil {
		fs = []relevance.Feed{}
	}
	writeJSON(q.w, 200, map[string]any{"feeds": fs})
	return nil
}

func (s *Server) addFeed(q *request) error {
	var in client.FeedRequest
	if err := decode(q, &in); err != nil {
		return err
	}
	var every time.Duration
	if in.Interval != "" {
		d, err := time.ParseDuration(in.Interval)
		if err != nil {
			return fail(http.StatusBadRequest, "invalid interval", "%q is not a duration like 6h", in.Interval)
		}
		every = d
	}
	f, err := s.relevance().AddFeed(q.r.Context(), q.viewer, in.URL, in.Format, every)
	if err != nil {
		return err
	}
	writeJSON(q.w, http.StatusCreated, f)
	return nil
}
