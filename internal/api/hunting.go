package api

import (
	"errors"
	"net/http"
	"strings"

	"renkei/internal/audit"
	"renkei/internal/client"
	"renkei/internal/huntpkg"
	"renkei/internal/problem"
	"renkei/internal/sigma"
)

// Hunting packages (issue 4 item 6): publish, list, fetch the signed form,
// report runs, and see coverage and findings. The package's visibility and
// the TLP of findings are decided in package huntpkg with policy.Decide.

func (s *Server) huntingKey(q *request) error {
	k, err := s.Hunting.Keys()
	if err != nil {
		return err
	}
	writeJSON(q.w, 200, client.HuntingKeyInfo{KeyName: k.Signer.Name(), VerifierKey: k.VerifierKey,
		Format: huntpkg.FormatVersion, Signature: "signed note (C2SP signed-note, Ed25519) over the canonical JSON of the package"})
	return nil
}

func (s *Server) listHuntPackages(q *request) error {
	list, err := s.Hunting.List(q.r.Context(), q.caller, 1000)
	if err != nil {
		return err
	}
	writeJSON(q.w, 200, map[string]any{"packages": list})
	return nil
}

func loadErrorsOut(errs []*sigma.LoadError) []client.LoadError {
	out := make([]client.LoadError, len(errs))
	for i, e := range errs {
		out[i] = client.LoadError{File: e.Path, Line: e.Line, RuleID: e.ID, Reason: e.Reason}
	}
	return out
}

func (s *Server) publishHuntPackage(q *request) error {
	var in client.PublishRequest
	if err := decode(q, &in); err != nil {
		return err
	}
	scope, err := huntpkg.ParseScope(strings.Join(in.Scope, ","))
	if err != nil {
		return fail(http.StatusBadRequest, "invalid hunting package request", "scope: %v", err)
	}
	p, err := s.Hunting.Publish(q.r.Context(), q.caller, huntpkg.PublishRequest{Title: in.Title, Description: in.Description, TLP: in.TLP,
		Scope: scope, Rules: in.Rules, Indicators: in.Indicators, AllowUnloaded: in.AllowUnloaded})
	if err != nil {
		if errors.Is(err, problem.ErrInvalid) && p != nil && len(p.NotLoaded) > 0 {
			writeJSON(q.w, http.StatusBadRequest, client.Problem{Body: problem.NewBody(http.StatusBadRequest, "rules do not load", err.Error()),
				NotLoaded: loadErrorsOut(p.NotLoaded)})
			return nil
		}
		return err
	}
	writeJSON(q.w, http.StatusCreated, client.PublishResult{ID: p.Package.ID, Package: p.Package, Signed: string(p.Signed),
		RulesLoaded: p.RulesLoaded, NotLoaded: loadErrorsOut(p.NotLoaded), AlertedOrgs: p.Alerted})
	return nil
}

func (s *Server) getHuntPackage(q *request) error {
	p, signed, idx, err := s.Hunting.Get(q.r.Context(), q.caller, q.r.PathValue("id"))
	if err != nil {
		return err
	}
	if idx > 0 {
		audit.SetIndexHeader(q.w.Header(), idx)
	}
	if q.r.URL.Query().Get("format") == "note" {
		q.w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		q.w.Header().Set("Cache-Control", "no-store")
		q.w.Write(signed)
		return nil
	}
	writeJSON(q.w, 200, client.HuntingPackage{Package: p, Signed: string(signed)})
	return nil
}

func (s *Server) reportHuntRun(q *request) error {
	var in huntpkg.ReportRequest
	if err := decode(q, &in); err != nil {
		return err
	}
	run, err := s.Hunting.Report(q.r.Context(), q.caller, q.r.PathValue("id"), in)
	if err != nil {
		return err
	}
	run.Rules = nil
	writeJSON(q.w, http.StatusCreated, run)
	return nil
}

func (s *Server) huntCoverage(q *request) error {
	c, err := s.Hunting.Coverage(q.r.Context(), q.caller, q.r.PathValue("id"))
	if err != nil {
		return err
	}
	c.Package.Rules = nil // the rules are in the package itself; coverage is about organizations
	writeJSON(q.w, 200, c)
	return nil
}

func (s *Server) huntFindings(q *request) error {
	runs, idx, err := s.Hunting.Findings(q.r.Context(), q.caller, q.r.PathValue("id"))
	if err != nil {
		return err
	}
	if idx > 0 {
		audit.SetIndexHeader(q.w.Header(), idx)
	}
	writeJSON(q.w, 200, map[string]any{"runs": runs})
	return nil
}
