package stix

import (
	"strconv"
	"strings"

	"github.com/go-json-experiment/json"
)

// The co-constraints between properties that the specification states with MUST.
// Each returns the property to blame and a message, or "" when the object is fine.

func all(checks ...func(*checker) (string, string)) func(*checker) (string, string) {
	return func(c *checker) (string, string) {
		for _, f := range checks {
			if field, msg := f(c); msg != "" {
				return field, msg
			}
		}
		return "", ""
	}
}

// notBefore requires later >= earlier when both are present ("last_seen MUST be
// greater than or equal to first_seen").
func notBefore(earlier, later string) func(*checker) (string, string) {
	return func(c *checker) (string, string) {
		a, okA := c.time(earlier)
		b, okB := c.time(later)
		if okA && okB && b.Before(a) {
			return later, "must not be earlier than " + earlier
		}
		return "", ""
	}
}

// after requires later > earlier when both are present ("stop_time MUST be later than
// start_time").
func after(earlier, later string) func(*checker) (string, string) {
	return func(c *checker) (string, string) {
		a, okA := c.time(earlier)
		b, okB := c.time(later)
		if okA && okB && !b.After(a) {
			return later, "must be later than " + earlier
		}
		return "", ""
	}
}

func anyOf(names ...string) func(*checker) (string, string) {
	return func(c *checker) (string, string) {
		for _, n := range names {
			if c.has(n) {
				return "", ""
			}
		}
		return names[0], "is required (or " + strings.Join(names[1:], ", ") + ")"
	}
}

func exactlyOne(a, b string) func(*checker) (string, string) {
	return func(c *checker) (string, string) {
		switch {
		case c.has(a) && c.has(b):
			return b, "must not be present together with " + a
		case !c.has(a) && !c.has(b):
			return b, "is required (or the deprecated " + a + ")"
		}
		return "", ""
	}
}

// atLeastOneProperty is the rule of the SCOs that have no single required property
// (process, user-account, windows-registry-key, x509-certificate): they MUST have at
// least one property besides the common ones (an extension counts).
func atLeastOneProperty(c *checker) (string, string) {
	for _, m := range c.members {
		switch m.name {
		case "type", "id", "spec_version", "object_marking_refs", "granular_markings", "defanged":
		default:
			return "", ""
		}
	}
	return "", "must have at least one property besides type, id and the common ones"
}

func checkIndicator(c *checker) (string, string) {
	if field, msg := after("valid_from", "valid_until")(c); msg != "" {
		return field, msg
	}
	o := c.obj
	if o.PatternType == "stix" && c.opt.ValidatePattern != nil {
		if err := c.opt.ValidatePattern(o.Pattern); err != nil {
			return "pattern", err.Error()
		}
	}
	return "", ""
}

func checkLocation(c *checker) (string, string) {
	lat, long := c.has("latitude"), c.has("longitude")
	switch {
	case lat != long:
		if lat {
			return "longitude", "is required when latitude is present"
		}
		return "latitude", "is required when longitude is present"
	case c.has("precision") && !lat:
		return "precision", "requires latitude and longitude"
	case !lat && !c.has("region") && !c.has("country"):
		return "region", "is required (or country, or latitude and longitude)"
	}
	return "", ""
}

func checkMalware(c *checker) (string, string) {
	if string(c.value("is_family")) == "true" && !c.has("name") {
		return "name", "is required when is_family is true"
	}
	return notBefore("first_seen", "last_seen")(c)
}

// tlp1Definitions are the four TLP 1.0 marking definitions fixed by STIX 2.1 section 7.2.1.4.
var tlp1Definitions = map[string]string{
	"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": "white",
	"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": "green",
	"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": "amber",
	"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": "red",
}

func checkMarkingDefinition(c *checker) (string, string) {
	dt, hasDT := c.string("definition_type")
	def := c.value("definition")
	switch {
	case hasDT && def == nil:
		return "definition", "is required when definition_type is present"
	case !hasDT && def != nil:
		return "definition_type", "is required when definition is present"
	case !hasDT && !c.has("extensions"):
		return "definition_type", "is required (or an extension defining the marking)"
	}
	switch dt {
	case "tlp":
		var d struct {
			TLP *string `json:"tlp"`
		}
		if err := json.Unmarshal(def, &d); err != nil || d.TLP == nil {
			return "definition.tlp", "is required for definition_type tlp"
		}
		switch *d.TLP {
		case "white", "green", "amber", "red":
		default:
			return "definition.tlp", strconv.Quote(*d.TLP) + " is not one of white, green, amber, red"
		}
		if want, ok := tlp1Definitions[c.obj.ID]; ok && want != *d.TLP {
			return "definition.tlp", "the predefined TLP marking " + c.obj.ID + " is TLP:" + strings.ToUpper(want)
		}
	case "statement":
		var d struct {
			Statement *string `json:"statement"`
		}
		if err := json.Unmarshal(def, &d); err != nil || d.Statement == nil {
			return "definition.statement", "is required for definition_type statement and must be a string"
		}
	}
	return "", ""
}

func checkLanguageContentRef(c *checker, v []byte) (string, string) {
	s, ok := jsonString(v)
	if !ok {
		return "", "must be an identifier string, not " + kindName(v)
	}
	if m := refMsg(s, []string{"*"}); m != "" {
		return "", m
	}
	if strings.HasPrefix(s, "bundle--") || strings.HasPrefix(s, "language-content--") {
		return "", "must not refer to a bundle or another language-content"
	}
	return "", ""
}

func checkExtensionDefinition(c *checker) (string, string) {
	if !c.has("extension_properties") {
		return "", ""
	}
	types, _ := stringList(c.value("extension_types"))
	for _, t := range types {
		if t == "toplevel-property-extension" {
			return "", ""
		}
	}
	return "extension_properties", "is allowed only when extension_types contains toplevel-property-extension"
}

func checkArtifact(c *checker) (string, string) {
	switch {
	case c.has("payload_bin") && c.has("url"):
		return "url", "must not be present together with payload_bin"
	case c.has("url") && !c.has("hashes"):
		return "hashes", "is required when url is present"
	case c.has("decryption_key") && !c.has("encryption_algorithm"):
		return "encryption_algorithm", "is required when decryption_key is present"
	}
	return "", ""
}

func checkEmailMessage(c *checker) (string, string) {
	multi := string(c.value("is_multipart")) == "true"
	switch {
	case multi && c.has("body"):
		return "body", "must not be present when is_multipart is true (use body_multipart)"
	case !multi && c.has("body_multipart"):
		return "body_multipart", "must not be present when is_multipart is false"
	}
	return "", ""
}

func checkNetworkTraffic(c *checker) (string, string) {
	switch {
	case !c.has("src_ref") && !c.has("dst_ref"):
		return "src_ref", "is required (or dst_ref)"
	case string(c.value("is_active")) == "true" && c.has("end"):
		return "end", "must not be present when is_active is true"
	}
	return notBefore("start", "end")(c)
}
