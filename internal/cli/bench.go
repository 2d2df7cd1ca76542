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
		Use:       "bench",
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
	f.IntVar(&n, "n", 100_000, "")
	f.StringVar(&bundle, "bundle", "", "")
	f.IntVar(&clients, "clients", 64, "")
	f.StringVar(&cpuprofile, "cpuprofile", "", "")
	f.DurationVar(&dur, "duration", 15*time.Second, "")
	return cmd
}
