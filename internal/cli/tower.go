package cli

// The command tower's daily work: incident reports, the critical-computer
// register, cases, advisories and requests, consultations, the operating
// picture. Each command acts as the user named by --as, with that user's
// role and organization, exactly as the API would for that user's token.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"renkei/internal/advisory"
	"renkei/internal/auth"
	"renkei/internal/cases"
	"renkei/internal/consult"
	"renkei/internal/cop"
	"renkei/internal/hub"
	"renkei/internal/incident"
	"renkei/internal/notify"
	"renkei/internal/policy"
)

// towerSession is what a tower command works with.
type towerSession struct {
	h      *hub.Hub
	caller auth.Caller
	viewer policy.Viewer
}

// tower opens the store and the hub and acts as login.
func (g *globals) tower(ctx context.Context, login string) (*towerSession, func(), error) {
	if login == "" {
		return nil, nil, fmt.Errorf("--as LOGIN is required: the user on whose behalf to act")
	}
	db, err := g.openStore(ctx)
	if err != nil {
		return nil, nil, err
	}
	h, err := hub.New(ctx, db, nil)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	c, err := incident.Caller(ctx, db, login)
	if err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("--as %s: %w", login, err)
	}
	v, err := h.Viewer(ctx, c)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return &towerSession{h: h, caller: c, viewer: v}, func() { db.Close() }, nil
}

func jstTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(incident.JST).Format("2006-01-02 15:04 JST")
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func argID(s string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimPrefix(s, "#"), 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("%q is not an id", s)
	}
	return id, nil
}

func newReportCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "report", Short: "Incident reports (Art. 5, sector-law, personal-data, disclosure) and their deadlines"}
	var as string
	cmd.PersistentFlags().StringVar(&as, "as", "", "act as this user (login)")
	file := &cobra.Command{
		Use:   "file FILE.json|-",
		Short: "File a report from JSON: a new incident's initial report, or a follow-up",
		Long: `File a report. The JSON is the API's (docs/reports.md): a new incident names the
reports it owes in "duties" and starts with its initial report; a follow-up gives
"incident". Every problem is reported at its field and nothing is saved. STIX
objects in "stix" enter the hub under the incident's TLP. Deadlines print in JST.`,
		Example: `  renkei report file --as mizu ransomware.json
  echo '{"incident":3,"type":"art5","stage":"final","what_happened":"…","current_status":"recovered"}' | renkei report file --as mizu -`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var r io.Reader = g.stdin
			if args[0] != "-" {
				f, err := os.Open(args[0])
				if err != nil {
					return err
				}
				defer f.Close()
				r = f
			}
			var f incident.Filing
			dec := json.NewDecoder(io.LimitReader(r, 64<<20))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&f); err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			ts, done, err := g.tower(cmd.Context(), as)
			if err != nil {
				return err
			}
			defer done()
			svc := incident.New(ts.h)
			rep, err := svc.File(cmd.Context(), ts.caller, f)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			inc, err := svc.Get(cmd.Context(), ts.viewer, rep.IncidentID)
			if err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "incident %d report %d (%s %s) filed\n", inc.ID, rep.ID, rep.Type, rep.Stage)
			if rep.STIXStatus != "" {
				fmt.Fprintf(g.stdout, "STIX objects: %d stored, %d refused\n", rep.STIXStored, rep.STIXFailed)
				for _, e := range rep.STIXErrors {
					fmt.Fprintf(g.stderr, "  %s\n", e)
				}
			}
			return printDeadlines(g.stdout, inc.Deadlines, ts.h.Now())
		},
	}
	var overdue bool
	list := &cobra.Command{
		Use:     "list",
		Short:   "List the incidents you may see (yours; every member's for the center)",
		Example: "  renkei report list --as kanshi --overdue",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ts, done, err := g.tower(cmd.Context(), as)
			if err != nil {
				return err
			}
			defer done()
			l, err := incident.New(ts.h).List(cmd.Context(), ts.viewer, incident.Query{OverdueOnly: overdue})
			if err != nil {
				return err
			}
			now := ts.h.Now()
			tw := tabwriter.NewWriter(g.stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tCATEGORY\tTITLE\tAWARE\tNEXT DUE\tOVERDUE")
			for _, i := range l {
				next, od := "—", 0
				for _, d := range i.Deadlines {
					if d.Met.IsZero() && next == "—" {
						next = d.Type + "/" + d.Stage + " " + jstTime(d.Due)
					}
					if d.Overdue(now) {
						od++
					}
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\n", i.ID, i.Category, i.Title, jstTime(i.AwareAt), next, od)
			}
			return tw.Flush()
		},
	}
	list.Flags().BoolVar(&overdue, "overdue", false, "only incidents with an overdue report")
	var asJSON bool
	show := &cobra.Command{
		Use:     "show INCIDENT",
		Short:   "Show an incident: its reports and each deadline",
		Example: "  renkei report show --as mizu 3 --json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := argID(args[0])
			if err != nil {
				return err
			}
			ts, done, err := g.tower(cmd.Context(), as)
			if err != nil {
				return err
			}
			defer done()
			inc, err := incident.New(ts.h).Get(cmd.Context(), ts.viewer, id)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(g.stdout, inc)
			}
			fmt.Fprintf(g.stdout, "incident %d: %s (%s, %s)\ndetected %s, aware %s\n", inc.ID, inc.Title, inc.Category, inc.TLP.Label(), jstTime(inc.DetectedAt), jstTime(inc.AwareAt))
			for _, r := range inc.Reports {
				fmt.Fprintf(g.stdout, "report %d %s/%s filed %s: %s [%s]\n", r.ID, r.Type, r.Stage, jstTime(r.Filed), r.WhatHappened, r.CurrentStatus)
			}
			return printDeadlines(g.stdout, inc.Deadlines, ts.h.Now())
		},
	}
	show.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	check := &cobra.Command{
		Use:   "check-overdue",
		Short: "Alert reporters and the center of reports that became overdue (run every few minutes)",
		Long: `Raise one alert to the reporting organization and one to the center for each
report deadline that has passed unmet since the last run. Safe to run from cron or
from several nodes at once: each deadline is alerted once.`,
		Example: "  renkei report check-overdue",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := g.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			h, err := hub.New(cmd.Context(), db, nil)
			if err != nil {
				return err
			}
			n, err := incident.New(h).AlertOverdue(cmd.Context(), time.Now().UTC())
			if err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "%d overdue report(s) alerted\n", n)
			return nil
		},
	}
	types := &cobra.Command{
		Use:   "types",
		Short: "Show the report types and their deadlines (the embedded deadlines.yaml)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			tw := tabwriter.NewWriter(g.stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "TYPE\tSTAGE\tDEADLINE\tNAME")
			for _, t := range incident.DefaultDeadlines().Types {
				for _, s := range t.Stages {
					d := "—"
					if s.Within > 0 {
						d = "within " + strings.TrimSuffix(strings.TrimSuffix(s.Within.String(), "0s"), "0m")
					} else if s.Days > 0 {
						d = fmt.Sprintf("%d days (to 24:00 JST)", s.Days)
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s %s / %s\n", t.ID, s.Stage, d, t.JA, s.JA, s.EN)
				}
			}
			return tw.Flush()
		},
	}
	cmd.AddCommand(file, list, show, check, types)
	return cmd
}

func printDeadlines(w io.Writer, dl []incident.Deadline, now time.Time) error {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "REPORT\tSTAGE\tDUE\tSTATE")
	for _, d := range dl {
		state := "owed"
		switch {
		case d.Late():
			state = fmt.Sprintf("filed late (report %d)", d.MetBy)
		case !d.Met.IsZero():
			state = fmt.Sprintf("filed (report %d)", d.MetBy)
		case d.Overdue(now):
			state = "OVERDUE"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", d.Type, d.Stage, jstTime(d.Due), state)
	}
	return tw.Flush()
}

func newComputerCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "computer", Short: "The critical-computer register (特定重要電子計算機, Art. 4)"}
	var as string
	var cc incident.Computer
	cmd.PersistentFlags().StringVar(&as, "as", "", "act as this user (login)")
	add := &cobra.Command{
		Use:     "add",
		Short:   "Register a critical computer of your organization, with the ministry notified",
		Example: `  renkei computer add --as mizu --name "SCADA master" --function "purification control" --ministry 国土交通省 --vendor Yokogawa --product "CENTUM VP"`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ts, done, err := g.tower(cmd.Context(), as)
			if err != nil {
				return err
			}
			defer done()
			got, err := incident.New(ts.h).Register(cmd.Context(), ts.caller, cc)
			if err != nil {
				return err
			}
			fmt.Fprintln(g.stdout, got.ID)
			return nil
		},
	}
	for _, c := range []*cobra.Command{add} {
		c.Flags().StringVar(&cc.Name, "name", "", "name (required)")
		c.Flags().StringVar(&cc.Function, "function", "", "what it does for the service (required)")
		c.Flags().StringVar(&cc.Ministry, "ministry", "", "sector ministry receiving the notice (required)")
		c.Flags().StringVar(&cc.Location, "location", "", "site")
		c.Flags().StringVar(&cc.Vendor, "vendor", "", "vendor")
		c.Flags().StringVar(&cc.Product, "product", "", "product and version")
	}
	var upd incident.Computer
	var change string
	var retire bool
	chg := &cobra.Command{
		Use:     "change ID",
		Short:   "Record a change to a critical computer (or --retire it) and its notice",
		Example: `  renkei computer change --as mizu 4 --product "CENTUM VP R6" --change "upgraded to R6"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := argID(args[0])
			if err != nil {
				return err
			}
			ts, done, err := g.tower(cmd.Context(), as)
			if err != nil {
				return err
			}
			defer done()
			_, err = incident.New(ts.h).Change(cmd.Context(), ts.caller, id, upd, change, retire)
			return err
		},
	}
	chg.Flags().StringVar(&upd.Name, "name", "", "new name")
	chg.Flags().StringVar(&upd.Function, "function", "", "new function")
	chg.Flags().StringVar(&upd.Ministry, "ministry", "", "new ministry")
	chg.Flags().StringVar(&upd.Location, "location", "", "new site")
	chg.Flags().StringVar(&upd.Vendor, "vendor", "", "new vendor")
	chg.Flags().StringVar(&upd.Product, "product", "", "new product and version")
	chg.Flags().StringVar(&change, "change", "", "the change as notified (required)")
	chg.Flags().BoolVar(&retire, "retire", false, "end the registration")
	var sector string
	list := &cobra.Command{
		Use:     "list",
		Short:   "List the register: your organization's, or by sector for the center",
		Example: "  renkei computer list --as kanshi --sector water",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ts, done, err := g.tower(cmd.Context(), as)
			if err != nil {
				return err
			}
			defer done()
			l, err := incident.New(ts.h).Computers(cmd.Context(), ts.viewer, sector, false)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(g.stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSECTOR\tORGANIZATION\tNAME\tFUNCTION\tPRODUCT\tMINISTRY\tUPDATED")
			for _, c := range l {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s %s\t%s\t%s\n", c.ID, c.Sector, c.OrgName, c.Name, c.Function, c.Vendor, c.Product, c.Ministry, jstTime(c.Updated))
			}
			return tw.Flush()
		},
	}
	list.Flags().StringVar(&sector, "sector", "", "only this sector")
	cmd.AddCommand(add, chg, list)
	return cmd
}

func newCaseCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "case", Short: "The center's cases: assignee, status, severity, timeline, links"}
	var as string
	cmd.PersistentFlags().StringVar(&as, "as", "", "act as this user (login)")
	var k cases.Case
	open := &cobra.Command{
		Use:     "open",
		Short:   "Open a case, from a report, alert or consultation (--source report:ID)",
		Example: `  renkei case open --as kanshi --title "Ransomware at Suido Water" --severity high --source report:3 --assignee sato`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ts, done, err := g.tower(cmd.Context(), as)
			if err != nil {
				return err
			}
			defer done()
			got, err := (&cases.Service{Hub: ts.h}).Open(cmd.Context(), ts.caller, k)
			if err != nil {
				return err
			}
			fmt.Fprintln(g.stdout, got.ID)
			return nil
		},
	}
	open.Flags().StringVar(&k.Title, "title", "", "title (required)")
	open.Flags().StringVar(&k.Severity, "severity", "medium", "low, medium, high or critical")
	open.Flags().StringVar(&k.Source, "source", "", "report:<incident>, alert:<id> or consult:<id>")
	open.Flags().StringVar(&k.Assignee, "assignee", "", "login of a center analyst")
	var act cases.Act
	var link string
	actCmd := &cobra.Command{
		Use:     "act ID",
		Short:   "Change a case's status, severity or assignee, add a note or a link",
		Example: `  renkei case act --as sato 7 --status responding --note "Isolation advised" --shared`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := argID(args[0])
			if err != nil {
				return err
			}
			if link != "" {
				kind, ref, ok := strings.Cut(link, ":")
				if !ok {
					return fmt.Errorf("--link %q: want KIND:REF, e.g. object:indicator--…", link)
				}
				act.Link = &cases.Link{Kind: kind, Ref: ref}
			}
			ts, done, err := g.tower(cmd.Context(), as)
			if err != nil {
				return err
			}
			defer done()
			got, err := (&cases.Service{Hub: ts.h}).Do(cmd.Context(), ts.caller, id, act)
			if err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "case %d: %s, %s, %s\n", got.ID, got.Status, got.Severity, got.Assignee)
			return nil
		},
	}
	actCmd.Flags().StringVar(&act.Status, "status", "", strings.Join(cases.Statuses, ", "))
	actCmd.Flags().StringVar(&act.Severity, "severity", "", "new severity")
	actCmd.Flags().StringVar(&act.Assignee, "assignee", "", "new assignee")
	actCmd.Flags().StringVar(&act.Note, "note", "", "a note for the timeline")
	actCmd.Flags().BoolVar(&act.Shared, "shared", false, "show the note to the reporting organization")
	actCmd.Flags().StringVar(&link, "link", "", "link KIND:REF (object, org, report, alert, consult)")
	var openOnly bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List cases you may see",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ts, done, err := g.tower(cmd.Context(), as)
			if err != nil {
				return err
			}
			defer done()
			l, err := (&cases.Service{Hub: ts.h}).List(cmd.Context(), ts.viewer, cases.Query{OpenOnly: openOnly})
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(g.stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSTATUS\tSEVERITY\tASSIGNEE\tSOURCE\tTITLE\tUPDATED")
			for _, k := range l {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Status, k.Severity, k.Assignee, k.Source, k.Title, jstTime(k.Updated))
			}
			return tw.Flush()
		},
	}
	list.Flags().BoolVar(&openOnly, "open", false, "only cases not resolved or closed")
	show := &cobra.Command{
		Use:   "show ID",
		Short: "Show a case as JSON, as you may see it",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := argID(args[0])
			if err != nil {
				return err
			}
			ts, done, err := g.tower(cmd.Context(), as)
			if err != nil {
				return err
			}
			defer done()
			k, err := (&cases.Service{Hub: ts.h}).Get(cmd.Context(), ts.viewer, id)
			if err != nil {
				return err
			}
			return printJSON(g.stdout, k)
		},
	}
	cmd.AddCommand(open, actCmd, list, show)
	return cmd
}

func newAdvisoryCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "advisory", Short: "Advisories (注意喚起), correction requests (是正要求) and supplier requests"}
	var as string
	cmd.PersistentFlags().StringVar(&as, "as", "", "act as this user (login)")
	var a advisory.Advisory
	var due string
	publish := &cobra.Command{
		Use:   "publish",
		Short: "Publish to an audience with required actions and a due date",
		Long: `Publish an advisory (--kind advisory), a correction request to government agencies
(--kind correction, with --findings) or a request to suppliers (--kind supplier).
The audience is the union of --all, --sectors, --org-kinds and --orgs, fixed at
publication. The due date is RFC 3339 or "2026-12-01 17:00" in JST.`,
		Example: `  renkei advisory publish --as kanshi --title "Patch FortiOS" --action "apply 7.2.11" --action "rotate VPN credentials" --sectors energy,water --due "2026-12-01 17:00"
  renkei advisory publish --as kanshi --kind correction --title "MFA on remote access" --findings "…" --campaign "FY2026-1" --orgs "Digital Agency" --action "enforce MFA" --due 2027-01-31T17:00:00+09:00`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if due != "" {
				t, err := parseJST(due)
				if err != nil {
					return fmt.Errorf("--due: %w", err)
				}
				a.Due = t
			}
			ts, done, err := g.tower(cmd.Context(), as)
			if err != nil {
				return err
			}
			defer done()
			got, err := (&advisory.Service{Hub: ts.h}).Publish(cmd.Context(), ts.caller, a)
			if err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "%d\taddressed to %d organization(s), due %s\n", got.ID, got.Counts.Targets, jstTime(got.Due))
			return nil
		},
	}
	f := publish.Flags()
	f.StringVar(&a.Kind, "kind", "advisory", "advisory, correction or supplier")
	f.StringVar(&a.Title, "title", "", "title (required)")
	f.StringVar(&a.Body, "body", "", "text")
	f.StringVar(&a.Findings, "findings", "", "audit findings (correction requests)")
	f.StringVar(&a.Campaign, "campaign", "", "audit campaign")
	f.StringArrayVar(&a.Actions, "action", nil, "a required action (repeat)")
	f.StringVar(&a.Severity, "severity", "medium", "low, medium, high or critical")
	f.StringVar(&due, "due", "", "due date (required)")
	f.BoolVar(&a.Audience.All, "all", false, "every member organization")
	f.StringSliceVar(&a.Audience.Sectors, "sectors", nil, "sectors")
	f.StringSliceVar(&a.Audience.Kinds, "org-kinds", nil, "kinds of organization")
	f.StringSliceVar(&a.Audience.Orgs, "orgs", nil, "organizations by name or id")
	ack := &cobra.Command{
		Use:   "ack ID",
		Short: "Acknowledge an advisory for your organization",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := argID(args[0])
			if err != nil {
				return err
			}
			ts, done, err := g.tower(cmd.Context(), as)
			if err != nil {
				return err
			}
			defer done()
			return (&advisory.Service{Hub: ts.h}).Acknowledge(cmd.Context(), ts.caller, id)
		},
	}
	var evidence string
	complete := &cobra.Command{
		Use:     "complete ID",
		Short:   "Report your organization completed the required actions, with evidence",
		Example: `  renkei advisory complete --as gov 4 --evidence "MFA enforced 2026-11-25; config export in case 12"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := argID(args[0])
			if err != nil {
				return err
			}
			ts, done, err := g.tower(cmd.Context(), as)
			if err != nil {
				return err
			}
			defer done()
			return (&advisory.Service{Hub: ts.h}).Complete(cmd.Context(), ts.caller, id, evidence)
		},
	}
	complete.Flags().StringVar(&evidence, "evidence", "", "what was done (required for correction and supplier requests)")
	status := &cobra.Command{
		Use:   "status [ID]",
		Short: "Show advisories with exact acknowledgement and completion counts (one: per organization)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ts, done, err := g.tower(cmd.Context(), as)
			if err != nil {
				return err
			}
			defer done()
			svc := &advisory.Service{Hub: ts.h}
			tw := tabwriter.NewWriter(g.stdout, 2, 4, 2, ' ', 0)
			if len(args) == 1 {
				id, err := argID(args[0])
				if err != nil {
					return err
				}
				a, targets, err := svc.Get(cmd.Context(), ts.viewer, id)
				if err != nil {
					return err
				}
				fmt.Fprintf(g.stdout, "%s %d: %s — due %s — %d addressed, %d acknowledged, %d completed, %d overdue\n",
					a.Kind, a.ID, a.Title, jstTime(a.Due), a.Counts.Targets, a.Counts.Acknowledged, a.Counts.Completed, a.Counts.Overdue)
				fmt.Fprintln(tw, "ORGANIZATION\tACKNOWLEDGED\tCOMPLETED\tEVIDENCE")
				for _, t := range targets {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.OrgName, jstTime(t.Acked), jstTime(t.Completed), t.Evidence)
				}
				return tw.Flush()
			}
			l, err := svc.List(cmd.Context(), ts.viewer, advisory.ListQuery{})
			if err != nil {
				return err
			}
			fmt.Fprintln(tw, "ID\tKIND\tTITLE\tDUE\tADDRESSED\tACKNOWLEDGED\tCOMPLETED\tOVERDUE")
			for _, a := range l {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%d\t%d\t%d\n", a.ID, a.Kind, a.Title, jstTime(a.Due), a.Counts.Targets, a.Counts.Acknowledged, a.Counts.Completed, a.Counts.Overdue)
			}
			return tw.Flush()
		},
	}
	cmd.AddCommand(publish, ack, complete, status)
	return cmd
}

// parseJST reads RFC 3339, or a date and time without zone taken as JST.
func parseJST(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	for _, f := range []string{"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(f, s, incident.JST); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time (RFC 3339, or 2026-12-01 17:00 in JST)", s)
}

func newConsultCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "consult", Short: "Consultation and support requests to the center or a support organization"}
	var as string
	cmd.PersistentFlags().StringVar(&as, "as", "", "act as this user (login)")
	var kind, subject, body, handler string
	ask := &cobra.Command{
		Use:     "ask",
		Short:   "Ask the center (or --handler, a support organization) for help",
		Example: `  renkei consult ask --as town --kind support --subject "VPN alert" --body "How do we check for compromise?"`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ts, done, err := g.tower(cmd.Context(), as)
			if err != nil {
				return err
			}
			defer done()
			r, err := (&consult.Service{Hub: ts.h}).Ask(cmd.Context(), ts.caller, kind, subject, body, handler)
			if err != nil {
				return err
			}
			fmt.Fprintln(g.stdout, r.ID)
			return nil
		},
	}
	ask.Flags().StringVar(&kind, "kind", "consultation", "consultation or support")
	ask.Flags().StringVar(&subject, "subject", "", "subject (required)")
	ask.Flags().StringVar(&body, "body", "", "the question (required)")
	ask.Flags().StringVar(&handler, "handler", "", "a support organization instead of the center")
	var rkind, rbody, to string
	reply := &cobra.Command{
		Use:     "reply ID",
		Short:   "Answer, ask a follow-up, hand off (--kind handoff --to ORG), consent to or decline a hand-off, or close a request",
		Example: `  renkei consult reply --as kanshi 3 --kind handoff --to "Kanto Support Desk"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := argID(args[0])
			if err != nil {
				return err
			}
			ts, done, err := g.tower(cmd.Context(), as)
			if err != nil {
				return err
			}
			defer done()
			r, err := (&consult.Service{Hub: ts.h}).Reply(cmd.Context(), ts.caller, id, rkind, rbody, to)
			if err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "request %d: %s", r.ID, r.Status)
			if r.Step != "" && r.Step != rkind {
				fmt.Fprintf(g.stdout, " (%s)", r.Step)
			}
			fmt.Fprintln(g.stdout)
			return nil
		},
	}
	reply.Flags().StringVar(&rkind, "kind", "answer", "answer, question, handoff, consent, decline or close")
	reply.Flags().StringVar(&rbody, "body", "", "the text")
	reply.Flags().StringVar(&to, "to", "", "organization to hand the request to")
	list := &cobra.Command{
		Use:   "list",
		Short: "List the requests you may see",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ts, done, err := g.tower(cmd.Context(), as)
			if err != nil {
				return err
			}
			defer done()
			l, err := (&consult.Service{Hub: ts.h}).List(cmd.Context(), ts.viewer, "", 0)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(g.stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tKIND\tSTATUS\tSUBJECT\tUPDATED")
			for _, r := range l {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", r.ID, r.Kind, r.Status, r.Subject, jstTime(r.Updated))
			}
			return tw.Flush()
		},
	}
	cmd.AddCommand(ask, reply, list)
	cmd.AddCommand(newConsultDesignateCmds(g, &as)...)
	return cmd
}

func newCOPCmd(g *globals) *cobra.Command {
	var as string
	var days int
	var csvOut bool
	cmd := &cobra.Command{
		Use:   "cop",
		Short: "The common operating picture's figures, as JSON or CSV (the center: every member; others: their own)",
		Long: `Print the common operating picture: incidents and alerts per JST day, incidents by
sector, kind of organization and category, open advisories and their completion,
overdue reports, open cases and consultations.`,
		Example: "  renkei cop --as kanshi --days 30 --csv > cop.csv",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ts, done, err := g.tower(cmd.Context(), as)
			if err != nil {
				return err
			}
			defer done()
			f, err := cop.Compute(cmd.Context(), ts.h, ts.viewer, cop.Window(ts.h.Now(), days))
			if err != nil {
				return err
			}
			if csvOut {
				return f.WriteCSV(g.stdout)
			}
			return printJSON(g.stdout, f)
		},
	}
	cmd.Flags().StringVar(&as, "as", "", "act as this user (login)")
	cmd.Flags().IntVar(&days, "days", 30, "days to cover")
	cmd.Flags().BoolVar(&csvOut, "csv", false, "print CSV (figure,date,group,value)")
	return cmd
}

func newNotifyCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "notify", Short: "E-mail of alerts: SMTP server, addresses and digest preference per organization"}
	var cfg notify.SMTP
	var pwStdin bool
	smtpCmd := &cobra.Command{
		Use:   "smtp",
		Short: "Configure the SMTP server alerts are mailed through (hub operator)",
		Long: `Configure the SMTP server. STARTTLS is used whenever the server offers it; with
--user, AUTH PLAIN is used (only over TLS or to localhost).`,
		Example: `  renkei notify smtp --addr mail.example.jp:587 --from renkei@example.jp --user renkei --password-stdin < pw.txt`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if pwStdin {
				b, err := io.ReadAll(io.LimitReader(g.stdin, 4096))
				if err != nil {
					return err
				}
				cfg.Password = strings.TrimRight(string(b), "\r\n")
			}
			db, err := g.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			return (&notify.Notifier{DB: db}).SetSMTP(cmd.Context(), cfg)
		},
	}
	smtpCmd.Flags().StringVar(&cfg.Addr, "addr", "", "host:port (required)")
	smtpCmd.Flags().StringVar(&cfg.From, "from", "", "sender address (required)")
	smtpCmd.Flags().StringVar(&cfg.User, "user", "", "AUTH user")
	smtpCmd.Flags().BoolVar(&pwStdin, "password-stdin", false, "read the AUTH password from standard input")
	var emails, digest string
	set := &cobra.Command{
		Use:     "set ORG",
		Short:   "Set an organization's addresses and digest preference (immediate or daily)",
		Example: `  renkei notify set "Minato City" --emails joho@city.example.jp --digest daily`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			list, err := notify.ParseEmails(emails)
			if err != nil {
				return fmt.Errorf("--emails: %w", err)
			}
			db, err := g.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			o, err := db.Org(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return (&notify.Notifier{DB: db}).SetPref(cmd.Context(), o.ID, list, digest)
		},
	}
	set.Flags().StringVar(&emails, "emails", "", "comma-separated addresses (empty: no e-mail)")
	set.Flags().StringVar(&digest, "digest", notify.Immediate, "immediate or daily")
	run := &cobra.Command{
		Use:   "run",
		Short: "Mail what is due now (run every minute or so from cron or a timer)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := g.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			res, err := (&notify.Notifier{DB: db}).Run(cmd.Context(), time.Now().UTC())
			if err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "%d mail(s) with %d alert(s) sent, %d organization(s) failed\n", res.Mails, res.Alerts, res.Failed)
			if res.Failed > 0 {
				return exitError{code: 2, msg: "some mail could not be sent; it will be retried on the next run"}
			}
			return nil
		},
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "List e-mail preferences",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := g.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			ps, err := (&notify.Notifier{DB: db}).Prefs(cmd.Context())
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(g.stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ORG\tDIGEST\tEMAILS\tLAST SENT")
			for _, p := range ps {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.OrgID, p.Digest, strings.Join(p.Emails, ","), jstTime(p.LastSent))
			}
			return tw.Flush()
		},
	}
	cmd.AddCommand(smtpCmd, set, run, list)
	return cmd
}
