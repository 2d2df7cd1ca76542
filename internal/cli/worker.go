package cli

import (
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/spf13/cobra"

	"renkei/internal/app"
	"renkei/internal/bus"
	"renkei/internal/i18n"
	"renkei/internal/server"
	"renkei/internal/telemetry"
)

func newWorkerCmd(g *globals) *cobra.Command {
	var natsURL string
	var matchers, replicas int
	var collect []string
	cmd := &cobra.Command{
		Use:  "worker",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if natsURL == "" {
				return refuse(i18n.M("cli.worker.nats_required"))
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			log := slog.New(slog.NewJSONHandler(g.stderr, nil))
			db, err := g.openStore(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			host, _ := os.Hostname()
			al, err := app.OpenAudit(ctx, db, app.AuditConfig{DataDir: g.data, Node: "worker-" + host, Log: log})
			if err != nil {
				return err
			}
			defer al.Close()
			a, err := app.New(ctx, app.Deps{Store: db, Audit: al, Log: log})
			if err != nil {
				return err
			}
			b, err := bus.Open(ctx, bus.Options{URL: natsURL, Replicas: replicas})
			if err != nil {
				return err
			}
			defer b.Close()
			p, err := telemetry.NewPipeline(ctx, a.Telemetry, b, nil)
			if err != nil {
				return err
			}
			if len(collect) > 0 {
				// What its collectors feed waits here while the stream is
				// out of reach: one spool per data directory.
				if p.Spool, err = bus.OpenSpool(filepath.Join(g.data, "spool", "worker"), telemetry.SpoolMax); err != nil {
					return err
				}
			}
			if err := server.RunPipeline(ctx, p, matchers, collect, log); err != nil {
				return err
			}
			fmt.Fprintln(g.stderr, "renkei worker: "+g.say(i18n.M("cli.worker.running", strconv.Itoa(matchers), natsURL)))
			<-ctx.Done()
			return nil
		},
	}
	cmd.Flags().StringVar(&natsURL, "nats", "", "")
	cmd.Flags().IntVar(&matchers, "matchers", 2, "")
	cmd.Flags().IntVar(&replicas, "stream-replicas", 0, "")
	cmd.Flags().StringArrayVar(&collect, "collect", nil, "")
	return cmd
}
