// Package exportgate decides which indicator values may reach what members'
// devices load as malicious — firewall lists, blocklist URLs, RPZ zones,
// Suricata and Zeek files, sweeps — and says why for each one.
//
// Every export passes a Gate opened for its reader: an indicator must be
// neither revoked nor outside its validity, meet the export policy of the
// hub, of its collection and of the reader's organization (minimum
// confidence, maximum age counted from its last modification or the last
// sighting the reader may see, the center's review where one is required),
// and each of its values must be in no refusing warninglist and no hostile
// scope (by default an IPv4 /8 or wider, an IPv6 /32 or wider, a public
// suffix: the hub's Thresholds). An
// IDN homograph of a listed name waits for the center's review.
//
// The Service keeps the warninglists the center imports or edits and the
// built-in ones' switches (store, logged first in the audit log), the
// policies and the reviews. It decides who may read an object nowhere:
// the objects it is given were already chosen by internal/policy, and
// authors are shown through the hub's presentation.
package exportgate
