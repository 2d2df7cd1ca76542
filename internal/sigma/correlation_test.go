package sigma

import (
	"strings"
	"testing"
	"time"
)

const baseRules = `title: failed logon
id: 00000000-0000-0000-0000-00000000000a
name: failed_logon
logsource: {product: windows, service: security}
detection:
  sel: {EventID: 4625}
  condition: sel
---
title: successful logon
id: 00000000-0000-0000-0000-00000000000b
name: successful_logon
logsource: {product: windows, service: security}
detection:
  sel: {EventID: 4624}
  condition: sel
---
title: recon
id: 00000000-0000-0000-0000-00000000000c
name: recon
logsource: {product: windows, category: process_creation}
detection:
  sel: {Image|endswith: '\whoami.exe'}
  condition: sel
`

func correlate(t *testing.T, corr string, hits func(byName map[string]*Rule) []*Hit) []*CorrelationMatch {
	t.Helper()
	rules, errs := Parse([]byte(baseRules+"---\n"+corr), "corr.yml")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	c := NewCorrelator(rules)
	if len(c.Errors) > 0 {
		t.Fatal(c.Errors)
	}
	byName := map[string]*Rule{}
	for _, r := range rules {
		byName[r.Name] = r
		if r.Name == "" {
			byName[r.Title] = r
		}
	}
	return c.Run(hits(byName))
}

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func hit(r *Rule, sec int, fields ...string) *Hit {
	h := &Hit{Rule: r, Time: t0.Add(time.Duration(sec) * time.Second), Fields: map[string]string{}}
	for i := 0; i+1 < len(fields); i += 2 {
		h.Fields[fields[i]] = fields[i+1]
	}
	return h
}

func TestCorrelationTypes(t *testing.T) {
	tests := []struct {
		name  string
		corr  string
		hits  func(r map[string]*Rule) []*Hit
		fires int
		value float64
	}{
		{
			name: "event_count fires at the threshold per group",
			corr: "title: brute force\ncorrelation:\n  type: event_count\n  rules: [failed_logon]\n  group-by: [TargetUserName]\n  timespan: 5m\n  condition: {gte: 3}\n",
			hits: func(r map[string]*Rule) []*Hit {
				f := r["failed_logon"]
				return []*Hit{hit(f, 0, "TargetUserName", "bob"), hit(f, 10, "TargetUserName", "alice"), hit(f, 20, "TargetUserName", "bob"), hit(f, 30, "TargetUserName", "bob")}
			},
			fires: 1, value: 3,
		},
		{
			name: "event_count respects the timespan",
			corr: "title: brute force\ncorrelation:\n  type: event_count\n  rules: [failed_logon]\n  group-by: [TargetUserName]\n  timespan: 1m\n  condition: {gte: 3}\n",
			hits: func(r map[string]*Rule) []*Hit {
				f := r["failed_logon"]
				return []*Hit{hit(f, 0, "TargetUserName", "bob"), hit(f, 50, "TargetUserName", "bob"), hit(f, 100, "TargetUserName", "bob")}
			},
			fires: 0,
		},
		{
			name: "value_count counts distinct values",
			corr: "title: spray\ncorrelation:\n  type: value_count\n  rules: [failed_logon]\n  group-by: [IpAddress]\n  timespan: 1h\n  condition: {field: TargetUserName, gt: 2}\n",
			hits: func(r map[string]*Rule) []*Hit {
				f := r["failed_logon"]
				return []*Hit{hit(f, 0, "IpAddress", "1.2.3.4", "TargetUserName", "a"), hit(f, 1, "IpAddress", "1.2.3.4", "TargetUserName", "a"),
					hit(f, 2, "IpAddress", "1.2.3.4", "TargetUserName", "b"), hit(f, 3, "IpAddress", "1.2.3.4", "TargetUserName", "c")}
			},
			fires: 1, value: 3,
		},
		{
			name: "temporal needs every rule in the window",
			corr: "title: t\ncorrelation:\n  type: temporal\n  rules: [recon, failed_logon]\n  group-by: [Computer]\n  timespan: 1m\n",
			hits: func(r map[string]*Rule) []*Hit {
				return []*Hit{hit(r["failed_logon"], 0, "Computer", "pc1"), hit(r["recon"], 30, "Computer", "pc1"), hit(r["recon"], 40, "Computer", "pc2")}
			},
			fires: 1, value: 2,
		},
		{
			name: "temporal_ordered needs the order",
			corr: "title: t\ncorrelation:\n  type: temporal_ordered\n  rules: [failed_logon, successful_logon]\n  group-by: [TargetUserName]\n  timespan: 1h\n",
			hits: func(r map[string]*Rule) []*Hit {
				return []*Hit{hit(r["successful_logon"], 0, "TargetUserName", "a"), hit(r["failed_logon"], 10, "TargetUserName", "a"),
					hit(r["failed_logon"], 0, "TargetUserName", "b"), hit(r["successful_logon"], 10, "TargetUserName", "b")}
			},
			fires: 1, value: 2,
		},
		{
			name: "value_sum",
			corr: "title: exfil\ncorrelation:\n  type: value_sum\n  rules: [recon]\n  group-by: [User]\n  timespan: 1h\n  condition: {field: Bytes, gt: 1000}\n",
			hits: func(r map[string]*Rule) []*Hit {
				x := r["recon"]
				return []*Hit{hit(x, 0, "User", "u", "Bytes", "600"), hit(x, 1, "User", "u", "Bytes", "600")}
			},
			fires: 1, value: 1200,
		},
		{
			name: "value_avg",
			corr: "title: avg\ncorrelation:\n  type: value_avg\n  rules: [recon]\n  group-by: [User]\n  timespan: 1h\n  condition: {field: Bytes, gte: 500, lt: 600}\n",
			hits: func(r map[string]*Rule) []*Hit {
				x := r["recon"]
				return []*Hit{hit(x, 0, "User", "u", "Bytes", "100"), hit(x, 1, "User", "u", "Bytes", "1000")}
			},
			fires: 1, value: 550,
		},
		{
			name: "value_percentile flags a rare value",
			corr: "title: rare\ncorrelation:\n  type: value_percentile\n  rules: [recon]\n  group-by: [Computer]\n  timespan: 1d\n  condition: {field: Image, lte: 25}\n",
			hits: func(r map[string]*Rule) []*Hit {
				x := r["recon"]
				var hs []*Hit
				for i := 0; i < 4; i++ {
					hs = append(hs, hit(x, i, "Computer", "pc", "Image", "common.exe"))
				}
				hs = append(hs, hit(x, 10, "Computer", "pc", "Image", "rare.exe"))
				return hs
			},
			fires: 1, value: 20,
		},
		{
			name: "aliases join different fields",
			corr: "title: a\ncorrelation:\n  type: temporal\n  rules: [failed_logon, recon]\n  group-by: [user]\n  timespan: 1m\n  aliases:\n    user:\n      failed_logon: TargetUserName\n      recon: User\n",
			hits: func(r map[string]*Rule) []*Hit {
				return []*Hit{hit(r["failed_logon"], 0, "TargetUserName", "eve"), hit(r["recon"], 5, "User", "eve")}
			},
			fires: 1, value: 2,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := correlate(t, tc.corr, tc.hits)
			if len(out) != tc.fires {
				t.Fatalf("%d firings, want %d: %+v", len(out), tc.fires, out)
			}
			if tc.fires > 0 && out[0].Value != tc.value {
				t.Errorf("value %v, want %v", out[0].Value, tc.value)
			}
		})
	}
}

func TestChainedCorrelation(t *testing.T) {
	corr := `title: many failures
name: many_failures
correlation:
  type: event_count
  rules: [failed_logon]
  group-by: [TargetUserName]
  timespan: 10m
  condition: {gte: 2}
---
title: failures then success
correlation:
  type: temporal_ordered
  rules: [many_failures, successful_logon]
  group-by: [TargetUserName]
  timespan: 1h
`
	out := correlate(t, corr, func(r map[string]*Rule) []*Hit {
		f, s := r["failed_logon"], r["successful_logon"]
		return []*Hit{hit(f, 0, "TargetUserName", "bob"), hit(f, 5, "TargetUserName", "bob"), hit(s, 60, "TargetUserName", "bob"),
			hit(s, 70, "TargetUserName", "alice")}
	})
	var titles []string
	for _, m := range out {
		titles = append(titles, m.Rule.Title)
	}
	if strings.Join(titles, ",") != "many failures,failures then success" {
		t.Errorf("firings %v, want the inner then the outer correlation", titles)
	}
}

func TestCorrelationLoadErrors(t *testing.T) {
	tests := []struct{ name, doc, want string }{
		{"unknown rule", "title: x\ncorrelation:\n  type: event_count\n  rules: [nope]\n  timespan: 1m\n  condition: {gte: 1}\n", `refers to rule "nope"`},
		{"bad type", "title: x\ncorrelation:\n  type: sometimes\n  rules: [recon]\n  timespan: 1m\n", "correlation type"},
		{"bad timespan", "title: x\ncorrelation:\n  type: event_count\n  rules: [recon]\n  timespan: 5 minutes\n  condition: {gte: 1}\n", "timespan"},
		{"value without field", "title: x\ncorrelation:\n  type: value_count\n  rules: [recon]\n  timespan: 1m\n  condition: {gte: 1}\n", "needs condition.field"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rules, errs := Parse([]byte(baseRules+"---\n"+tc.doc), "c.yml")
			c := NewCorrelator(rules)
			errs = append(errs, c.Errors...)
			if len(errs) != 1 || !strings.Contains(errs[0].Error(), tc.want) {
				t.Errorf("errors %v, want one containing %q", errs, tc.want)
			}
		})
	}
}
