package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"renkei/internal/export"
	"renkei/internal/exportgate"
	"renkei/internal/i18n"
)

func newExportCmd(g *globals) *cobra.Command {
	var (
		files  []string
		hub    collectionFlags
		format string
		out    string
		atText string
		opt    export.Options
	)
	cmd := &cobra.Command{
		Use:   "export --format FORMAT --indicators FILE… [-o OUT]",
		Short: "Write indicators as a firewall blocklist, Suricata rules, Zeek intel, RPZ zone or CSV",
		Long: `Export writes the indicators an organization may use in the formats devices load directly:

  edl           firewall external dynamic list: IPv4/IPv6 addresses and CIDRs, one per line
  edl-domains   domain list: each domain and *.domain (the domain and its subdomains)
  edl-urls      URL list, without the scheme (host/path), as firewalls expect
  suricata      Suricata rules: addresses grouped by TLP and /8 (IPv6 /16) block, one rule per
                direction, with comment lines tracing each address to its indicators;
                dns.query / tls.sni / http.host rules for domains and subdomains, http
                host+uri rules for URLs (http.uri.raw for percent-encoded paths); msg and
                metadata carry the STIX id and TLP; each sid is derived from its indicator
                within --sid-base/--sid-range and never changes, rev is the STIX version
  zeek          Zeek intel file (#fields indicator indicator_type meta.source meta.desc)
  rpz           DNS response policy zone: domain and *.domain CNAME . (NXDOMAIN), rpz-ip
                triggers for addresses and CIDRs; the SOA serial is the Unix time
  csv           every value with kind, indicator id, pattern, TLP and validity

Indicators come from files (plain lists, CSV, STIX bundles) and/or a TAXII collection of the
hub (--hub/--token/--collection). Revoked indicators and those not valid at --at are left
out; values a format cannot express (e.g. hashes in an RPZ zone) are counted on stderr.`,
		Example: `  renkei export --format edl -i feed.json -o /var/www/edl.txt
  renkei export --format suricata -i iocs.txt > renkei.rules
  renkei export --format rpz --zone rpz.example.jp --hub https://hub.example --collection C`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(files) == 0 && hub.Hub == "" {
				return refuse(i18n.M("cli.sweep.no_indicators"))
			}
			if !slices.Contains(export.Formats, format) {
				return refuse(i18n.M("cli.export.unknown_format", format, strings.Join(export.Formats, ", ")))
			}
			at, err := parseAt(atText)
			if err != nil {
				return err
			}
			opt.At = at
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			set, err := loadIndicatorSet(ctx, g, files, &hub)
			if err != nil {
				return err
			}
			gate, err := offlineGate(g, &hub.gateFlags)
			if err != nil {
				return err
			}
			if gate != nil {
				var tally exportgate.Tally
				set, tally = gate.Filter(set)
				if t := tallyText(g, tally); t != "" {
					g.note("export", i18n.M("cli.gate.left_out", t))
				}
			}
			var w io.Writer = g.stdout
			var tmp *os.File
			if out != "" && out != "-" {
				// Write beside the target and rename, so a device polling the
				// file never reads half a list.
				tmp, err = os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".*")
				if err != nil {
					return err
				}
				defer os.Remove(tmp.Name())
				w = tmp
			}
			res, err := export.WriteSet(w, format, set, opt)
			if err != nil {
				return err
			}
			if tmp != nil {
				if err := tmp.Close(); err != nil {
					return err
				}
				if err := os.Rename(tmp.Name(), out); err != nil {
					return err
				}
			}
			skipped := ""
			if s := res.SkippedText(); s != "" {
				skipped = i18n.Ref(i18n.M("cli.export.skipped", s))
			}
			g.note("export", i18n.M("cli.export.written", fmt.Sprint(res.Written), format, skipped))
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&format, "format", "f", "", "output format: "+strings.Join(export.Formats, ", "))
	fl.StringArrayVarP(&files, "indicators", "i", nil, "indicator file: plain list, CSV or STIX bundle (repeatable)")
	fl.StringVarP(&out, "output", "o", "", "output file (replaced atomically; default standard output)")
	hub.add(cmd)
	fl.StringVar(&atText, "at", "now", `validity time: "now", RFC 3339, or "none" (revocation only)`)
	fl.IntVar(&opt.SIDBase, "sid-base", export.DefaultSIDBase, "first Suricata rule sid")
	fl.IntVar(&opt.SIDRange, "sid-range", export.DefaultSIDRange, "how many Suricata sids from --sid-base the rules may take (each sid is derived from its indicator)")
	fl.StringVar(&opt.Zone, "zone", "rpz.renkei", "RPZ zone name")
	fl.StringVar(&opt.Source, "source", "renkei", "source name written in files (Zeek meta.source, comments)")
	_ = cmd.MarkFlagRequired("format")
	cmd.AddCommand(newExportExplainCmd(g), newExportReviewsCmd(g), newExportReviewCmd(g))
	return cmd
}
