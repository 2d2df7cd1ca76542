package logs

import (
	"strings"
	"time"
)

// CSVHeader holds the column names of a CSV log (its first line).
type CSVHeader struct {
	Fields  []string
	tsIndex int
}

// NewCSVHeader parses the header line of a CSV log.
func NewCSVHeader(line string) *CSVHeader {
	h := &CSVHeader{tsIndex: -1}
	_ = splitCSV(strings.TrimRight(line, "\r"), func(i int, v string) {
		h.Fields = append(h.Fields, v)
		if isTimeKey(strings.ToLower(v)) && h.tsIndex < 0 {
			h.tsIndex = i
		}
	})
	return h
}

// Values calls fn for every non-empty cell of a CSV data line, with its
// column name as the field. A record must fit on one line (quoted fields may
// hold commas and doubled quotes, not newlines), so that files can be split
// at newlines and read in parallel.
func (h *CSVHeader) Values(line string, fn func(field, value string)) (time.Time, error) {
	var ts time.Time
	err := splitCSV(strings.TrimRight(line, "\r"), func(i int, v string) {
		if v == "" {
			return
		}
		if i == h.tsIndex {
			ts = parseTimeText(v)
		}
		name := ""
		if i < len(h.Fields) {
			name = h.Fields[i]
		}
		fn(name, v)
	})
	return ts, err
}

// splitCSV calls fn for each cell of one CSV line (RFC 4180 quoting).
func splitCSV(line string, fn func(i int, v string)) error {
	i, col := 0, 0
	for {
		if i < len(line) && line[i] == '"' {
			j := i + 1
			doubled := false
			for {
				k := strings.IndexByte(line[j:], '"')
				if k < 0 {
					return &SyntaxError{i, "unterminated quoted field"}
				}
				j += k
				if j+1 < len(line) && line[j+1] == '"' {
					doubled = true
					j += 2
					continue
				}
				break
			}
			v := line[i+1 : j]
			if doubled {
				v = strings.ReplaceAll(v, `""`, `"`)
			}
			fn(col, v)
			i = j + 1
			if i < len(line) && line[i] != ',' {
				return &SyntaxError{i, "text after a closing quote"}
			}
		} else {
			k := strings.IndexByte(line[i:], ',')
			if k < 0 {
				fn(col, line[i:])
				return nil
			}
			fn(col, line[i:i+k])
			i += k
		}
		if i >= len(line) {
			return nil
		}
		i++ // the comma
		col++
	}
}
