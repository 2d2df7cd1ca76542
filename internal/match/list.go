package match

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// LineError is one line of an indicator list that was not understood.
type LineError struct {
	File string
	Line int // 1-based
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("%s line %d: %v", e.File, e.Line, e.Err) }
func (e *LineError) Unwrap() error { return e.Err }

// ListResult says what ParseList read.
type ListResult struct {
	Lines  int          // lines read, including comments and blank lines
	Values int          // values added to the builder
	Bad    int          // lines rejected
	Errors []*LineError // the first MaxListErrors rejected lines
}

// MaxListErrors bounds how many LineErrors a ListResult keeps; Bad counts all.
const MaxListErrors = 100

func (r *ListResult) bad(file string, line int, err error) {
	r.Bad++
	if len(r.Errors) < MaxListErrors {
		r.Errors = append(r.Errors, &LineError{file, line, err})
	}
}

// valueColumns are header names that say which CSV column holds the indicator.
var valueColumns = map[string]bool{
	"value": true, "indicator": true, "ioc": true, "observable": true, "ip": true, "ip_address": true,
	"address": true, "domain": true, "hostname": true, "host": true, "url": true, "email": true,
	"hash": true, "md5": true, "sha1": true, "sha256": true, "sha512": true, "cidr": true, "network": true,
}

// ParseList reads a plain indicator list from r and adds every value to b
// with provenance ind. name is the file name used in errors.
//
// The list holds one value per line (IP, CIDR, domain, URL, e-mail address or
// hash, defanged forms accepted); '#' starts a comment, blank lines are
// skipped. A list whose first data line contains a comma, or whose name ends in
// .csv, is read as CSV: a header naming a column value, indicator, ioc, ip,
// domain, url, hash, … picks that column; without one, the first cell of each
// row that looks like an indicator is taken. Bad lines are counted and
// reported in the result; only a read error stops the parse.
func ParseList(r io.Reader, name string, ind Indicator, b *Builder) (ListResult, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	var res ListResult
	isCSV := strings.HasSuffix(strings.ToLower(name), ".csv")
	if !isCSV {
		// Peek at the first data line to decide.
		peek, _ := br.Peek(64 << 10)
		for _, l := range strings.Split(string(peek), "\n") {
			l = strings.TrimSpace(l)
			if l == "" || l[0] == '#' {
				continue
			}
			isCSV = strings.Contains(l, ",") && Classify(refang(l)) == Unknown
			break
		}
	}
	if isCSV {
		return parseCSVList(br, name, ind, b)
	}
	sc := bufio.NewScanner(br)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		res.Lines++
		line := sc.Text()
		if i := strings.Index(line, " #"); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		if err := b.AddValue(line, ind); err != nil {
			res.bad(name, res.Lines, err)
			continue
		}
		res.Values++
	}
	if err := sc.Err(); err != nil {
		return res, fmt.Errorf("%s line %d: %w", name, res.Lines+1, err)
	}
	return res, nil
}

func parseCSVList(r io.Reader, name string, ind Indicator, b *Builder) (ListResult, error) {
	var res ListResult
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.Comment = '#'
	cr.LazyQuotes = true
	cr.ReuseRecord = true
	col := -1
	first := true
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line, _ := cr.FieldPos(0)
		res.Lines = line
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				res.bad(name, pe.Line, pe.Err)
				continue
			}
			return res, fmt.Errorf("%s line %d: %w", name, line, err)
		}
		if first {
			first = false
			if c := headerColumn(rec); c >= 0 {
				col = c
				continue
			}
		}
		v := ""
		if col >= 0 {
			if col < len(rec) {
				v = strings.TrimSpace(rec[col])
			}
		} else {
			for _, cell := range rec {
				cell = strings.TrimSpace(cell)
				if Classify(refang(cell)) != Unknown {
					v = cell
					break
				}
			}
		}
		if v == "" {
			res.bad(name, line, fmt.Errorf("no cell is an IP, CIDR, domain, URL, e-mail or hash"))
			continue
		}
		if err := b.AddValue(v, ind); err != nil {
			res.bad(name, line, err)
			continue
		}
		res.Values++
	}
	return res, nil
}

func headerColumn(rec []string) int {
	for i, c := range rec {
		if valueColumns[strings.ToLower(strings.TrimSpace(c))] {
			return i
		}
	}
	return -1
}
