// Package sweep runs indicator sweeps over log files: the member-side
// "renkei sweep". It loads indicators (plain lists, CSV, STIX bundles, or the
// pages of a TAXII 2.1 collection its caller read), reads logs through
// internal/logs on every core, and reports each match with the file, line,
// value and indicator, in file order; it gathers the matches into STIX
// sightings for the hub.
//
// It holds no indicator logic of its own (that is internal/match), no log
// parsing (internal/logs) and no network client: the CLI reads collections
// and posts sightings through internal/client, and only when asked, so an
// offline sweep never touches the network.
package sweep
