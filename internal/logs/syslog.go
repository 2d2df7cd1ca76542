package logs

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

var (
	rfc3164 = regexp.MustCompile(`^(?:<(\d+)>)?([A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d) (\S+) ([^:\[\s]+)(?:\[(\d+)\])?: ?(.*)$`)
	rfc5424 = regexp.MustCompile(`^<(\d+)>1 (\S+) (\S+) (\S+) (\S+) (\S+) (?:-|\[.*?\]) ?(.*)$`)
	kvPair  = regexp.MustCompile(`([A-Za-z0-9_]+)=("[^"]*"|'[^']*'|\S+)`)
)

// ParseSyslogLine splits a syslog line (RFC 3164 or 5424) into fields.
func ParseSyslogLine(line string, set func(name, value string)) {
	if m := rfc5424.FindStringSubmatch(line); m != nil {
		set("timestamp", m[2])
		set("host", m[3])
		set("program", m[4])
		set("pid", m[5])
		set("message", m[7])
		return
	}
	if m := rfc3164.FindStringSubmatch(line); m != nil {
		set("timestamp", m[2])
		set("host", m[3])
		set("program", m[4])
		if m[5] != "" {
			set("pid", m[5])
		}
		set("message", m[6])
		return
	}
	set("message", line)
}

// ParseAuditdLine splits "type=X msg=audit(ts:serial): k=v ..." into fields.
func ParseAuditdLine(line string, set func(name, value string)) {
	if i := strings.Index(line, "msg=audit("); i >= 0 {
		rest := line[i+len("msg=audit("):]
		if j := strings.Index(rest, ")"); j > 0 {
			ts, serial, _ := strings.Cut(rest[:j], ":")
			if f, err := strconv.ParseFloat(ts, 64); err == nil {
				sec := int64(f)
				set("timestamp", time.Unix(sec, int64((f-float64(sec))*1e9)).UTC().Format(time.RFC3339Nano))
			}
			set("serial", serial)
		}
	}
	for _, m := range kvPair.FindAllStringSubmatch(line, -1) {
		if m[1] == "msg" && strings.HasPrefix(m[2], "audit(") {
			continue
		}
		v := m[2]
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') {
			v = v[1 : len(v)-1]
		}
		set(m[1], v)
	}
	set("message", line)
}
