// Package huntpkg carries hunting packages on the hub (policy §2-6): a
// publisher — the national center, or any organization to its own audience —
// sends Sigma rules and indicators to a scope of organizations (sectors,
// organization kinds, named organizations, sharing groups) under a TLP; the
// hub signs the package's canonical form with its own Ed25519 key as a signed
// note; members fetch it, verify the signature, run it on their own logs with
// package hunt, and report back counts per rule (and, if they choose, the
// matches themselves, kept under the package's TLP). The publisher sees
// coverage: which organizations in scope ran it, when, on how many events,
// with how many hits, and which have not.
//
// Who may see a package is decided by the scope check here together with
// policy.Decide for the TLP part; this package never interprets TLP itself.
// It must not read logs on the hub: rules run only on the member's machine,
// and only what the member sends back is stored.
package huntpkg
