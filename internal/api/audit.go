package api

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"

	"renkei/internal/audit"
	"renkei/internal/hub"
	"renkei/internal/oversight"
	"renkei/internal/policy"
)

// auditSelection is the answer of GET /api/v1/audit/entries (client.AuditSelection).
type auditSelection struct {
	Checkpoint auditCheckpoint  `json:"checkpoint"`
	Matched    int              `json:"matched"`
	Entries    []auditSelectedJ `json:"entries"`
}

type auditCheckpoint struct {
	Origin string `json:"origin"`
	Size   uint64 `json:"size"`
	Root   string `json:"root"`
}

type auditSelectedJ struct {
	Index    uint64          `json:"index"`
	Entry    json.RawMessage `json:"entry"` // the canonical leaf data
	LeafHash string          `json:"leaf_hash"`
	Proof    []string        `json:"inclusion_proof,omitempty"`
	Verified bool            `json:"verified"`
	Problem  string          `json:"problem,omitempty"`
}

// auditEntries lists the entries of the audit log a filter selects (query
// parameters as oversight.FilterFromQuery reads them), each with its
// inclusion proof verified against the current signed checkpoint: JSON, or
// CSV naming the checkpoint with ?format=csv. Only those who may inspect
// the log (policy.MayInspectAudit: the committee and the hub
// administrator) are answered, and of the entries only those
// policy.InspectableEntries keeps.
func (s *Server) auditEntries(q *request) error {
	if !policy.MayInspectAudit(q.viewer) {
		return fail(http.StatusForbidden, "forbidden", "the audit log is inspected by the oversight committee and the hub administrator")
	}
	f, err := oversight.FilterFromQuery(q.r.URL.Query())
	if err != nil {
		return err
	}
	if s.Audit == nil {
		return hub.ErrAuditUnavailable
	}
	vs, err := oversight.Verifiers(s.Audit.VerifierKey(), s.Audit.PQVerifierKey())
	if err != nil {
		return err
	}
	sel, err := oversight.Select(q.r.Context(), s.Audit.Fetcher(), vs, f, func(es []audit.Entry) []audit.Entry {
		return policy.InspectableEntries(q.viewer, es, func(e audit.Entry) policy.AuditEntry { return policy.AuditEntry{Org: e.Org} })
	})
	if err != nil {
		return err
	}
	if q.r.URL.Query().Get("format") == "csv" {
		q.w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		q.w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="renkei-audit-%d.csv"`, sel.Checkpoint.Size))
		return sel.WriteCSV(q.w)
	}
	out := auditSelection{Checkpoint: auditCheckpoint{Origin: sel.Checkpoint.Origin, Size: sel.Checkpoint.Size, Root: hex.EncodeToString(sel.Checkpoint.Root)},
		Matched: sel.Matched, Entries: make([]auditSelectedJ, 0, len(sel.Entries))}
	for _, x := range sel.Entries {
		data, err := x.Entry.Marshal()
		if err != nil {
			return fmt.Errorf("entry %d: %w", x.Index, err)
		}
		j := auditSelectedJ{Index: x.Index, Entry: data, LeafHash: hex.EncodeToString(x.LeafHash), Verified: x.Verified, Problem: x.Problem}
		for _, p := range x.Proof {
			j.Proof = append(j.Proof, hex.EncodeToString(p))
		}
		out.Entries = append(out.Entries, j)
	}
	writeJSON(q.w, 200, out)
	return nil
}
