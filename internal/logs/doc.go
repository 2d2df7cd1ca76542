// Package logs reads log files for indicator sweeps: JSON lines (including
// proxy and DNS logs and Zeek's JSON output), CSV with a header row, and Zeek
// TSV logs (conn, dns, http, ssl, x509, files, smtp, …).
//
// It turns each line into the string values worth matching, with the field
// each came from and the record's time when it has one. Lines are plain
// strings sliced from a larger chunk, and values are substrings of the line,
// so reading allocates only for JSON escapes and synthesized values (a Zeek
// http record's URL). Files are split into chunks at newlines (Chunks) so
// that callers can parse them on several cores and still report 1-based line
// numbers. The package knows nothing about indicators or matching.
package logs
