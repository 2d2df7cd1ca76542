package sigma

import (
	"testing"
)

// FuzzParseRule feeds arbitrary YAML to the rule parser and compiler: they
// must return errors, never panic, and a compiled rule must evaluate.
func FuzzParseRule(f *testing.F) {
	f.Add([]byte(ruleWith("  sel: {Image|endswith: '\\cmd.exe'}\n  condition: sel")))
	f.Add([]byte(ruleWith("  sel: {A|base64offset|contains: x, B|re|i: '^a.*b$'}\n  kw: [a, b]\n  condition: 1 of sel* or not kw")))
	f.Add([]byte(ruleWith("  sel: {A|windash|contains|all: ['-a', '/b']}\n  condition: all of them")))
	f.Add([]byte("action: global\ntitle: x\n---\ndetection: {s: {A: 1}, condition: s}\n"))
	f.Add([]byte("title: c\ncorrelation: {type: event_count, rules: [x], timespan: 5m, condition: {gte: 2}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rules, _ := Parse(data, "fuzz.yml")
		fields := NewFields()
		for _, r := range rules {
			if r.Detection == nil {
				continue
			}
			c, err := Compile(r, CompileOptions{Fields: fields})
			if err != nil {
				continue
			}
			ev := NewEvent(fields)
			ev.Reset()
			ev.Set("Image", `C:\Windows\cmd.exe`)
			ev.Set("A", "-a /b x")
			c.Match(ev)
		}
		ApplyFilters(rules)
		NewCorrelator(rules)
	})
}

// FuzzCondition checks that the condition parser never panics and that what
// it accepts prints back to a condition it accepts again.
func FuzzCondition(f *testing.F) {
	for _, s := range []string{"sel", "a and not b", "1 of sel* and not 1 of filter*", "(a or b) and c", "all of them", "2 of x*", "a |", "((a)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCondition(s)
		if err != nil {
			if _, ok := err.(*ConditionError); !ok {
				t.Fatalf("error of type %T", err)
			}
			return
		}
		again, err := ParseCondition(c.String())
		if err != nil {
			t.Fatalf("%q printed as %q, which does not parse: %v", s, c.String(), err)
		}
		if again.String() != c.String() {
			t.Fatalf("round trip changed %q to %q", c.String(), again.String())
		}
	})
}
