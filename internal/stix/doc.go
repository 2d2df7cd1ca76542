// Package stix parses and validates STIX 2.1 objects and reads STIX bundles.
//
// It knows every object type of the STIX 2.1 specification (SDOs, SROs, SCOs,
// marking-definition, language-content, extension-definition) and the spec's rules for
// custom objects and properties, and checks what the specification says an object MUST
// be: required properties, identifier formats, timestamps, spec_version, reference
// targets, enumerations and the co-constraints between properties. Parse decodes an
// object once, keeps it byte-for-byte (compacted) in Object.Raw, and exposes the few
// fields Renkei indexes. BundleReader hands out the elements of a bundle (or of a TAXII
// envelope) one at a time in bounded memory.
//
// It must not do I/O beyond the reader it is given, keep state between calls, decide
// who may see an object (that is package policy), or parse STIX patterns (that is
// package stix/pattern; callers pass a validator in Options so that this package does
// not depend on it).
package stix
