// Package metrics is what /metrics shows an operator about the work the hub
// does: objects ingested and refused, the TAXII listing queue, alerts raised
// and delivered, webhook failures and dead letters, audit appends and the
// log's integration lag, feed refresh age, and (package telemetry, which
// keeps its own counters) the collectors and the matching pipeline.
//
// One Set is made per process (package app) and handed to each capability,
// which counts at the one place the event happens. Every method is safe on a
// nil *Set, which counts nothing, so that a service built without one (a
// test, a CLI command) needs no guard. Nothing here reads the store or the
// network by itself: gauges that need them are functions their owner
// registers (Watch).
package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Set is one process's counters.
type Set struct {
	reg         prometheus.Registerer
	objects     *prometheus.CounterVec
	taxiiQueue  prometheus.Gauge
	taxiiWait   *prometheus.HistogramVec
	alerts      *prometheus.CounterVec
	deliveries  *prometheus.CounterVec
	auditAppend *prometheus.CounterVec
}

// Outcomes of a webhook delivery attempt (renkei_webhook_deliveries_total).
const (
	Delivered = "delivered" // the receiver answered 2xx
	Failed    = "failed"    // it did not; the delivery is tried again later
	Dead      = "dead"      // it did not, for the last allowed time: a dead letter
	Withheld  = "withheld"  // the organization may no longer read the alert
)

// New makes the counters and registers them on reg; with a nil reg they
// count but are not exported.
func New(reg prometheus.Registerer) *Set {
	s := &Set{
		reg: reg,
		objects: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "renkei_objects_total",
			Help: "STIX objects submitted (TAXII, API, console, CLI), by outcome: ingested (stored, duplicates included) or refused (listed as a failure in the status)."},
			[]string{"outcome"}),
		taxiiQueue: prometheus.NewGauge(prometheus.GaugeOpts{Name: "renkei_taxii_queue_depth",
			Help: "TAXII listings waiting for their turn to read the store."}),
		taxiiWait: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "renkei_taxii_queue_wait_seconds",
			Help:    "How long TAXII listings waited for their turn, by outcome (admitted, or refused with 503 after too long a wait or when the client left).",
			Buckets: []float64{.0005, .001, .005, .01, .05, .1, .25, .5, 1, 2.5, 5}}, []string{"outcome"}),
		alerts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "renkei_alerts_raised_total",
			Help: "Alerts raised, by kind."}, []string{"kind"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "renkei_webhook_deliveries_total",
			Help: "Webhook delivery attempts by outcome: delivered, failed (retried later), dead (the last attempt failed: a dead letter), withheld."},
			[]string{"outcome"}),
		auditAppend: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "renkei_audit_appends_total",
			Help: "Entries appended to the audit log by this process, by outcome (ok: durable and indexed; error: refused, so the act did not take effect)."},
			[]string{"outcome"}),
	}
	for _, o := range []string{"ingested", "refused"} {
		s.objects.WithLabelValues(o)
	}
	for _, o := range []string{Delivered, Failed, Dead, Withheld} {
		s.deliveries.WithLabelValues(o)
	}
	for _, o := range []string{"ok", "error"} {
		s.auditAppend.WithLabelValues(o)
	}
	if reg != nil {
		reg.MustRegister(s.objects, s.taxiiQueue, s.taxiiWait, s.alerts, s.deliveries, s.auditAppend)
	}
	return s
}

// Objects counts a committed batch of a submission: stored and refused.
func (s *Set) Objects(ingested, refused int) {
	if s == nil {
		return
	}
	s.objects.WithLabelValues("ingested").Add(float64(ingested))
	s.objects.WithLabelValues("refused").Add(float64(refused))
}

// TAXIIWaiting marks a listing entering (+1) or leaving (-1) the queue.
func (s *Set) TAXIIWaiting(delta int) {
	if s == nil {
		return
	}
	s.taxiiQueue.Add(float64(delta))
}

// TAXIIWaited records how long a listing queued and whether it was admitted.
func (s *Set) TAXIIWaited(d time.Duration, admitted bool) {
	if s == nil {
		return
	}
	o := "admitted"
	if !admitted {
		o = "refused"
	}
	s.taxiiWait.WithLabelValues(o).Observe(d.Seconds())
}

// AlertRaised counts a stored alert of kind.
func (s *Set) AlertRaised(kind string) {
	if s == nil {
		return
	}
	s.alerts.WithLabelValues(kind).Inc()
}

// Delivery counts one webhook delivery attempt by its outcome.
func (s *Set) Delivery(outcome string) {
	if s == nil {
		return
	}
	s.deliveries.WithLabelValues(outcome).Inc()
}

// AuditAppended counts one append to the audit log.
func (s *Set) AuditAppended(err error) {
	if s == nil {
		return
	}
	o := "ok"
	if err != nil {
		o = "error"
	}
	s.auditAppend.WithLabelValues(o).Inc()
}

// Watch exports a gauge read when /metrics is scraped, for a figure its
// owner knows best (a queue's length, an age): fn is called at each scrape
// with one value per label set. Labels are the gauge's label names; fn
// calls emit once per label set, with the values in the same order.
func (s *Set) Watch(name, help string, labels []string, fn func(emit func(v float64, labelValues ...string))) {
	s.watch(name, help, labels, prometheus.GaugeValue, fn)
}

// WatchCounts is Watch for counts their owner keeps (they only grow while
// the process runs): a counter read at each scrape.
func (s *Set) WatchCounts(name, help string, labels []string, fn func(emit func(v float64, labelValues ...string))) {
	s.watch(name, help, labels, prometheus.CounterValue, fn)
}

func (s *Set) watch(name, help string, labels []string, t prometheus.ValueType, fn func(emit func(v float64, labelValues ...string))) {
	if s == nil || s.reg == nil {
		return
	}
	s.reg.MustRegister(&watch{desc: prometheus.NewDesc(name, help, labels, nil), t: t, fn: fn})
}

type watch struct {
	desc *prometheus.Desc
	t    prometheus.ValueType
	fn   func(emit func(v float64, labelValues ...string))
}

func (w *watch) Describe(ch chan<- *prometheus.Desc) { ch <- w.desc }

func (w *watch) Collect(ch chan<- prometheus.Metric) {
	w.fn(func(v float64, lv ...string) {
		if m, err := prometheus.NewConstMetric(w.desc, w.t, v, lv...); err == nil {
			ch <- m
		}
	})
}
