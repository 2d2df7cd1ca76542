// Package warninglist keeps the lists of values that must never be exported
// as malicious, or that are known false positives — special-purpose address
// ranges, public resolvers, the hub's and its members' registered addresses,
// cloud, CDN and top-site names — and answers, for one indicator value,
// which lists hold it.
//
// Lists are in MISP's warninglist format (github.com/MISP/misp-warninglists,
// schema.json: name, description, version, type, matching_attributes, list)
// with the five MISP types: cidr, hostname, string, substring and regex.
// The lists that ship with Renkei (Builtin) are versioned JSON files
// embedded in the binary, each citing the registry or operator document it
// was written from; the rest are imported offline (ReadPath) or kept by the
// center, and reach the Matcher through the store.
//
// A Matcher is built once per set of lists and is safe for concurrent use;
// Check costs well under a microsecond of CPU per value with every MISP
// list loaded (BenchmarkCheckCorpus), and allocates nothing for a value in
// no list. This package decides nothing about
// exports (that is internal/exportgate) and reads neither the network nor
// the store.
package warninglist
