package sweep

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"renkei/internal/logs"
	"renkei/internal/match"
)

// Match is one indicator matched by one log record, as printed by sweep.
type Match struct {
	File          string     `json:"file"`
	Line          int        `json:"line"`
	Field         string     `json:"field,omitempty"`
	Value         string     `json:"value"`
	Kind          string     `json:"kind"`
	Indicator     string     `json:"indicator"`                // as given: the value, or the STIX id
	Matched       string     `json:"matched,omitempty"`        // the indicator value that matched (a CIDR, a parent domain)
	IndicatorKind string     `json:"indicator_kind,omitempty"` // ip, cidr, domain, …, or "pattern" for stateful rules
	Pattern       string     `json:"pattern,omitempty"`
	Source        string     `json:"source,omitempty"` // the list file for plain lists
	TLP           string     `json:"tlp,omitempty"`
	Time          *time.Time `json:"time,omitempty"` // the record's time, when it has one

	ind *match.Indicator
}

// IndicatorRef returns the provenance of the matched indicator.
func (m *Match) IndicatorRef() *match.Indicator { return m.ind }

// BadLine is a log line that could not be read.
type BadLine struct {
	File string
	Line int
	Err  error
}

func (b BadLine) Error() string { return fmt.Sprintf("%s line %d: %v", b.File, b.Line, b.Err) }

// Stats sums up a sweep.
type Stats struct {
	Files    int
	Bytes    int64
	Lines    int64 // lines read, blank ones included
	Records  int64 // non-blank lines parsed
	Values   int64 // values checked
	Matches  int64
	BadLines int64
	Bad      []BadLine // the first MaxBad bad lines
	Duration time.Duration
}

// MaxBad bounds the bad lines kept in Stats.Bad; BadLines counts all.
const MaxBad = 100

// Add adds o to s.
func (s *Stats) Add(o Stats) {
	s.Files += o.Files
	s.Bytes += o.Bytes
	s.Lines += o.Lines
	s.Records += o.Records
	s.Values += o.Values
	s.Matches += o.Matches
	s.BadLines += o.BadLines
	s.Duration += o.Duration
	for _, b := range o.Bad {
		if len(s.Bad) < MaxBad {
			s.Bad = append(s.Bad, b)
		}
	}
}

// Options tune a sweep.
type Options struct {
	Workers   int         // parallel parsers; default GOMAXPROCS
	ChunkSize int         // bytes per chunk; default 4 MiB
	Format    logs.Format // default: detect
	// At is the time used for the indicators' validity on records that carry
	// no time; zero checks revocation only. Records with a time use theirs.
	At       time.Time
	Progress func(bytes int) // called as data is read
}

// Sweeper matches log files against one Set. Rule state (patterns spanning
// several records) is kept per file.
type Sweeper struct {
	Set *match.Set
	Opt Options
}

type chunkResult struct {
	seq      int
	matches  []Match
	ruleHits []ruleHit
	stats    Stats
}

type ruleHit struct {
	line   int
	t      time.Time
	rule   int
	leaves []int
	field  string
	value  string
}

// File sweeps one log read from r; name is used in matches and errors. emit
// is called from one goroutine, in line order.
func (sw *Sweeper) File(ctx context.Context, name string, r io.Reader, emit func(*Match)) (Stats, error) {
	start := time.Now()
	f, err := logs.Open(name, r, sw.Opt.Format)
	if err != nil {
		return Stats{}, err
	}
	workers := sw.Opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	size := sw.Opt.ChunkSize
	if size <= 0 {
		size = 4 << 20
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	raw := make(chan logs.Chunk)
	chunks := make(chan logs.Chunk, workers)
	results := make(chan chunkResult, workers*2)
	var readErr error
	var bytesRead int64
	go func() {
		defer close(raw)
		readErr = f.Chunks(ctx, size, raw, func(n int) {
			bytesRead += int64(n)
			if sw.Opt.Progress != nil {
				sw.Opt.Progress(n)
			}
		})
	}()
	// At most 4 chunks per worker are between reading and emitting, so a
	// slow chunk cannot make the reorder buffer hold the whole file. Tokens
	// are taken in file order and given back as chunks are emitted, so the
	// oldest chunk always holds one and the pipeline cannot stall.
	tokens := make(chan struct{}, 4*workers)
	go func() {
		defer close(chunks)
		for c := range raw {
			select {
			case tokens <- struct{}{}:
			case <-ctx.Done():
				for range raw { // let the reader finish
				}
				return
			}
			chunks <- c
		}
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := newWorker(sw.Set, f, sw.Opt.At)
			for c := range chunks {
				results <- w.chunk(c)
			}
		}()
	}
	go func() { wg.Wait(); close(results) }()

	// Reorder: emit chunk results in file order, and run the stateful rules
	// over their hits in that order.
	var total Stats
	total.Files = 1
	pending := map[int]chunkResult{}
	next := 0
	rs := match.NewRuleState(sw.Set)
	rules := sw.Set.Rules()
	for res := range results {
		pending[res.seq] = res
		for {
			cr, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			<-tokens
			total.Add(cr.stats)
			for i := range cr.matches {
				emit(&cr.matches[i])
			}
			for _, h := range cr.ruleHits {
				if rs.Advance(h.rule, int64(h.line), h.t, h.leaves) {
					ind := rules[h.rule].Indicator
					m := Match{File: name, Line: h.line, Field: h.field, Value: h.value, Kind: match.Classify(h.value).String(), Indicator: ind.ID,
						IndicatorKind: "pattern", Pattern: ind.Pattern, TLP: ind.TLP, ind: ind}
					if !h.t.IsZero() {
						t := h.t
						m.Time = &t
					}
					total.Matches++
					emit(&m)
				}
			}
		}
	}
	total.Bytes = bytesRead
	total.Duration = time.Since(start)
	if readErr != nil {
		return total, readErr
	}
	return total, ctx.Err()
}

// worker parses and matches chunks; its buffers are reused across lines.
type worker struct {
	set        *match.Set
	file       *logs.File
	at         time.Time
	vals       []kv
	seen       []seenKey
	obs        match.Observed
	fieldVal   []int // obs.Fields[i] came from vals[fieldVal[i]]
	ruleLeaves []match.RuleLeaf

	res     *chunkResult
	line    int
	recTime time.Time
	cur     kv
	onValue func(field, value string)
	onHit   func(match.Hit)
}

type kv struct{ field, value string }

type seenKey struct {
	ind   *match.Indicator
	value string
}

func newWorker(set *match.Set, f *logs.File, at time.Time) *worker {
	w := &worker{set: set, file: f, at: at}
	w.onValue = func(field, value string) { w.vals = append(w.vals, kv{field, value}) }
	w.onHit = w.hit
	return w
}

func (w *worker) chunk(c logs.Chunk) chunkResult {
	res := chunkResult{seq: c.Seq}
	w.res = &res
	c.Lines(w.lineFunc)
	w.res = nil
	return res
}

func (w *worker) lineFunc(n int, text string) {
	st := &w.res.stats
	st.Lines++
	if strings.TrimSpace(text) == "" || w.file.Format == logs.ZeekTSV && strings.HasPrefix(text, "#") {
		return
	}
	st.Records++
	w.vals = w.vals[:0]
	ts, err := w.file.Values(text, w.onValue)
	if err != nil {
		st.BadLines++
		if len(st.Bad) < MaxBad {
			st.Bad = append(st.Bad, BadLine{w.file.Name, n, err})
		}
		return
	}
	w.line, w.recTime = n, ts
	at := ts
	if at.IsZero() {
		at = w.at
	}
	w.seen = w.seen[:0]
	for _, v := range w.vals {
		st.Values++
		w.cur = v
		w.set.MatchValue(v.value, at, w.onHit)
	}
	if rules := w.set.Rules(); len(rules) > 0 {
		w.rules(rules, n, at)
	}
}

func (w *worker) hit(h match.Hit) {
	key := seenKey{h.Indicator, h.IndicatorValue()}
	for _, s := range w.seen {
		if s == key {
			return // one object per indicator per record
		}
	}
	w.seen = append(w.seen, key)
	ind := h.Indicator
	m := Match{File: w.file.Name, Line: w.line, Field: w.cur.field, Value: w.cur.value,
		Kind: match.Classify(w.cur.value).String(), Matched: key.value, IndicatorKind: h.Kind.String(),
		Pattern: ind.Pattern, TLP: ind.TLP, ind: ind}
	switch {
	case ind.Given != "":
		m.Indicator = ind.Given
	case ind.Pattern != "":
		m.Indicator = ind.ID
	default:
		m.Indicator = key.value
		m.Source = strings.TrimPrefix(ind.ID, "list:")
	}
	if !w.recTime.IsZero() {
		t := w.recTime
		m.Time = &t
	}
	w.res.matches = append(w.res.matches, m)
	w.res.stats.Matches++
}

// fieldPaths offers connection fields (Zeek's and the usual JSON names) to
// rules as network-traffic properties; ports are integers.
var fieldPaths = map[string]string{
	"id.orig_h": "network-traffic:src_ref.value", "id.resp_h": "network-traffic:dst_ref.value",
	"id.orig_p": "network-traffic:src_port", "id.resp_p": "network-traffic:dst_port",
	"proto":  "network-traffic:protocols[*]",
	"src_ip": "network-traffic:src_ref.value", "dst_ip": "network-traffic:dst_ref.value",
	"src_port": "network-traffic:src_port", "dst_port": "network-traffic:dst_port",
	"sport": "network-traffic:src_port", "dport": "network-traffic:dst_port",
	"source_port": "network-traffic:src_port", "dest_port": "network-traffic:dst_port", "destination_port": "network-traffic:dst_port",
}

// rules evaluates the observations of every stateful rule on the record and
// queues the hits for the ordered stage.
func (w *worker) rules(rules []*match.Rule, line int, at time.Time) {
	o := &w.obs
	o.Seq, o.Time, o.Fields = int64(line), at, o.Fields[:0]
	w.fieldVal = w.fieldVal[:0]
	for vi, v := range w.vals {
		k := match.Classify(v.value)
		for _, p := range match.ObservedPaths(k, addrOf(k, v.value)) {
			o.Fields = append(o.Fields, match.ObservedField{Path: p, Str: v.value})
			w.fieldVal = append(w.fieldVal, vi)
		}
		if p, ok := fieldPaths[v.field]; ok {
			f := match.ObservedField{Path: p, Str: v.value}
			if n, err := strconv.ParseInt(v.value, 10, 32); err == nil && strings.HasSuffix(p, "_port") {
				f = match.ObservedField{Path: p, Int: n, IsInt: true}
			}
			o.Fields = append(o.Fields, f)
			w.fieldVal = append(w.fieldVal, vi)
		}
	}
	if len(o.Fields) == 0 {
		return
	}
	// The set's rule index gives the (rule, observation) pairs this record
	// satisfies, sorted by rule; group them per rule.
	w.ruleLeaves = w.set.RuleLeafHits(o, w.ruleLeaves[:0])
	for j := 0; j < len(w.ruleLeaves); {
		i := w.ruleLeaves[j].Rule
		var leaves []int
		for ; j < len(w.ruleLeaves) && w.ruleLeaves[j].Rule == i; j++ {
			leaves = append(leaves, w.ruleLeaves[j].Leaf)
		}
		r := rules[i]
		h := ruleHit{line: line, t: at, rule: i, leaves: leaves}
		// Report the first value the rule reads (the record's other values
		// are in the log line).
		h.field, h.value = w.vals[0].field, w.vals[0].value
		for fi, f := range o.Fields {
			if r.Uses(f.Path) {
				v := w.vals[w.fieldVal[fi]]
				h.field, h.value = v.field, v.value
				break
			}
		}
		w.res.ruleHits = append(w.res.ruleHits, h)
	}
}
