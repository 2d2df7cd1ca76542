package cli

import (
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"renkei/internal/i18n"
	"renkei/internal/policy"
	"renkei/internal/vuln"
	"renkei/internal/vuln/sbom"
)

func newSBOMCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use: "sbom",
	}
	cmd.AddCommand(newSBOMScanCmd(g), newSBOMInspectCmd(g), newSBOMRegisterCmd(g))
	return cmd
}

func newSBOMScanCmd(g *globals) *cobra.Command {
	var (
		advisories []string
		format     string
		failOn     string
		showAll    bool
	)
	cmd := &cobra.Command{
		Use:  "scan FILE --advisories PATH...",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := vuln.FailOn(nil, failOn); err != nil {
				return err
			}
			switch format {
			case "table", "json", "vdr", "sarif":
			default:
				return refuse(i18n.M("cli.sbom.bad_format", format))
			}
			res, err := vuln.Scan(cmd.Context(), args[0], advisories)
			if err != nil {
				return err
			}
			for i, p := range res.Problems {
				if i == 20 && !showAll {
					g.note("sbom scan", i18n.M("cli.sbom.more_problems", strconv.Itoa(res.NProblems-20)))
					break
				}
				fmt.Fprintln(g.stderr, errorLine(nil, "sbom scan: "+p.String()))
			}
			switch format {
			case "json":
				err = vuln.WriteJSON(g.stdout, res.Findings)
			case "vdr":
				err = vuln.WriteVDR(g.stdout, res, time.Now())
			case "sarif":
				err = vuln.WriteSARIF(g.stdout, res)
			default:
				err = vuln.WriteTable(g.stdout, res.Findings)
				if err == nil {
					fmt.Fprintln(g.stdout, vuln.Summary(res))
				}
			}
			if err != nil {
				return err
			}
			if format != "table" {
				fmt.Fprintln(g.stderr, vuln.Summary(res))
			}
			if failOn != "" && len(res.Unread) > 0 {
				return refuse(i18n.M("cli.sbom.unread", failOn, strconv.Itoa(len(res.Unread)), res.Unread[0].String()))
			}
			if fail, _ := vuln.FailOn(res.Findings, failOn); fail {
				return exitError{code: 3, msg: g.say(i18n.M("cli.sbom.fail_on", failOn))}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&advisories, "advisories", nil, "")
	f.StringVar(&format, "format", "table", "")
	f.StringVar(&failOn, "fail-on", "", "")
	f.BoolVar(&showAll, "all-problems", false, "")
	return cmd
}

func newSBOMInspectCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:  "inspect FILE...",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			bad := 0
			for _, path := range args {
				doc, err := sbom.LoadFile(path)
				if err != nil {
					g.tell(g.stdout, i18n.M("cli.feeds.refused", path, strings.TrimPrefix(err.Error(), path+": ")))
					bad++
					continue
				}
				product := ""
				if doc.Product != nil {
					product = i18n.Ref(i18n.M("cli.sbom.product", doc.Product.Name, doc.Product.Version))
				}
				g.tell(g.stdout, i18n.M("cli.sbom.checked", path, doc.Describe(), strconv.Itoa(len(doc.Components)), product))
				byEco := map[string]int{}
				crypto := 0
				for _, c := range doc.Components {
					switch {
					case c.Crypto != nil:
						crypto++
					case c.Ecosystem != "":
						byEco[c.Ecosystem]++
					case c.CPEKey != "":
						byEco[g.say(i18n.M("cli.sbom.cpe_only"))]++
					default:
						byEco[g.say(i18n.M("cli.sbom.no_id"))]++
					}
				}
				var ecos []string
				for e, n := range byEco {
					ecos = append(ecos, fmt.Sprintf("%s %d", e, n))
				}
				sort.Strings(ecos)
				if len(ecos) > 0 {
					fmt.Fprintln(g.stdout, "  "+g.say(i18n.M("cli.sbom.by_ecosystem", strings.Join(ecos, ", "))))
				}
				if crypto > 0 {
					fmt.Fprintln(g.stdout, "  "+g.say(i18n.M("cli.sbom.crypto", strconv.Itoa(crypto))))
				}
				if v := doc.Vulnerabilities; v != nil {
					fmt.Fprintln(g.stdout, "  "+g.say(i18n.M("cli.sbom.vulnerabilities", strconv.Itoa(len(v.Advisories)), strconv.Itoa(len(v.Statements)))))
				}
				for _, p := range doc.Problems {
					fmt.Fprintln(g.stdout, "  "+g.say(i18n.M("cli.problem", p.String())))
				}
			}
			if bad > 0 {
				return refuse(i18n.M("cli.files_of_unread", strconv.Itoa(bad), strconv.Itoa(len(args))))
			}
			return nil
		},
	}
}

func newSBOMRegisterCmd(g *globals) *cobra.Command {
	var org, name string
	cmd := &cobra.Command{
		Use:  "register --org ORG FILE",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			data, err := g.readInput(args[0])
			if err != nil {
				return err
			}
			s, db, err := g.relevance(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			o, err := db.Org(ctx, org)
			if err != nil {
				return err
			}
			b, out, err := s.RegisterSBOM(ctx, policy.Operator(o.ID, o.IsCenter()), name, filepath.Base(args[0]), data)
			if err != nil {
				return err
			}
			g.printOutcome(g.say(i18n.M("cli.sbom.registered", b.PublicID, b.Name, b.Format, fmt.Sprint(b.Components), o.Name)), out)
			return nil
		},
	}
	cmd.Flags().StringVar(&org, "org", "", "")
	cmd.Flags().StringVar(&name, "name", "", "")
	cmd.MarkFlagRequired("org")
	return cmd
}
