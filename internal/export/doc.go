// Package export writes indicators in the formats that security devices load
// without a threat-intelligence platform: plain-text blocklists (firewall
// external dynamic lists for addresses, domains and URLs), Suricata rules, a
// Zeek intel file, a DNS RPZ zone and CSV.
//
// Callers decide which indicators a member may see (internal/policy) and
// hand exactly those over; this package only formats them. It writes only
// to the io.Writer it is given, and leaves out revoked and expired
// indicators and anything a format cannot express, counting what it left out.
package export
