// Package logs reads log files, for indicator sweeps and for Sigma hunts
// alike: JSON lines (including proxy and DNS logs and Zeek's JSON output),
// CSV with a header row, Zeek TSV logs (conn, dns, http, ssl, x509, files,
// smtp, …) and, for hunts, EVTX chunks, JSON documents of any layout and
// syslog/auditd lines. One Zeek header parser serves both: a sweep takes the
// values worth matching (Values), a hunt every field (Split, Each).
//
// For sweeps (Open, Detect, Chunks), it turns each line into the string values worth matching, with the field
// each came from and the record's time when it has one. Lines are plain
// strings sliced from a larger chunk, and values are substrings of the line,
// so reading allocates only for JSON escapes and synthesized values (a Zeek
// http record's URL). Files are split into chunks at newlines (Chunks) so
// that callers can parse them on several cores and still report 1-based line
// numbers. For hunts (Sniff, ReadJSON, ReadZeek, ParseEVTXChunk,
// ParseSyslogLine): files are read whole or in blocks of lines, and a damaged
// record is reported as a *ReadError and skipped. The package knows nothing
// about indicators, rules or matching.
package logs
