package hunt

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"renkei/internal/sigma"
)

// Details is the text that explains a matched event, as Hayabusa's and
// Chainsaw's Details column does: "Name: value ¦ Name: value", the fields
// worth reading first for the event's kind, then the fields the rule's
// detection tested, then (for keyword searches and events of no known
// kind) the event's first fields. Values are shown on one line and cut at
// detailValueMax characters.
//
// The fields by kind follow what Hayabusa's default details show for the
// same events (config/default_details.txt in Yamato-Security/hayabusa),
// written with the events' own field names rather than its abbreviations,
// so that a reader can search the log for them.
var detailFields = map[string][]string{
	// Sysmon
	"microsoft-windows-sysmon/operational/1":  {"CommandLine", "Image", "User", "ParentCommandLine", "ParentImage", "LogonId", "ProcessId", "Hashes"},
	"microsoft-windows-sysmon/operational/3":  {"Protocol", "SourceIp", "SourcePort", "SourceHostname", "DestinationIp", "DestinationPort", "DestinationHostname", "Image", "User"},
	"microsoft-windows-sysmon/operational/7":  {"ImageLoaded", "Image", "Signed", "Signature", "Hashes"},
	"microsoft-windows-sysmon/operational/8":  {"SourceImage", "TargetImage", "StartFunction"},
	"microsoft-windows-sysmon/operational/10": {"SourceImage", "TargetImage", "GrantedAccess", "CallTrace"},
	"microsoft-windows-sysmon/operational/11": {"TargetFilename", "Image", "User"},
	"microsoft-windows-sysmon/operational/12": {"EventType", "TargetObject", "Image"},
	"microsoft-windows-sysmon/operational/13": {"EventType", "TargetObject", "Details", "Image"},
	"microsoft-windows-sysmon/operational/22": {"QueryName", "QueryResults", "Image"},
	// Security
	"security/4624": {"LogonType", "TargetUserName", "TargetDomainName", "WorkstationName", "IpAddress", "TargetLogonId", "LogonProcessName", "AuthenticationPackageName"},
	"security/4625": {"LogonType", "TargetUserName", "TargetDomainName", "WorkstationName", "IpAddress", "Status", "SubStatus", "FailureReason"},
	"security/4648": {"SubjectUserName", "TargetUserName", "TargetServerName", "IpAddress", "ProcessName"},
	"security/4688": {"CommandLine", "NewProcessName", "SubjectUserName", "ParentProcessName", "TokenElevationType"},
	"security/4672": {"SubjectUserName", "SubjectDomainName", "SubjectLogonId", "PrivilegeList"},
	"security/4698": {"SubjectUserName", "TaskName", "TaskContent"},
	"security/4720": {"TargetUserName", "TargetSid", "SubjectUserName"},
	"security/4732": {"MemberName", "MemberSid", "TargetUserName", "SubjectUserName"},
	"security/4768": {"TargetUserName", "IpAddress", "Status", "TicketEncryptionType", "PreAuthType"},
	"security/4769": {"TargetUserName", "ServiceName", "IpAddress", "Status", "TicketEncryptionType"},
	"security/4776": {"TargetUserName", "Workstation", "Status"},
	"security/1102": {"SubjectUserName", "SubjectDomainName"},
	// System
	"system/7045": {"ServiceName", "ImagePath", "ServiceType", "StartType", "AccountName"},
	"system/7036": {"param1", "param2"},
	// PowerShell
	"microsoft-windows-powershell/operational/4104": {"ScriptBlockText", "Path"},
	"microsoft-windows-powershell/operational/4103": {"Payload", "ContextInfo"},
	// Windows Defender
	"microsoft-windows-windows defender/operational/1116": {"Threat Name", "Severity Name", "Path", "Process Name", "Detection User"},
	"microsoft-windows-windows defender/operational/1117": {"Threat Name", "Severity Name", "Path", "Process Name", "Action Name"},
	// Zeek
	"zeek:conn":  {"id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "service", "conn_state"},
	"zeek:dns":   {"id.orig_h", "id.resp_h", "query", "qtype_name", "answers"},
	"zeek:http":  {"id.orig_h", "id.resp_h", "method", "host", "uri", "user_agent", "status_code"},
	"zeek:ssl":   {"id.orig_h", "id.resp_h", "server_name", "version", "ja3"},
	"zeek:files": {"tx_hosts", "rx_hosts", "mime_type", "filename", "md5", "sha1", "sha256"},
	"zeek:smtp":  {"id.orig_h", "id.resp_h", "mailfrom", "rcptto", "subject"},
	// Text logs
	"syslog": {"host", "program", "pid", "message"},
	"auditd": {"type", "exe", "comm", "uid", "auid", "key"},
}

// detailValueMax is the longest value shown in Details (a script block or
// a command line can be thousands of characters: the event keeps it whole).
const detailValueMax = 200

// detailMax is the most fields shown in Details.
const detailMax = 10

// details builds the Details text of an event ev of channel/eventID that
// rule r matched.
func details(ev *sigma.Event, channel, eventID string, r *sigma.Rule) string {
	var b strings.Builder
	n := 0
	seen := map[string]bool{}
	add := func(name string) {
		if n >= detailMax || seen[strings.ToLower(name)] {
			return
		}
		v, ok := ev.Get(name)
		if !ok || strings.TrimSpace(v) == "" {
			return
		}
		seen[strings.ToLower(name)] = true
		if n > 0 {
			b.WriteString(" ¦ ")
		}
		b.WriteString(name)
		b.WriteString(": ")
		b.WriteString(oneLine(v))
		n++
	}
	key := strings.ToLower(channel)
	if eventID != "" {
		key += "/" + eventID
	}
	for _, f := range detailFields[key] {
		add(f)
	}
	if r != nil && r.Detection != nil {
		for _, name := range r.Detection.Order {
			s := r.Detection.Searches[name]
			if s == nil {
				continue
			}
			for _, clause := range s.Clauses {
				for _, it := range clause {
					if it.Field != "" {
						add(it.Field)
					}
				}
			}
		}
	}
	if n == 0 {
		ev.Each(func(name, _ string) { add(name) })
	}
	return b.String()
}

// oneLine shows v on one line, cut at detailValueMax characters.
func oneLine(v string) string {
	v = strings.Join(strings.Fields(v), " ")
	if r := []rune(v); len(r) > detailValueMax {
		v = string(r[:detailValueMax]) + "…"
	}
	return v
}

// correlationDetails explains a correlation firing: what it counted, over
// which group, since when.
func correlationDetails(c *CorrelationInfo) string {
	keys := make([]string, 0, len(c.Group))
	for k := range c.Group {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, 0, len(keys)+3)
	for _, k := range keys {
		parts = append(parts, k+": "+oneLine(c.Group[k]))
	}
	parts = append(parts, "Type: "+c.Type, "Value: "+strconv.FormatFloat(c.Value, 'f', -1, 64),
		"Events: "+strconv.Itoa(c.Events), "First: "+c.First)
	return strings.Join(parts, " ¦ ")
}

// EventTime reads a match's timestamp as the engine does (RFC 3339, the
// space-separated forms of EVTX dumps, Zeek's epoch seconds); the zero time
// when it has none, or none that places it on a timeline (a syslog line's
// time without a year).
func EventTime(s string) time.Time {
	t := parseTime(s)
	if t.Year() == 0 {
		return time.Time{}
	}
	return t
}
