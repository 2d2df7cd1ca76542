package stix

import (
	"net/mail"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/text/language"
)

// Checks of the string formats the specification fixes with MUST: language tags
// (RFC 5646), URLs (RFC 3986), domain names (RFC 1034 lengths), e-mail addresses.
// Defanged SCOs are exempt from the observable value formats, since defanging alters
// the value on purpose.

func isLanguageTag(c *checker, v []byte) (string, string) {
	s, ok := jsonString(v)
	if !ok {
		return "", "must be a language tag string, not " + kindName(v)
	}
	if _, err := language.Parse(s); err != nil {
		return "", strconv.Quote(s) + " is not an RFC 5646 language tag"
	}
	return "", ""
}

// isLanguageContents checks language-content contents: a dictionary keyed by
// language tag, each value an object of translated properties.
func isLanguageContents(c *checker, v []byte) (string, string) {
	if len(v) == 0 || v[0] != '{' {
		return "", "must be an object keyed by language tag, not " + kindName(v)
	}
	n := 0
	sub, msg := eachMember(v, func(tag string, tv []byte) (string, string) {
		n++
		if _, err := language.Parse(tag); err != nil {
			return "." + tag, "is not an RFC 5646 language tag"
		}
		if len(tv) == 0 || tv[0] != '{' {
			return "." + tag, "must be an object of translated properties, not " + kindName(tv)
		}
		return "", ""
	})
	if msg == "" && n == 0 {
		return "", "must not be empty"
	}
	return sub, msg
}

func isURLValue(c *checker, v []byte) (string, string) {
	s, ok := jsonString(v)
	if !ok {
		return "", "must be a string, not " + kindName(v)
	}
	if c.defanged {
		return "", ""
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" {
		return "", strconv.Quote(s) + " is not a URL (RFC 3986) with a scheme"
	}
	return "", ""
}

func isDomainValue(c *checker, v []byte) (string, string) {
	s, ok := jsonString(v)
	if !ok {
		return "", "must be a string, not " + kindName(v)
	}
	if c.defanged {
		return "", ""
	}
	name := strings.TrimSuffix(s, ".")
	if name == "" || len(name) > 253 || strings.ContainsAny(name, " \t\r\n/@:") {
		return "", strconv.Quote(s) + " is not a domain name"
	}
	for _, label := range strings.Split(name, ".") {
		if label == "" || len(label) > 63 {
			return "", strconv.Quote(s) + " is not a domain name (empty label or label over 63 bytes)"
		}
	}
	return "", ""
}

func isEmailValue(c *checker, v []byte) (string, string) {
	s, ok := jsonString(v)
	if !ok {
		return "", "must be a string, not " + kindName(v)
	}
	if c.defanged {
		return "", ""
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return "", strconv.Quote(s) + " is not a single e-mail address (RFC 5322 addr-spec)"
	}
	return "", ""
}
