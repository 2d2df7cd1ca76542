package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"renkei/internal/app"
	"renkei/internal/i18n"
	"renkei/internal/incident"
)

func newReportCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "report"}
	var as string
	cmd.PersistentFlags().StringVar(&as, "as", "", "")
	flagUsage(cmd.PersistentFlags(), "as", i18n.M("cli.help.flags.as"))
	file := &cobra.Command{
		Use:  "file FILE.json|-",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := g.openInput(args[0])
			if err != nil {
				return err
			}
			defer r.Close()
			var f incident.Filing
			dec := json.NewDecoder(io.LimitReader(r, 64<<20))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&f); err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			return g.towerRun(cmd, as, func(ts *towerSession) error {
				svc := ts.app.Incidents
				rep, err := svc.File(cmd.Context(), ts.caller, f)
				if err != nil {
					return fmt.Errorf("%s: %w", args[0], err)
				}
				inc, err := svc.Get(cmd.Context(), ts.viewer, rep.IncidentPublicID)
				if err != nil {
					return err
				}
				g.tell(g.stdout, i18n.M("cli.report.filed", inc.PublicID, rep.PublicID, rep.Type, rep.Stage))
				if rep.STIXStatus != "" {
					g.tell(g.stdout, i18n.M("cli.report.stix", fmt.Sprint(rep.STIXStored), fmt.Sprint(rep.STIXFailed)))
					for _, e := range rep.STIXErrors {
						fmt.Fprintf(g.stderr, "  %s\n", e)
					}
				}
				return g.printDeadlines(inc.Deadlines, ts.h.Now())
			})
		},
	}
	var overdue bool
	var listFormat string
	list := &cobra.Command{
		Use:  "list",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.towerRun(cmd, as, func(ts *towerSession) error {
				l, err := ts.app.Incidents.List(cmd.Context(), ts.viewer, incident.Query{OverdueOnly: overdue})
				if err != nil {
					return err
				}
				now := ts.h.Now()
				tw := newTableAs(g.stdout, listFormat)
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
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\n", i.PublicID, i.Category, i.Title, jstTime(i.AwareAt), next, od)
				}
				return tw.Flush()
			})
		},
	}
	list.Flags().BoolVar(&overdue, "overdue", false, "")
	var format string
	show := &cobra.Command{
		Use:  "show INCIDENT",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id := args[0] // a public id, as the API and the console show it
			return g.towerRun(cmd, as, func(ts *towerSession) error {
				inc, err := ts.app.Incidents.Get(cmd.Context(), ts.viewer, id)
				if err != nil {
					return err
				}
				if format == formatJSON {
					return printJSON(g.stdout, inc)
				}
				g.tell(g.stdout, i18n.M("cli.report.incident", inc.PublicID, inc.Title, inc.Category, inc.TLP.Label(), jstTime(inc.DetectedAt), jstTime(inc.AwareAt)))
				for _, r := range inc.Reports {
					g.tell(g.stdout, i18n.M("cli.report.line", r.PublicID, r.Type, r.Stage, jstTime(r.Filed), r.WhatHappened, r.CurrentStatus))
				}
				return g.printDeadlines(inc.Deadlines, ts.h.Now())
			})
		},
	}
	formatFlag(show, &format, formatTable, formatJSON)
	check := &cobra.Command{
		Use:  "check-overdue",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := g.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			a, err := app.New(cmd.Context(), app.Deps{Store: db})
			if err != nil {
				return err
			}
			n, err := a.Incidents.AlertOverdue(cmd.Context(), time.Now().UTC())
			if err != nil {
				return err
			}
			g.tell(g.stdout, i18n.M("cli.report.overdue_alerted", fmt.Sprint(n)))
			return nil
		},
	}
	types := &cobra.Command{
		Use:  "types",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			tw := newTable(g.stdout)
			fmt.Fprintln(tw, "TYPE\tSTAGE\tDEADLINE\tNAME")
			for _, t := range incident.DefaultDeadlines().Types {
				for _, s := range t.Stages {
					d := "—"
					if s.Within > 0 {
						d = g.say(i18n.M("cli.report.within", strings.TrimSuffix(strings.TrimSuffix(s.Within.String(), "0s"), "0m")))
					} else if s.Days > 0 {
						d = g.say(i18n.M("cli.report.days", strconv.Itoa(s.Days)))
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s %s / %s\n", t.ID, s.Stage, d, t.JA, s.JA, s.EN)
				}
			}
			return tw.Flush()
		},
	}
	formatFlag(list, &listFormat, formatTable, formatJSON, formatCSV)
	cmd.AddCommand(file, list, show, check, types)
	return cmd
}

func (g *globals) printDeadlines(dl []incident.Deadline, now time.Time) error {
	tw := newTable(g.stdout)
	fmt.Fprintln(tw, "REPORT\tSTAGE\tDUE\tSTATE")
	for _, d := range dl {
		state := i18n.M("cli.report.owed")
		switch {
		case d.Late():
			state = i18n.M("cli.report.filed_late", d.MetByPublicID)
		case !d.Met.IsZero():
			state = i18n.M("cli.report.met", d.MetByPublicID)
		case d.Overdue(now):
			state = i18n.M("cli.report.overdue")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", d.Type, d.Stage, jstTime(d.Due), g.say(state))
	}
	return tw.Flush()
}
