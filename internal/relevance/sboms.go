package relevance

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"renkei/internal/store"
	"renkei/internal/vuln"
	"renkei/internal/vuln/sbom"
)

// SBOM is a registered SBOM of a product a member runs.
type SBOM struct {
	ID         int64     `json:"id"`
	OrgID      string    `json:"org"`
	Name       string    `json:"name"`
	Format     string    `json:"format"`
	Serial     string    `json:"serial,omitempty"`
	Components int64     `json:"components"`
	Created    time.Time `json:"created"`
}

// Asset is the engine's asset id of the SBOM.
func (b SBOM) Asset() string { return "sbom-" + strconv.FormatInt(b.ID, 10) }

// RegisterSBOM reads an SBOM (any format package sbom reads), stores it
// for org — the document compressed and its normalized components — and
// alerts the organization of the vulnerabilities already known in it.
// name is the product's name; "" takes it from the SBOM or the source.
func (s *Service) RegisterSBOM(ctx context.Context, org, name, source string, data []byte) (SBOM, Outcome, error) {
	if int64(len(data)) > s.maxBytes() {
		return SBOM{}, Outcome{}, fmt.Errorf("%s: %d bytes is more than the limit of %d", source, len(data), s.maxBytes())
	}
	doc, err := sbom.Parse(data, source)
	if err != nil {
		return SBOM{}, Outcome{}, err
	}
	if name == "" {
		name = source
		if doc.Product != nil && doc.Product.Name != "" {
			name = doc.Product.Name
			if doc.Product.Version != "" {
				name += " " + doc.Product.Version
			}
		}
	}
	if err := s.ensure(ctx); err != nil { // before the insert: see AddConnectionPoint
		return SBOM{}, Outcome{}, err
	}
	b := SBOM{OrgID: org, Name: name, Format: doc.Describe(), Serial: doc.Serial, Created: s.now()}
	var ts []vuln.Target
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.QueryRow(ctx, "INSERT INTO vuln_sboms(org_id, name, format, serial, components, document, targets, created_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
			org, name, b.Format, b.Serial, len(doc.Components), gz(data), []byte{}, store.Micros(b.Created)).Scan(&b.ID); err != nil {
			return fmt.Errorf("store SBOM %s: %w", source, err)
		}
		ts = vuln.TargetsFromSBOM(org, b.Asset(), doc)
		b.Components = int64(len(ts))
		blob, err := encodeTargets(ts)
		if err != nil {
			return fmt.Errorf("encode SBOM %s: %w", source, err)
		}
		_, err = tx.Exec(ctx, "UPDATE vuln_sboms SET targets = ?, components = ? WHERE id = ?", blob, len(ts), b.ID)
		return err
	})
	if err != nil {
		return b, Outcome{}, err
	}
	out, err := s.addTargets(ctx, ts)
	for _, p := range doc.Problems {
		if len(out.Problems) < 100 {
			out.Problems = append(out.Problems, p.String())
		}
	}
	return b, out, err
}

// SBOMs lists registered SBOMs: of one organization, or all when org is "".
func (s *Service) SBOMs(ctx context.Context, org string) ([]SBOM, error) {
	q, args := "SELECT id, org_id, name, format, serial, components, created_at FROM vuln_sboms", []any{}
	if org != "" {
		q += " WHERE org_id = ?"
		args = append(args, org)
	}
	rows, err := s.DB.Query(ctx, q+" ORDER BY id", args...)
	if err != nil {
		return nil, fmt.Errorf("list SBOMs: %w", err)
	}
	defer rows.Close()
	var out []SBOM
	for rows.Next() {
		var b SBOM
		var c int64
		if err := rows.Scan(&b.ID, &b.OrgID, &b.Name, &b.Format, &b.Serial, &b.Components, &c); err != nil {
			return nil, err
		}
		b.Created = store.FromMicros(c)
		out = append(out, b)
	}
	return out, rows.Err()
}

// DeleteSBOM removes one of an organization's registered SBOMs.
func (s *Service) DeleteSBOM(ctx context.Context, org string, id int64) error {
	res, err := s.DB.Exec(ctx, "DELETE FROM vuln_sboms WHERE id = ? AND org_id = ?", id, org)
	if err != nil {
		return fmt.Errorf("delete SBOM %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("SBOM %d: %w", id, store.ErrNotFound)
	}
	if err := s.ensure(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.eng.RemoveAsset(org, SBOM{ID: id}.Asset())
	s.changed(ctx)
	return nil
}
