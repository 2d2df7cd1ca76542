package server

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"renkei/internal/flow"
	"renkei/internal/store"
	"renkei/internal/telemetry"
)

// TelemetryRetentionLease names the lease of the retention of kept records.
const TelemetryRetentionLease = "retention.telemetry"

// kernelDropsEvery is how often a running collector's kernel drops are
// added to its source's figures (telemetry.Pipeline.CountKernelDrops).
const kernelDropsEvery = 30 * time.Second

// RunPipeline starts, until ctx ends, the communications-information side of
// a node: matcher workers sharing the stream, the retention job, UDP
// collectors feeding their sources and the publication of what waits in
// the pipeline's spool. `renkei serve` and `renkei worker` both use it.
func RunPipeline(ctx context.Context, p *telemetry.Pipeline, matchers int, collect []string, log *slog.Logger) error {
	go p.RunSpool(ctx, time.Second)
	for i := 0; i < matchers; i++ {
		w := &telemetry.Worker{Service: p.Service, Bus: p.Bus, Metrics: p.Metrics}
		if err := w.Prepare(ctx); err != nil {
			return fmt.Errorf("matcher: %w", err)
		}
		go func() {
			if err := w.Run(ctx); err != nil && ctx.Err() == nil {
				log.Error("matcher stopped", "err", err)
			}
		}()
	}
	go func() {
		// Nodes sharing the store take turns through a lease kept while
		// this process runs (store.KeepLease), so that a deletion is
		// logged once; a dead holder's lease is taken over within a minute.
		lease := p.Service.DB.KeepLease(ctx, TelemetryRetentionLease, store.NewLeaseHolder(), 0, p.Service.Now)
		t := time.NewTicker(lease.Term() / 3)
		defer t.Stop()
		var last time.Time
		for {
			switch {
			case !lease.Held():
				last = time.Time{}
			case last.IsZero() || p.Service.Now().Sub(last) >= time.Minute:
				last = p.Service.Now()
				if n, err := p.Service.Expire(ctx, p.Service.Now()); err != nil && ctx.Err() == nil {
					log.Error("retention", "err", err)
				} else if n > 0 {
					log.Info("retention deleted records", "count", n)
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	for _, c := range collect {
		listen, source, ok := strings.Cut(c, "=")
		if !ok || source == "" {
			return fmt.Errorf("--collect %q: want udp://HOST:PORT=SOURCE", c)
		}
		if _, err := telemetry.GetSource(ctx, p.Service.DB, source); err != nil {
			return fmt.Errorf("--collect %q: %w (register it: renkei telemetry source add)", c, err)
		}
		gate, err := p.NewGate(ctx, source)
		if err != nil {
			return fmt.Errorf("--collect %q: %w", c, err)
		}
		if gate.Registered() == 0 {
			log.Warn("source has no registered exporter: every datagram will be dropped (renkei telemetry exporter-add)", "source", source)
		}
		conn, err := flow.ListenUDP(listen, 0)
		if err != nil {
			return err
		}
		col := flow.NewCollector(flow.CollectOptions{Admit: gate.Admit})
		p.Collecting(source, col)
		go gate.Run(ctx, 5*time.Second)
		go p.CountKernelDrops(ctx, source, col, kernelDropsEvery)
		go func() {
			defer conn.Close()
			stats, err := col.Run(ctx, conn, func(recs []flow.Record) error {
				if _, err := p.Ingest(ctx, source, recs); err != nil {
					log.Warn("records refused", "source", source, "count", len(recs), "err", err)
				}
				return nil // refusals are counted; the collector keeps draining the socket
			})
			if err != nil && ctx.Err() == nil {
				log.Error("collector stopped", "source", source, "err", err)
			}
			log.Info("collector stopped", "source", source, "datagrams", stats.Datagrams, "records", stats.Records, "malformed", stats.Malformed, "unregistered", stats.Refused, "kernel_dropped", stats.Dropped)
		}()
		log.Info("collecting", "listen", listen, "source", source)
	}
	return nil
}
