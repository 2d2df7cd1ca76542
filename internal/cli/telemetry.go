package cli

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"renkei/internal/audit"
	"renkei/internal/auth"
	"renkei/internal/hub"
	"renkei/internal/i18n"
	"renkei/internal/policy"
	"renkei/internal/store"
	"renkei/internal/telemetry"
)

func newTelemetryCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use: "telemetry",
	}
	var basis, approval, operatorOrg, dirs, retention, pseud, name string
	var prefixPreserving bool
	add := &cobra.Command{
		Use:  "source-add ID",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := auth.ParseExpiry(retention)
			if err != nil || d == 0 {
				return refuse(i18n.M("cli.telemetry.bad_retention", retention))
			}
			directions, err := telemetry.ParseDirections(dirs)
			if err != nil {
				return err
			}
			var ps []netip.Prefix
			for _, p := range strings.Split(pseud, ",") {
				if p = strings.TrimSpace(p); p == "" {
					continue
				}
				pp, err := netip.ParsePrefix(p)
				if err != nil {
					return fmt.Errorf("--pseudonymize %q: %w", p, err)
				}
				ps = append(ps, pp)
			}
			return g.withHub(cmd.Context(), func(h *hub.Hub) error {
				ctx := cmd.Context()
				op := ""
				if operatorOrg != "" {
					o, err := h.DB.Org(ctx, operatorOrg)
					if err != nil {
						return err
					}
					op = o.ID
				}
				// Logged before it takes effect, with the same detail as the API's registration.
				if _, err := h.Record(ctx, operator(h), audit.ActionPolicyChange, "source:"+args[0], map[string]string{
					"via": "cli", "change": "telemetry source registered", "legal_basis": basis, "approval": approval, "retention": retention,
					"prefix_preserving": strconv.FormatBool(prefixPreserving)}); err != nil {
					return err
				}
				return telemetry.AddSource(ctx, h.DB, telemetry.Source{ID: args[0], Name: name, LegalBasis: basis, ApprovalRef: approval,
					OperatorOrg: op, Directions: directions, Retention: d, Pseudonymize: ps, PrefixPreserving: prefixPreserving, Created: time.Now().UTC()})
			})
		},
	}
	f := add.Flags()
	f.StringVar(&basis, "basis", "", "")
	f.StringVar(&approval, "approval", "", "")
	f.StringVar(&operatorOrg, "operator", "", "")
	f.StringVar(&dirs, "directions", "", "")
	f.StringVar(&retention, "retention", "30d", "")
	f.StringVar(&pseud, "pseudonymize", "", "")
	f.BoolVar(&prefixPreserving, "prefix-preserving", false, "")
	f.StringVar(&name, "name", "", "")
	add.MarkFlagRequired("basis")
	add.MarkFlagRequired("approval")

	var listFormat string
	list := &cobra.Command{
		Use:  "sources",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withStore(cmd.Context(), func(db *store.DB) error {
				ss, err := telemetry.Sources(cmd.Context(), db, policy.System())
				if err != nil {
					return err
				}
				tw := newTableAs(g.stdout, listFormat)
				fmt.Fprintln(tw, "SOURCE\tBASIS\tAPPROVAL\tRETENTION\tCOUNTS")
				for _, s := range ss {
					c, err := telemetry.GetCounts(cmd.Context(), db, s.ID)
					if err != nil {
						return err
					}
					b, _ := json.Marshal(c)
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.ID, s.LegalBasis, s.ApprovalRef, s.Retention, b)
				}
				return tw.Flush()
			})
		},
	}

	var cc string
	ranges := &cobra.Command{
		Use:  "ranges-import FILE",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := g.openInput(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			ps, version, bad, err := telemetry.ParseRanges(f, cc)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			if len(bad) > 0 {
				for _, b := range bad[:min(len(bad), 10)] {
					fmt.Fprintf(g.stderr, "%s: %v\n", args[0], b)
				}
				return refuse(i18n.M("cli.telemetry.bad_ranges", args[0], strconv.Itoa(len(bad))))
			}
			if len(ps) == 0 {
				return refuse(i18n.M("cli.telemetry.no_ranges", args[0], cc))
			}
			return g.withHub(cmd.Context(), func(h *hub.Hub) error {
				if _, err := h.Record(cmd.Context(), operator(h), audit.ActionPolicyChange, "domestic-ranges:"+version, map[string]string{
					"via": "cli", "change": "domestic ranges loaded", "ranges": strconv.Itoa(len(ps)), "country": cc}); err != nil {
					return err
				}
				if err := telemetry.SaveRanges(cmd.Context(), h.DB, version, ps); err != nil {
					return err
				}
				g.tell(g.stderr, i18n.M("cli.telemetry.ranges_loaded", strconv.Itoa(len(ps)), version))
				return nil
			})
		},
	}
	ranges.Flags().StringVar(&cc, "country", "JP", "")

	space := &cobra.Command{
		Use:  "address-space ORG PREFIX…",
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			var ps []netip.Prefix
			for _, a := range args[1:] {
				p, err := netip.ParsePrefix(a)
				if err != nil {
					return refuse(i18n.M("cli.not_a_prefix", a))
				}
				ps = append(ps, p)
			}
			return g.withHub(cmd.Context(), func(h *hub.Hub) error {
				ctx := cmd.Context()
				o, err := h.DB.Org(ctx, args[0])
				if err != nil {
					return err
				}
				for _, p := range ps {
					if _, err := h.Record(ctx, operator(h), audit.ActionPolicyChange, "org:"+o.ID, map[string]string{
						"via": "cli", "change": "member address space registered", "prefix": p.Masked().String()}); err != nil {
						return err
					}
					if err := telemetry.AddAddressSpace(ctx, h.DB, o.ID, p); err != nil {
						return err
					}
				}
				return nil
			})
		},
	}
	formatFlag(list, &listFormat, formatTable, formatJSON, formatCSV)
	cmd.AddCommand(add, list, ranges, space, newExporterCmd(g, true), newExporterCmd(g, false), newExportersCmd(g))
	return cmd
}

// newExporterCmd registers (add) or removes an exporter of a source; the
// change is recorded in the audit log before it takes effect.
func newExporterCmd(g *globals, add bool) *cobra.Command {
	use, verb := "exporter-add SOURCE ADDR[/DOMAIN]…", "registered"
	if !add {
		use, verb = "exporter-remove SOURCE ADDR[/DOMAIN]…", "removed"
	}
	return &cobra.Command{
		Use:  use,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			var es []telemetry.Exporter
			for _, a := range args[1:] {
				e, err := telemetry.ParseExporter(a)
				if err != nil {
					return err
				}
				e.Created = time.Now().UTC()
				es = append(es, e)
			}
			return g.withHub(cmd.Context(), func(h *hub.Hub) error {
				ctx := cmd.Context()
				if _, err := telemetry.GetSource(ctx, h.DB, args[0]); err != nil {
					return err
				}
				for _, e := range es {
					if _, err := h.Record(ctx, operator(h), audit.ActionPolicyChange, "source:"+args[0],
						map[string]string{"change": "telemetry exporter " + verb, "exporter": e.String()}); err != nil {
						return err
					}
					if add {
						if err := telemetry.AddExporter(ctx, h.DB, args[0], e); err != nil {
							return err
						}
					} else if ok, err := telemetry.RemoveExporter(ctx, h.DB, args[0], e); err != nil {
						return err
					} else if !ok {
						return refuse(i18n.M("cli.telemetry.exporter_unknown", e.String(), args[0]))
					}
					done := i18n.M("cli.telemetry.exporter_removed", args[0], e.String())
					if add {
						done = i18n.M("cli.telemetry.exporter_added", args[0], e.String())
					}
					g.tell(g.stderr, done)
				}
				return nil
			})
		},
	}
}

// newExportersCmd lists a source's registered exporters and the datagrams
// dropped per unregistered sender.
func newExportersCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:  "exporters SOURCE",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withStore(cmd.Context(), func(db *store.DB) error {
				es, err := telemetry.Exporters(cmd.Context(), db, args[0])
				if err != nil {
					return err
				}
				us, err := telemetry.UnregisteredSenders(cmd.Context(), db, args[0])
				if err != nil {
					return err
				}
				tw := newTable(g.stdout)
				fmt.Fprintln(tw, "EXPORTER\tSTATUS\tDATAGRAMS DROPPED\tLAST")
				for _, e := range es {
					fmt.Fprintf(tw, "%s\t%s\t-\t-\n", e, g.say(i18n.M("cli.telemetry.registered")))
				}
				for _, u := range us {
					fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", u.Sender, g.say(i18n.M("cli.telemetry.unregistered")), u.Datagrams, u.Last.Format(time.RFC3339))
				}
				return tw.Flush()
			})
		},
	}
}
