// Package relevance is vulnerability relevance on the hub: it keeps the
// members' external network connection points (外部ネットワーク接続点), the
// SBOMs they registered, vendors' publications and the advisory feeds in the
// store, holds one vuln.Engine loaded from them, and when a new device,
// SBOM, advisory or KEV entry arrives re-evaluates only what it touches and
// raises one alert per affected organization through package alert — in
// Japanese and English, once per (asset, vulnerability), never repeated.
//
// Matching itself belongs to package vuln and reading documents to its
// subpackages sbom and advisory, SQL to package store; this package only
// stores, loads, fetches and tells. Every method a person reaches takes the
// viewer and asks package policy (never a role), and lists with the policy's
// condition in the query; the API and the console only translate its
// refusals. The center's exposure view it computes names sectors and counts,
// never members.
package relevance
