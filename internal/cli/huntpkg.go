package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"renkei/internal/client"
	"renkei/internal/hunt"
	"renkei/internal/huntpkg"
	"renkei/internal/i18n"
)

// hubFlags are how a member reaches the hub.
type hubFlags struct {
	hub, token string
}

func (h *hubFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&h.hub, "hub", "", "")
	cmd.Flags().StringVar(&h.token, "token", "", "")
	flagUsage(cmd.Flags(), "hub", i18n.M("cli.help.flags.member_hub"))
	flagUsage(cmd.Flags(), "token", i18n.M("cli.help.flags.member_token"))
}

func (h *hubFlags) client() (*client.Client, error) {
	if h.hub == "" || h.token == "" {
		return nil, refuse(i18n.M("cli.hub.needed"))
	}
	return &client.Client{Hub: h.hub, Token: h.token}, nil
}

func newHuntPackageCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use: "hunt-package",
	}
	cmd.AddCommand(newHuntPackagePublishCmd(g), newHuntPackageListCmd(g), newHuntPackageCoverageCmd(g))
	return cmd
}

func newHuntPackagePublishCmd(g *globals) *cobra.Command {
	var h hubFlags
	var in client.PublishRequest
	var rules []string
	var indicators, scope string
	cmd := &cobra.Command{
		Use:  "publish --title T --rules DIR [--indicators FILE] --scope S --tlp L",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := h.client()
			if err != nil {
				return err
			}
			if len(rules) == 0 && indicators == "" {
				return refuse(i18n.M("cli.huntpkg.nothing_to_publish"))
			}
			for _, r := range rules {
				files, err := readRuleFiles(r)
				if err != nil {
					return err
				}
				in.Rules = append(in.Rules, files...)
			}
			if indicators != "" {
				f, err := g.openInput(indicators)
				if err != nil {
					return fmt.Errorf("indicators: %w", err)
				}
				in.Indicators, err = huntpkg.ReadIndicatorList(f, indicators)
				f.Close()
				if err != nil {
					return err
				}
			}
			in.Scope = strings.Split(scope, ",")
			res, err := c.PublishPackage(cmd.Context(), in)
			if err != nil {
				var ae *client.APIError
				if errors.As(err, &ae) {
					for _, le := range ae.Body.NotLoaded {
						fmt.Fprintln(g.stderr, "  "+g.say(i18n.M("cli.huntpkg.rule_at", le.File, strconv.Itoa(le.Line), le.RuleID, le.Reason)))
					}
				}
				return err
			}
			for _, le := range res.NotLoaded {
				g.tell(g.stderr, i18n.M("cli.huntpkg.not_loaded", g.say(i18n.M("cli.huntpkg.rule_at", le.File, strconv.Itoa(le.Line), le.RuleID, le.Reason))))
			}
			g.tell(g.stderr, i18n.M("cli.huntpkg.published", strconv.Itoa(res.RulesLoaded), strconv.Itoa(len(in.Indicators)), strconv.Itoa(res.AlertedOrgs)))
			fmt.Fprintf(g.stderr, "%s\n  renkei hunt --package %s --hub %s --token TOKEN LOGS...\n", g.say(i18n.M("cli.huntpkg.members_run")), res.ID, h.hub)
			fmt.Fprintln(g.stdout, res.ID)
			return nil
		},
	}
	h.add(cmd)
	f := cmd.Flags()
	f.StringVar(&in.Title, "title", "", "")
	f.StringVar(&in.Description, "description", "", "")
	f.StringArrayVar(&rules, "rules", nil, "")
	f.StringVar(&indicators, "indicators", "", "")
	f.StringVar(&scope, "scope", "", "")
	f.StringVar(&in.TLP, "tlp", "amber", "")
	f.BoolVar(&in.AllowUnloaded, "allow-unloaded", false, "")
	return cmd
}

// readRuleFiles reads a Sigma rule file, or every .yml/.yaml file under a folder.
func readRuleFiles(path string) ([]huntpkg.RuleFile, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("rules: %w", err)
	}
	var out []huntpkg.RuleFile
	read := func(p, name string) error {
		b, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("rules: %w", err)
		}
		out = append(out, huntpkg.RuleFile{Name: filepath.ToSlash(name), YAML: string(b)})
		return nil
	}
	if !st.IsDir() {
		return out, read(path, filepath.Base(path))
	}
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !(strings.HasSuffix(p, ".yml") || strings.HasSuffix(p, ".yaml")) {
			return nil
		}
		rel, _ := filepath.Rel(path, p)
		return read(p, rel)
	})
	if err == nil && len(out) == 0 {
		err = refuse(i18n.M("cli.huntpkg.no_rule_files", path))
	}
	return out, err
}

func newHuntPackageListCmd(g *globals) *cobra.Command {
	var h hubFlags
	var format string
	cmd := &cobra.Command{
		Use:  "list",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := h.client()
			if err != nil {
				return err
			}
			list, err := c.HuntingPackages(cmd.Context())
			if err != nil {
				return err
			}
			tw := newTableAs(g.stdout, format)
			fmt.Fprintln(tw, "ID\tTLP\tCREATED\tPUBLISHER\tFOR YOU\tRAN\tTITLE")
			for _, p := range list {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.ID, p.TLP, p.Created.Format("2006-01-02"), p.PublisherName, yesNo(p.InScope), yesNo(p.RanByMe), p.Title)
			}
			return tw.Flush()
		},
	}
	h.add(cmd)
	formatFlag(cmd, &format, formatTable, formatJSON, formatCSV)
	return cmd
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "-"
}

func newHuntPackageCoverageCmd(g *globals) *cobra.Command {
	var h hubFlags
	cmd := &cobra.Command{
		Use:  "coverage ID",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := h.client()
			if err != nil {
				return err
			}
			cov, err := c.Coverage(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			g.tell(g.stdout, i18n.M("cli.huntpkg.coverage", cov.Package.Title, string(cov.Package.TLP), strconv.Itoa(cov.Ran), strconv.Itoa(cov.InScope),
				strconv.Itoa(cov.NotRan), fmt.Sprint(cov.Events), fmt.Sprint(cov.Hits)))
			fmt.Fprintln(g.stdout)
			tw := newTable(g.stdout)
			fmt.Fprintln(tw, "ORGANIZATION\tSECTOR\tIN SCOPE\tRAN\tLAST RUN\tEVENTS\tHITS")
			for _, o := range cov.Orgs {
				last := "-"
				if o.Ran {
					last = o.LastRun.Format(time.RFC3339)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\n", o.Name, o.Sector, yesNo(o.InScope), yesNo(o.Ran), last, o.Events, o.Hits)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			if len(cov.Rules) > 0 {
				fmt.Fprintln(g.stdout)
				g.tell(g.stdout, i18n.M("cli.huntpkg.hits_per_rule"))
				for _, r := range cov.Rules {
					fmt.Fprintf(g.stdout, "  %8d  %s  %s\n", r.Hits, r.RuleID, r.Title)
				}
			}
			return nil
		},
	}
	h.add(cmd)
	return cmd
}

// packageFlags are the flags `renkei hunt` gets for running a package.
type packageFlags struct {
	hubFlags
	gate          gateFlags // the offline export gate the package's indicators pass again
	id            string
	key           string
	reportMatches bool
	noReport      bool
}

// withPackageFlags adds --package and its companions to `renkei hunt`: with
// --package the rules come from a signed package on the hub instead of --rules.
func withPackageFlags(g *globals, f *huntFlags, cmd *cobra.Command) *cobra.Command {
	pf := &packageFlags{}
	fl := cmd.Flags()
	fl.StringVar(&pf.id, "package", "", "")
	pf.hubFlags.add(cmd)
	fl.StringVar(&pf.key, "hub-key", "", "")
	fl.BoolVar(&pf.reportMatches, "report-matches", false, "")
	fl.BoolVar(&pf.noReport, "no-report", false, "")
	pf.gate.add(cmd)
	plain := cmd.RunE
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if pf.id == "" {
			return plain(cmd, args)
		}
		if len(f.rules) > 0 {
			return refuse(i18n.M("cli.huntpkg.package_or_rules"))
		}
		return runHuntPackage(cmd.Context(), g, f, pf, args)
	}
	return cmd
}

func runHuntPackage(ctx context.Context, g *globals, f *huntFlags, pf *packageFlags, logs []string) error {
	if err := f.checkOutput(); err != nil {
		return err
	}
	c, err := pf.client()
	if err != nil {
		return err
	}
	if len(logs) == 0 {
		return refuse(i18n.M("cli.hunt.no_logs"))
	}
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	p, err := c.FetchPackage(ctx, pf.id, pf.key)
	if err != nil {
		return err
	}
	g.tell(g.stderr, i18n.M("cli.huntpkg.fetched", p.Title, p.PublisherName, string(p.TLP), strconv.Itoa(len(p.Rules)), strconv.Itoa(len(p.Indicators))))
	if err := screenPackage(g, p, &pf.gate); err != nil {
		return err
	}
	opt := hunt.EngineOptions{MinLevel: f.minLevel}
	if f.mapping != "" {
		if opt.Mapping, err = hunt.LoadMapping(f.mapping); err != nil {
			return err
		}
	}
	e, err := p.Engine(opt)
	if err != nil {
		return err
	}
	inputs, total, errs := hunt.ListInputs(logs)
	for _, err := range errs {
		fmt.Fprintln(g.stderr, errorLine(nil, "hunt: "+err.Error()))
	}
	if len(inputs) == 0 {
		return refuse(i18n.M("cli.hunt.no_log_read"))
	}
	bar := newProgress(g.stderr, total, g.say(i18n.M("cli.hunt.progress")))
	out := bufio.NewWriterSize(g.stdout, 1<<16)
	w := newMatchWriter(out, f.output, f.sort == "time")
	lr, runErr := p.RunLocal(ctx, e, inputs, hunt.RunOptions{Workers: f.workers, MinLevel: f.minLevel, Stdin: g.stdin, Fields: f.fields,
		Progress: func(n int64) { _ = bar.Add64(n) }}, pf.reportMatches, w.write)
	_ = bar.Finish()
	if err := w.close(); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	if err := out.Flush(); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	if lr.Summary != nil {
		g.printSummary(e, lr.Summary)
	}
	w.summary(g)
	if runErr != nil {
		return runErr // an interrupted run is not reported: its counts would mislead
	}
	if pf.noReport {
		g.tell(g.stderr, i18n.M("cli.huntpkg.not_reported"))
		return nil
	}
	if lr.MatchesDropped > 0 {
		g.tell(g.stderr, i18n.M("cli.huntpkg.matches_dropped", strconv.Itoa(huntpkg.MaxMatches), fmt.Sprint(lr.MatchesDropped)))
	}
	run, err := c.ReportRun(ctx, p.ID, lr.Report)
	if err != nil {
		return fmt.Errorf("report to the hub: %w", err)
	}
	rules := lr.Report.Rules
	sort.SliceStable(rules, func(i, j int) bool { return rules[i].Hits > rules[j].Hits })
	what := i18n.M("cli.huntpkg.reported_counts")
	if pf.reportMatches {
		what = i18n.M("cli.huntpkg.reported_matches", strconv.Itoa(len(lr.Report.Matches)))
	}
	g.tell(g.stderr, i18n.M("cli.huntpkg.reported", run.PublicID, fmt.Sprint(run.Events), fmt.Sprint(run.Hits), i18n.Ref(what)))
	return nil
}

// screenPackage passes a verified package's indicators through the offline
// export gate again (the built-in warninglists, those --warninglists names,
// the thresholds of the flags) before hunting: the hub screened them with
// its own lists when the package was published, which the center may have
// switched off or the member may extend. Each indicator that would not
// pass is named on standard error with the gate's reason and left out of
// the sweep, as a sweep reports no match on a value the gate refuses.
func screenPackage(g *globals, p *huntpkg.Package, gf *gateFlags) error {
	gate, err := offlineGate(g, gf)
	if err != nil || gate == nil || len(p.Indicators) == 0 {
		return err
	}
	values := make([]string, len(p.Indicators))
	for i, in := range p.Indicators {
		values[i] = in.Value
	}
	out := gate.Screen(values)
	if len(out) == 0 {
		return nil
	}
	kept := p.Indicators[:0:0]
	for _, in := range p.Indicators {
		if why, refused := out[in.Value]; refused {
			fmt.Fprintln(g.stderr, g.say(i18n.M("cli.hunt.package_indicator_refused", in.Value, why)))
			continue
		}
		kept = append(kept, in)
	}
	fmt.Fprintln(g.stderr, g.say(i18n.M("cli.hunt.package_indicators_screened", strconv.Itoa(len(p.Indicators)-len(kept)), strconv.Itoa(len(p.Indicators)))))
	p.Indicators = kept
	return nil
}
