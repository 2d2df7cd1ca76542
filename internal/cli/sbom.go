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
		Use:   "sbom",
		Short: "Read SBOMs and find the vulnerabilities that affect them (offline)",
		Long: `Work with software bills of materials: CycloneDX 1.1–1.6 (JSON or XML, including
embedded VEX and CBOM cryptographic assets) and SPDX 2.1–2.3 (JSON, YAML, tag-value, RDF).
The format is recognized from the content, not the file name.`,
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
		Use:   "scan FILE --advisories PATH...",
		Short: "Match an SBOM against advisories, KEV, EPSS and VEX documents",
		Long: `Scan matches the components of an SBOM against advisory documents and prints one
finding per component and vulnerability.

Each --advisories PATH is a file or a folder (read recursively) of OSV JSON, the CISA KEV
catalog, CSAF 2.0 (including VEX), OpenVEX, CycloneDX VEX/VDR, EPSS CSV or JVN
(MyJVN VULDEF, JVNRSS) documents, each recognized by content. Files in no known format are
reported and skipped.

Matching uses package URLs and each ecosystem's own version rules; CPEs only on an exact
vendor and product. Sources that name a product without versions (KEV, JVN) give
"possibly affected, confirm the version". VEX statements suppress findings; the supplier's
latest statement wins (see docs/vulnerabilities.md).

Formats: table (for people), json (one JSON object per line and finding, with purl, version,
vulnerability, aliases, known_exploited, fixed_version, suppressed_by …), vdr (a CycloneDX 1.6
vulnerability disclosure report, with the VEX analysis and response), sarif (SARIF 2.1.0 for
code-scanning dashboards; VEX-suppressed findings are kept as accepted suppressions).

Exit codes: 0 no finding met --fail-on; 3 a finding met --fail-on (suppressed findings never
count); 1 the SBOM could not be read or the command was wrong, or, with --fail-on, an
--advisories input was not read whole (a path that is missing, a file that cannot be read, is
empty or truncated, or is in no known format): a gate never passes on feeds it did not read.`,
		Example: `  renkei sbom scan bom.json --advisories osv/ --advisories known_exploited_vulnerabilities.json
  renkei sbom scan bom.xml --advisories feeds/ --format json | jq 'select(.known_exploited)'
  renkei sbom scan bom.json --advisories feeds/ --fail-on kev        # for CI: exit 3 on a KEV finding
  renkei sbom scan bom.json --advisories vendor-vex.json --format vdr > vdr.cdx.json
  renkei sbom scan bom.json --advisories feeds/ --format sarif > renkei.sarif`,
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
	f.StringArrayVar(&advisories, "advisories", nil, "advisory, KEV, EPSS or VEX file or folder (repeatable)")
	f.StringVar(&format, "format", "table", "output: table, json, vdr (CycloneDX 1.6) or sarif (SARIF 2.1.0)")
	f.StringVar(&failOn, "fail-on", "", "exit 3 when a finding is: kev (known exploited), critical, high or medium")
	f.BoolVar(&showAll, "all-problems", false, "list every problem met, not only the first 20")
	return cmd
}

func newSBOMInspectCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "inspect FILE...",
		Short: "Say what an SBOM is and what it holds",
		Long: `Inspect reads each SBOM and prints its format, product, component counts by ecosystem,
cryptographic assets (CBOM), embedded VEX statements and any problems, or why it is refused.
Exit code 1 when any file could not be read.`,
		Example: `  renkei sbom inspect bom.json bom.xml sbom.spdx`,
		Args:    cobra.MinimumNArgs(1),
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
		Use:   "register --org ORG FILE",
		Short: "Register an SBOM of a product the organization runs, and alert what affects it",
		Long: `Register stores the SBOM (any format 'renkei sbom inspect' reads) for the organization and
matches its components against every advisory the hub holds; later advisories and KEV entries
are matched against it as they arrive. The organization gets one alert per component's
vulnerability, never repeated.`,
		Example: `  renkei sbom register --org "Hokushin General Hospital" --name "PACS viewer 4.2" pacs.cdx.json`,
		Args:    cobra.ExactArgs(1),
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
	cmd.Flags().StringVar(&org, "org", "", "organization (name or id, required)")
	cmd.Flags().StringVar(&name, "name", "", "product name (default: from the SBOM)")
	cmd.MarkFlagRequired("org")
	return cmd
}
