// Package sweep runs indicator sweeps over log files: the member-side
// "renkei sweep". It loads indicators (plain lists, CSV, STIX bundles, or a
// TAXII 2.1 collection), reads logs through internal/logs on every core, and
// reports each match with the file, line, value and indicator, in file order;
// it can post the matches back to the hub as STIX sightings.
//
// It holds no indicator logic of its own (that is internal/match) and no log
// parsing (internal/logs); it must not send anything to a hub unless asked
// (Report), so an offline sweep never touches the network.
package sweep
