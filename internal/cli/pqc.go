package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"renkei/internal/i18n"
	"renkei/internal/pqc"
)

// renkei pqc: post-quantum migration (issue 16). scan probes one endpoint
// from where it runs — the member-side probe of systems the hub cannot
// reach; the hub's own probes go only to registered, confirmed endpoints
// (package pqc's Service) — and classify reads a CBOM offline. Their help
// texts are catalog keys (cli.help.renkei.pqc.*).

func newPQCCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "pqc"}
	cmd.AddCommand(newPQCScanCmd(g), newPQCClassifyCmd(g))
	return cmd
}

// scanJSON is the one object `renkei pqc scan --format json` writes.
type scanJSON struct {
	pqc.Result
	Classification classificationJSON `json:"classification"`
	Findings       []pqc.Finding      `json:"findings"`
	DurationMS     float64            `json:"duration_ms"`
}

// classificationJSON is a classification with its reason in the reader's
// language.
type classificationJSON struct {
	Class     pqc.Class     `json:"class"`
	Algorithm string        `json:"algorithm,omitempty"`
	Reason    string        `json:"reason"`
	Reference pqc.Reference `json:"reference"`
}

func newPQCScanCmd(g *globals) *cobra.Command {
	var format, protocol, serverName string
	var timeout time.Duration
	var report bool
	var hub hubFlags
	cmd := &cobra.Command{
		Use:  "scan HOST:PORT",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			addr := args[0]
			_, port, err := pqc.CheckAddress(addr)
			if err != nil {
				return refuse(i18n.M("cli.pqc.bad_address", addr))
			}
			if protocol == "auto" {
				protocol = "tls"
				if port == 22 {
					protocol = "ssh"
				}
			}
			p := pqc.Prober{Timeout: timeout}
			var res pqc.Result
			switch protocol {
			case "tls":
				res, err = p.TLS(cmd.Context(), addr, serverName)
			case "ssh":
				res, err = p.SSH(cmd.Context(), addr)
			default:
				return refuse(i18n.M("cli.pqc.bad_protocol", protocol))
			}
			if err != nil {
				return err
			}
			if err := g.writeScan(cmd.Context(), res, format); err != nil {
				return err
			}
			if !report {
				return nil
			}
			c, err := hub.client()
			if err != nil {
				return err
			}
			got, err := c.PQCReportScan(cmd.Context(), res)
			if err != nil {
				return err
			}
			g.note("pqc scan", i18n.M("cli.pqc.reported", strconv.Itoa(got.Assets)))
			return nil
		},
	}
	formatFlag(cmd, &format, formatTable, formatJSON)
	f := cmd.Flags()
	f.StringVar(&protocol, "protocol", "auto", "")
	f.StringVar(&serverName, "server-name", "", "")
	f.DurationVar(&timeout, "timeout", 5*time.Second, "")
	f.BoolVar(&report, "report", false, "")
	hub.add(cmd)
	return cmd
}

// writeScan writes a probe's result: the groups, the version, the chain and
// the classification, for people or as one JSON object.
func (g *globals) writeScan(_ context.Context, res pqc.Result, format string) error {
	lang := g.language()
	assets := res.Assets()
	overall := pqc.Classification{Class: pqc.Unknown, Reason: i18n.M("pqc.reason.unreachable", res.Address)}
	if len(assets) > 0 {
		overall = assets[0].Classification
	}
	pqc.Rank(assets)
	var findings []pqc.Finding
	for _, a := range assets {
		findings = append(findings, pqc.FindingOf(a, lang))
	}
	if format == formatJSON {
		out := scanJSON{Result: res, Findings: findings, DurationMS: float64(res.Duration.Microseconds()) / 1000,
			Classification: classificationJSON{overall.Class, overall.Algorithm, overall.Reason.In(lang), overall.Reference}}
		if out.Findings == nil {
			out.Findings = []pqc.Finding{}
		}
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	g.tell(g.stdout, i18n.M("cli.pqc.endpoint", res.Address, res.Protocol, strconv.FormatFloat(res.Duration.Seconds(), 'f', 2, 64)))
	if !res.Reachable {
		g.tell(g.stdout, i18n.M("cli.pqc.unreachable", res.Error))
	}
	t := newTable(g.stdout)
	fmt.Fprintln(t, g.say(i18n.M("cli.pqc.col.group"))+"\t"+g.say(i18n.M("cli.pqc.col.accepted"))+"\t"+g.say(i18n.M("cli.pqc.col.version"))+"\t"+g.say(i18n.M("cli.pqc.col.suite")))
	for _, gr := range res.Groups {
		acc := g.say(i18n.M("cli.pqc.no"))
		if gr.Accepted {
			acc = g.say(i18n.M("cli.pqc.yes"))
		}
		fmt.Fprintf(t, "%s\t%s\t%s\t%s\n", gr.Name, acc, gr.Version, gr.Suite)
	}
	if err := t.Flush(); err != nil {
		return err
	}
	for _, c := range res.Chain {
		g.tell(g.stdout, i18n.M("cli.pqc.certificate", c.Subject, c.KeyAlgorithm, strconv.Itoa(c.KeySize), c.SignatureAlgorithm, c.NotAfter.Format(time.DateOnly)))
	}
	for _, k := range res.HostKeys {
		g.tell(g.stdout, i18n.M("cli.pqc.host_key", k.Algorithm, strconv.Itoa(k.Size)))
	}
	g.tell(g.stdout, i18n.M("cli.pqc.classification", string(overall.Class), overall.Reason.In(lang), overall.Reference.Standard))
	g.writeFindings(findings)
	return nil
}

// writeFindings writes one line per finding that asks for migration.
func (g *globals) writeFindings(fs []pqc.Finding) {
	for _, f := range fs {
		if f.Class == pqc.Hybrid || f.Class == pqc.Safe && f.Strength != pqc.Reduced {
			continue
		}
		ref := f.Reference.Standard
		if f.Reference.Date != "" {
			ref += ", " + f.Reference.Date
		}
		g.tell(g.stdout, i18n.M("cli.pqc.finding", string(f.Class), f.Type, f.Name, f.Reason, ref))
	}
}

// classifyJSON is what `renkei pqc classify --format json` writes.
type classifyJSON struct {
	Source   string            `json:"source"`
	Assets   int               `json:"assets"`
	Summary  map[pqc.Class]int `json:"summary"`
	Findings []pqc.Finding     `json:"findings"`
}

func newPQCClassifyCmd(g *globals) *cobra.Command {
	var format string
	var lifetime int
	cmd := &cobra.Command{
		Use:  "classify CBOM.json",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := g.readInput(args[0])
			if err != nil {
				return err
			}
			as, err := pqc.ReadCBOM(data, args[0])
			if err != nil {
				return err
			}
			now := time.Now()
			for i := range as {
				as[i].DataLifetime = lifetime
				as[i].Classification = pqc.Exposure(as[i].Classification, lifetime, now, pqc.DefaultMilestones.Disallowed)
			}
			pqc.Rank(as)
			lang := g.language()
			out := classifyJSON{Source: args[0], Assets: len(as), Summary: pqc.Summary(as), Findings: []pqc.Finding{}}
			for _, a := range as {
				out.Findings = append(out.Findings, pqc.FindingOf(a, lang))
			}
			if format == formatJSON {
				enc := json.NewEncoder(g.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(out)
			}
			g.tell(g.stdout, i18n.M("cli.pqc.classified", args[0], strconv.Itoa(len(as))))
			for _, c := range pqc.Classes {
				if n := out.Summary[c]; n > 0 {
					fmt.Fprintf(g.stdout, "  %s\t%d\n", c, n)
				}
			}
			g.writeFindings(out.Findings)
			return nil
		},
	}
	formatFlag(cmd, &format, formatTable, formatJSON)
	cmd.Flags().IntVar(&lifetime, "data-lifetime", 0, "")
	return cmd
}
