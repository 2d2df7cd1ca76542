package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"renkei/internal/bench"
	"renkei/internal/i18n"
	"renkei/internal/store"
)

func newBenchCmd(g *globals) *cobra.Command {
	var n, clients int
	var dur time.Duration
	var bundle, cpuprofile string
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure whole-program figures: STIX ingestion and TAXII page latency",
		Long: `Measure the hub's figures on this machine and print them.

  ingest  submits a STIX bundle file (--bundle) and a synthetic bundle of --n
          indicators through the hub into a new store, and prints objects/s.
  taxii   fills a new store with --n indicators, then has --clients clients walk
          the collection in TAXII pages of 100 over loopback HTTP for --duration,
          and prints p50 and p99 latency.

The store is a new SQLite file in a temporary folder, or, with --database
postgres://…, that PostgreSQL database (which should be empty).`,
		Example: `  renkei bench ingest --bundle ../shared/corpora/mitre-attack-stix/ics-attack/ics-attack.json --n 100000
  renkei bench taxii --n 100000 --clients 64 --duration 20s
  renkei bench ingest --database postgres://postgres@127.0.0.1/renkei_bench --n 100000`,
		Args:      cobra.ExactArgs(1),
		ValidArgs: []string{"ingest", "taxii"},
		RunE: func(cmd *cobra.Command, args []string) error {
			serverGC() // measure the hub as serve runs it
			ctx := cmd.Context()
			dsn := g.database
			if dsn == "" {
				dir, err := os.MkdirTemp("", "renkei-bench-")
				if err != nil {
					return err
				}
				defer os.RemoveAll(dir)
				dsn = filepath.Join(dir, "bench.db")
			}
			db, err := store.Open(ctx, dsn)
			if err != nil {
				return err
			}
			defer db.Close()
			kind := "SQLite"
			if db.Postgres() {
				kind = "PostgreSQL"
			}
			h, c, tok, err := bench.Setup(ctx, db)
			if err != nil {
				return err
			}
			switch args[0] {
			case "ingest":
				if bundle != "" {
					r, err := bench.IngestFile(ctx, h, c, bundle)
					if err != nil {
						return err
					}
					g.tell(g.stdout, i18n.M("cli.bench.ingest_file", filepath.Base(bundle), kind, fmt.Sprint(r)))
				}
				r, err := bench.IngestSynthetic(ctx, h, c, n, 1)
				if err != nil {
					return err
				}
				g.tell(g.stdout, i18n.M("cli.bench.ingest_synthetic", strconv.Itoa(n), kind, fmt.Sprint(r)))
			case "taxii":
				r, err := bench.IngestSynthetic(ctx, h, c, n, 2)
				if err != nil {
					return err
				}
				g.tell(g.stderr, i18n.M("cli.bench.filled", fmt.Sprint(r)))
				if cpuprofile != "" {
					f, err := os.Create(cpuprofile)
					if err != nil {
						return err
					}
					defer f.Close()
					if err := pprof.StartCPUProfile(f); err != nil {
						return err
					}
					defer pprof.StopCPUProfile()
				}
				l, err := bench.TAXIIPages(ctx, h, tok, clients, dur)
				if err != nil {
					return err
				}
				g.tell(g.stdout, i18n.M("cli.bench.taxii", kind, fmt.Sprint(l)))
			default:
				return refuse(i18n.M("cli.bench.unknown", args[0]))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&n, "n", 100_000, "synthetic indicators")
	f.StringVar(&bundle, "bundle", "", "a STIX bundle file to ingest as well")
	f.IntVar(&clients, "clients", 64, "concurrent TAXII clients")
	f.StringVar(&cpuprofile, "cpuprofile", "", "write a CPU profile of the TAXII run to this file (go tool pprof reads it)")
	f.DurationVar(&dur, "duration", 15*time.Second, "how long the TAXII clients run")
	return cmd
}
