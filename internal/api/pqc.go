package api

import (
	"net/http"

	"renkei/internal/client"
	"renkei/internal/pqc"
)

// Post-quantum migration (issue 16, docs/pqc.md). Package pqc decides
// through policy and logs each act before it takes effect.

func (s *Server) pqcInventory(q *request) error {
	as, err := s.PQC.Inventory(q.r.Context(), q.caller)
	if err != nil {
		return err
	}
	if as == nil {
		as = []pqc.Asset{}
	}
	writeJSON(q.w, 200, map[string]any{"assets": as})
	return nil
}

func (s *Server) pqcAddAsset(q *request) error {
	var in pqc.Asset
	if err := decode(q, &in); err != nil {
		return err
	}
	a, err := s.PQC.AddAsset(q.r.Context(), q.caller, in)
	if err != nil {
		return err
	}
	writeJSON(q.w, http.StatusCreated, a)
	return nil
}

func (s *Server) pqcDataLifetime(q *request) error {
	var in client.PQCLifetimeRequest
	if err := decode(q, &in); err != nil {
		return err
	}
	if err := s.PQC.SetDataLifetime(q.r.Context(), q.caller, q.r.PathValue("id"), in.Years); err != nil {
		return err
	}
	writeJSON(q.w, 200, in)
	return nil
}

func (s *Server) pqcImportCBOM(q *request) error {
	var in client.PQCImportRequest
	if err := decode(q, &in); err != nil {
		return err
	}
	n, err := s.PQC.ImportCBOM(q.r.Context(), q.caller, in.Name, in.Document)
	if err != nil {
		return err
	}
	writeJSON(q.w, http.StatusCreated, client.PQCImported{Assets: n})
	return nil
}

func (s *Server) pqcExportCBOM(q *request) error {
	b, err := s.PQC.ExportCBOM(q.r.Context(), q.caller)
	if err != nil {
		return err
	}
	q.w.Header().Set("Content-Type", "application/vnd.cyclonedx+json; version=1.6")
	q.w.Write(b)
	return nil
}

func (s *Server) pqcEndpoints(q *request) error {
	es, err := s.PQC.Endpoints(q.r.Context(), q.caller)
	if err != nil {
		return err
	}
	writeJSON(q.w, 200, map[string]any{"endpoints": es})
	return nil
}

func (s *Server) pqcRegisterEndpoint(q *request) error {
	var in client.PQCEndpointRequest
	if err := decode(q, &in); err != nil {
		return err
	}
	e, err := s.PQC.RegisterEndpoint(q.r.Context(), q.caller, in.Address, in.Protocol, in.DataLifetime)
	if err != nil {
		return err
	}
	writeJSON(q.w, http.StatusCreated, e)
	return nil
}

func (s *Server) pqcConfirmEndpoint(q *request) error {
	e, err := s.PQC.ConfirmEndpoint(q.r.Context(), q.caller, q.r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(q.w, 200, e)
	return nil
}

func (s *Server) pqcProbe(q *request) error {
	var in client.PQCProbeRequest
	if err := decode(q, &in); err != nil {
		return err
	}
	res, err := s.PQC.Probe(q.r.Context(), q.caller, in.Address, in.Protocol)
	if err != nil {
		return err
	}
	writeJSON(q.w, 200, res)
	return nil
}

func (s *Server) pqcReportScan(q *request) error {
	var in pqc.Result
	if err := decode(q, &in); err != nil {
		return err
	}
	n, err := s.PQC.ReportScan(q.r.Context(), q.caller, in)
	if err != nil {
		return err
	}
	writeJSON(q.w, http.StatusCreated, client.PQCImported{Assets: n})
	return nil
}

func (s *Server) pqcPlan(q *request) error {
	p, err := s.PQC.Plan(q.r.Context(), q.caller)
	if err != nil {
		return err
	}
	writeJSON(q.w, 200, p)
	return nil
}

func (s *Server) pqcAddStep(q *request) error {
	var in pqc.StepRequest
	if err := decode(q, &in); err != nil {
		return err
	}
	st, err := s.PQC.AddStep(q.r.Context(), q.caller, in)
	if err != nil {
		return err
	}
	writeJSON(q.w, http.StatusCreated, st)
	return nil
}

func (s *Server) pqcUpdateStep(q *request) error {
	var in pqc.StepRequest
	if err := decode(q, &in); err != nil {
		return err
	}
	st, err := s.PQC.UpdateStep(q.r.Context(), q.caller, q.r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(q.w, 200, st)
	return nil
}

func (s *Server) pqcSectors(q *request) error {
	cells, err := s.PQC.Sectors(q.r.Context(), q.caller)
	if err != nil {
		return err
	}
	writeJSON(q.w, 200, map[string]any{"cells": cells})
	return nil
}

func (s *Server) pqcMilestones(q *request) error {
	var in client.PQCMilestonesRequest
	if err := decode(q, &in); err != nil {
		return err
	}
	if err := s.PQC.SetGovernmentTarget(q.r.Context(), q.caller, in.Government); err != nil {
		return err
	}
	writeJSON(q.w, 200, s.PQC.Milestones(q.r.Context()))
	return nil
}
