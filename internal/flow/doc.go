// Package flow turns network telemetry into flow records: NetFlow v5, NetFlow v9,
// IPFIX and sFlow v5 export datagrams, and raw packet captures (pcap, pcapng).
//
// Every input ends as the same Record, which holds only the mechanical information
// that rule C2 of the design allows: addresses, ports, protocol, times, byte and
// packet counts, TCP flags, direction, interfaces, sampling and the exporter. The
// decoders read packet headers to find those fields and never keep, log or return
// payload bytes (rule C1). Applying the legal basis of a source (direction
// classification, pseudonyms, retention) is not done here: that is the telemetry
// pipeline's job, which consumes these records.
//
// Decoder keeps the template state of NetFlow v9 and IPFIX exporters and is meant
// for one goroutine; Collector.Run is a UDP collector with one Decoder per worker and
// routes every exporter to the same worker, so templates never need a lock.
// A malformed datagram yields an error naming the offset and is counted; it never
// stops a run.
package flow
