// Package audit is Renkei's tamper-evident audit log (issue 6, rule C7).
//
// Every sensitive act (a read of TLP:AMBER+STRICT or RED, an access to
// communications information, an approval decision, a deletion, a policy or role
// change, a token creation, a login) is appended here as one canonical JSON
// Entry before the data it concerns is released. The log is a Merkle tree kept by
// Tessera in C2SP tlog-tiles layout, with checkpoints signed as C2SP signed notes
// (Ed25519, plus an ML-DSA-65 signature line), so that the oversight committee can
// verify it independently (Verify), and a witness (package audit/witness) can
// refuse rollbacks and forks.
//
// What it must not do: store the content of any object (only an id and a salted
// hash, see HashObject), return an index for an entry that a crash could lose, or
// decide who may do what (that is package policy's job). The verifier in this
// package must depend only on what is published (checkpoint, tiles, entry bundles)
// and the log's public keys, never on the log's private state.
package audit
