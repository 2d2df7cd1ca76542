// Package sigma parses Sigma 2.x rules, correlation rules and filters and
// compiles them into matchers that run over flattened log events.
//
// Parsing (Parse, ParseFile) turns YAML into Rule values and reports every
// problem with the file, line and column. Compile turns a detection into a tree
// of matchers over pre-resolved field ids: strings are lower-cased once,
// wildcards become prefix/suffix/contains checks and regular expressions are
// used only where a rule asks for them. A Ruleset routes compiled rules by log
// source and prefilters them with one Aho-Corasick scan per event, so the cost
// of a run grows far slower than the number of rules. Correlation rules are
// evaluated by a Correlator fed with the matches of their base rules.
//
// This package knows nothing about files of logs, channels or output formats:
// readers, field mappings and the hunt itself live in package hunt. It must
// never read the network or the file system except in ParseFile/LoadPaths.
package sigma
