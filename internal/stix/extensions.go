package stix

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"
)

// extSpec is what the specification says about one predefined SCO extension
// (STIX 2.1 section 6, "… Extension" subsections).
type extSpec struct {
	on       string // the SCO type it extends
	props    map[string]propCheck
	required []string
	anyProp  bool // at least one of props must be present
}

var extSpecs = map[string]*extSpec{
	"archive-ext": {on: "file", required: []string{"contains_refs"},
		props: p{"contains_refs": refs("file", "directory"), "comment": str}},
	"ntfs-ext": {on: "file", anyProp: true,
		props: p{"sid": str, "alternate_data_streams": alternateDataStreams}},
	"pdf-ext": {on: "file", anyProp: true,
		props: p{"version": str, "is_optimized": boolean, "document_info_dict": object, "pdfid0": str, "pdfid1": str}},
	"raster-image-ext": {on: "file", anyProp: true,
		props: p{"image_height": nonNeg, "image_width": nonNeg, "bits_per_pixel": nonNeg, "exif_tags": object}},
	"windows-pebinary-ext": {on: "file", required: []string{"pe_type"},
		props: p{"pe_type": str, "imphash": str, "machine_hex": isHexString, "number_of_sections": nonNeg, "time_date_stamp": ts,
			"pointer_to_symbol_table_hex": isHexString, "number_of_symbols": nonNeg, "size_of_optional_header": nonNeg,
			"characteristics_hex": isHexString, "file_header_hashes": hashes, "optional_header": object, "sections": anyList}},
	"http-request-ext": {on: "network-traffic", required: []string{"request_method", "request_value"},
		props: p{"request_method": str, "request_value": str, "request_version": str, "request_header": object,
			"message_body_length": nonNeg, "message_body_data_ref": ref("artifact")}},
	"icmp-ext": {on: "network-traffic", required: []string{"icmp_type_hex", "icmp_code_hex"},
		props: p{"icmp_type_hex": isHexString, "icmp_code_hex": isHexString}},
	"socket-ext": {on: "network-traffic", required: []string{"address_family"},
		props: p{"address_family": enum("AF_UNSPEC", "AF_INET", "AF_IPX", "AF_APPLETALK", "AF_NETBIOS", "AF_INET6", "AF_IRDA", "AF_BTH"),
			"is_blocking": boolean, "is_listening": boolean, "options": object,
			"socket_type":       enum("SOCK_STREAM", "SOCK_DGRAM", "SOCK_RAW", "SOCK_RDM", "SOCK_SEQPACKET"),
			"socket_descriptor": nonNeg, "socket_handle": integer(-1<<53, 1<<53)}},
	"tcp-ext": {on: "network-traffic", anyProp: true,
		props: p{"src_flags_hex": isHexString, "dst_flags_hex": isHexString}},
	"windows-process-ext": {on: "process", anyProp: true,
		props: p{"aslr_enabled": boolean, "dep_enabled": boolean, "priority": str, "owner_sid": str, "window_title": str,
			"startup_info": object, "integrity_level": enum("low", "medium", "high", "system")}},
	"windows-service-ext": {on: "process", anyProp: true,
		props: p{"service_name": str, "descriptions": strList, "display_name": str, "group_name": str,
			"start_type":       enum("SERVICE_AUTO_START", "SERVICE_BOOT_START", "SERVICE_DEMAND_START", "SERVICE_DISABLED", "SERVICE_SYSTEM_ALERT"),
			"service_dll_refs": refs("file"),
			"service_type":     enum("SERVICE_KERNEL_DRIVER", "SERVICE_FILE_SYSTEM_DRIVER", "SERVICE_WIN32_OWN_PROCESS", "SERVICE_WIN32_SHARE_PROCESS"),
			"service_status": enum("SERVICE_CONTINUE_PENDING", "SERVICE_PAUSE_PENDING", "SERVICE_PAUSED", "SERVICE_RUNNING",
				"SERVICE_START_PENDING", "SERVICE_STOP_PENDING", "SERVICE_STOPPED")}},
	"unix-account-ext": {on: "user-account", anyProp: true,
		props: p{"gid": integer(-1<<53, 1<<53), "groups": strList, "home_dir": str, "shell": str}},
}

// checkPredefinedExtension validates the body of a predefined extension. Names not in
// the table (custom "-ext" extensions) are left alone.
func checkPredefinedExtension(c *checker, name string, v []byte) (string, string) {
	spec := extSpecs[name]
	if spec == nil {
		return "", ""
	}
	if c.obj.Type != spec.on {
		return "", "is defined for " + spec.on + " objects, not " + c.obj.Type
	}
	seen := 0
	sub, msg := eachMember(v, func(k string, pv []byte) (string, string) {
		check := spec.props[k]
		if check == nil {
			return "", ""
		}
		seen++
		prev := c.current
		c.current = name + "." + k
		s, m := check(c, pv)
		c.current = prev
		if m != "" {
			return "." + k + s, m
		}
		return "", ""
	})
	if msg != "" {
		return sub, msg
	}
	for _, r := range spec.required {
		if objectFields(v, r)[0] == nil {
			return "." + r, "is required"
		}
	}
	if spec.anyProp && seen == 0 {
		var names []string
		for k := range spec.props {
			names = append(names, k)
		}
		return "", "must have at least one of its properties (" + strings.Join(sorted(names), ", ") + ")"
	}
	return "", ""
}

var alternateDataStreams = func(c *checker, v []byte) (string, string) {
	return nonEmptyList(v, func(at string, el []byte) (string, string) {
		f := objectFields(el, "name", "hashes", "size")
		if f[0] == nil {
			return at + ".name", "is required"
		}
		if sub, msg := optString(at, "name", f[0]); msg != "" {
			return sub, msg
		}
		if f[1] != nil {
			if sub, msg := isHashes(c, f[1]); msg != "" {
				return at + ".hashes" + sub, msg
			}
		}
		if f[2] != nil {
			if sub, msg := nonNeg(c, f[2]); msg != "" {
				return at + ".size" + sub, msg
			}
		}
		return "", ""
	})
}

// registryValues checks windows-registry-key values: each entry has at least one of
// name, data, data_type, and data_type is one of the registry types.
var registryValues propCheck = func(c *checker, v []byte) (string, string) {
	dataType := enum("REG_NONE", "REG_SZ", "REG_EXPAND_SZ", "REG_BINARY", "REG_DWORD", "REG_DWORD_BIG_ENDIAN",
		"REG_DWORD_LITTLE_ENDIAN", "REG_LINK", "REG_MULTI_SZ", "REG_RESOURCE_LIST", "REG_FULL_RESOURCE_DESCRIPTION",
		"REG_RESOURCE_REQUIREMENTS_LIST", "REG_QWORD", "REG_INVALID_TYPE")
	return nonEmptyList(v, func(at string, el []byte) (string, string) {
		f := objectFields(el, "name", "data", "data_type")
		if f[0] == nil && f[1] == nil && f[2] == nil {
			return at, "needs name, data or data_type"
		}
		for i, n := range []string{"name", "data"} {
			if sub, msg := optString(at, n, f[i]); msg != "" {
				return sub, msg
			}
		}
		if f[2] != nil {
			if _, msg := dataType(c, f[2]); msg != "" {
				return at + ".data_type", msg
			}
		}
		return "", ""
	})
}

func sorted(s []string) []string {
	slices.Sort(s)
	return s
}

// isExtensions checks the extensions dictionary: keys are extension-definition ids or
// predefined/custom "<name>-ext" names, values non-empty objects; an extension-definition
// extension carries a valid extension_type; any nested *_ref(s) hold identifiers.
func isExtensions(c *checker, v []byte) (string, string) {
	if len(v) == 0 || v[0] != '{' {
		return "", "must be an object, not " + kindName(v)
	}
	exts := make(map[string]json.RawMessage, 2)
	sub, msg := eachMember(v, func(k string, ev []byte) (string, string) {
		at := "." + k
		if len(ev) == 0 || ev[0] != '{' {
			return at, "must be an object, not " + kindName(ev)
		}
		if strings.HasPrefix(k, "extension-definition--") {
			if _, ok := validIdentifier(k); !ok {
				return at, "is not a valid extension-definition identifier"
			}
			et := objectFields(ev, "extension_type")[0]
			if et == nil {
				return at + ".extension_type", "is required for an extension-definition extension"
			}
			if _, msg := isExtensionType(c, et); msg != "" {
				return at + ".extension_type", msg
			}
		} else if !strings.HasSuffix(k, "-ext") || !validTypeName(k) {
			return at, "is neither an extension-definition id nor a \"<name>-ext\" extension name"
		}
		if string(trimSpace(ev[1:])) == "}" {
			return at, "must not be empty"
		}
		if sub, msg := checkPredefinedExtension(c, k, ev); msg != "" {
			return at + sub, msg
		}
		exts[k] = json.RawMessage(compactJSON(make([]byte, 0, len(ev)), ev))
		if !bytes.Contains(ev, []byte("_ref")) {
			return "", ""
		}
		var tree any
		if err := jsonv2.Unmarshal(ev, &tree); err != nil {
			return at, "invalid: " + jsonErr(err)
		}
		if sub, msg := nestedRefs(tree, 0); msg != "" {
			return at + sub, msg
		}
		return "", ""
	})
	if msg != "" {
		return sub, msg
	}
	if len(exts) == 0 {
		return "", "must not be empty"
	}
	c.obj.Extensions = exts
	return "", ""
}

var isExtensionType = enum("new-sdo", "new-sco", "new-sro", "property-extension", "toplevel-property-extension")

// nestedRefs walks a decoded value and checks that every *_ref holds an identifier and
// every *_refs a list of them.
func nestedRefs(v any, depth int) (string, string) {
	if depth > 32 {
		return "", "nested too deeply"
	}
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			switch {
			case strings.HasSuffix(k, "_ref"):
				s, ok := e.(string)
				if !ok {
					return "." + k, "must be an identifier string"
				}
				if m := refMsg(s, []string{"*"}); m != "" {
					return "." + k, m
				}
			case strings.HasSuffix(k, "_refs"):
				l, ok := e.([]any)
				if !ok {
					return "." + k, "must be a list of identifiers"
				}
				for i, r := range l {
					s, ok := r.(string)
					if !ok {
						return "." + k + "[" + strconv.Itoa(i) + "]", "must be an identifier string"
					}
					if m := refMsg(s, []string{"*"}); m != "" {
						return "." + k + "[" + strconv.Itoa(i) + "]", m
					}
				}
			default:
				if sub, msg := nestedRefs(e, depth+1); msg != "" {
					return "." + k + sub, msg
				}
			}
		}
	case []any:
		for i, e := range x {
			if sub, msg := nestedRefs(e, depth+1); msg != "" {
				return "[" + strconv.Itoa(i) + "]" + sub, msg
			}
		}
	}
	return "", ""
}
