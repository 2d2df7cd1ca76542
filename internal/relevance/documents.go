package relevance

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"renkei/internal/store"
	"renkei/internal/vuln/advisory"
)

// Document is one advisory document as stored.
type Document struct {
	ID      int64     `json:"id"`
	Source  string    `json:"source"`
	Format  string    `json:"format"`
	Records int64     `json:"records"`
	Created time.Time `json:"created"`
}

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
	var old string
	err = s.DB.QueryRow(ctx, "SELECT sha256 FROM vuln_documents WHERE source = ?", d.Source).Scan(&old)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, false, fmt.Errorf("%s: %w", d.Source, err)
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
	_, err = s.DB.Exec(ctx, `INSERT INTO vuln_documents(source, format, sha256, records, document, created_at) VALUES(?, ?, ?, ?, ?, ?)
		ON CONFLICT(source) DO UPDATE SET format = excluded.format, sha256 = excluded.sha256, records = excluded.records, document = excluded.document, created_at = excluded.created_at`,
		d.Source, string(set.Format), hash, set.Count(), gz(data), store.Micros(s.now()))
	if err != nil {
		return nil, false, fmt.Errorf("store %s: %w", d.Source, err)
	}
	return set, false, nil
}

// Documents lists the stored advisory documents.
func (s *Service) Documents(ctx context.Context) ([]Document, error) {
	rows, err := s.DB.Query(ctx, "SELECT id, source, format, records, created_at FROM vuln_documents ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("list advisory documents: %w", err)
	}
	defer rows.Close()
	var out []Document
	for rows.Next() {
		var d Document
		var c int64
		if err := rows.Scan(&d.ID, &d.Source, &d.Format, &d.Records, &c); err != nil {
			return nil, err
		}
		d.Created = store.FromMicros(c)
		out = append(out, d)
	}
	return out, rows.Err()
}

// loadDocuments parses every stored document, for Load. A document that
// no longer parses (after an upgrade of a reader) is logged and skipped.
func (s *Service) loadDocuments(ctx context.Context) ([]*advisory.Set, error) {
	rows, err := s.DB.Query(ctx, "SELECT source, document FROM vuln_documents ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("load advisory documents: %w", err)
	}
	defer rows.Close()
	var out []*advisory.Set
	for rows.Next() {
		var src string
		var blob []byte
		if err := rows.Scan(&src, &blob); err != nil {
			return nil, fmt.Errorf("load advisory documents: %w", err)
		}
		data, err := gunzipIfNeeded(blob, s.maxBytes())
		if err == nil {
			var set *advisory.Set
			if set, err = advisory.Parse(data, src); err == nil {
				out = append(out, set)
				continue
			}
		}
		s.Log.Warn("stored advisory document unreadable, skipped", "source", src, "err", err)
	}
	return out, rows.Err()
}
