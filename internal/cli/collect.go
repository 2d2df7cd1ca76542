package cli

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"renkei/internal/app"
	"renkei/internal/bus"
	"renkei/internal/flow"
	"renkei/internal/i18n"
	"renkei/internal/telemetry"
)

func newCollectCmd(g *globals) *cobra.Command {
	var (
		listen, out     string
		source, natsURL string
		replicas        int
		opts            flow.CollectOptions
		seed            uint16
	)
	cmd := &cobra.Command{
		Use:  "collect --listen udp://ADDR:PORT --out FILE.jsonl",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			if source != "" {
				if out != "" {
					return refuse(i18n.M("cli.collect.out_or_source"))
				}
				return collectToHub(ctx, g, listen, source, natsURL, replicas, opts)
			}
			if out == "" {
				return refuse(i18n.M("cli.collect.out_required"))
			}
			return runCollect(ctx, g, listen, out, opts, seed)
		},
	}
	f := cmd.Flags()
	f.StringVar(&listen, "listen", "udp://0.0.0.0:2055", "")
	f.StringVar(&out, "out", "", "")
	f.StringVar(&source, "source", "", "")
	f.StringVar(&natsURL, "nats", "", "")
	f.IntVar(&replicas, "stream-replicas", 0, "")
	f.IntVar(&opts.Workers, "workers", 2, "")
	f.IntVar(&opts.ReadBuffer, "read-buffer", 64<<20, "")
	f.IntVar(&opts.RingSlots, "ring", 8192, "")
	f.Uint16Var(&seed, "community-id-seed", 0, "")
	return cmd
}

func runCollect(ctx context.Context, g *globals, listen, out string, opts flow.CollectOptions, seed uint16) error {
	w := g.stdout
	if out != "-" {
		f, err := os.OpenFile(out, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
		if err != nil {
			return fmt.Errorf("open output: %w", err)
		}
		defer f.Close()
		w = f
	}
	conn, err := flow.ListenUDP(listen, opts.ReadBuffer)
	if err != nil {
		return err
	}
	defer conn.Close()
	g.tell(g.stderr, i18n.M("cli.collect.listening_file", conn.LocalAddr().String(), out))

	c := flow.NewCollector(opts)
	bw := bufio.NewWriterSize(w, 1<<20)
	var line []byte
	lastFlush := time.Now()
	sink := func(recs []flow.Record) error {
		for i := range recs {
			line = append(recs[i].AppendJSON(line[:0], seed), '\n')
			if _, err := bw.Write(line); err != nil {
				return err
			}
		}
		if time.Since(lastFlush) > time.Second { // let readers tail the file
			lastFlush = time.Now()
			return bw.Flush()
		}
		return nil
	}

	if isTerminal(g.stderr) {
		bar := newProgress(g.stderr, -1, "records")
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		go func() {
			for {
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
					_, r, _ := c.Counts()
					bar.Set64(int64(r))
				}
			}
		}()
	}

	start := time.Now()
	st, runErr := c.Run(ctx, conn, sink)
	if err := bw.Flush(); err != nil && runErr == nil {
		runErr = fmt.Errorf("write output: %w", err)
	}
	for _, p := range st.Problems {
		g.note("collect", i18n.M("cli.collect.malformed", fmt.Sprint(p)))
	}
	secs := time.Since(start).Seconds()
	fmt.Fprintf(g.stderr, "collect: datagrams=%d records=%d malformed=%d dropped=%d templates=%d missing_template=%d options_records=%d no_address_records=%d seconds=%.1f\n",
		st.Datagrams, st.Records, st.Malformed, st.Dropped, st.Decoder.Templates, st.Decoder.MissingTemplate, st.Decoder.OptionRecords, st.Decoder.NoAddress, secs)
	return runErr
}

// collectToHub feeds a hub source: the pipeline's automatic steps run here,
// and what they keep goes on the hub's stream.
func collectToHub(ctx context.Context, g *globals, listen, source, natsURL string, replicas int, opts flow.CollectOptions) error {
	if natsURL == "" {
		return refuse(i18n.M("cli.collect.nats_required"))
	}
	db, err := g.openStore(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	log := slog.New(slog.NewJSONHandler(g.stderr, nil))
	a, err := app.New(ctx, app.Deps{Store: db, Log: log})
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
	// Batches the stream does not take while it is out of reach wait on
	// disk, published again every second and at the next start.
	if p.Spool, err = bus.OpenSpool(filepath.Join(g.data, "spool", "collect-"+source), telemetry.SpoolMax); err != nil {
		return err
	}
	go p.RunSpool(ctx, time.Second)
	if _, err := telemetry.GetSource(ctx, db, source); err != nil {
		return fmt.Errorf("%w (register it: renkei telemetry source-add)", err)
	}
	gate, err := p.NewGate(ctx, source)
	if err != nil {
		return err
	}
	if gate.Registered() == 0 {
		g.note("collect", i18n.M("cli.collect.no_exporter", source, source))
	}
	opts.Admit = gate.Admit
	gateCtx, stopGate := context.WithCancel(ctx)
	gateDone := make(chan struct{})
	go func() { gate.Run(gateCtx, 5*time.Second); close(gateDone) }()
	defer func() { stopGate(); <-gateDone }() // the last counts are written before returning
	conn, err := flow.ListenUDP(listen, opts.ReadBuffer)
	if err != nil {
		return err
	}
	defer conn.Close()
	g.tell(g.stderr, i18n.M("cli.collect.listening_source", conn.LocalAddr().String(), source))
	var kept, spooled, lost, refused int
	st, err := flow.NewCollector(opts).Run(ctx, conn, func(recs []flow.Record) error {
		res, err := p.Ingest(ctx, source, recs)
		kept, spooled = kept+res.Kept, spooled+res.Spooled
		lost += int(res.Counts[telemetry.ReasonStreamRefused] + res.Counts[telemetry.ReasonStreamUnavailable])
		if err != nil {
			refused += len(recs)
			log.Warn("records refused", "source", source, "count", len(recs), "err", err)
		}
		return nil
	})
	g.tell(g.stderr, i18n.M("cli.collect.stats", fmt.Sprint(st.Datagrams), fmt.Sprint(st.Refused), fmt.Sprint(st.Records), fmt.Sprint(st.Malformed),
		fmt.Sprint(st.Dropped), fmt.Sprint(kept), fmt.Sprint(spooled), fmt.Sprint(lost), fmt.Sprint(refused)))
	return err
}
