// Package oversight produces what the Cyber Communications Information
// Oversight Committee (サイバー通信情報監理委員会) reads from the audit log:
// the figures of its annual report to the Diet and random inspections of
// entries with their verified inclusion proofs.
//
// Everything here is computed from the signed log itself (through an
// audit.Fetcher and the log's verifier keys), never from the hub's database,
// so that the figures are as trustworthy as the log. It must not read
// intelligence content, write to the log or decide who may see the figures
// (the console and the API do that).
package oversight
