package vuln

import (
	"context"
	"fmt"
	"strings"

	"renkei/internal/vuln/advisory"
	"renkei/internal/vuln/sbom"
)

// ScanResult is the outcome of scanning one SBOM offline.
type ScanResult struct {
	SBOM     *sbom.Document
	Sets     []*advisory.Set // every advisory document read
	Findings []Finding
	Problems []advisory.Problem // unreadable files, bad records, unparseable versions
	// Unread lists the advisory inputs that were not read whole: a path
	// that is missing, a file that cannot be opened, is empty or truncated,
	// or is in no known format. They are in Problems too.
	Unread     []advisory.Problem
	NProblems  int // all problems, including those not kept
	Components int // targets evaluated
}

// Scan reads an SBOM and advisory files or folders (recognized by
// content) and matches them, as `renkei sbom scan` does. Files that are
// not advisories are reported as problems, never fatal; an SBOM that does
// not load is an error.
func Scan(ctx context.Context, sbomPath string, advisoryPaths []string) (*ScanResult, error) {
	doc, err := sbom.LoadFile(sbomPath)
	if err != nil {
		return nil, err
	}
	res := &ScanResult{SBOM: doc}
	e := New()
	targets := TargetsFromSBOM("", sbomPath, doc)
	res.Components = len(targets)
	e.AddTargets(targets)
	if doc.Vulnerabilities != nil {
		e.AddSet(doc.Vulnerabilities)
		res.Problems = append(res.Problems, doc.Vulnerabilities.Problems...)
	}
	res.Problems = append(res.Problems, doc.Problems...)
	for _, p := range advisoryPaths {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		sets, problems := advisory.LoadPaths([]string{p})
		res.Problems = append(res.Problems, problems...)
		res.Unread = append(res.Unread, problems...)
		for _, s := range sets {
			if s.Source == sbomPath {
				continue // the SBOM's own vulnerabilities are already in
			}
			res.Sets = append(res.Sets, s)
			res.Problems = append(res.Problems, s.Problems...)
			e.AddSet(s)
		}
	}
	res.Findings = e.Findings()
	ep, n := e.Problems()
	res.Problems = append(res.Problems, ep...)
	res.NProblems = len(res.Problems) - len(ep) + n
	return res, nil
}

// FailOn reports whether findings meet a --fail-on level: "kev" (any
// known exploited), "critical" or "high" (that severity or worse, or known
// exploited). Suppressed findings never count. "" never fails.
func FailOn(fs []Finding, level string) (bool, error) {
	min := 0
	switch strings.ToLower(level) {
	case "":
		return false, nil
	case "kev":
		min = 99
	case "critical":
		min = advisory.SeverityCritical.Rank()
	case "high":
		min = advisory.SeverityHigh.Rank()
	case "medium":
		min = advisory.SeverityMedium.Rank()
	default:
		return false, fmt.Errorf("--fail-on %q: want kev, critical, high or medium", level)
	}
	for _, f := range fs {
		if f.Suppressed() {
			continue
		}
		if f.KnownExploited || advisory.Severity(f.Severity).Rank() >= min {
			return true, nil
		}
	}
	return false, nil
}
