package advisory

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// isEPSS recognizes FIRST's EPSS CSV: an optional comment line
// "#model_version:v2025.03.14,score_date:2025-03-20T00:00:00+0000" and
// the header "cve,epss,percentile".
func isEPSS(b []byte) bool {
	s := string(b[:min(len(b), 512)])
	return strings.HasPrefix(s, "#model_version") || strings.HasPrefix(s, "cve,epss")
}

func parseEPSS(data []byte, source string) (*Set, error) {
	set := &Set{Source: source, Format: FormatEPSS, EPSS: map[string]EPSS{}}
	var model, date string
	body := data
	if bytes.HasPrefix(body, []byte("#")) {
		line, rest, _ := bytes.Cut(body, []byte("\n"))
		body = rest
		for _, kv := range strings.Split(strings.TrimSpace(strings.TrimPrefix(string(line), "#")), ",") {
			k, v, _ := strings.Cut(kv, ":")
			switch k {
			case "model_version":
				model = v
			case "score_date":
				date = v
			}
		}
	}
	r := csv.NewReader(bytes.NewReader(body))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("EPSS: header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimSpace(h)] = i
	}
	ci, ok1 := col["cve"]
	ei, ok2 := col["epss"]
	pi, ok3 := col["percentile"]
	if !ok1 || !ok2 || !ok3 {
		return nil, fmt.Errorf("EPSS: header %q lacks cve, epss or percentile", strings.Join(header, ","))
	}
	line := 2
	if len(body) != len(data) {
		line = 3
	}
	for ; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		at := fmt.Sprintf("%s: line %d", source, line)
		if err != nil {
			set.Problems = append(set.Problems, Problem{at, err.Error()})
			continue
		}
		if len(rec) <= max(ci, ei, pi) {
			set.Problems = append(set.Problems, Problem{at, fmt.Sprintf("%d fields, want %d", len(rec), len(header))})
			continue
		}
		score, err1 := strconv.ParseFloat(rec[ei], 64)
		pct, err2 := strconv.ParseFloat(rec[pi], 64)
		switch {
		case !cveID.MatchString(rec[ci]):
			set.Problems = append(set.Problems, Problem{at, fmt.Sprintf("%q is not a CVE id", rec[ci])})
		case err1 != nil || score < 0 || score > 1:
			set.Problems = append(set.Problems, Problem{at, fmt.Sprintf("epss %q is not a probability", rec[ei])})
		case err2 != nil || pct < 0 || pct > 1:
			set.Problems = append(set.Problems, Problem{at, fmt.Sprintf("percentile %q is not in [0,1]", rec[pi])})
		default:
			set.EPSS[rec[ci]] = EPSS{Score: score, Percentile: pct, ModelVersion: model, Date: date}
		}
	}
	return set, nil
}
