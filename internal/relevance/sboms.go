package relevance

import (
	"context"
	"fmt"

	"renkei/internal/policy"
	"renkei/internal/problem"
	"renkei/internal/store"
	"renkei/internal/vuln"
	"renkei/internal/vuln/sbom"
)

// SBOM is a registered SBOM of a product a member runs.
type SBOM store.SBOM

// Asset is the engine's asset id of the SBOM, which findings and alerts
// carry: its public id, never its row id.
func (b SBOM) Asset() string { return "sbom-" + b.PublicID }

// RegisterSBOM reads an SBOM (any format package sbom reads), stores it
// for v's organization — the document compressed and its normalized
// components — and alerts the organization of the vulnerabilities already
// known in it. name is the product's name; "" takes it from the SBOM or the
// source.
func (s *Service) RegisterSBOM(ctx context.Context, v policy.Viewer, name, source string, data []byte) (SBOM, Outcome, error) {
	defer s.op()()
	org := v.OrgID
	if err := mayWrite(v, org); err != nil {
		return SBOM{}, Outcome{}, err
	}
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
	row := store.SBOM(b)
	err = s.DB.AddSBOM(ctx, &row, gz(data), func(id string) ([]byte, int, error) {
		ts = vuln.TargetsFromSBOM(org, SBOM{PublicID: id}.Asset(), doc)
		blob, err := encodeTargets(ts)
		if err != nil {
			return nil, 0, fmt.Errorf("encode SBOM %s: %w", source, err)
		}
		return blob, len(ts), nil
	})
	b = SBOM(row)
	if err := s.wrote(err); err != nil {
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

// SBOMs lists the registered SBOMs v may read (its own organization's), by
// id; the access condition is part of the query.
func (s *Service) SBOMs(ctx context.Context, v policy.Viewer) ([]SBOM, error) {
	if !policy.MayReadAssets(v) {
		return nil, fmt.Errorf("%w: vulnerability relevance is for members, vendors and the center", problem.ErrForbidden)
	}
	return sboms(s.DB.SBOMs(ctx, v))
}

// SBOMsOf lists the registered SBOMs of one organization, or of all when
// org is "", by id: for the operator's CLI, which holds the store.
func (s *Service) SBOMsOf(ctx context.Context, org string) ([]SBOM, error) {
	return sboms(s.DB.SBOMsOf(ctx, org))
}

func sboms(rows []store.SBOM, err error) ([]SBOM, error) {
	out := make([]SBOM, len(rows))
	for i, r := range rows {
		out[i] = SBOM(r)
	}
	return out, err
}

// DeleteSBOM removes the registered SBOM of public id id of v's
// organization.
func (s *Service) DeleteSBOM(ctx context.Context, v policy.Viewer, id string) error {
	defer s.op()()
	org := v.OrgID
	if err := mayWrite(v, org); err != nil {
		return err
	}
	if err := s.wrote(s.DB.DeleteSBOM(ctx, org, id)); err != nil {
		return err
	}
	if err := s.ensure(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.eng.RemoveAsset(org, SBOM{PublicID: id}.Asset())
	s.changed(ctx)
	return nil
}
