package advisory

import (
	"cmp"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"renkei/internal/vuln/pkgid"
	"renkei/internal/vuln/version"
)

// osvRecord is an OSV record (https://ossf.github.io/osv-schema/), the
// fields this package uses.
type osvRecord struct {
	SchemaVersion string        `json:"schema_version"`
	ID            string        `json:"id"`
	Modified      string        `json:"modified"`
	Published     string        `json:"published"`
	Withdrawn     string        `json:"withdrawn"`
	Aliases       []string      `json:"aliases"`
	Upstream      []string      `json:"upstream"`
	Summary       string        `json:"summary"`
	Details       string        `json:"details"`
	Severity      []osvSeverity `json:"severity"`
	Affected      []struct {
		Package struct {
			Ecosystem string `json:"ecosystem"`
			Name      string `json:"name"`
			PURL      string `json:"purl"`
		} `json:"package"`
		Severity []osvSeverity `json:"severity"`
		Ranges   []struct {
			Type   string          `json:"type"`
			Repo   string          `json:"repo"`
			Events []version.Event `json:"events"`
		} `json:"ranges"`
		Versions         []string        `json:"versions"`
		DatabaseSpecific json.RawMessage `json:"database_specific"`
	} `json:"affected"`
	References []struct {
		Type string `json:"type"`
		URL  string `json:"url"`
	} `json:"references"`
	DatabaseSpecific struct {
		Severity string `json:"severity"`
	} `json:"database_specific"`
}

type osvSeverity struct {
	Type  string `json:"type"`
	Score string `json:"score"`
}

func parseOSV(data []byte, source string) (*Set, error) {
	var rec osvRecord
	if err := json.Unmarshal(data, &rec); err != nil {
		return nil, fmt.Errorf("OSV: %w", jsonErrorAt(data, err))
	}
	set := &Set{Source: source, Format: FormatOSV}
	addOSV(set, &rec, source)
	return set, nil
}

// parseOSVList reads a JSON array of OSV records, as osv.dev's exports and
// some scanners write them. A record that does not decode is reported and
// the others are kept.
func parseOSVList(data []byte, source string) (*Set, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("JSON array: %w", jsonErrorAt(data, err))
	}
	set := &Set{Source: source, Format: FormatOSV}
	for i, r := range raw {
		var rec osvRecord
		if err := json.Unmarshal(r, &rec); err != nil || rec.ID == "" {
			msg := "no id: not an OSV record"
			if err != nil {
				msg = err.Error()
			}
			set.Problems = append(set.Problems, Problem{fmt.Sprintf("%s: [%d]", source, i), msg})
			continue
		}
		addOSV(set, &rec, source)
	}
	if len(set.Advisories) == 0 && len(raw) > 0 && len(set.Problems) == len(raw) {
		return nil, fmt.Errorf("no element of the array is an OSV record: %w", ErrUnknownFormat)
	}
	return set, nil
}

func addOSV(set *Set, rec *osvRecord, source string) {
	at := fmt.Sprintf("%s: %s", source, rec.ID)
	if rec.Withdrawn != "" {
		set.Problems = append(set.Problems, Problem{at, "withdrawn on " + rec.Withdrawn + "; ignored"})
		return
	}
	adv := Advisory{
		ID: rec.ID, Aliases: append(append([]string{}, rec.Aliases...), rec.Upstream...),
		Source: osvSource(rec.ID), Document: source,
		Summary: cmp.Or(rec.Summary, firstLine(rec.Details)),
	}
	adv.Published, _ = time.Parse(time.RFC3339, rec.Published)
	adv.Modified, _ = time.Parse(time.RFC3339, rec.Modified)
	for _, r := range rec.References {
		adv.References = append(adv.References, r.URL)
	}
	adv.CVSS, adv.Severity = osvSeverities(rec.Severity)
	if s := osvDBSeverity(rec.DatabaseSpecific.Severity); s.Rank() > adv.Severity.Rank() && len(adv.CVSS) == 0 {
		adv.Severity = s
	}
	for i, a := range rec.Affected {
		where := fmt.Sprintf("%s.affected[%d]", at, i)
		var pkg pkgid.Package
		var err error
		if a.Package.PURL != "" {
			pkg, err = pkgid.ParsePURL(a.Package.PURL)
			if err == nil && a.Package.Ecosystem != "" {
				if c, cerr := version.For(a.Package.Ecosystem); cerr == nil {
					pkg.Ecosystem = c.Ecosystem()
				}
			}
		} else {
			pkg, err = pkgid.FromOSV(a.Package.Ecosystem, a.Package.Name)
		}
		if err != nil {
			set.Problems = append(set.Problems, Problem{where + ".package", err.Error()})
			continue
		}
		af := Affected{Key: pkg.Key, Ecosystem: pkg.Ecosystem, Versions: a.Versions}
		af.Distro, af.Release = pkgid.ReleaseOfEcosystem(a.Package.Ecosystem)
		for j, r := range a.Ranges {
			switch r.Type {
			case "SEMVER", "ECOSYSTEM":
				rng := version.Range{Type: r.Type, Events: r.Events}
				if len(r.Events) == 0 {
					set.Problems = append(set.Problems, Problem{fmt.Sprintf("%s.ranges[%d]", where, j), "range has no events"})
					continue
				}
				af.Ranges = append(af.Ranges, rng)
				for _, e := range r.Events {
					if e.Fixed != "" {
						af.Fixed = append(af.Fixed, e.Fixed)
					}
				}
			case "GIT":
				if len(a.Versions) == 0 {
					set.Problems = append(set.Problems, Problem{fmt.Sprintf("%s.ranges[%d]", where, j), "GIT range without a versions list cannot be evaluated on version numbers"})
				}
			default:
				set.Problems = append(set.Problems, Problem{fmt.Sprintf("%s.ranges[%d]", where, j), fmt.Sprintf("range type %q unknown", r.Type)})
			}
		}
		if r := rangeSemverType(af); r && af.Ecosystem == "" {
			af.Ecosystem = version.SemVer
		}
		if len(af.Ranges) == 0 && len(af.Versions) == 0 {
			set.Problems = append(set.Problems, Problem{where, "no ranges and no versions: nothing to match"})
			continue
		}
		if cv, sev := osvSeverities(a.Severity); len(cv) > 0 {
			adv.CVSS = append(adv.CVSS, cv...)
			if sev.Rank() > adv.Severity.Rank() {
				adv.Severity = sev
			}
		}
		adv.Affected = append(adv.Affected, af)
	}
	if len(adv.Affected) == 0 {
		set.Problems = append(set.Problems, Problem{at, "no usable affected package"})
		return
	}
	set.Advisories = append(set.Advisories, adv)
}

func rangeSemverType(a Affected) bool {
	for _, r := range a.Ranges {
		if r.Type == "SEMVER" {
			return true
		}
	}
	return false
}

func osvSeverities(list []osvSeverity) ([]CVSS, Severity) {
	var out []CVSS
	var sev Severity
	for _, s := range list {
		c := CVSS{Vector: s.Score}
		switch s.Type {
		case "CVSS_V3":
			c.Version = strings.TrimPrefix(strings.SplitN(s.Score, "/", 2)[0], "CVSS:")
			if score, err := CVSS3BaseScore(s.Score); err == nil {
				c.Score = score
				if x := SeverityOfScore(score); x.Rank() > sev.Rank() {
					sev = x
				}
			}
		case "CVSS_V2":
			c.Version = "2.0"
		case "CVSS_V4":
			c.Version = "4.0"
		default:
			continue
		}
		out = append(out, c)
	}
	return out, sev
}

// osvDBSeverity reads the GitHub advisory database's severity words.
func osvDBSeverity(s string) Severity {
	switch strings.ToUpper(s) {
	case "CRITICAL":
		return SeverityCritical
	case "HIGH":
		return SeverityHigh
	case "MODERATE", "MEDIUM":
		return SeverityMedium
	case "LOW":
		return SeverityLow
	}
	return ""
}

func osvSource(id string) string {
	prefix, _, _ := strings.Cut(id, "-")
	switch prefix {
	case "GHSA":
		return "GitHub Advisory Database"
	case "GO":
		return "Go Vulnerability Database"
	case "PYSEC":
		return "PyPI Advisory Database"
	case "RUSTSEC":
		return "RustSec"
	case "DSA", "DLA", "DEBIAN":
		return "Debian Security Tracker"
	case "USN", "UBUNTU":
		return "Ubuntu Security Notices"
	case "ALPINE":
		return "Alpine secdb"
	}
	return "OSV"
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}
