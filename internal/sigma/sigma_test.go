package sigma

import (
	"encoding/base64"
	"strings"
	"testing"
)

// ruleWith builds a rule document around a detection block.
func ruleWith(detection string) string {
	return "title: t\nid: 11111111-1111-1111-1111-111111111111\nlogsource: {product: windows}\ndetection:\n" + detection
}

// matches compiles the detection and runs it on one event.
func matches(t *testing.T, detection string, fields map[string]string, placeholders map[string][]string) bool {
	t.Helper()
	rules, errs := Parse([]byte(ruleWith(detection)), "test.yml")
	if len(errs) > 0 {
		t.Fatalf("parse: %v", errs[0])
	}
	f := NewFields()
	c, err := Compile(rules[0], CompileOptions{Fields: f, Placeholders: placeholders})
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	ev := NewEvent(f)
	ev.Reset()
	for k, v := range fields {
		ev.Set(k, v)
	}
	return c.Match(ev)
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestModifiers(t *testing.T) {
	tests := []struct {
		name   string
		det    string
		fields map[string]string
		want   bool
	}{
		{"equals ignores case", "  sel: {Image: 'C:\\Windows\\CMD.exe'}\n  condition: sel", map[string]string{"Image": `c:\windows\cmd.exe`}, true},
		{"equals is whole value", "  sel: {Image: 'cmd.exe'}\n  condition: sel", map[string]string{"Image": `c:\cmd.exe`}, false},
		{"cased keeps case", "  sel: {Image|cased: 'CMD.exe'}\n  condition: sel", map[string]string{"Image": `cmd.exe`}, false},
		{"cased matches exact", "  sel: {Image|cased: 'CMD.exe'}\n  condition: sel", map[string]string{"Image": `CMD.exe`}, true},
		{"contains", "  sel: {CommandLine|contains: 'mimikatz'}\n  condition: sel", map[string]string{"CommandLine": "x MimiKatz.exe y"}, true},
		{"startswith", "  sel: {CommandLine|startswith: 'net '}\n  condition: sel", map[string]string{"CommandLine": "net user"}, true},
		{"startswith fails", "  sel: {CommandLine|startswith: 'net '}\n  condition: sel", map[string]string{"CommandLine": "cmd /c net user"}, false},
		{"endswith", "  sel: {Image|endswith: '\\whoami.exe'}\n  condition: sel", map[string]string{"Image": `C:\Windows\System32\whoami.exe`}, true},
		{"wildcard star", "  sel: {Image: 'C:\\\\*\\evil*.exe'}\n  condition: sel", map[string]string{"Image": `C:\Users\x\evil32.exe`}, true},
		{"wildcard star no match", "  sel: {Image: 'C:\\\\*\\evil*.exe'}\n  condition: sel", map[string]string{"Image": `D:\evil.exe`}, false},
		{"wildcard question", "  sel: {Image: 'a?c'}\n  condition: sel", map[string]string{"Image": "abc"}, true},
		{"escaped star is literal", "  sel: {Image: 'a\\*c'}\n  condition: sel", map[string]string{"Image": "abc"}, false},
		{"escaped star matches star", "  sel: {Image: 'a\\*c'}\n  condition: sel", map[string]string{"Image": "a*c"}, true},
		{"list is OR", "  sel: {Image|endswith: ['\\a.exe', '\\b.exe']}\n  condition: sel", map[string]string{"Image": `c:\b.exe`}, true},
		{"all is AND", "  sel: {CommandLine|contains|all: ['-a', '-b']}\n  condition: sel", map[string]string{"CommandLine": "x -a"}, false},
		{"all is AND matched", "  sel: {CommandLine|contains|all: ['-a', '-b']}\n  condition: sel", map[string]string{"CommandLine": "x -b -a"}, true},
		{"map is AND", "  sel:\n    Image|endswith: '\\x.exe'\n    User: bob\n  condition: sel", map[string]string{"Image": `c:\x.exe`, "User": "alice"}, false},
		{"list of maps is OR", "  sel:\n    - Image|endswith: '\\x.exe'\n    - User: bob\n  condition: sel", map[string]string{"User": "BOB"}, true},
		{"re is case sensitive", "  sel: {CommandLine|re: 'Invoke-[A-Z]+'}\n  condition: sel", map[string]string{"CommandLine": "invoke-mimikatz"}, false},
		{"re i flag", "  sel: {CommandLine|re|i: 'Invoke-[A-Z]+'}\n  condition: sel", map[string]string{"CommandLine": "invoke-mimikatz"}, true},
		{"re m flag", "  sel: {CommandLine|re|m: '^two$'}\n  condition: sel", map[string]string{"CommandLine": "one\ntwo\nthree"}, true},
		{"re without m", "  sel: {CommandLine|re: '^two$'}\n  condition: sel", map[string]string{"CommandLine": "one\ntwo\nthree"}, false},
		{"re s flag", "  sel: {CommandLine|re|s: 'a.b'}\n  condition: sel", map[string]string{"CommandLine": "a\nb"}, true},
		{"windash slash", "  sel: {CommandLine|windash|contains: ' -exec '}\n  condition: sel", map[string]string{"CommandLine": "x /exec y"}, true},
		{"windash en dash", "  sel: {CommandLine|windash|contains: ' -exec '}\n  condition: sel", map[string]string{"CommandLine": "x –exec y"}, true},
		{"windash keeps inner dash", "  sel: {CommandLine|windash|contains: 'Invoke-Expr'}\n  condition: sel", map[string]string{"CommandLine": "Invoke/Expr"}, false},
		{"cidr v4", "  sel: {DestinationIp|cidr: '10.0.0.0/8'}\n  condition: sel", map[string]string{"DestinationIp": "10.20.30.40"}, true},
		{"cidr v4 outside", "  sel: {DestinationIp|cidr: '10.0.0.0/8'}\n  condition: sel", map[string]string{"DestinationIp": "11.0.0.1"}, false},
		{"cidr v6", "  sel: {DestinationIp|cidr: 'fe80::/10'}\n  condition: sel", map[string]string{"DestinationIp": "fe80::1"}, true},
		{"cidr not an ip", "  sel: {DestinationIp|cidr: '10.0.0.0/8'}\n  condition: sel", map[string]string{"DestinationIp": "10.example"}, false},
		{"base64", "  sel: {Data|base64: 'hello world'}\n  condition: sel", map[string]string{"Data": b64("hello world")}, true},
		{"base64offset 0", "  sel: {Data|base64offset|contains: 'http://'}\n  condition: sel", map[string]string{"Data": b64("http://x")}, true},
		{"base64offset 1", "  sel: {Data|base64offset|contains: 'http://'}\n  condition: sel", map[string]string{"Data": b64("ahttp://x")}, true},
		{"base64offset 2", "  sel: {Data|base64offset|contains: 'http://'}\n  condition: sel", map[string]string{"Data": b64("abhttp://x")}, true},
		{"base64offset absent", "  sel: {Data|base64offset|contains: 'http://'}\n  condition: sel", map[string]string{"Data": b64("ftp://xyz")}, false},
		{"utf16le base64offset", "  sel: {CommandLine|utf16le|base64offset|contains: 'iex'}\n  condition: sel", map[string]string{"CommandLine": "-enc " + b64(utf16le("x;iex(y)"))}, true},
		{"wide base64", "  sel: {CommandLine|wide|base64: 'cmd'}\n  condition: sel", map[string]string{"CommandLine": b64("c\x00m\x00d\x00")}, true},
		{"utf16be", "  sel: {Data|utf16be: 'ab'}\n  condition: sel", map[string]string{"Data": "\x00a\x00b"}, true},
		{"utf16 has BOM", "  sel: {Data|utf16|base64: 'a'}\n  condition: sel", map[string]string{"Data": b64("\xff\xfea\x00")}, true},
		{"expand placeholder", "  sel: {User|expand: '%Admins%'}\n  condition: sel", map[string]string{"User": "root"}, true},
		{"fieldref equal", "  sel: {ParentUser|fieldref: User}\n  condition: sel", map[string]string{"User": "A", "ParentUser": "a"}, true},
		{"fieldref differs", "  sel: {ParentUser|fieldref: User}\n  condition: sel", map[string]string{"User": "A", "ParentUser": "b"}, false},
		{"fieldref neq", "  sel: {ParentUser|fieldref|neq: User}\n  condition: sel", map[string]string{"User": "A", "ParentUser": "b"}, true},
		{"fieldref contains", "  sel: {CommandLine|fieldref|contains: Image}\n  condition: sel", map[string]string{"Image": "x.exe", "CommandLine": "run x.exe now"}, true},
		{"exists true", "  sel: {Hashes|exists: true}\n  condition: sel", map[string]string{"Hashes": ""}, true},
		{"exists false", "  sel: {Hashes|exists: false}\n  condition: sel", map[string]string{"Image": "x"}, true},
		{"gt", "  sel: {Size|gt: 100}\n  condition: sel", map[string]string{"Size": "101"}, true},
		{"gt equal fails", "  sel: {Size|gt: 100}\n  condition: sel", map[string]string{"Size": "100"}, false},
		{"gte", "  sel: {Size|gte: 100}\n  condition: sel", map[string]string{"Size": "100"}, true},
		{"lt hex field", "  sel: {Size|lt: 16}\n  condition: sel", map[string]string{"Size": "0xA"}, true},
		{"lte", "  sel: {Size|lte: 1.5}\n  condition: sel", map[string]string{"Size": "1.5"}, true},
		{"lt not a number", "  sel: {Size|lt: 16}\n  condition: sel", map[string]string{"Size": "many"}, false},
		{"neq", "  sel: {User|neq: system}\n  condition: sel", map[string]string{"User": "bob"}, true},
		{"neq same", "  sel: {User|neq: [system, bob]}\n  condition: sel", map[string]string{"User": "BOB"}, false},
		{"null absent", "  sel: {Hashes: null}\n  condition: sel", map[string]string{"Image": "x"}, true},
		{"null empty", "  sel: {Hashes: null}\n  condition: sel", map[string]string{"Hashes": ""}, true},
		{"null present", "  sel: {Hashes: null}\n  condition: sel", map[string]string{"Hashes": "MD5=1"}, false},
		{"empty string", "  sel: {Hashes: ''}\n  condition: sel", map[string]string{"Hashes": ""}, true},
		{"number value", "  sel: {EventID: 4688}\n  condition: sel", map[string]string{"EventID": "4688"}, true},
		{"field name case", "  sel: {commandline|contains: abc}\n  condition: sel", map[string]string{"CommandLine": "xabcx"}, true},
		{"missing field", "  sel: {CommandLine|contains: abc}\n  condition: sel", map[string]string{"Image": "abc"}, false},
		{"keywords", "  kw: ['evil', 'bad']\n  condition: kw", map[string]string{"Message": "Something BAD happened"}, true},
		{"keywords none", "  kw: ['evil', 'bad']\n  condition: kw", map[string]string{"Message": "fine"}, false},
		{"keywords all", "  kw:\n    '|all': ['Oab', ' -ExternalUrl ']\n  condition: kw", map[string]string{"A": "OabVirtualDirectory", "B": "x -ExternalUrl y"}, true},
		{"keywords all missing one", "  kw:\n    '|all': ['Oab', ' -ExternalUrl ']\n  condition: kw", map[string]string{"A": "OabVirtualDirectory"}, false},
		{"hour", "  sel: {UtcTime|hour: 3}\n  condition: sel", map[string]string{"UtcTime": "2024-01-02 03:04:05.000"}, true},
		{"minute gte", "  sel: {UtcTime|minute|gte: 30}\n  condition: sel", map[string]string{"UtcTime": "2024-01-02T03:45:05Z"}, true},
		{"month", "  sel: {UtcTime|month: 2}\n  condition: sel", map[string]string{"UtcTime": "2024-01-02T03:45:05Z"}, false},
		{"year day week", "  a: {T|year: 2024}\n  b: {T|day: 2}\n  c: {T|week: 1}\n  condition: all of them", map[string]string{"T": "2024-01-02T03:45:05Z"}, true},
	}
	ph := map[string][]string{"Admins": {"root", "administrator"}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := matches(t, tc.det, tc.fields, ph); got != tc.want {
				t.Errorf("match = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestConditions(t *testing.T) {
	det := "  sel_a: {A: 1}\n  sel_b: {B: 1}\n  filter: {F: 1}\n  _hidden: {H: 1}\n"
	tests := []struct {
		cond   string
		fields map[string]string
		want   bool
	}{
		{"sel_a and not filter", map[string]string{"A": "1"}, true},
		{"sel_a and not filter", map[string]string{"A": "1", "F": "1"}, false},
		{"sel_a or sel_b and filter", map[string]string{"A": "1"}, true}, // and binds tighter
		{"(sel_a or sel_b) and filter", map[string]string{"A": "1"}, false},
		{"1 of sel_*", map[string]string{"B": "1"}, true},
		{"all of sel_*", map[string]string{"B": "1"}, false},
		{"all of sel_*", map[string]string{"A": "1", "B": "1"}, true},
		{"2 of sel_*", map[string]string{"A": "1", "B": "1"}, true},
		{"1 of them", map[string]string{"H": "1"}, false}, // _hidden is not part of them
		{"all of them", map[string]string{"A": "1", "B": "1", "F": "1"}, true},
		{"not not sel_a", map[string]string{"A": "1"}, true},
		{"NOT sel_a", map[string]string{"A": "1"}, false},
		{"1 of sel_* and not 1 of filter*", map[string]string{"A": "1", "F": "1"}, false},
		{"_hidden", map[string]string{"H": "1"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.cond, func(t *testing.T) {
			if got := matches(t, det+"  condition: "+tc.cond, tc.fields, nil); got != tc.want {
				t.Errorf("%q on %v = %v, want %v", tc.cond, tc.fields, got, tc.want)
			}
		})
	}
}

func TestConditionListIsOr(t *testing.T) {
	det := "  a: {A: 1}\n  b: {B: 1}\n  condition:\n    - a\n    - b\n"
	if !matches(t, det, map[string]string{"B": "1"}, nil) {
		t.Error("a list of conditions must be linked with OR")
	}
}

func TestConditionErrors(t *testing.T) {
	tests := []struct {
		cond string
		pos  int
	}{
		{"sel and", 7},
		{"sel or (a", 9},
		{"sel | count() > 5", 4},
		{"1 of", 4},
		{"sel )", 4},
		{"all sel", 4},
		{"sel && x", 4},
	}
	for _, tc := range tests {
		t.Run(tc.cond, func(t *testing.T) {
			_, err := ParseCondition(tc.cond)
			ce, ok := err.(*ConditionError)
			if !ok {
				t.Fatalf("want a ConditionError, got %v", err)
			}
			if ce.Pos != tc.pos {
				t.Errorf("error %q at offset %d, want %d", ce.Msg, ce.Pos, tc.pos)
			}
		})
	}
}

func TestLoadErrorsNameFileAndReason(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"unknown modifier", ruleWith("  sel: {A|sideways: x}\n  condition: sel"), `unknown modifier "sideways"`},
		{"bad regex", ruleWith("  sel: {A|re: '(?<=x)y'}\n  condition: sel"), "does not compile"},
		{"unknown identifier", ruleWith("  sel: {A: x}\n  condition: sel and other"), `unknown search identifier "other"`},
		{"pattern matches nothing", ruleWith("  sel: {A: x}\n  condition: 1 of filter*"), "matches no search identifier"},
		{"no condition", ruleWith("  sel: {A: x}"), "no condition"},
		{"placeholder without values", ruleWith("  sel: {A|expand: '%nobody%'}\n  condition: sel"), "placeholder %nobody% has no values"},
		{"wildcard in base64", ruleWith("  sel: {A|base64: 'a*'}\n  condition: sel"), "cannot encode a value with wildcards"},
		{"null in list", ruleWith("  sel: {A: [x, null]}\n  condition: sel"), "null cannot be part of a list"},
		{"bad yaml", "title: [unclosed\n", "yaml:"},
		{"gt needs number", ruleWith("  sel: {A|gt: abc}\n  condition: sel"), "needs numeric values"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rules, errs := Parse([]byte(tc.doc), "rules/x.yml")
			for _, r := range rules {
				if _, err := Compile(r, CompileOptions{}); err != nil {
					errs = append(errs, &LoadError{Path: r.Path, ID: r.ID, Reason: err.Error()})
				}
			}
			if len(errs) != 1 {
				t.Fatalf("want one error, got %v", errs)
			}
			msg := errs[0].Error()
			if !strings.Contains(msg, tc.want) || !strings.HasPrefix(msg, "rules/x.yml") {
				t.Errorf("error %q should start with the file and contain %q", msg, tc.want)
			}
		})
	}
}

func TestRuleCollections(t *testing.T) {
	doc := `action: global
title: base
logsource: {product: windows}
detection:
  condition: sel
---
id: a
detection:
  sel: {A: 1}
---
action: repeat
id: b
detection:
  sel: {B: 1}
---
action: reset
---
title: alone
id: c
logsource: {product: linux}
detection:
  sel: {C: 1}
  condition: sel
`
	rules, errs := Parse([]byte(doc), "c.yml")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if len(rules) != 3 {
		t.Fatalf("got %d rules, want 3", len(rules))
	}
	for i, want := range []struct{ id, title, product, field string }{{"a", "base", "windows", "A"}, {"b", "base", "windows", "B"}, {"c", "alone", "linux", "C"}} {
		r := rules[i]
		if r.ID != want.id || r.Title != want.title || r.Logsource.Product != want.product {
			t.Errorf("rule %d = %s %q %s, want %+v", i, r.ID, r.Title, r.Logsource.Product, want)
		}
		// documents are deep-merged: repeat keeps the previous selection's fields too
		items := r.Detection.Searches["sel"].Clauses[0]
		if items[len(items)-1].Field != want.field {
			t.Errorf("rule %s: last sel field %q, want %q", r.ID, items[len(items)-1].Field, want.field)
		}
	}
}

func TestFilterExcludesEvents(t *testing.T) {
	doc := ruleWith("  sel: {Image|endswith: '\\rar.exe'}\n  condition: sel") + `
---
title: Filter admins
logsource: {product: windows}
filter:
  rules: [11111111-1111-1111-1111-111111111111]
  selection:
    User|startswith: 'adm_'
  condition: selection
`
	rules, errs := Parse([]byte(doc), "f.yml")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if errs := ApplyFilters(rules); len(errs) > 0 {
		t.Fatal(errs)
	}
	f := NewFields()
	c, err := Compile(rules[0], CompileOptions{Fields: f})
	if err != nil {
		t.Fatal(err)
	}
	ev := NewEvent(f)
	for _, tc := range []struct {
		user string
		want bool
	}{{"adm_bob", false}, {"bob", true}} {
		ev.Reset()
		ev.Set("Image", `c:\rar.exe`)
		ev.Set("User", tc.user)
		if got := c.Match(ev); got != tc.want {
			t.Errorf("user %s: match %v, want %v", tc.user, got, tc.want)
		}
	}
}

func TestPrefilterAtomsAreNecessary(t *testing.T) {
	// every atom set must hit the text of an event the rule matches
	dets := []string{
		"  sel: {CommandLine|contains|all: ['-nop', 'hidden']}\n  condition: sel",
		"  a: {Image|endswith: '\\x.exe'}\n  b: {CommandLine|contains: evil}\n  condition: a or b",
		"  a: {Image|endswith: '\\x.exe'}\n  f: {User: system}\n  condition: a and not f",
		"  sel: {Image: 'c:\\*\\longer-than-ten-chars.exe'}\n  condition: sel",
	}
	events := []map[string]string{
		{"CommandLine": "powershell -NOP -w HIDDEN", "Image": `c:\x.exe`, "User": "bob"},
		{"CommandLine": "EVIL", "Image": `c:\y.exe`},
		{"Image": `C:\Tools\Longer-Than-Ten-Chars.exe`},
	}
	for _, d := range dets {
		rules, _ := Parse([]byte(ruleWith(d)), "p.yml")
		f := NewFields()
		c, err := Compile(rules[0], CompileOptions{Fields: f})
		if err != nil {
			t.Fatal(err)
		}
		if c.Atoms() == nil {
			t.Errorf("%q: no prefilter atoms", d)
		}
		for _, fields := range events {
			ev := NewEvent(f)
			ev.Reset()
			for k, v := range fields {
				ev.Set(k, v)
			}
			if !c.Match(ev) {
				continue
			}
			hit := false
			for _, a := range c.Atoms() {
				all := make([]bool, f.Len())
				for i := range all {
					all[i] = true
				}
				if strings.Contains(string(ev.appendText(nil, all, true)), a) {
					hit = true
				}
			}
			if !hit {
				t.Errorf("%q matches %v but none of its atoms %q occur", d, fields, c.Atoms())
			}
		}
	}
}

// TestFieldNamesWithSpacesMatchRuleFields: event data named with spaces
// (Windows Defender's "Threat Name") matches a rule field written without
// them (ThreatName), and the other way round; case is ignored as before.
func TestFieldNamesWithSpacesMatchRuleFields(t *testing.T) {
	tests := []struct {
		name, detection string
		fields          map[string]string
		want            bool
	}{
		{"spaced event, plain rule", "  sel:\n    ThreatName|contains: Powersploit\n  condition: sel\n", map[string]string{"Threat Name": "Trojan:PowerShell/Powersploit.M"}, true},
		{"case and spaces", "  sel:\n    processname|endswith: '\\powershell.exe'\n  condition: sel\n", map[string]string{"Process Name": `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`}, true},
		{"spaced rule, plain event", "  sel:\n    Source Name: AMSI\n  condition: sel\n", map[string]string{"SourceName": "AMSI"}, true},
		{"other field", "  sel:\n    ThreatName: x\n  condition: sel\n", map[string]string{"Threat ID": "x"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := matches(t, tt.detection, tt.fields, nil); got != tt.want {
				t.Errorf("match = %v, want %v", got, tt.want)
			}
		})
	}
}
