// Command sigmago-bench measures Renkei's Sigma engine side by side with
// github.com/bradleyjkemp/sigma-go on the same rules and the same events.
//
// It is a separate Go module so that sigma-go never enters Renkei's own
// module. Events are read once with Renkei's readers and kept in memory, so
// only matching is timed. Each engine runs on one goroutine; figures are
// given per wall-clock second and per CPU second (the machine may be shared).
//
//	go run . -rules ../../../shared/corpora/sigma/rules/windows -logs ../../../shared/corpora/evtx-attack-samples
//	go run . -rules ... -synthetic 100000
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	sigmago "github.com/bradleyjkemp/sigma-go"
	"github.com/bradleyjkemp/sigma-go/evaluator"

	"renkei/internal/hunt"
	"renkei/internal/sigma"
)

type event struct {
	names, values    []string
	channel, eventID string
	asMap            map[string]any
}

func main() {
	rulesDir := flag.String("rules", "", "folder of Sigma rules")
	logs := flag.String("logs", "", "logs to read (EVTX, JSON...)")
	synthetic := flag.Int("synthetic", 0, "use this many synthetic Winlogbeat events instead of -logs")
	engines := flag.String("engines", "sigmago,renkei,sigmago-bundle", "engines to run, comma separated; renkei runs on the events the engine before it reached")
	maxSeconds := flag.Float64("max-seconds", 60, "stop an engine after this long and report the rate so far")
	flag.Parse()
	if *rulesDir == "" || (*logs == "" && *synthetic == 0) {
		flag.Usage()
		os.Exit(2)
	}
	ctx := context.Background()
	e, err := hunt.LoadEngine([]string{*rulesDir}, hunt.EngineOptions{})
	if err != nil {
		fail(err)
	}
	fmt.Printf("renkei: %s\n", e.Describe())

	path := *logs
	if *synthetic > 0 {
		path = filepath.Join(os.TempDir(), fmt.Sprintf("renkei-synthetic-%d.jsonl", *synthetic))
		fh, err := os.Create(path)
		if err != nil {
			fail(err)
		}
		bw := bufio.NewWriter(fh)
		if err := hunt.WriteSyntheticEvents(bw, *synthetic, 1); err != nil {
			fail(err)
		}
		bw.Flush()
		fh.Close()
		defer os.Remove(path)
	}
	inputs, total, _ := hunt.ListInputs([]string{path})
	var events []*event
	e.ReadEvents(ctx, inputs, func(m *hunt.Meta, names, values []string) {
		ev := &event{names: append([]string(nil), names...), values: append([]string(nil), values...), channel: m.Channel, eventID: m.EventID, asMap: map[string]any{}}
		for i, n := range names {
			ev.asMap[n] = values[i]
		}
		events = append(events, ev)
	})
	fmt.Printf("events: %d from %s (%.1f MB)\n", len(events), path, float64(total)/1e6)

	reached := len(events)
	for _, name := range strings.Split(*engines, ",") {
		switch name {
		case "renkei":
			// the same events the slower engine reached, so the rates compare
			runRenkei(e, events[:reached], *maxSeconds)
			reached = len(events)
		case "sigmago", "sigmago-bundle":
			reached = runSigmaGo(e, *rulesDir, events, name == "sigmago-bundle", *maxSeconds)
		default:
			fail(fmt.Errorf("unknown engine %q", name))
		}
	}
	fmt.Printf("peak RSS of this process: %s\n", peakRSS())
}

func runRenkei(e *hunt.Engine, events []*event, maxSeconds float64) {
	rs := e.Ruleset()
	ev := sigma.NewEvent(rs.Fields)
	m := rs.NewMatcher()
	matches, n := 0, 0
	t0, c0 := time.Now(), cpuTime()
	for pass := 0; time.Since(t0).Seconds() < 3 && pass < 1000; pass++ { // repeat small sets for a stable figure
		for _, x := range events {
			ev.Reset()
			for i, name := range x.names {
				ev.Set(name, x.values[i])
			}
			m.Match(ev, x.channel, x.eventID, func(*sigma.Compiled) { matches++ })
			n++
		}
		if time.Since(t0).Seconds() > maxSeconds {
			break
		}
	}
	report(fmt.Sprintf("renkei (first %d events)", len(events)), n, matches, 0, time.Since(t0), cpuTime()-c0)
}

// runSigmaGo evaluates sigma-go rule by rule, giving it the same routing by
// log source that Renkei uses (so only the matching itself is compared), or
// as one bundle of all rules (its own Aho-Corasick prefilter, no routing).
func runSigmaGo(e *hunt.Engine, dir string, events []*event, bundle bool, maxSeconds float64) int {
	type ruleEval struct {
		ev     *evaluator.RuleEvaluator
		routes []sigma.Route
	}
	var rules []sigmago.Rule
	var evals []ruleEval
	parseErrs := 0
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".yml") {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		r, err := sigmago.ParseRule(data)
		if err != nil {
			parseErrs++
			return nil
		}
		rules = append(rules, r)
		var routes []sigma.Route
		for _, s := range e.Mapping.Resolve(sigma.Logsource{Product: r.Logsource.Product, Category: r.Logsource.Category, Service: r.Logsource.Service}) {
			routes = append(routes, s.Route())
		}
		evals = append(evals, ruleEval{ev: evaluator.ForRule(r), routes: routes})
		return nil
	})
	name := "sigma-go (rule by rule, routed)"
	var b evaluator.RuleEvaluatorBundle
	if bundle {
		name = "sigma-go (bundle of all rules)"
		b = evaluator.ForRules(rules)
	}
	ctx := context.Background()
	matches, n, errs := 0, 0, 0
	t0, c0 := time.Now(), cpuTime()
	for _, x := range events {
		if bundle {
			res, err := b.Matches(ctx, x.asMap)
			if err != nil {
				errs++
			}
			for _, r := range res {
				if r.Match {
					matches++
				}
			}
		} else {
			for _, re := range evals {
				if !routed(re.routes, x.channel, x.eventID) {
					continue
				}
				res, err := re.ev.Matches(ctx, x.asMap)
				if err != nil {
					errs++
				} else if res.Match {
					matches++
				}
			}
		}
		n++
		if n%256 == 0 && time.Since(t0).Seconds() > maxSeconds {
			break
		}
	}
	fmt.Printf("%s: %d rules parsed, %d failed to parse\n", name, len(rules), parseErrs)
	report(name, n, matches, errs, time.Since(t0), cpuTime()-c0)
	return n
}

func routed(routes []sigma.Route, channel, eventID string) bool {
	if len(routes) == 0 {
		return channel == ""
	}
	for _, r := range routes {
		okC := len(r.Channels) == 0
		for _, c := range r.Channels {
			if strings.EqualFold(c, channel) {
				okC = true
			}
		}
		okE := len(r.EventIDs) == 0
		for _, id := range r.EventIDs {
			if id == eventID {
				okE = true
			}
		}
		if okC && okE {
			return true
		}
	}
	return false
}

func report(name string, n, matches, errs int, wall, cpu time.Duration) {
	fmt.Printf("%-34s %9d events  %10.0f events/s  %10.0f events/cpu-s  %7d matches  %d evaluation errors\n",
		name+":", n, float64(n)/wall.Seconds(), float64(n)/cpu.Seconds(), matches, errs)
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func peakRSS() string {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			return strings.TrimSpace(strings.TrimPrefix(l, "VmHWM:"))
		}
	}
	return "unknown"
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "sigmago-bench:", err)
	os.Exit(1)
}
