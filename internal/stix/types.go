package stix

// Kind is the family a STIX object type belongs to.
type Kind string

// The kinds of STIX objects. Meta objects are marking-definition, language-content and
// extension-definition.
const (
	KindSDO  Kind = "sdo"
	KindSRO  Kind = "sro"
	KindSCO  Kind = "sco"
	KindMeta Kind = "meta"
)

// typeSpec is what the specification says about one object type: its kind, the
// properties it defines with a check for each, those that are required, the property
// Renkei shows as its name, and the co-constraints between properties.
type typeSpec struct {
	kind     Kind
	props    map[string]propCheck
	required []string
	nameProp string
	check    func(c *checker) (field, msg string)
}

// IsSDO reports whether typ is one of the 19 STIX Domain Object types of STIX 2.1.
func IsSDO(typ string) bool { return typeKinds[typ] == KindSDO }

// IsSRO reports whether typ is relationship or sighting.
func IsSRO(typ string) bool { return typeKinds[typ] == KindSRO }

// IsSCO reports whether typ is one of the 18 STIX Cyber-observable Object types of STIX 2.1.
func IsSCO(typ string) bool { return typeKinds[typ] == KindSCO }

// IsMeta reports whether typ is marking-definition, language-content or extension-definition.
func IsMeta(typ string) bool { return typeKinds[typ] == KindMeta }

// KnownType reports whether typ is defined by the STIX 2.1 specification itself.
func KnownType(typ string) bool { return knownType(typ) }

func knownType(typ string) bool { return typeKinds[typ] != "" || typ == "bundle" }

// typeKinds names the kind of every type of the specification. It repeats what specs
// says (a test keeps them equal) because the checks inside specs need it.
var typeKinds = map[string]Kind{
	"attack-pattern": KindSDO, "campaign": KindSDO, "course-of-action": KindSDO, "grouping": KindSDO, "identity": KindSDO,
	"incident": KindSDO, "indicator": KindSDO, "infrastructure": KindSDO, "intrusion-set": KindSDO, "location": KindSDO,
	"malware": KindSDO, "malware-analysis": KindSDO, "note": KindSDO, "observed-data": KindSDO, "opinion": KindSDO,
	"report": KindSDO, "threat-actor": KindSDO, "tool": KindSDO, "vulnerability": KindSDO,
	"relationship": KindSRO, "sighting": KindSRO,
	"marking-definition": KindMeta, "language-content": KindMeta, "extension-definition": KindMeta,
	"artifact": KindSCO, "autonomous-system": KindSCO, "directory": KindSCO, "domain-name": KindSCO, "email-addr": KindSCO,
	"email-message": KindSCO, "file": KindSCO, "ipv4-addr": KindSCO, "ipv6-addr": KindSCO, "mac-addr": KindSCO,
	"mutex": KindSCO, "network-traffic": KindSCO, "process": KindSCO, "software": KindSCO, "url": KindSCO,
	"user-account": KindSCO, "windows-registry-key": KindSCO, "x509-certificate": KindSCO,
}

// Types lists every type the specification defines, for documentation and tests.
func Types() []string {
	out := make([]string, 0, len(specs))
	for t := range specs {
		out = append(out, t)
	}
	return out
}

// p is shorthand for a property table.
type p = map[string]propCheck

var (
	str      propCheck = isString
	strList  propCheck = isStringList
	ts                 = isTimestamp
	boolean  propCheck = isBool
	object   propCheck = isObject
	anything propCheck = isAny
	nonNeg             = integer(0, 1<<53)
	killCh   propCheck = isKillChainPhases
	hashes   propCheck = isHashes
)

// sdoCommon and scoCommon are the common properties of section 3.2 and 6.1; their
// checks are applied by Parse itself, these tables only mark them as known.
var sdoCommon = []string{"type", "spec_version", "id", "created_by_ref", "created", "modified", "revoked", "labels", "confidence", "lang", "external_references", "object_marking_refs", "granular_markings", "extensions"}

var scoCommon = []string{"type", "spec_version", "id", "object_marking_refs", "granular_markings", "defanged", "extensions"}

// specs holds every type of STIX 2.1. It is built once and never changed.
var specs = map[string]*typeSpec{
	// --- SDOs (section 4) ---
	"attack-pattern": {kind: KindSDO, nameProp: "name", required: []string{"name"},
		props: p{"name": str, "description": str, "aliases": strList, "kill_chain_phases": killCh}},
	"campaign": {kind: KindSDO, nameProp: "name", required: []string{"name"},
		props: p{"name": str, "description": str, "aliases": strList, "first_seen": ts, "last_seen": ts, "objective": str},
		check: notBefore("first_seen", "last_seen")},
	"course-of-action": {kind: KindSDO, nameProp: "name", required: []string{"name"},
		props: p{"name": str, "description": str}},
	"grouping": {kind: KindSDO, nameProp: "name", required: []string{"context", "object_refs"},
		props: p{"name": str, "description": str, "context": str, "object_refs": refs("*")}},
	"identity": {kind: KindSDO, nameProp: "name", required: []string{"name"},
		props: p{"name": str, "description": str, "roles": strList, "identity_class": str, "sectors": strList, "contact_information": str}},
	"incident": {kind: KindSDO, nameProp: "name", required: []string{"name"},
		props: p{"name": str, "description": str, "kill_chain_phases": killCh}},
	"indicator": {kind: KindSDO, nameProp: "name", required: []string{"pattern", "pattern_type", "valid_from"},
		props: p{"name": str, "description": str, "indicator_types": strList, "pattern": str, "pattern_type": str, "pattern_version": str,
			"valid_from": ts, "valid_until": ts, "kill_chain_phases": killCh},
		check: checkIndicator},
	"infrastructure": {kind: KindSDO, nameProp: "name", required: []string{"name"},
		props: p{"name": str, "description": str, "infrastructure_types": strList, "aliases": strList, "kill_chain_phases": killCh, "first_seen": ts, "last_seen": ts},
		check: notBefore("first_seen", "last_seen")},
	"intrusion-set": {kind: KindSDO, nameProp: "name", required: []string{"name"},
		props: p{"name": str, "description": str, "aliases": strList, "first_seen": ts, "last_seen": ts, "goals": strList,
			"resource_level": str, "primary_motivation": str, "secondary_motivations": strList},
		check: notBefore("first_seen", "last_seen")},
	"location": {kind: KindSDO, nameProp: "name",
		props: p{"name": str, "description": str, "latitude": number(-90, 90), "longitude": number(-180, 180), "precision": number(0, 1e300),
			"region": str, "country": str, "administrative_area": str, "city": str, "street_address": str, "postal_code": str},
		check: checkLocation},
	"malware": {kind: KindSDO, nameProp: "name", required: []string{"is_family"},
		props: p{"name": str, "description": str, "malware_types": strList, "is_family": boolean, "aliases": strList, "kill_chain_phases": killCh,
			"first_seen": ts, "last_seen": ts, "operating_system_refs": refs("software"), "architecture_execution_envs": strList,
			"implementation_languages": strList, "capabilities": strList, "sample_refs": refs("file", "artifact")},
		check: checkMalware},
	"malware-analysis": {kind: KindSDO, nameProp: "product", required: []string{"product"},
		props: p{"product": str, "version": str, "host_vm_ref": ref("software"), "operating_system_ref": ref("software"),
			"installed_software_refs": refs("software"), "configuration_version": str, "modules": strList, "analysis_engine_version": str,
			"analysis_definition_version": str, "submitted": ts, "analysis_started": ts, "analysis_ended": ts, "result_name": str,
			"result": str, "analysis_sco_refs": refs("SCO"), "sample_ref": ref("file", "network-traffic", "artifact")},
		check: all(anyOf("result", "analysis_sco_refs"), notBefore("analysis_started", "analysis_ended"))},
	"note": {kind: KindSDO, nameProp: "abstract", required: []string{"content", "object_refs"},
		props: p{"abstract": str, "content": str, "authors": strList, "object_refs": refs("*")}},
	"observed-data": {kind: KindSDO, required: []string{"first_observed", "last_observed", "number_observed"},
		props: p{"first_observed": ts, "last_observed": ts, "number_observed": integer(1, 999999999),
			"objects": object, "object_refs": refs("SCO", "SRO")},
		check: all(exactlyOne("objects", "object_refs"), notBefore("first_observed", "last_observed"))},
	"opinion": {kind: KindSDO, required: []string{"opinion", "object_refs"},
		props: p{"explanation": str, "authors": strList, "object_refs": refs("*"),
			"opinion": enum("strongly-disagree", "disagree", "neutral", "agree", "strongly-agree")}},
	"report": {kind: KindSDO, nameProp: "name", required: []string{"name", "published", "object_refs"},
		props: p{"name": str, "description": str, "report_types": strList, "published": ts, "object_refs": refs("*")}},
	"threat-actor": {kind: KindSDO, nameProp: "name", required: []string{"name"},
		props: p{"name": str, "description": str, "threat_actor_types": strList, "aliases": strList, "first_seen": ts, "last_seen": ts,
			"roles": strList, "goals": strList, "sophistication": str, "resource_level": str, "primary_motivation": str,
			"secondary_motivations": strList, "personal_motivations": strList},
		check: notBefore("first_seen", "last_seen")},
	"tool": {kind: KindSDO, nameProp: "name", required: []string{"name"},
		props: p{"name": str, "description": str, "tool_types": strList, "aliases": strList, "kill_chain_phases": killCh, "tool_version": str}},
	"vulnerability": {kind: KindSDO, nameProp: "name", required: []string{"name"},
		props: p{"name": str, "description": str}},

	// --- SROs (section 5) ---
	"relationship": {kind: KindSRO, nameProp: "relationship_type", required: []string{"relationship_type", "source_ref", "target_ref"},
		props: p{"relationship_type": isRelationshipType, "description": str, "source_ref": ref("SDO", "SCO"), "target_ref": ref("SDO", "SCO"),
			"start_time": ts, "stop_time": ts},
		check: after("start_time", "stop_time")},
	"sighting": {kind: KindSRO, required: []string{"sighting_of_ref"},
		props: p{"description": str, "first_seen": ts, "last_seen": ts, "count": integer(0, 999999999), "sighting_of_ref": ref("SDO"),
			"observed_data_refs": refs("observed-data"), "where_sighted_refs": refs("identity", "location"), "summary": boolean},
		check: notBefore("first_seen", "last_seen")},

	// --- meta objects (section 7) ---
	"marking-definition": {kind: KindMeta, nameProp: "name",
		props: p{"name": str, "definition_type": str, "definition": object},
		check: checkMarkingDefinition},
	"language-content": {kind: KindMeta, required: []string{"object_ref", "contents"},
		props: p{"object_ref": checkLanguageContentRef, "object_modified": ts, "contents": isLanguageContents}},
	"extension-definition": {kind: KindMeta, nameProp: "name", required: []string{"created_by_ref", "name", "schema", "version", "extension_types"},
		props: p{"name": str, "description": str, "schema": str, "version": str,
			"extension_types":      enumList("new-sdo", "new-sco", "new-sro", "property-extension", "toplevel-property-extension"),
			"extension_properties": strList},
		check: checkExtensionDefinition},

	// --- SCOs (section 6) ---
	"artifact": {kind: KindSCO, nameProp: "url",
		props: p{"mime_type": str, "payload_bin": isBinary, "url": str, "hashes": hashes,
			"encryption_algorithm": enum("AES-256-GCM", "ChaCha20-Poly1305", "mime-type-indicated"), "decryption_key": str},
		check: checkArtifact},
	"autonomous-system": {kind: KindSCO, nameProp: "name", required: []string{"number"},
		props: p{"number": integer(0, 1<<32-1), "name": str, "rir": str}},
	"directory": {kind: KindSCO, nameProp: "path", required: []string{"path"},
		props: p{"path": str, "path_enc": str, "ctime": ts, "mtime": ts, "atime": ts, "contains_refs": refs("file", "directory")}},
	"domain-name": {kind: KindSCO, nameProp: "value", required: []string{"value"},
		props: p{"value": isDomainValue, "resolves_to_refs": refs("ipv4-addr", "ipv6-addr", "domain-name")}},
	"email-addr": {kind: KindSCO, nameProp: "value", required: []string{"value"},
		props: p{"value": isEmailValue, "display_name": str, "belongs_to_ref": ref("user-account")}},
	"email-message": {kind: KindSCO, nameProp: "subject", required: []string{"is_multipart"},
		props: p{"is_multipart": boolean, "date": ts, "content_type": str, "from_ref": ref("email-addr"), "sender_ref": ref("email-addr"),
			"to_refs": refs("email-addr"), "cc_refs": refs("email-addr"), "bcc_refs": refs("email-addr"), "message_id": str, "subject": str,
			"received_lines": strList, "additional_header_fields": object, "body": str, "body_multipart": isMimeParts,
			"raw_email_ref": ref("artifact")},
		check: checkEmailMessage},
	"file": {kind: KindSCO, nameProp: "name",
		props: p{"hashes": hashes, "size": nonNeg, "name": str, "name_enc": str, "magic_number_hex": isHexString, "mime_type": str,
			"ctime": ts, "mtime": ts, "atime": ts, "parent_directory_ref": ref("directory"), "contains_refs": refs("SCO"),
			"content_ref": ref("artifact")},
		check: anyOf("hashes", "name")},
	"ipv4-addr": {kind: KindSCO, nameProp: "value", required: []string{"value"},
		props: p{"value": isIPv4, "resolves_to_refs": refs("mac-addr"), "belongs_to_refs": refs("autonomous-system")}},
	"ipv6-addr": {kind: KindSCO, nameProp: "value", required: []string{"value"},
		props: p{"value": isIPv6, "resolves_to_refs": refs("mac-addr"), "belongs_to_refs": refs("autonomous-system")}},
	"mac-addr": {kind: KindSCO, nameProp: "value", required: []string{"value"},
		props: p{"value": isMAC}},
	"mutex": {kind: KindSCO, nameProp: "name", required: []string{"name"},
		props: p{"name": str}},
	"network-traffic": {kind: KindSCO, required: []string{"protocols"},
		props: p{"start": ts, "end": ts, "is_active": boolean,
			"src_ref": ref("ipv4-addr", "ipv6-addr", "mac-addr", "domain-name"), "dst_ref": ref("ipv4-addr", "ipv6-addr", "mac-addr", "domain-name"),
			"src_port": integer(0, 65535), "dst_port": integer(0, 65535), "protocols": strList,
			"src_byte_count": nonNeg, "dst_byte_count": nonNeg, "src_packets": nonNeg, "dst_packets": nonNeg, "ipfix": object,
			"src_payload_ref": ref("artifact"), "dst_payload_ref": ref("artifact"),
			"encapsulates_refs": refs("network-traffic"), "encapsulated_by_ref": ref("network-traffic")},
		check: checkNetworkTraffic},
	"process": {kind: KindSCO, nameProp: "command_line",
		props: p{"is_hidden": boolean, "pid": integer(0, 1<<53), "created_time": ts, "cwd": str, "command_line": str,
			"environment_variables": object, "opened_connection_refs": refs("network-traffic"), "creator_user_ref": ref("user-account"),
			"image_ref": ref("file"), "parent_ref": ref("process"), "child_refs": refs("process")},
		check: atLeastOneProperty},
	"software": {kind: KindSCO, nameProp: "name", required: []string{"name"},
		props: p{"name": str, "cpe": str, "swid": str, "languages": strList, "vendor": str, "version": str}},
	"url": {kind: KindSCO, nameProp: "value", required: []string{"value"},
		props: p{"value": isURLValue}},
	"user-account": {kind: KindSCO, nameProp: "account_login",
		props: p{"user_id": str, "credential": str, "account_login": str, "account_type": str, "display_name": str,
			"is_service_account": boolean, "is_privileged": boolean, "can_escalate_privs": boolean, "is_disabled": boolean,
			"account_created": ts, "account_expires": ts, "credential_last_changed": ts, "account_first_login": ts, "account_last_login": ts},
		check: atLeastOneProperty},
	"windows-registry-key": {kind: KindSCO, nameProp: "key",
		props: p{"key": str, "values": registryValues, "modified_time": ts, "creator_user_ref": ref("user-account"), "number_of_subkeys": nonNeg},
		check: atLeastOneProperty},
	"x509-certificate": {kind: KindSCO, nameProp: "subject",
		props: p{"is_self_signed": boolean, "hashes": hashes, "version": str, "serial_number": str, "signature_algorithm": str,
			"issuer": str, "validity_not_before": ts, "validity_not_after": ts, "subject": str, "subject_public_key_algorithm": str,
			"subject_public_key_modulus": str, "subject_public_key_exponent": nonNeg, "x509_v3_extensions": object},
		check: all(atLeastOneProperty, notBefore("validity_not_before", "validity_not_after"))},
}

var anyList propCheck = func(c *checker, v []byte) (string, string) {
	if len(v) == 0 || v[0] != '[' {
		return "", "must be a list, not " + kindName(v)
	}
	if len(v) == 2 || string(trimSpace(v[1:len(v)-1])) == "" {
		return "", "must not be an empty list"
	}
	return "", ""
}
