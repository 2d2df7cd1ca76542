package relevance

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"renkei/internal/policy"
	"renkei/internal/problem"
	"renkei/internal/store"
	"renkei/internal/vuln"
)

// CSVColumns are the columns a connection-point CSV may have; the header
// row names them, in any order. kind, vendor and product are required.
var CSVColumns = []string{"kind", "vendor", "product", "version", "purl", "cpe", "address", "owner", "last_confirmed"}

// MaxCSVRows bounds one import.
const MaxCSVRows = 100_000

// ImportError lists every bad line of a CSV import; nothing was imported.
type ImportError struct {
	Source string
	Lines  []string // "line 7: kind: \"router\" is not one of …"
}

func (e *ImportError) Error() string {
	msg := fmt.Sprintf("%s: %d bad lines, nothing imported", e.Source, len(e.Lines))
	n := len(e.Lines)
	if n > 20 {
		n = 20
	}
	msg += ": " + strings.Join(e.Lines[:n], "; ")
	if len(e.Lines) > n {
		msg += fmt.Sprintf("; and %d more", len(e.Lines)-n)
	}
	return msg
}

// Is makes an import error a problem.ErrInvalid.
func (e *ImportError) Is(target error) bool { return target == problem.ErrInvalid }

// Title names the refusal for API clients.
func (e *ImportError) Title() string { return "invalid CSV" }

// ParseConnectionPointsCSV reads a CSV of connection points for org. A
// header row names the columns (CSVColumns). Every bad line is reported
// with its line number; when any line is bad the error is an *ImportError
// and no connection point is returned, so nothing is half-imported.
func ParseConnectionPointsCSV(r io.Reader, source, org string) ([]ConnectionPoint, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: empty file: a header row is required (%s)", source, strings.Join(CSVColumns, ","))
		}
		return nil, fmt.Errorf("%s: line 1: %w", source, err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		known := false
		for _, c := range CSVColumns {
			known = known || c == h
		}
		if !known {
			return nil, fmt.Errorf("%s: line 1: unknown column %q (columns: %s)", source, h, strings.Join(CSVColumns, ","))
		}
		if _, dup := col[h]; dup {
			return nil, fmt.Errorf("%s: line 1: column %q appears twice", source, h)
		}
		col[h] = i
	}
	for _, req := range []string{"kind", "vendor", "product"} {
		if _, ok := col[req]; !ok {
			return nil, fmt.Errorf("%s: line 1: the required column %q is missing", source, req)
		}
	}
	ie := &ImportError{Source: source}
	var out []ConnectionPoint
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				ie.Lines = append(ie.Lines, fmt.Sprintf("line %d: %v", pe.Line, pe.Err))
				continue
			}
			return nil, fmt.Errorf("%s: %w", source, err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(out)+len(ie.Lines) >= MaxCSVRows {
			return nil, fmt.Errorf("%s: more than %d rows: split the file", source, MaxCSVRows)
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		c := ConnectionPoint{OrgID: org, Kind: get("kind"), Vendor: get("vendor"), Product: get("product"), Version: get("version"),
			PURL: get("purl"), CPE: get("cpe"), Address: get("address"), Owner: get("owner")}
		if v := get("last_confirmed"); v != "" {
			t, err := parseDate(v)
			if err != nil {
				ie.Lines = append(ie.Lines, fmt.Sprintf("line %d: last_confirmed: %v", line, err))
				continue
			}
			c.LastConfirmed = t
		}
		if err := c.Validate(); err != nil {
			ie.Lines = append(ie.Lines, fmt.Sprintf("line %d: %v", line, err))
			continue
		}
		out = append(out, c)
	}
	if len(ie.Lines) > 0 {
		return nil, ie
	}
	return out, nil
}

func parseDate(v string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02", time.RFC3339, "2006/01/02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date (YYYY-MM-DD)", v)
}

// ImportConnectionPoints stores connection points of v's organization in
// one transaction — all or none — then evaluates them and alerts the
// organization.
func (s *Service) ImportConnectionPoints(ctx context.Context, v policy.Viewer, cps []ConnectionPoint) ([]ConnectionPoint, Outcome, error) {
	defer s.op()()
	if err := mayWrite(v, v.OrgID); err != nil {
		return nil, Outcome{}, err
	}
	if err := s.ensure(ctx); err != nil { // before the insert: see AddConnectionPoint
		return nil, Outcome{}, err
	}
	now := s.now()
	for i := range cps {
		if err := cps[i].Validate(); err != nil {
			return nil, Outcome{}, fmt.Errorf("connection point %d: %w", i+1, err)
		}
		cps[i].OrgID, cps[i].Created, cps[i].Updated = v.OrgID, now, now
		if cps[i].LastConfirmed.IsZero() {
			cps[i].LastConfirmed = now
		}
	}
	rows := make([]store.ConnectionPoint, len(cps))
	for i, c := range cps {
		rows[i] = store.ConnectionPoint(c)
	}
	if err := s.wrote(s.DB.AddConnectionPoints(ctx, rows)); err != nil {
		return nil, Outcome{}, err
	}
	for i := range cps {
		cps[i].ID, cps[i].PublicID = rows[i].ID, rows[i].PublicID
	}
	ts := make([]vuln.Target, len(cps))
	for i, c := range cps {
		ts[i] = vuln.TargetFromDevice(c.device())
	}
	out, err := s.addTargets(ctx, ts)
	return cps, out, err
}
