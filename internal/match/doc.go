// Package match compiles threat indicators into immutable lookup sets and
// matches observed values (addresses, domains, URLs, e-mail addresses, file
// hashes) against them at line rate.
//
// A Builder takes indicators from plain lists (ParseList) and STIX patterns
// (AddSTIX) and Build compiles them into a *Set: a hash table for exact IPv4
// addresses (8 bytes a slot), a bart routing table for CIDR prefixes, a
// reversed-label suffix set for domains (an indicator matches the domain and
// every subdomain) with a bitset prefilter, and hash sets for URLs, e-mail
// addresses and hashes. Every compiled value points into a provenance table of
// Indicators (id, pattern, given text, TLP, validity, revocation); matching
// honours validity times and revocation. A Matcher holds the current Set behind
// an atomic pointer so that indicator updates never block or disturb lookups.
//
// The package does no I/O beyond reading the lists it is handed: it does not
// fetch indicators, decide who may see them (that is internal/policy), or
// decode logs (that is internal/logs).
package match
