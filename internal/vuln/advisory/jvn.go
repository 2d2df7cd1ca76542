package advisory

import (
	"bytes"
	"cmp"
	"encoding/xml"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"renkei/internal/vuln/pkgid"
	"renkei/internal/vuln/product"
)

// JVN publishes affected versions as free text ("5.8 (Build 1577) 未満",
// "7.2.0 から 7.2.4"), which no version rule can evaluate safely. A JVN
// entry therefore matches a product by its CPE vendor:product and yields
// "possibly affected, confirm the version", with the JVN text kept for the
// reader. JVN ids and the CVE ids it cites are aliases of each other. A CPE
// the product catalogue knows (cpe:/a:pulsesecure:pulse_connect_secure)
// also names the product under its current name (package product).

// vuldefDoc is MyJVN's VULDEF 3.x document (getVulnDetailInfo).
type vuldefDoc struct {
	Vulinfo []struct {
		ID   string `xml:"VulinfoID"`
		Data struct {
			Title    string `xml:"Title"`
			Overview string `xml:"VulinfoDescription>Overview"`
			Affected []struct {
				Name        string   `xml:"Name"`
				ProductName string   `xml:"ProductName"`
				CPE         []string `xml:"Cpe"`
				Versions    []string `xml:"VersionNumber"`
			} `xml:"Affected>AffectedItem"`
			CVSS []struct {
				Version  string `xml:"version,attr"`
				Severity string `xml:"Severity"`
				Base     string `xml:"Base"`
				Vector   string `xml:"Vector"`
			} `xml:"Impact>Cvss"`
			Solutions []string `xml:"Solution>SolutionItem>Description"`
			Related   []struct {
				Type string `xml:"type,attr"`
				Name string `xml:"Name"`
				ID   string `xml:"VulinfoID"`
				URL  string `xml:"URL"`
			} `xml:"Related>RelatedItem"`
			FirstPublished string `xml:"DateFirstPublished"`
			LastUpdated    string `xml:"DateLastUpdated"`
		} `xml:"VulinfoData"`
	} `xml:"Vulinfo"`
}

func parseVULDEF(data []byte, source string) (*Set, error) {
	var doc vuldefDoc
	if err := xml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		return nil, fmt.Errorf("MyJVN VULDEF: %w", err)
	}
	set := &Set{Source: source, Format: FormatJVNVULDEF}
	for i, v := range doc.Vulinfo {
		at := fmt.Sprintf("%s: Vulinfo[%d] (%s)", source, i, v.ID)
		if v.ID == "" {
			set.Problems = append(set.Problems, Problem{at, "no VulinfoID"})
			continue
		}
		d := v.Data
		adv := Advisory{ID: v.ID, Source: "JVN iPedia", Document: source, Summary: cmp.Or(d.Title, d.Overview)}
		adv.Published = parseJVNTime(d.FirstPublished)
		adv.Modified = parseJVNTime(d.LastUpdated)
		for _, r := range d.Related {
			if cveID.MatchString(r.ID) && !slices.Contains(adv.Aliases, r.ID) {
				adv.Aliases = append(adv.Aliases, r.ID)
			}
			if r.URL != "" {
				adv.References = append(adv.References, r.URL)
			}
		}
		for _, c := range d.CVSS {
			cv := CVSS{Version: c.Version, Vector: c.Vector}
			cv.Score, _ = strconv.ParseFloat(strings.TrimSpace(c.Base), 64)
			adv.CVSS = append(adv.CVSS, cv)
			if s := jvnSeverity(c.Severity, cv.Score); s.Rank() > adv.Severity.Rank() {
				adv.Severity = s
			}
		}
		for j, a := range d.Affected {
			found := false
			for _, c := range a.CPE {
				cpe, err := pkgid.ParseCPE(strings.TrimSpace(c))
				if err != nil || cpe.Key == "" {
					set.Problems = append(set.Problems, Problem{fmt.Sprintf("%s.Affected[%d].Cpe", at, j), fmt.Sprintf("%q: no vendor:product", c)})
					continue
				}
				found = true
				for _, k := range product.Default().CPEKeys(cpe.Key) {
					adv.Affected = append(adv.Affected, Affected{Key: k, AllVersions: true, Fixed: nil})
				}
			}
			if !found {
				set.Problems = append(set.Problems, Problem{fmt.Sprintf("%s.Affected[%d]", at, j), fmt.Sprintf("%s %s has no CPE: nothing to match", a.Name, a.ProductName)})
			}
		}
		if len(adv.Affected) > 0 {
			set.Advisories = append(set.Advisories, adv)
		}
	}
	return set, nil
}

// jvnRSS is JVNRSS 1.0 (RSS 1.0 / RDF with the sec: module).
type jvnRSS struct {
	Items []struct {
		About       string `xml:"about,attr"`
		Title       string `xml:"title"`
		Link        string `xml:"link"`
		Description string `xml:"description"`
		Identifier  string `xml:"identifier"`
		References  []struct {
			Source string `xml:"source,attr"`
			ID     string `xml:"id,attr"`
			URL    string `xml:",chardata"`
		} `xml:"references"`
		CPE []struct {
			Vendor  string `xml:"vendor,attr"`
			Product string `xml:"product,attr"`
			Name    string `xml:",chardata"`
		} `xml:"cpe"`
		CVSS []struct {
			Version  string `xml:"version,attr"`
			Score    string `xml:"score,attr"`
			Severity string `xml:"severity,attr"`
			Vector   string `xml:"vector,attr"`
		} `xml:"cvss"`
		Issued   string `xml:"issued"`
		Modified string `xml:"modified"`
	} `xml:"item"`
}

func parseJVNRSS(data []byte, source string) (*Set, error) {
	var feed jvnRSS
	if err := xml.NewDecoder(bytes.NewReader(data)).Decode(&feed); err != nil {
		return nil, fmt.Errorf("JVNRSS: %w", err)
	}
	set := &Set{Source: source, Format: FormatJVNRSS}
	for i, it := range feed.Items {
		id := cmp.Or(it.Identifier, it.About)
		at := fmt.Sprintf("%s: item[%d] (%s)", source, i, id)
		if id == "" {
			set.Problems = append(set.Problems, Problem{at, "no sec:identifier"})
			continue
		}
		adv := Advisory{ID: id, Source: "JVN", Document: source, Summary: cmp.Or(it.Title, it.Description)}
		adv.Published = parseJVNTime(it.Issued)
		adv.Modified = parseJVNTime(it.Modified)
		if it.Link != "" {
			adv.References = append(adv.References, it.Link)
		}
		for _, r := range it.References {
			if cveID.MatchString(r.ID) && !slices.Contains(adv.Aliases, r.ID) {
				adv.Aliases = append(adv.Aliases, r.ID)
			}
		}
		for _, c := range it.CVSS {
			cv := CVSS{Version: c.Version, Vector: c.Vector}
			cv.Score, _ = strconv.ParseFloat(c.Score, 64)
			adv.CVSS = append(adv.CVSS, cv)
			if s := jvnSeverity(c.Severity, cv.Score); c.Version != "2.0" && s.Rank() > adv.Severity.Rank() {
				adv.Severity = s
			}
		}
		for j, c := range it.CPE {
			cpe, err := pkgid.ParseCPE(strings.TrimSpace(c.Name))
			if err != nil || cpe.Key == "" {
				set.Problems = append(set.Problems, Problem{fmt.Sprintf("%s.cpe[%d]", at, j), fmt.Sprintf("%q: no vendor:product", c.Name)})
				continue
			}
			for _, k := range product.Default().CPEKeys(cpe.Key) {
				adv.Affected = append(adv.Affected, Affected{Key: k, AllVersions: cpe.Version == "", Versions: nonEmpty(cpe.Version)})
			}
		}
		if len(adv.Affected) == 0 {
			set.Problems = append(set.Problems, Problem{at, "no sec:cpe: nothing to match"})
			continue
		}
		set.Advisories = append(set.Advisories, adv)
	}
	return set, nil
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// parseJVNTime reads JVN's timestamps, which sometimes omit seconds.
func parseJVNTime(s string) time.Time {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04Z07:00", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}

func jvnSeverity(word string, score float64) Severity {
	switch strings.ToLower(strings.TrimSpace(word)) {
	case "critical", "緊急":
		return SeverityCritical
	case "high", "重要":
		return SeverityHigh
	case "medium", "警告":
		return SeverityMedium
	case "low", "注意":
		return SeverityLow
	case "none", "なし":
		return SeverityNone
	}
	if score > 0 {
		return SeverityOfScore(score)
	}
	return ""
}
