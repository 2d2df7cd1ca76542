package vuln

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
)

// SARIF 2.1.0 (OASIS), as code-scanning dashboards (GitHub code scanning,
// GitLab, DefectDojo, SonarQube) import it. Written by hand: the format
// needs a dozen fields, and a library would bring the whole object model.

const sarifSchema = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name  string      `json:"name"`
	Rules []sarifRule `json:"rules"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifRule struct {
	ID               string         `json:"id"`
	ShortDescription sarifText      `json:"shortDescription"`
	FullDescription  *sarifText     `json:"fullDescription,omitempty"`
	HelpURI          string         `json:"helpUri,omitempty"`
	Properties       map[string]any `json:"properties,omitempty"`
}

type sarifResult struct {
	RuleID              string             `json:"ruleId"`
	RuleIndex           int                `json:"ruleIndex"`
	Level               string             `json:"level"`
	Message             sarifText          `json:"message"`
	Locations           []sarifLocation    `json:"locations"`
	PartialFingerprints map[string]string  `json:"partialFingerprints"`
	Suppressions        []sarifSuppression `json:"suppressions,omitempty"`
	Properties          map[string]any     `json:"properties,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical  `json:"physicalLocation"`
	LogicalLocations []sarifLogical `json:"logicalLocations,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation struct {
		URI string `json:"uri"`
	} `json:"artifactLocation"`
	Region struct {
		StartLine int `json:"startLine"`
	} `json:"region"`
}

type sarifLogical struct {
	Name               string `json:"name"`
	FullyQualifiedName string `json:"fullyQualifiedName,omitempty"`
	Kind               string `json:"kind"`
}

type sarifSuppression struct {
	Kind          string `json:"kind"`
	Status        string `json:"status"`
	Justification string `json:"justification,omitempty"`
}

// WriteSARIF writes the findings as one SARIF 2.1.0 run: a rule per
// vulnerability (help link, CVSS as "security-severity", the property
// GitHub ranks security alerts by) and a result per finding, located at the
// SBOM file (line 1: an SBOM has no line for a component) and at the
// component's package URL as a logical location. Affected findings are
// "error", possibly affected ones "warning"; a finding a VEX statement
// suppresses is kept with an accepted external suppression, so dashboards
// show it as dismissed with the statement's reason. partialFingerprints
// (SHA-256 of vulnerability, component, version and purl) let a dashboard
// follow one finding across scans.
func WriteSARIF(w io.Writer, res *ScanResult) error {
	uri := "sbom"
	if res.SBOM != nil && res.SBOM.Source != "" {
		uri = filepath.ToSlash(res.SBOM.Source)
	}
	run := sarifRun{Tool: sarifTool{Driver: sarifDriver{Name: "renkei", Rules: []sarifRule{}}}, Results: []sarifResult{}}
	ruleAt := map[string]int{}
	for i := range res.Findings {
		f := &res.Findings[i]
		idx, ok := ruleAt[f.Vulnerability]
		if !ok {
			idx = len(run.Tool.Driver.Rules)
			ruleAt[f.Vulnerability] = idx
			r := sarifRule{ID: f.Vulnerability, ShortDescription: sarifText{f.Vulnerability}, Properties: map[string]any{"tags": []string{"security", "vulnerability"}}}
			if f.Summary != "" {
				r.ShortDescription.Text = f.Vulnerability + ": " + firstLine(f.Summary)
				r.FullDescription = &sarifText{f.Summary}
			}
			if s := vulnSource(f.Vulnerability); s.URL != "" {
				r.HelpURI = s.URL
			}
			if score := securitySeverity(f); score != "" {
				r.Properties["security-severity"] = score
			}
			if len(f.Aliases) > 0 {
				r.Properties["aliases"] = f.Aliases
			}
			run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, r)
		}
		level := "error"
		if f.Status == StatusPossibly {
			level = "warning"
		}
		verb := "is affected by"
		if f.Status == StatusPossibly {
			verb = "may be affected by"
		}
		res := sarifResult{
			RuleID: f.Vulnerability, RuleIndex: idx, Level: level,
			Message:             sarifText{fmt.Sprintf("%s %s %s %s. %s", f.Component, f.Version, verb, f.Vulnerability, f.Action)},
			PartialFingerprints: map[string]string{"renkeiFinding/v1": fingerprint(f)},
			Properties:          map[string]any{"status": f.Status, "known_exploited": f.KnownExploited},
		}
		loc := sarifLocation{}
		loc.PhysicalLocation.ArtifactLocation.URI = uri
		loc.PhysicalLocation.Region.StartLine = 1
		name := f.Component
		if f.Version != "" {
			name += "@" + f.Version
		}
		loc.LogicalLocations = []sarifLogical{{Name: name, FullyQualifiedName: cmp.Or(f.PURL, f.CPE), Kind: "package"}}
		if loc.LogicalLocations[0].FullyQualifiedName == "" {
			loc.LogicalLocations[0].FullyQualifiedName = name
		}
		res.Locations = []sarifLocation{loc}
		if f.FixedVersion != "" {
			res.Properties["fixed_version"] = f.FixedVersion
		}
		if f.KnownExploited {
			res.Properties["kev_due_date"] = f.KEVDueDate
		}
		if f.EPSS != nil {
			res.Properties["epss"] = *f.EPSS
		}
		if s := f.SuppressedBy; s != nil {
			res.Suppressions = []sarifSuppression{{Kind: "external", Status: "accepted",
				Justification: strings.TrimSpace(s.Status + " " + cmp.Or(s.Justification, s.Impact) + " (" + s.Author + ", " + s.Document + ")")}}
		}
		run.Results = append(run.Results, res)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{Schema: sarifSchema, Version: "2.1.0", Runs: []sarifRun{run}})
}

// securitySeverity is the CVSS base score as GitHub reads it ("9.8"), or a
// score standing for the severity when there is no score; "" when neither
// is known.
func securitySeverity(f *Finding) string {
	if f.CVSSScore > 0 {
		return strconv.FormatFloat(f.CVSSScore, 'f', 1, 64)
	}
	switch strings.ToLower(f.Severity) {
	case "critical":
		return "9.0"
	case "high":
		return "7.0"
	case "medium", "moderate":
		return "4.0"
	case "low":
		return "0.1"
	}
	return ""
}

func fingerprint(f *Finding) string {
	h := sha256.Sum256([]byte(f.Vulnerability + "\x00" + f.Component + "\x00" + f.Version + "\x00" + f.PURL))
	return hex.EncodeToString(h[:16])
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200]) + "…"
	}
	return s
}
