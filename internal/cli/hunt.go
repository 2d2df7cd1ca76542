package cli

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"renkei/internal/hunt"
	"renkei/internal/i18n"
)

type huntFlags struct {
	rules        []string
	mapping      string
	output       string
	sort         string
	minLevel     string
	workers      int
	fields       bool
	listUnloaded bool
	printMapping bool
}

func newHuntCmd(g *globals) *cobra.Command {
	f := &huntFlags{}
	cmd := &cobra.Command{
		Use: "hunt --rules PATH... LOG...",
		RunE: func(cmd *cobra.Command, args []string) error {
			return runHunt(cmd.Context(), g, f, args)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&f.rules, "rules", nil, "")
	fl.StringVar(&f.mapping, "mapping", "", "")
	fl.StringVar(&f.output, "format", "jsonl", "")
	fl.StringVar(&f.sort, "sort", "", "")
	fl.StringVar(&f.minLevel, "min-level", "informational", "")
	fl.IntVar(&f.workers, "workers", 0, "")
	fl.BoolVar(&f.fields, "fields", false, "")
	fl.BoolVar(&f.listUnloaded, "list-unloaded", false, "")
	fl.BoolVar(&f.printMapping, "print-mapping", false, "")
	return withPackageFlags(g, f, cmd) // --package: run a signed hunting package from the hub (huntpkg.go)
}

func runHunt(ctx context.Context, g *globals, f *huntFlags, logs []string) error {
	if f.printMapping {
		_, err := g.stdout.Write(hunt.DefaultMappingYAML())
		return err
	}
	if err := f.checkOutput(); err != nil {
		return err
	}
	if hunt.LevelRank(f.minLevel) == 0 && strings.ToLower(f.minLevel) != "informational" {
		return refuse(i18n.M("cli.hunt.bad_level", f.minLevel, strings.Join(hunt.Levels, ", ")))
	}
	if len(f.rules) == 0 {
		return refuse(i18n.M("cli.hunt.no_rules"))
	}
	opt := hunt.EngineOptions{MinLevel: f.minLevel}
	if f.mapping != "" {
		m, err := hunt.LoadMapping(f.mapping)
		if err != nil {
			return err
		}
		opt.Mapping = m
	}
	e, err := hunt.LoadEngine(f.rules, opt)
	if err != nil {
		return err
	}
	if f.listUnloaded {
		for _, le := range e.NotLoaded {
			fmt.Fprintln(g.stdout, le.Error())
		}
		for _, r := range e.Unmapped {
			g.tell(g.stdout, i18n.M("cli.hunt.unmapped", r.Path, r.ID, fmt.Sprint(r.Logsource)))
		}
		fmt.Fprintln(g.stderr, e.Describe())
		return nil
	}
	if len(e.Rules) == 0 {
		if e.BelowLevel > 0 {
			return exitError{code: 2, msg: g.say(i18n.M("cli.hunt.all_below_level", strconv.Itoa(e.BelowLevel), strings.Join(f.rules, ", "), f.minLevel))}
		}
		return exitError{code: 2, msg: g.say(i18n.M("cli.hunt.no_rule_loaded", strings.Join(f.rules, ", "), strconv.Itoa(len(e.NotLoaded))))}
	}
	if len(logs) == 0 {
		return refuse(i18n.M("cli.hunt.no_logs"))
	}
	inputs, total, errs := hunt.ListInputs(logs)
	for _, err := range errs {
		fmt.Fprintln(g.stderr, errorLine(nil, "hunt: "+err.Error()))
	}
	if len(inputs) == 0 {
		return refuse(i18n.M("cli.hunt.no_log_read"))
	}
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()

	bar := newProgress(g.stderr, total, g.say(i18n.M("cli.hunt.progress")))
	out := bufio.NewWriterSize(g.stdout, 1<<16)
	w := newMatchWriter(out, f.output, f.sort == "time")
	sum, runErr := e.Run(ctx, inputs, hunt.RunOptions{
		Workers: f.workers, MinLevel: f.minLevel, Stdin: g.stdin, Fields: f.fields,
		Progress: func(n int64) { _ = bar.Add64(n) },
	}, w.write)
	_ = bar.Finish()
	if err := w.close(); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	if err := out.Flush(); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	g.printSummary(e, sum)
	w.summary(g)
	if runErr != nil {
		return runErr
	}
	if sum.Events == 0 && (len(sum.ReadErrors) > 0 || len(sum.Skipped) > 0) {
		return exitError{code: 2, msg: g.say(i18n.M("cli.hunt.nothing_read", fmt.Sprint(sum.Files), strconv.Itoa(len(sum.ReadErrors)), strconv.Itoa(len(sum.Skipped))))}
	}
	return nil
}

func (g *globals) printSummary(e *hunt.Engine, s *hunt.Summary) {
	mbps := 0.0
	if s.Duration > 0 {
		mbps = float64(s.Bytes) / 1e6 / s.Duration.Seconds()
	}
	w := g.stderr
	g.tell(w, i18n.M("cli.hunt.read", fmt.Sprint(s.Files), fmt.Sprintf("%.1f", float64(s.Bytes)/1e6), fmt.Sprint(s.Events), s.Duration.Round(time.Millisecond).String(),
		fmt.Sprintf("%.1f", mbps), fmt.Sprintf("%.0f", float64(s.Events)/max(s.Duration.Seconds(), 1e-9))))
	fmt.Fprintln(w, "hunt: "+e.Describe())
	var levels []string
	for i := len(hunt.Levels) - 1; i >= 0; i-- {
		if n := s.ByLevel[hunt.Levels[i]]; n > 0 {
			levels = append(levels, fmt.Sprintf("%s %d", hunt.Levels[i], n))
		}
	}
	if len(levels) == 0 {
		levels = []string{g.say(i18n.M("cli.hunt.no_level"))}
	}
	g.tell(w, i18n.M("cli.hunt.matches", fmt.Sprint(s.Matches), fmt.Sprint(s.Correlations), strings.Join(levels, ", ")))
	if len(s.ReadErrors) > 0 {
		g.tell(w, i18n.M("cli.hunt.read_errors", strconv.Itoa(len(s.ReadErrors))))
		for i, re := range s.ReadErrors {
			if i == 20 {
				fmt.Fprintln(w, "  "+g.say(i18n.M("cli.hunt.more", strconv.Itoa(len(s.ReadErrors)-20))))
				break
			}
			fmt.Fprintf(w, "  %v\n", re)
		}
	}
	if len(s.Skipped) > 0 {
		g.tell(w, i18n.M("cli.hunt.skipped", strconv.Itoa(len(s.Skipped)), strings.Join(firstN(s.Skipped, 5), ", ")))
	}
	if len(e.NotLoaded) > 0 {
		g.tell(w, i18n.M("cli.hunt.not_loaded", strconv.Itoa(len(e.NotLoaded))))
	}
}

// checkOutput checks --format and --sort.
func (f *huntFlags) checkOutput() error {
	switch f.output {
	case "jsonl", "csv", "timeline", "timesketch":
	default:
		return refuse(i18n.M("cli.hunt.bad_format", f.output))
	}
	if f.sort != "" && f.sort != "time" {
		return refuse(i18n.M("cli.hunt.bad_sort", f.sort))
	}
	return nil
}

// matchWriter writes matches in one of the output formats. Output ordered
// by time (the timeline, Timesketch's lines, --sort time) is written at the
// end; otherwise each match is written as it comes.
type matchWriter struct {
	w       io.Writer
	format  string
	sorted  bool
	enc     *json.Encoder
	csv     *csv.Writer
	pending []*hunt.Match
	untimed int // matches Timesketch cannot place (no time), left out
	err     error
}

var csvHeader = []string{"timestamp", "rule_id", "rule_title", "level", "computer", "channel", "event_id", "file", "record", "tags", "details"}

func newMatchWriter(w io.Writer, format string, byTime bool) *matchWriter {
	mw := &matchWriter{w: w, format: format, sorted: byTime || format == "timeline" || format == "timesketch"}
	switch format {
	case "jsonl", "timesketch":
		mw.enc = json.NewEncoder(w)
		mw.enc.SetEscapeHTML(false)
	case "csv":
		mw.csv = csv.NewWriter(w)
		mw.err = mw.csv.Write(csvHeader)
	}
	return mw
}

func (mw *matchWriter) write(m *hunt.Match) {
	if mw.err != nil {
		return
	}
	if m.Tags == nil {
		m.Tags = []string{}
	}
	if mw.sorted {
		mw.pending = append(mw.pending, m)
		return
	}
	mw.put(m)
}

func (mw *matchWriter) put(m *hunt.Match) {
	switch mw.format {
	case "jsonl":
		mw.err = mw.enc.Encode(m)
	case "csv":
		mw.err = mw.csv.Write([]string{m.Timestamp, m.RuleID, m.RuleTitle, m.Level, m.Computer, m.Channel, m.EventID,
			m.File, strconv.FormatInt(m.Record, 10), strings.Join(m.Tags, " "), m.Details})
	case "timesketch":
		line, ok := timesketchLine(m)
		if !ok {
			mw.untimed++
			return
		}
		mw.err = mw.enc.Encode(line)
	}
}

// byTime orders matches by their event's time, stably; matches whose time
// cannot be read come last, in the order they came.
func byTime(ms []*hunt.Match) {
	at := make(map[*hunt.Match]time.Time, len(ms))
	for _, m := range ms {
		at[m] = hunt.EventTime(m.Timestamp)
	}
	sort.SliceStable(ms, func(i, j int) bool {
		a, b := at[ms[i]], at[ms[j]]
		switch {
		case a.IsZero() || b.IsZero():
			return !a.IsZero() && b.IsZero()
		default:
			return a.Before(b)
		}
	})
}

// timesketchLine is one match as a line of Timesketch's JSONL import
// format (docs/guides/user/import-from-json-csv.md in google/timesketch):
// the mandatory message, datetime (ISO 8601) and timestamp_desc, the
// timestamp in microseconds since the epoch, and the match's fields as
// further attributes. A match without a readable time has no place on a
// timeline: ok is false.
func timesketchLine(m *hunt.Match) (map[string]any, bool) {
	t := hunt.EventTime(m.Timestamp)
	if t.IsZero() {
		return nil, false
	}
	msg := "[" + m.Level + "] " + m.RuleTitle
	if m.Details != "" {
		msg += ": " + m.Details
	}
	desc := "Event time"
	if m.Correlation != nil {
		desc = "Correlation time"
	}
	line := map[string]any{
		"message": msg, "datetime": t.UTC().Format(time.RFC3339Nano), "timestamp": t.UnixMicro(), "timestamp_desc": desc,
		"rule_id": m.RuleID, "rule_title": m.RuleTitle, "level": m.Level, "tags": strings.Join(m.Tags, " "),
		"computer": m.Computer, "channel": m.Channel, "event_id": m.EventID, "file": m.File, "record": m.Record,
		"details": m.Details, "data_type": "renkei:hunt:match",
	}
	for k, v := range m.Fields {
		if _, taken := line[k]; !taken {
			line[k] = v
		}
	}
	return line, true
}

// summary says on stderr what the output left out.
func (mw *matchWriter) summary(g *globals) {
	if mw.untimed > 0 {
		g.tell(g.stderr, i18n.M("cli.hunt.untimed", strconv.Itoa(mw.untimed)))
	}
}

func (mw *matchWriter) close() error {
	if mw.err != nil {
		return mw.err
	}
	if mw.sorted {
		byTime(mw.pending)
	}
	switch mw.format {
	case "jsonl", "timesketch":
		for _, m := range mw.pending {
			if mw.put(m); mw.err != nil {
				return mw.err
			}
		}
	case "csv":
		for _, m := range mw.pending {
			if mw.put(m); mw.err != nil {
				return mw.err
			}
		}
		mw.csv.Flush()
		return mw.csv.Error()
	case "timeline":
		tw := bufio.NewWriter(mw.w)
		fmt.Fprintf(tw, "%-27s %-13s %-20s %-45s %s\n", "TIME", "LEVEL", "COMPUTER", "CHANNEL / EVENT", "RULE  (FILE:RECORD)  DETAILS")
		for _, m := range mw.pending {
			where := m.Channel
			if m.EventID != "" {
				where += " / " + m.EventID
			}
			fmt.Fprintf(tw, "%-27s %-13s %-20s %-45s %s  (%s:%d)  %s\n", m.Timestamp, m.Level, m.Computer, where, m.RuleTitle, m.File, m.Record, m.Details)
		}
		return tw.Flush()
	}
	return nil
}

func firstN(a []string, n int) []string {
	if len(a) <= n {
		return a
	}
	return append(append([]string(nil), a[:n]...), fmt.Sprintf("+%d", len(a)-n))
}
