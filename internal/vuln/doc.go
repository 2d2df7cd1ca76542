// Package vuln decides which vulnerabilities affect which components and
// devices, and says so in findings a person can act on.
//
// Targets — components of registered SBOMs and internet-facing devices —
// and advisories meet in a reverse index keyed by package (purl type,
// namespace and name) or product (CPE vendor:product), so that a new
// advisory or KEV entry looks only at the targets it can touch and a new
// SBOM only at the advisories that name its packages. Versions are compared
// with the ecosystem's own rules (package version); CPE keys never match on
// a wildcard vendor. VEX statements suppress findings following the
// conflict rules in vex.go. Where a source names a product without version
// data (KEV, JVN), the finding is "possibly affected, confirm the version".
//
// The engine holds everything in memory and is not safe for concurrent
// use; the hub serializes calls per engine. It must not read files, fetch
// feeds or store anything: callers load documents (packages sbom and
// advisory) and persist findings.
package vuln
