package pattern

import (
	"bytes"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// specExamples are the example patterns of STIX 2.1 section 9 (and the
// examples of the OASIS pattern validator's spec_examples list, with the
// 2.1 quoting of hyphenated extension names).
var specExamples = []string{
	`[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']`,
	`[email-message:from_ref.value MATCHES '.+\\@example\\.com$' AND email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final Report.+\\.exe$']`,
	`[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f' AND file:mime_type = 'application/x-pdf']`,
	`[file:hashes.'SHA-256' = 'bf07a7fbb825fc0aae7bf4a1177b2b31fcf8a3feeaf7092761e18c859ee52a9c' OR file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f'] AND [file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']`,
	`([file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4'] FOLLOWEDBY [windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\foo\\bar']) WITHIN 300 SECONDS`,
	`[user-account:account_type = 'unix' AND user-account:user_id = '1007' AND user-account:account_login = 'Peter'] AND [user-account:account_type = 'unix' AND user-account:user_id = '1008' AND user-account:account_login = 'Paul'] AND [user-account:account_type = 'unix' AND user-account:user_id = '1009' AND user-account:account_login = 'Mary']`,
	`[artifact:mime_type = 'application/vnd.tcpdump.pcap' AND artifact:payload_bin MATCHES '\\xd4\\xc3\\xb2\\xa1\\x02\\x00\\x04\\x00']`,
	`[file:name = 'foo.dll' AND file:parent_directory_ref.path = 'C:\\Windows\\System32']`,
	`[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]`,
	`[file:mime_type = 'image/bmp' AND file:magic_number_hex = h'ffd8']`,
	`[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '203.0.113.33/32']`,
	`[network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = 'example.com'] REPEATS 5 TIMES WITHIN 1800 SECONDS`,
	`[domain-name:value = 'www.5z8.info' AND domain-name:resolves_to_refs[*].value = '198.51.100.1/32']`,
	`[url:value = 'http://example.com/foo' OR url:value = 'http://example.com/bar']`,
	`[x509-certificate:issuer = 'CN=WEBMAIL' AND x509-certificate:serial_number = '4c:0b:1d:19:74:86:a7:66:b4:1a:bf:40:27:21:76:28']`,
	`[windows-registry-key:key = 'HKEY_CURRENT_USER\\Software\\CryptoLocker\\Files' OR windows-registry-key:key = 'HKEY_CURRENT_USER\\Software\\Microsoft\\CurrentVersion\\Run\\CryptoLocker_0388']`,
	`[(file:name = 'pdf.exe' OR file:size = '371712') AND file:created = t'2014-01-13T07:03:17Z']`,
	`[email-message:sender_ref.value = 'jdoe@example.com' AND email-message:subject = 'Conference Info']`,
	`[x-usb-device:usbdrive.serial_number = '575833314133343231313937']`,
	`[process:command_line MATCHES '^.+>-add GlobalSign.cer -c -s -r localMachine Root$'] FOLLOWEDBY [process:command_line MATCHES'^.+>-add GlobalSign.cer -c -s -r localMachineTrustedPublisher$'] WITHIN 300 SECONDS`,
	`[network-traffic:dst_ref.value ISSUBSET '2001:0db8:dead:beef:0000:0000:0000:0000/64']`,
	`([file:name = 'foo.dll'] AND [windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\foo\\bar']) OR [process:name = 'fooproc' OR process:name = 'procfoo']`,
	// Further examples from the operator and qualifier descriptions of section 9.
	`[ipv4-addr:value = '198.51.100.1/32' OR ipv4-addr:value = '203.0.113.33/32' OR ipv6-addr:value = '2001:0db8:dead:beef:dead:beef:dead:0001/128']`,
	`[ipv4-addr:value ISSUBSET '198.51.100.0/24']`,
	`[ipv4-addr:value NOT ISSUBSET '198.51.100.0/24']`,
	`[file:name LIKE 'foo%.dll']`,
	`[directory:path LIKE 'C:\\Windows\\%\\foo']`,
	`[file:size IN (1024, 2048, 4096)]`,
	`[file:name NOT IN ('a.exe', 'b.exe')]`,
	`[network-traffic:dst_port >= 1024 AND network-traffic:dst_port <= 49151]`,
	`[network-traffic:protocols[*] = 'https']`,
	`[network-traffic:extensions.'http-request-ext'.request_header.'Accept-Encoding' = 'gzip,deflate']`,
	`[windows-registry-key:values[*].name = 'Foo' AND windows-registry-key:values[0].data = 'bar']`,
	`[EXISTS windows-registry-key:values]`,
	`[artifact:payload_bin = b'dGhpcyBpcyBhIHRlc3Q=']`,
	`[file:name = 'foo.dll'] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'`,
	`[file:name = 'foo.dll'] AND [windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\foo\\bar'] WITHIN 120 SECONDS`,
	`[file:name != 'foo.dll'] REPEATS 3 TIMES`,
	`[x-acme-widget:'x-acme-property' = true]`,
	`[process:pid = 1234 AND process:is_hidden = false]`,
	`[network-traffic:src_port = +80 AND network-traffic:dst_byte_count > -1.5]`,
	`[file:created > t'2016-01-01T00:00:00.123456Z'] WITHIN 0.5 SECONDS`,
	// Cases from the OASIS validator's list of patterns that pass.
	`[file:size = 1280]`,
	`[file:size != 1280]`,
	`[file:size < 1024]`,
	`[file:size <= 1024]`,
	`[file:size > 1024]`,
	`[file:size >= 1024]`,
	`[file:file_name = 'my_file_name']`,
	`[file:extended_properties.'ntfs-ext'.sid = '234']`,
	`[emailaddr:value MATCHES '.+\\@ibm\\.com$' OR file:name MATCHES '^Final Report.+\\.exe$']`,
	`[ipv4addr:value ISSUBSET '192.168.0.1/24']`,
	`[user-account:value = 'Peter'] AND [user-account:value != 'Paul'] AND [user-account:value = 'Mary'] WITHIN 5 SECONDS`,
	`[file:file_system_properties.file_name LIKE 'name%']`,
	`[file:file_name IN ('test.txt', 'test2.exe', 'README')]`,
	`[network-connection:extended_properties[0].source_payload MATCHES 'dGVzdHRlc3R0ZXN0']`,
	`[win-registry-key:key = 'hkey_local_machine\\\\foo\\\\bar'] WITHIN 5 SECONDS`,
	`[foo:bar=1] REPEATS 9 TIMES`,
	`[network-traffic:start = '2018-04-20T12:36:24.558Z']`,
	`( [(network-traffic:dst_port IN(443,6443,8443) AND network-traffic:src_packets != 0) ])`,
	`([win-registry-key:key = 'hkey_local_machine\\\\foo\\\\bar']) WITHIN 5 SECONDS WITHIN 6 SECONDS`,
	`([win-registry-key:key = 'hkey_local_machine\\\\foo\\\\bar'] REPEATS 2 TIMES) REPEATS 2 TIMES`,
	`[ipv4-addr:value = '192.168.122.83'] START t'2016-06-01T03:55:00.123Z' STOP t'2016-06-01T04:30:24.743Z'`,
	"[file:name = 'a' /* comment */ AND // line comment\n file:size = 3]",
	"[file:name\u00a0=\u3000'wide spaces']",
}

func TestParseSpecExamples(t *testing.T) {
	for i, src := range specExamples {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			p, err := Parse(src)
			if err != nil {
				var se *SyntaxError
				if errors.As(err, &se) {
					t.Fatalf("Parse(%s):\n%s", src, se.Caret(src))
				}
				t.Fatalf("Parse(%s): %v", src, err)
			}
			checkRoundTrip(t, p)
		})
	}
}

// checkRoundTrip asserts that the canonical text parses back to an equal tree
// and prints identically.
func checkRoundTrip(t *testing.T, p *Pattern) {
	t.Helper()
	s := p.String()
	q, err := Parse(s)
	if err != nil {
		t.Fatalf("canonical text does not parse: %v\n%s", err, s)
	}
	if !reflect.DeepEqual(p, q) {
		t.Fatalf("round trip changed the tree:\n  %s\n  %s\n  %s", s, dump(p.Expr), dump(q.Expr))
	}
	if s2 := q.String(); s2 != s {
		t.Fatalf("canonical text is not stable:\n  %s\n  %s", s, s2)
	}
}

// dump prints a tree as an S-expression, making operator grouping visible.
func dump(e any) string {
	switch e := e.(type) {
	case *Observation:
		return "[" + dump(e.Expr) + "]"
	case *ObsBinary:
		return "(" + e.Op.String() + " " + dump(e.Left) + " " + dump(e.Right) + ")"
	case *Qualified:
		var q string
		switch {
		case e.Within != nil:
			q = "WITHIN " + formatSeconds(*e.Within)
		case e.Repeats != nil:
			q = "REPEATS " + strconv.Itoa(*e.Repeats)
		default:
			q = "START " + e.Start.Format(time.RFC3339Nano) + " STOP " + e.Stop.Format(time.RFC3339Nano)
		}
		return "(" + q + " " + dump(e.Expr) + ")"
	case *CmpBinary:
		return "(" + e.Op.String() + " " + dump(e.Left) + " " + dump(e.Right) + ")"
	case *Comparison:
		if e.Op == Exists {
			return "(EXISTS " + e.Path.String() + ")"
		}
		not := ""
		if e.Negated {
			not = "NOT "
		}
		return e.Path.String() + " " + not + e.Op.String() + " " + e.Value.String()
	}
	return "?"
}

func TestParseTree(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"observation AND binds tighter than OR", "[aaa:x = 1] OR [bbb:x = 2] AND [ccc:x = 3]",
			"(OR [aaa:x = 1] (AND [bbb:x = 2] [ccc:x = 3]))"},
		{"observation OR binds tighter than FOLLOWEDBY", "[aaa:x = 1] FOLLOWEDBY [bbb:x = 2] OR [ccc:x = 3]",
			"(FOLLOWEDBY [aaa:x = 1] (OR [bbb:x = 2] [ccc:x = 3]))"},
		{"operators are left-associative", "[aaa:x = 1] FOLLOWEDBY [bbb:x = 2] FOLLOWEDBY [ccc:x = 3]",
			"(FOLLOWEDBY (FOLLOWEDBY [aaa:x = 1] [bbb:x = 2]) [ccc:x = 3])"},
		{"parentheses group observations", "[aaa:x = 1] AND ([bbb:x = 2] OR [ccc:x = 3])",
			"(AND [aaa:x = 1] (OR [bbb:x = 2] [ccc:x = 3]))"},
		{"a qualifier applies to the observation before it only", "[aaa:x = 1] AND [bbb:x = 2] WITHIN 5 SECONDS",
			"(AND [aaa:x = 1] (WITHIN 5 [bbb:x = 2]))"},
		{"a qualifier after parentheses applies to the group", "([aaa:x = 1] AND [bbb:x = 2]) WITHIN 5 SECONDS",
			"(WITHIN 5 (AND [aaa:x = 1] [bbb:x = 2]))"},
		{"chained qualifiers nest innermost first", "[aaa:x = 1] REPEATS 5 TIMES WITHIN 1800 SECONDS",
			"(WITHIN 1800 (REPEATS 5 [aaa:x = 1]))"},
		{"start stop", "[aaa:x = 1] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00.5Z'",
			"(START 2016-06-01T00:00:00Z STOP 2016-07-01T00:00:00.5Z [aaa:x = 1])"},
		{"comparison AND binds tighter than OR", "[aaa:x = 1 OR aaa:y = 2 AND aaa:z = 3]",
			"[(OR aaa:x = 1 (AND aaa:y = 2 aaa:z = 3))]"},
		{"comparison parentheses", "[(aaa:x = 1 OR aaa:y = 2) AND aaa:z = 3]",
			"[(AND (OR aaa:x = 1 aaa:y = 2) aaa:z = 3)]"},
		{"NOT and the alternative operator spellings", "[aaa:x NOT == 1 AND aaa:y <> 2]",
			"[(AND aaa:x NOT = 1 aaa:y != 2)]"},
		{"exists", "[EXISTS aaa:x.y[*]]", "[(EXISTS aaa:x.y[*])]"},
		{"AND across types is fine when both sides can be one type", "[(aaa:x = 1 OR bbb:y = 2) AND bbb:z = 3]",
			"[(AND (OR aaa:x = 1 bbb:y = 2) bbb:z = 3)]"},
		{"OR across types", "[aaa:x = 1 OR bbb:y = 2]", "[(OR aaa:x = 1 bbb:y = 2)]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := dump(p.Expr); got != tc.want {
				t.Errorf("tree\n got %s\nwant %s", got, tc.want)
			}
			checkRoundTrip(t, p)
		})
	}
}

func TestParseCanonical(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"spacing and operator spelling", "[file:size==1 AND file:name<>'x']", "[file:size = 1 AND file:name != 'x']"},
		{"needless quotes are dropped, needed ones kept", "[file:'name' = 'a' AND file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
			"[file:name = 'a' AND file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']"},
		{"keyword-named property stays quoted", "[x-foo:'AND' = 1]", "[x-foo:'AND' = 1]"},
		{"redundant parentheses are dropped", "(([aaa:x = 1]) AND (([bbb:y = 2])))", "[aaa:x = 1] AND [bbb:y = 2]"},
		{"needed parentheses are kept", "[aaa:x = 1] AND ([bbb:y = 2] AND [ccc:z = 3])", "[aaa:x = 1] AND ([bbb:y = 2] AND [ccc:z = 3])"},
		{"comparison parentheses kept where needed", "[(aaa:x = 1 OR aaa:y = 2) AND aaa:z = 3]", "[(aaa:x = 1 OR aaa:y = 2) AND aaa:z = 3]"},
		{"escapes", `[file:name = 'it\'s a \\ path']`, `[file:name = 'it\'s a \\ path']`},
		{"plus sign and float forms", "[aaa:x = +5 AND aaa:y = .5 AND aaa:z = -0.0 AND aaa:w = 2.50]", "[aaa:x = 5 AND aaa:y = 0.5 AND aaa:z = -0.0 AND aaa:w = 2.5]"},
		{"hex is printed lower case", "[file:magic_number_hex = h'FFD8']", "[file:magic_number_hex = h'ffd8']"},
		{"timestamp fraction trimmed", "[file:created = t'2014-01-13T07:03:17.500Z']", "[file:created = t'2014-01-13T07:03:17.5Z']"},
		{"leap second becomes the next minute", "[file:created = t'2016-12-31T23:59:60Z']", "[file:created = t'2017-01-01T00:00:00Z']"},
		{"duplicate qualifiers on a group keep their parentheses", "([aaa:x = 1]) WITHIN 5 SECONDS WITHIN 6 SECONDS", "([aaa:x = 1] WITHIN 5 SECONDS) WITHIN 6 SECONDS"},
		{"set", "[aaa:x IN ( 1 ,'a',true , h'00',b'AA==' )]", "[aaa:x IN (1, 'a', true, h'00', b'AA==')]"},
		{"empty set", "[aaa:x IN ()]", "[aaa:x IN ()]"},
		{"decimal seconds", "[aaa:x = 1] WITHIN 2.50 SECONDS", "[aaa:x = 1] WITHIN 2.5 SECONDS"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.String(); got != tc.want {
				t.Errorf("String()\n got %s\nwant %s", got, tc.want)
			}
			checkRoundTrip(t, p)
		})
	}
}

func TestParseValues(t *testing.T) {
	one := func(t *testing.T, src string) Comparison {
		t.Helper()
		p, err := Parse(src)
		if err != nil {
			t.Fatal(err)
		}
		cs := p.Comparisons()
		if len(cs) != 1 {
			t.Fatalf("%d comparisons, want 1", len(cs))
		}
		return cs[0]
	}
	t.Run("string escapes are resolved", func(t *testing.T) {
		c := one(t, `[file:name = 'C:\\Windows\\it\'s']`)
		if c.Value.Kind != KindString || c.Value.Str != `C:\Windows\it's` {
			t.Errorf("got %#v", c.Value)
		}
	})
	t.Run("int", func(t *testing.T) {
		c := one(t, `[file:size = -9223372036854775808]`)
		if c.Value.Kind != KindInt || c.Value.Int != -9223372036854775808 {
			t.Errorf("got %#v", c.Value)
		}
	})
	t.Run("float", func(t *testing.T) {
		c := one(t, `[file:x = -.25]`)
		if c.Value.Kind != KindFloat || c.Value.Float != -0.25 {
			t.Errorf("got %#v", c.Value)
		}
	})
	t.Run("bool", func(t *testing.T) {
		c := one(t, `[file:is_x = true]`)
		if c.Value.Kind != KindBool || !c.Value.Bool {
			t.Errorf("got %#v", c.Value)
		}
	})
	t.Run("binary", func(t *testing.T) {
		c := one(t, `[artifact:payload_bin = b'dGhpcyBpcyBhIHRlc3Q=']`)
		if c.Value.Kind != KindBinary || string(c.Value.Bytes) != "this is a test" {
			t.Errorf("got %#v", c.Value)
		}
	})
	t.Run("hex", func(t *testing.T) {
		c := one(t, `[file:magic_number_hex = h'fFd8']`)
		if c.Value.Kind != KindHex || !bytes.Equal(c.Value.Bytes, []byte{0xff, 0xd8}) {
			t.Errorf("got %#v", c.Value)
		}
	})
	t.Run("timestamp", func(t *testing.T) {
		c := one(t, `[file:created = t'2014-01-13T07:03:17.123456789Z']`)
		want := time.Date(2014, 1, 13, 7, 3, 17, 123456789, time.UTC)
		if c.Value.Kind != KindTimestamp || !c.Value.Time.Equal(want) {
			t.Errorf("got %#v", c.Value)
		}
	})
	t.Run("set", func(t *testing.T) {
		c := one(t, `[file:size NOT IN (1, 'two', 3.0)]`)
		if c.Op != In || !c.Negated || c.Value.Kind != KindSet || len(c.Value.Set) != 3 ||
			c.Value.Set[0].Int != 1 || c.Value.Set[1].Str != "two" || c.Value.Set[2].Kind != KindFloat {
			t.Errorf("got %#v", c)
		}
	})
	t.Run("path steps", func(t *testing.T) {
		c := one(t, `[email-message:body_multipart[*].body_raw_ref.'x-name'[3] = 'a']`)
		p := c.Path
		if p.ObjectType != "email-message" || len(p.Steps) != 5 ||
			p.Steps[0].Name != "body_multipart" || !p.Steps[1].Any || p.Steps[2].Name != "body_raw_ref" ||
			p.Steps[3].Name != "x-name" || p.Steps[4].Index == nil || *p.Steps[4].Index != 3 {
			t.Errorf("got %#v", p)
		}
		if got := p.String(); got != "email-message:body_multipart[*].body_raw_ref.'x-name'[3]" {
			t.Errorf("String() = %s", got)
		}
	})
	t.Run("qualifier values", func(t *testing.T) {
		p, err := Parse(`[file:name = 'a'] REPEATS 5 TIMES WITHIN 1.5 SECONDS`)
		if err != nil {
			t.Fatal(err)
		}
		w := p.Expr.(*Qualified)
		r := w.Expr.(*Qualified)
		if w.Within == nil || *w.Within != 1.5 || r.Repeats == nil || *r.Repeats != 5 {
			t.Errorf("got %s", dump(p.Expr))
		}
	})
	t.Run("comparisons in text order", func(t *testing.T) {
		p := MustParse(`([aaa:a = 1 OR aaa:b = 2] FOLLOWEDBY [bbb:c = 3]) AND [ccc:d = 4] WITHIN 5 SECONDS`)
		var names []string
		for _, c := range p.Comparisons() {
			names = append(names, c.Path.String())
		}
		if got := strings.Join(names, " "); got != "aaa:a aaa:b bbb:c ccc:d" {
			t.Errorf("Comparisons() order: %s", got)
		}
		if n := len(p.Observations()); n != 3 {
			t.Errorf("Observations() = %d, want 3", n)
		}
	})
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		offset int
		msg    string
	}{
		{"missing closing bracket", "[ipv4-addr:value = '1.2.3.4'", 28, "expected ']' but found end of pattern"},
		{"no square brackets", "file:size = 1280", 0, "expected '[' or '(' to start an observation expression but found name 'file'"},
		{"missing value", "[file:size = ]", 13, "expected a literal value"},
		{"unquoted string", "[file:hashes.MD5 = cead3f77f6cda6ec00f57d76c9a6879f]", 19, "expected a literal value"},
		{"period instead of colon", "[file.size = 1280]", 5, "expected ':' after the object type 'file'"},
		{"regex not quoted", "[file:name MATCHES /.*\\.dll/]", 19, "unexpected character '/'"},
		{"missing WITHIN value", "[file:name = 'a'] WITHIN ]", 25, "expected a positive number of seconds after WITHIN"},
		{"unit other than SECONDS", "[file:name = 'a'] WITHIN 5 HOURS", 27, "expected SECONDS"},
		{"negative WITHIN", "[file:name = 'a'] WITHIN -5 SECONDS", 25, "positive"},
		{"zero WITHIN", "[file:name = 'a'] WITHIN 0 SECONDS", 25, "WITHIN needs a positive number of seconds, not 0"},
		{"zero REPEATS", "[file:name = 'a'] REPEATS 0 TIMES", 26, "REPEATS needs a positive count, not 0"},
		{"decimal REPEATS", "[file:name = 'a'] REPEATS 1.5 TIMES", 26, "expected a positive whole number after REPEATS"},
		{"REPEATS without TIMES", "[file:name = 'a'] REPEATS 2", 27, "expected TIMES after the REPEATS count but found end of pattern"},
		{"missing ISSUBSET operand", "[network-traffic:dst_ref.value ISSUBSET ]", 40, "expected a string after ISSUBSET"},
		{"invalid operator", "[file:hashes.MD5 =? 'cead3f77f6cda6ec00f57d76c9a6879f']", 18, "unexpected character '?'"},
		{"invalid date", "[file:created = t'2457-73-22T32:81:84.1Z']", 23, "month must be 01 to 12"},
		{"day that does not exist", "[file:created = t'2024-02-30T12:00:00Z']", 26, "day 30 does not exist in 2024-02"},
		{"timestamp without Z", "[file:created = t'2024-02-03T12:00:00+09:00']", 37, "expected 'Z'"},
		{"timestamp hour", "[file:created = t'2024-02-03T24:00:00Z']", 29, "hour must be 00 to 23"},
		{"invalid base64", "[artifact:payload_bin = b'====']", 26, "at most two '=' of padding"},
		{"base64 not in groups of four", "[artifact:payload_bin = b'abcde===']", 31, "at most two"},
		{"base64 short group", "[artifact:payload_bin = b'abcde']", 31, "padded groups of 4"},
		{"base64 bad character", "[artifact:payload_bin = b'ab$d']", 28, "'$' is not a base64 character"},
		{"empty binary", "[artifact:payload_bin = b'']", 26, "binary literal is empty"},
		{"odd hex", "[file:magic_number_hex = h'fff']", 30, "odd number of digits"},
		{"bad hex digit", "[file:magic_number_hex = h'ffgg']", 29, "'g' is not a hex digit"},
		{"lower-case keyword", "[foo:bar=1] within 2 seconds", 12, "found name 'within'"},
		{"malformed hash", "[file:hashes.'SHA-256' = 'f00']", 25, "'f00' is not a valid SHA-256 hash"},
		{"malformed hash in set", "[file:hashes.MD5 IN ('cead3f77f6cda6ec00f57d76c9a6879f', 'xyz')]", 20, "'xyz' is not a valid MD5 hash"},
		{"duplicate WITHIN", "[file:name = 'a'] WITHIN 5 SECONDS WITHIN 6 SECONDS", 35, "WITHIN qualifier is applied twice"},
		{"duplicate REPEATS in group", "([file:name = 'a'] REPEATS 2 TIMES REPEATS 3 TIMES)", 35, "REPEATS qualifier is applied twice"},
		{"duplicate START STOP", "[file:name = 'a'] START t'2016-06-01T01:30:00Z' STOP t'2016-06-01T02:20:00Z' START t'2016-06-01T01:30:00Z' STOP t'2016-06-01T02:20:00Z'",
			77, "START/STOP qualifier is applied twice"},
		{"STOP before START", "[file:name = 'a'] START t'2016-06-02T00:00:00Z' STOP t'2016-06-01T00:00:00Z'", 53, "is not after START"},
		{"START with a string", "[file:name = 'a'] START '2016-06-02T00:00:00Z' STOP t'2016-06-03T00:00:00Z'", 24, "expected a timestamp t'...' after START"},
		{"AND across object types", "[network-traffic:src_port = 37020 AND user-account:user_id = 'root']", 38, "comparisons joined by AND must be about one object type"},
		{"AND across types after OR", "[(aaa:x = 1 OR bbb:y = 2) AND ccc:z = 3]", 30, "about ccc and the ones before about aaa/bbb"},
		{"object type with underscore", "[x_whatever:detected = 1]", 1, "object type 'x_whatever' may only contain a-z, 0-9 and '-'"},
		{"object type too short", "[ab:x = 1]", 1, "must be 3 to 250 characters"},
		{"object type upper case", "[File:name = 'a']", 1, "may only contain a-z"},
		{"object type double hyphen", "[x--y:name = 'a']", 1, "must not contain '--'"},
		{"unquoted hyphen in property", "[file:extensions.windows-pebinary-ext.sections[*].entropy > 7.0]", 24, "contains '-': write it quoted"},
		{"keyword as property", "[file:name.AND = 1]", 11, "property name AND is a keyword"},
		{"ISSUBSET with a non-address", "[ipv4-addr:value ISSUBSET 'example.com']", 26, "ISSUBSET needs an IPv4 or IPv6 address or CIDR"},
		{"ISSUPERSET with a bad prefix", "[ipv4-addr:value ISSUPERSET '10.0.0.0/33']", 28, "ISSUPERSET needs"},
		{"boolean ordered", "[file:size > true]", 13, "true cannot be ordered"},
		{"LIKE with a number", "[file:name LIKE 5]", 16, "expected a string after LIKE"},
		{"IN without a set", "[file:size IN 5]", 14, "expected '(' to start the set after IN"},
		{"set missing comma", "[file:size IN (1 2)]", 17, "expected ',' or ')' in the set"},
		{"unterminated string", "[file:name = 'abc]", 13, "string is not closed"},
		{"bad escape", `[file:name = 'a\nb']`, 15, "invalid escape in string"},
		{"leading zero", "[file:size = 007]", 13, "leading zero"},
		{"integer overflow", "[file:size = 9223372036854775808]", 13, "out of range"},
		{"trailing garbage", "[file:size = 1] ]", 16, "expected an observation operator"},
		{"dangling AND", "[file:size = 1] AND", 19, "expected '[' or '(' to start an observation expression but found end of pattern"},
		{"empty pattern", "   ", 0, "pattern is empty"},
		{"empty observation", "[]", 1, "expected a comparison"},
		{"unclosed group", "([file:size = 1]", 16, "expected ')' but found end of pattern"},
		{"NOT EXISTS is not in the grammar", "[file:name NOT EXISTS]", 15, "expected a comparison operator"},
		{"index not a number", "[file:x[a] = 1]", 8, "expected a list index or '*' after '['"},
		{"unclosed comment", "[file:size = 1] /* x", 16, "comment is not closed"},
		{"empty quoted property", "[file:'' = 1]", 6, "property name is empty"},
		{"nesting too deep", strings.Repeat("(", 300) + "[file:size = 1]" + strings.Repeat(")", 300), 200, "nested deeper than 200"},
		{"invalid UTF-8", "[file:name = 'a'] \xff", 18, "invalid character (byte 0xff)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.in)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) = %v, want a *SyntaxError", tc.in, err)
			}
			if se.Offset != tc.offset || !strings.Contains(se.Msg, tc.msg) {
				t.Errorf("Parse(%q):\n got offset %d: %s\nwant offset %d: ...%s...\n%s", tc.in, se.Offset, se.Msg, tc.offset, tc.msg, se.Caret(tc.in))
			}
		})
	}
}

func TestSyntaxErrorText(t *testing.T) {
	_, err := Parse("[ipv4-addr:value = '198.51.100.1'")
	if err == nil || err.Error() != "pattern: offset 33: expected ']' but found end of pattern" {
		t.Fatalf("error text: %v", err)
	}
	var se *SyntaxError
	errors.As(err, &se)
	want := "[ipv4-addr:value = '198.51.100.1'\n                                 ^ expected ']' but found end of pattern"
	if got := se.Caret("[ipv4-addr:value = '198.51.100.1'"); got != want {
		t.Errorf("Caret:\n%s\nwant\n%s", got, want)
	}
}
