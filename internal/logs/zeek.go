package logs

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// zeekKnown are the Zeek fields that hold what indicators describe. When a
// log has any of them, only these are checked (and uri is combined with host
// into a URL); other logs have every field checked.
var zeekKnown = map[string]bool{
	"id.orig_h": true, "id.resp_h": true, // every log with a connection id
	"id.orig_p": true, "id.resp_p": true, "proto": true, // for patterns on network-traffic ports and protocols
	"query": true, "answers": true, // dns
	"host": true, "referrer": true, // http (uri is combined with host)
	"server_name": true, "cert_chain_fps": true, "client_cert_chain_fps": true, // ssl
	"fingerprint": true, "san.dns": true, "san.ip": true, "san.email": true, "san.uri": true, // x509
	"md5": true, "sha1": true, "sha256": true, "tx_hosts": true, "rx_hosts": true, // files
	"mailfrom": true, "rcptto": true, "from": true, "to": true, "cc": true, "reply_to": true, "x_originating_ip": true, // smtp
	"src": true, "dst": true, "indicator": true, // notice, intel
	"request": true, "server_addr": true, // dhcp/ntp style logs
}

// ZeekHeader is the header of a Zeek TSV log.
type ZeekHeader struct {
	Path         string   // "conn", "dns", "http", …
	Fields       []string // #fields
	Types        []string // #types
	Separator    string   // #separator, a tab by default
	SetSeparator string   // #set_separator, "," by default
	Empty        string   // #empty_field
	Unset        string   // #unset_field
	known        []bool   // Fields[i] is checked
	tsIndex      int      // index of "ts", or -1
	hostIndex    int      // http: index of host, or -1
	uriIndex     int      // http: index of uri, or -1
}

// ParseZeekHeader reads the '#' lines at the start of a Zeek TSV log and
// returns the header and how many lines it took.
func ParseZeekHeader(lines []string) (*ZeekHeader, int, error) {
	h := &ZeekHeader{Separator: "\t", SetSeparator: ",", Empty: "(empty)", Unset: "-", tsIndex: -1, hostIndex: -1, uriIndex: -1}
	n := 0
	for _, l := range lines {
		l = strings.TrimRight(l, "\r")
		if !strings.HasPrefix(l, "#") {
			break
		}
		n++
		if strings.HasPrefix(l, "#separator ") {
			sep := strings.TrimPrefix(l, "#separator ")
			if strings.HasPrefix(sep, `\x`) && len(sep) == 4 {
				b, err := strconv.ParseUint(sep[2:], 16, 8)
				if err != nil {
					return nil, n, fmt.Errorf("line %d: bad #separator %q", n, sep)
				}
				sep = string(rune(b))
			}
			h.Separator = sep
			continue
		}
		name, rest, _ := strings.Cut(l[1:], h.Separator)
		switch name {
		case "set_separator":
			h.SetSeparator = rest
		case "empty_field":
			h.Empty = rest
		case "unset_field":
			h.Unset = rest
		case "path":
			h.Path = rest
		case "fields":
			h.Fields = strings.Split(rest, h.Separator)
		case "types":
			h.Types = strings.Split(rest, h.Separator)
		}
	}
	if len(h.Fields) == 0 {
		return nil, n, fmt.Errorf("line %d: Zeek log header has no #fields line", n)
	}
	h.known = make([]bool, len(h.Fields))
	anyKnown := false
	for i, f := range h.Fields {
		switch f {
		case "ts":
			h.tsIndex = i
		case "host":
			h.hostIndex = i
		case "uri":
			h.uriIndex = i
		}
		if zeekKnown[f] {
			h.known[i] = true
			anyKnown = true
		}
	}
	if !anyKnown {
		for i, f := range h.Fields {
			h.known[i] = i < len(h.Types) && isStringType(h.Types[i]) || len(h.Types) == 0 && f != "ts"
		}
	}
	return h, n, nil
}

func isStringType(t string) bool {
	switch t {
	case "string", "addr", "subnet", "set[string]", "vector[string]", "set[addr]", "vector[addr]", "set[subnet]":
		return true
	}
	return false
}

// Values calls fn for every value of a data line worth checking and returns
// the record's time (the ts field).
func (h *ZeekHeader) Values(line string, fn func(field, value string)) (time.Time, error) {
	var ts time.Time
	var host, uri string
	if strings.HasPrefix(line, "#") { // #close, or a repeated header
		return ts, nil
	}
	rest := line
	for i := 0; ; i++ {
		v, tail, more := strings.Cut(rest, h.Separator)
		if i >= len(h.Fields) {
			return ts, fmt.Errorf("%d fields, the header has %d", i+1+strings.Count(tail, h.Separator), len(h.Fields))
		}
		if v != h.Unset && v != h.Empty && v != "" {
			switch {
			case i == h.tsIndex:
				ts = parseEpoch(v)
			case i == h.uriIndex:
				uri = v
			case i == h.hostIndex:
				host = v
				fn(h.Fields[i], v)
			case h.known[i]:
				if strings.Contains(v, h.SetSeparator) && isContainer(h, i) {
					for _, e := range strings.Split(v, h.SetSeparator) {
						fn(h.Fields[i], e)
					}
				} else {
					fn(h.Fields[i], v)
				}
			}
		}
		if !more {
			if i+1 != len(h.Fields) {
				return ts, fmt.Errorf("%d fields, the header has %d", i+1, len(h.Fields))
			}
			break
		}
		rest = tail
	}
	if host != "" && uri != "" && h.Path != "" && strings.HasPrefix(uri, "/") {
		fn("url", "http://"+host+uri)
	}
	return ts, nil
}

func isContainer(h *ZeekHeader, i int) bool {
	if i >= len(h.Types) {
		return true
	}
	t := h.Types[i]
	return strings.HasPrefix(t, "set[") || strings.HasPrefix(t, "vector[")
}

// ZeekJSONValues is JSONValues for Zeek's JSON logs: it reports only the known
// fields (when the record has any; otherwise every string) and adds a URL
// from host and uri.
func ZeekJSONValues(line string, fn func(field, value string)) (time.Time, error) {
	var host, uri string
	type kv struct{ k, v string }
	var buf [32]kv
	other := buf[:0]
	anyKnown := false
	ts, err := JSONValues(line, func(k, v string) {
		switch {
		case k == "uri":
			uri = v
		case k == "host":
			host = v
			anyKnown = true
			fn(k, v)
		case zeekKnown[k]:
			anyKnown = true
			fn(k, v)
		default:
			other = append(other, kv{k, v})
		}
	})
	if err != nil {
		return ts, err
	}
	if !anyKnown {
		for _, e := range other {
			fn(e.k, e.v)
		}
		if uri != "" {
			fn("uri", uri)
		}
	}
	if host != "" && strings.HasPrefix(uri, "/") {
		fn("url", "http://"+host+uri)
	}
	return ts, nil
}

// Split returns every field of a data line in header order, unset and empty
// fields as "", appended to dst. It is the whole record, for readers that
// want every field (a hunt); Values is the sweep's selection.
func (h *ZeekHeader) Split(line string, dst []string) ([]string, error) {
	dst = dst[:0]
	rest := line
	for {
		v, tail, more := strings.Cut(rest, h.Separator)
		if v == h.Unset || v == h.Empty {
			v = ""
		}
		dst = append(dst, v)
		if !more {
			break
		}
		rest = tail
	}
	if len(dst) != len(h.Fields) {
		return dst, fmt.Errorf("%d fields, the header has %d", len(dst), len(h.Fields))
	}
	return dst, nil
}

// Each calls fn for every field of a record that Split returned, as
// Zeek's JSON writer would give it: unset and empty fields left out, the
// elements of a set or vector one by one. A hunt sees the same event
// whether Zeek wrote the log as TSV or as JSON.
func (h *ZeekHeader) Each(values []string, fn func(field, value string)) {
	for i, v := range values {
		switch {
		case v == "" || i >= len(h.Fields):
		case strings.Contains(v, h.SetSeparator) && isContainer(h, i):
			for e := range strings.SplitSeq(v, h.SetSeparator) {
				fn(h.Fields[i], e)
			}
		default:
			fn(h.Fields[i], v)
		}
	}
}

// ReadZeek reads a Zeek TSV log record by record: fn gets the line number,
// the header in force and every field (Split). A header repeated in the
// file (logs concatenated across a rotation) replaces the one before; a bad
// header or a line that does not fit its header is reported to bad and
// skipped.
func ReadZeek(file string, r io.Reader, fn func(n int64, h *ZeekHeader, values []string), bad func(*ReadError)) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	var (
		h      *ZeekHeader
		header []string // '#' lines of a header being read
		vals   []string
		n      int64
	)
	for sc.Scan() {
		n++
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			continue
		}
		if strings.HasPrefix(line, "#") {
			if !strings.HasPrefix(line, "#close") && !strings.HasPrefix(line, "#open") || header != nil {
				header = append(header, line)
			}
			continue
		}
		if header != nil {
			nh, _, err := ParseZeekHeader(header)
			if err != nil {
				bad(&ReadError{File: file, Chunk: -1, Record: n - 1, Offset: -1, Reason: err.Error()})
			} else {
				h = nh
			}
			header = nil
		}
		if h == nil {
			bad(&ReadError{File: file, Chunk: -1, Record: n, Offset: -1, Reason: "data line before the #fields header"})
			continue
		}
		var err error
		if vals, err = h.Split(line, vals); err != nil {
			bad(&ReadError{File: file, Chunk: -1, Record: n, Offset: -1, Reason: fmt.Sprintf("line %d: %v", n, err)})
			continue
		}
		fn(n, h, vals)
	}
	return sc.Err()
}
