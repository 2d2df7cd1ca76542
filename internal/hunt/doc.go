// Package hunt runs Sigma rules over logs: it reads EVTX, JSON (evtx_dump
// style, Winlogbeat/ECS, plain), Zeek and syslog/auditd inputs through
// package logs (which sweeps use too), flattens each
// event once into the field table the compiled rules index, routes it to the
// rules its channel and event id can meet, and reports matches and
// correlation firings.
//
// The log source and field mapping is an editable YAML file embedded as the
// default (mapping.yaml); LoadMapping replaces it. Rule parsing and matching
// live in package sigma, reading files in package logs; this package owns
// the run. It
// must not talk to the hub: hunting packages fetched from the hub are handed
// to it as rule files.
package hunt
