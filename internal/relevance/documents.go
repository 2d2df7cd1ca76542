package relevance

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"renkei/internal/store"
	"renkei/internal/vuln/advisory"
)

// Document is one advisory document as stored.
type Document = store.VulnDocument

// Input is one advisory document to import: where it came from and its bytes.
type Input struct {
	Source string
	Data   []byte
}

// ImportResult says what an import did, document by document.
type ImportResult struct {
	Outcome
	Documents []ImportedDocument `json:"documents"`
}

// ImportedDocument is one document of an import.
type ImportedDocument struct {
	Source    string `json:"source"`
	Format    string `json:"format,omitempty"`
	Records   int    `json:"records"`
	Problems  int    `json:"problems"`
	Unchanged bool   `json:"unchanged,omitempty"`
	Error     string `json:"error,omitempty"`
}

// ImportDocuments reads advisory documents (any format package advisory
// recognizes, gzip-compressed or not), stores them — a newer document from
// the same source replaces the older — and adds them to the engine
// together, so that each affected organization receives one alert for the
// whole import. A document that cannot be read is reported and the others
// are imported.
func (s *Service) ImportDocuments(ctx context.Context, in []Input) (ImportResult, error) {
	defer s.op()()
	var res ImportResult
	// Load first: a load after storing would replay the new documents as
	// old ones, and nobody would be alerted.
	if err := s.ensure(ctx); err != nil {
		return res, err
	}
	var sets []*advisory.Set
	for _, d := range in {
		r := ImportedDocument{Source: d.Source}
		set, unchanged, err := s.storeDocument(ctx, d)
		switch {
		case err != nil:
			r.Error = err.Error()
		case unchanged:
			r.Unchanged = true
		default:
			r.Format, r.Records, r.Problems = string(set.Format), set.Count(), len(set.Problems)
			sets = append(sets, set)
			for _, p := range set.Problems {
				if len(res.Problems) < 100 {
					res.Problems = append(res.Problems, p.String())
				}
			}
		}
		res.Documents = append(res.Documents, r)
	}
	if len(sets) == 0 {
		return res, nil
	}
	out, err := s.addSets(ctx, sets)
	out.Problems = res.Problems
	res.Outcome = out
	return res, err
}

// storeDocument parses and stores one document; unchanged is true when the
// same source already holds the same bytes.
func (s *Service) storeDocument(ctx context.Context, d Input) (*advisory.Set, bool, error) {
	if int64(len(d.Data)) > s.maxBytes() {
		return nil, false, fmt.Errorf("%s: %d bytes is more than the limit of %d", d.Source, len(d.Data), s.maxBytes())
	}
	data, err := gunzipIfNeeded(d.Data, s.maxBytes())
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", d.Source, err)
	}
	sum := sha256.Sum256(data)
	hash := hex.EncodeToString(sum[:])
	old, err := s.DB.VulnDocumentHash(ctx, d.Source)
	if err != nil {
		return nil, false, err
	}
	if old == hash {
		return nil, true, nil
	}
	set, err := advisory.Parse(data, d.Source)
	if err != nil {
		return nil, false, err
	}
	if strings.HasPrefix(d.Source, publicationPrefix) {
		// A vendor's publication: it speaks only for the vendor's products.
		if err := s.bindPublished(ctx, set); err != nil {
			return nil, false, err
		}
	}
	doc := Document{Source: d.Source, Format: string(set.Format), Records: int64(set.Count()), Created: s.now()}
	if err := s.wrote(s.DB.PutVulnDocument(ctx, doc, hash, gz(data))); err != nil {
		return nil, false, err
	}
	return set, false, nil
}

// Documents lists the stored advisory documents.
func (s *Service) Documents(ctx context.Context) ([]Document, error) {
	return s.DB.VulnDocuments(ctx)
}

// loadDocuments parses every stored document, for Load. A document that
// no longer parses (after an upgrade of a reader) is logged and skipped.
func (s *Service) loadDocuments(ctx context.Context) ([]*advisory.Set, error) {
	var out []*advisory.Set
	err := s.DB.VulnDocumentBytes(ctx, func(src string, blob []byte) {
		data, err := gunzipIfNeeded(blob, s.maxBytes())
		if err == nil {
			var set *advisory.Set
			if set, err = advisory.Parse(data, src); err == nil {
				out = append(out, set)
				return
			}
		}
		s.Log.Warn("stored advisory document unreadable, skipped", "source", src, "err", err)
	})
	return out, err
}
