package hunt

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"www.velocidex.com/golang/evtx"

	"renkei/internal/logs"
	"renkei/internal/sigma"
)

// Input is one log source to read: a file, or standard input ("-").
type Input struct {
	Path string
	Size int64 // -1 for standard input
}

// ListInputs expands files and folders (recursively) into inputs, in a
// stable order, with their total size for a progress bar. Paths that cannot
// be read are returned as errors; the others are still listed.
func ListInputs(paths []string) ([]Input, int64, []error) {
	var out []Input
	var total int64
	var errs []error
	for _, p := range paths {
		if p == "-" {
			out = append(out, Input{Path: "-", Size: -1})
			continue
		}
		st, err := os.Stat(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !st.IsDir() {
			out = append(out, Input{Path: p, Size: st.Size()})
			total += st.Size()
			continue
		}
		var files []Input
		_ = filepath.WalkDir(p, func(path string, d os.DirEntry, err error) error {
			if err != nil {
				errs = append(errs, err)
				return nil
			}
			if d.IsDir() || !d.Type().IsRegular() {
				return nil
			}
			if info, err := d.Info(); err == nil {
				files = append(files, Input{Path: path, Size: info.Size()})
				total += info.Size()
			}
			return nil
		})
		sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
		out = append(out, files...)
	}
	return out, total, errs
}

// Match is one finding: a rule that matched an event, or a correlation
// that fired.
type Match struct {
	RuleID      string            `json:"rule_id"`
	RuleTitle   string            `json:"rule_title"`
	Level       string            `json:"level"`
	Tags        []string          `json:"tags"`
	File        string            `json:"file"`
	Record      int64             `json:"record"`
	Timestamp   string            `json:"timestamp"`
	Computer    string            `json:"computer"`
	Channel     string            `json:"channel"`
	EventID     string            `json:"event_id"`
	Details     string            `json:"details"` // the fields that explain the event, as Hayabusa's Details (details.go)
	Fields      map[string]string `json:"fields,omitempty"`
	Correlation *CorrelationInfo  `json:"correlation,omitempty"`
}

// CorrelationInfo describes a correlation firing.
type CorrelationInfo struct {
	Type   string            `json:"type"`
	Group  map[string]string `json:"group"`
	Value  float64           `json:"value"`
	First  string            `json:"first"`
	Events int               `json:"events"`
}

// RunOptions control one hunt.
type RunOptions struct {
	Workers  int               // 0: one per CPU
	MinLevel string            // matches below this level are not reported
	Stdin    io.Reader         // for the input "-"
	Progress func(bytes int64) // called as input is consumed (may be nil)
	Fields   bool              // include the event's fields in each match
}

// Summary is the account of a hunt.
type Summary struct {
	Files        int
	Bytes        int64
	Events       int64
	Evaluated    int64 // rule evaluations after routing and prefilter
	Matches      int64
	ByLevel      map[string]int64
	Correlations int64
	ReadErrors   []*logs.ReadError
	Skipped      []string // inputs that are not a log format Renkei reads (binary)
	Duration     time.Duration
}

type task struct {
	input    Input
	format   logs.Format
	chunk    int
	data     []byte    // EVTX chunk
	reader   io.Reader // standard input
	size     int64     // bytes of a file the worker opens itself
	offset   int64     // file offset of an EVTX chunk or a block of lines
	lines    bool      // data is a block of whole lines of a line-oriented file
	lineBase int64     // lines before the block
}

// Run reads every input once, spreads the work over the workers and calls
// emit (serialised) for every match, then for every correlation firing.
func (e *Engine) Run(ctx context.Context, inputs []Input, opt RunOptions, emit func(*Match)) (*Summary, error) {
	start := time.Now()
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	sum := &Summary{ByLevel: map[string]int64{}}
	minRank := LevelRank(opt.MinLevel)
	var (
		mu   sync.Mutex // guards emit, sum.ReadErrors, hits
		hits []*sigma.Hit
	)
	bad := func(re *logs.ReadError) {
		mu.Lock()
		sum.ReadErrors = append(sum.ReadErrors, re)
		mu.Unlock()
	}
	progress := func(n int64) {
		if opt.Progress != nil && n > 0 {
			opt.Progress(n)
		}
	}
	tasks := make(chan task, workers*4)
	var events, evaluated, nbytes atomic.Int64

	go func() {
		defer close(tasks)
		for _, in := range inputs {
			if ctx.Err() != nil {
				return
			}
			if !e.produce(ctx, in, tasks, bad, opt.Stdin, &nbytes, func(p string) {
				mu.Lock()
				sum.Skipped = append(sum.Skipped, p)
				mu.Unlock()
			}) {
				return
			}
			mu.Lock()
			sum.Files++
			mu.Unlock()
		}
	}()

	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			wk := &worker{
				e: e, ev: sigma.NewEvent(e.rs.Fields), m: e.rs.NewMatcher(), aliases: e.Mapping.InputFields,
				minRank: minRank, withFields: opt.Fields,
			}
			wk.emit = func(mt *Match, h *sigma.Hit) {
				mu.Lock()
				defer mu.Unlock()
				if h != nil {
					hits = append(hits, h)
				}
				if mt != nil {
					sum.Matches++
					sum.ByLevel[mt.Level]++
					emit(mt)
				}
			}
			for t := range tasks {
				if ctx.Err() != nil {
					continue // drain
				}
				wk.run(t, bad)
				progress(int64(len(t.data)) + t.size)
			}
			events.Add(wk.events)
			evaluated.Add(wk.m.Evaluated)
		}()
	}
	wg.Wait()
	sum.Events = events.Load()
	sum.Evaluated = evaluated.Load()
	sum.Bytes = nbytes.Load()
	if err := ctx.Err(); err != nil {
		return sum, err
	}
	for _, cm := range e.corr.Run(hits) {
		if LevelRank(cm.Rule.Level) < minRank {
			continue
		}
		mt := &Match{
			RuleID: cm.Rule.ID, RuleTitle: cm.Rule.Title, Level: levelOr(cm.Rule.Level), Tags: cm.Rule.Tags,
			Timestamp: cm.Time.UTC().Format(time.RFC3339Nano),
			Correlation: &CorrelationInfo{Type: cm.Rule.Correlation.Type, Group: cm.Group, Value: cm.Value,
				First: cm.First.UTC().Format(time.RFC3339Nano), Events: len(cm.Hits)},
		}
		mt.Details = correlationDetails(mt.Correlation)
		if n := len(cm.Hits); n > 0 {
			if last, ok := cm.Hits[n-1].Ref.(*Meta); ok {
				mt.File, mt.Record, mt.Computer, mt.Channel, mt.EventID = last.File, last.Record, last.Computer, last.Channel, last.EventID
			}
		}
		sum.Correlations++
		sum.ByLevel[mt.Level]++
		emit(mt)
	}
	sum.Duration = time.Since(start)
	return sum, nil
}

func levelOr(l string) string {
	if l == "" {
		return "informational"
	}
	return l
}

// produce turns one input into tasks: one per 64 KiB chunk for EVTX, one per
// file otherwise. It returns false when the run was cancelled.
func (e *Engine) produce(ctx context.Context, in Input, tasks chan<- task, bad func(*logs.ReadError), stdin io.Reader, nbytes *atomic.Int64, skip func(string)) bool {
	send := func(t task) bool {
		select {
		case tasks <- t:
			return true
		case <-ctx.Done():
			return false
		}
	}
	if in.Path == "-" {
		if stdin == nil {
			stdin = os.Stdin
		}
		br := bufio.NewReaderSize(stdin, 1<<16)
		head, _ := br.Peek(512)
		f := logs.Sniff(head)
		if f == logs.Binary {
			skip("-")
			return true
		}
		if f == logs.EVTX { // EVTX needs random access: read it whole
			data, err := io.ReadAll(br)
			if err != nil {
				bad(&logs.ReadError{File: "-", Chunk: -1, Offset: -1, Reason: err.Error()})
				return true
			}
			nbytes.Add(int64(len(data)))
			return e.produceEVTX(in, bytes.NewReader(data), int64(len(data)), send, bad)
		}
		return send(task{input: in, format: f, reader: br})
	}
	fh, err := os.Open(in.Path)
	if err != nil {
		bad(&logs.ReadError{File: in.Path, Chunk: -1, Offset: -1, Reason: err.Error()})
		return true
	}
	defer fh.Close()
	head := make([]byte, 512)
	n, _ := io.ReadFull(fh, head)
	head = head[:n]
	f := logs.Sniff(head)
	if f == logs.Binary {
		skip(in.Path)
		return true
	}
	nbytes.Add(in.Size)
	if f == logs.EVTX {
		return e.produceEVTX(in, fh, in.Size, send, bad)
	}
	firstLine, _, _ := bytes.Cut(head, []byte("\n"))
	lineFormat := f == logs.Syslog || f == logs.Auditd || (f == logs.JSONL && bytes.Contains(head, []byte("\n")) && logs.IsJSONLine(firstLine))
	if !lineFormat || in.Size < 2*lineBlockSize {
		return send(task{input: in, format: f, size: in.Size}) // the worker streams the file
	}
	// a large line-oriented file: blocks of lines go to different workers
	if _, err := fh.Seek(0, io.SeekStart); err != nil {
		bad(&logs.ReadError{File: in.Path, Chunk: -1, Offset: -1, Reason: err.Error()})
		return true
	}
	ok := true
	err = logs.LineBlocks(fh, lineBlockSize, func(block []byte, lineBase, byteBase int64) bool {
		ok = send(task{input: in, format: f, data: block, lines: true, lineBase: lineBase, offset: byteBase})
		return ok
	})
	if err != nil {
		bad(&logs.ReadError{File: in.Path, Chunk: -1, Offset: -1, Reason: err.Error()})
	}
	return ok
}

func (e *Engine) produceEVTX(in Input, r io.ReaderAt, size int64, send func(task) bool, bad func(*logs.ReadError)) bool {
	offs, err := logs.EVTXChunkOffsets(r, size)
	if err != nil {
		bad(&logs.ReadError{File: in.Path, Chunk: -1, Offset: 0, Reason: err.Error()})
		return true
	}
	for i, off := range offs {
		buf := make([]byte, logs.EVTXChunkSize)
		n, err := r.ReadAt(buf, off)
		if err != nil && !(errors.Is(err, io.EOF) && n >= 0x200) {
			bad(&logs.ReadError{File: in.Path, Chunk: i, Offset: off, Reason: "read: " + err.Error()})
			continue
		}
		if n < logs.EVTXChunkSize {
			// the rest stays zero: the records that are there are read, the
			// cut one is reported by the chunk reader
			bad(&logs.ReadError{File: in.Path, Chunk: i, Offset: off + int64(n), Reason: fmt.Sprintf("file ends %d bytes into its last chunk (truncated copy)", n)})
		}
		if !send(task{input: in, format: logs.EVTX, chunk: i, offset: off, data: buf}) {
			return false
		}
	}
	return true
}

// lineBlockSize is the size of the blocks a large line-oriented file is cut
// into, one task each.
const lineBlockSize = 4 << 20

// worker owns one reusable Event and Matcher.
type worker struct {
	e          *Engine
	ev         *sigma.Event
	m          *sigma.Matcher
	aliases    map[string]string
	minRank    int
	withFields bool
	emit       func(*Match, *sigma.Hit)
	events     int64
	meta       Meta
	matched    []*sigma.Rule
	onEvent    func() // replaces matching (benchmarks use it to capture events)
}

func (w *worker) run(t task, bad func(*logs.ReadError)) {
	file := t.input.Path
	tg := &target{ev: w.ev, meta: &w.meta, aliases: w.aliases}
	begin := func(n int64) {
		w.ev.Reset()
		w.meta = Meta{File: file, Record: n}
	}
	switch t.format {
	case logs.EVTX:
		logs.ParseEVTXChunk(file, t.chunk, t.offset, t.data, func(r *evtx.EventRecord) {
			begin(int64(r.Header.RecordID))
			if o, ok := asObject(r.Event); ok {
				if inner, ok := asObject(o.get("Event")); ok {
					o = inner
				}
				flattenWindowsEvent(tg, o)
			}
			w.match()
		}, bad)
		return
	}
	var src io.Reader = t.reader
	if t.lines {
		src = bytes.NewReader(t.data)
	}
	if src == nil {
		fh, err := os.Open(file)
		if err != nil {
			bad(&logs.ReadError{File: file, Chunk: -1, Offset: -1, Reason: err.Error()})
			return
		}
		defer fh.Close()
		src = fh
	}
	var err error
	switch t.format {
	case logs.JSONL:
		each := func(n int64, v any) {
			begin(n)
			flattenJSON(tg, v)
			w.match()
		}
		if t.lines {
			err = logs.ReadJSONLines(file, src, t.lineBase, t.offset, each, bad)
		} else {
			err = logs.ReadJSON(file, src, each, bad)
		}
	case logs.ZeekTSV:
		err = logs.ReadZeek(file, src, func(n int64, h *logs.ZeekHeader, values []string) {
			begin(n)
			w.meta.Channel = "zeek:" + h.Path
			h.Each(values, tg.set)
			w.match()
		}, bad)
	case logs.Syslog, logs.Auditd:
		channel := "syslog"
		parse := logs.ParseSyslogLine
		if t.format == logs.Auditd {
			channel, parse = "auditd", logs.ParseAuditdLine
		}
		sc := bufio.NewScanner(src)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		n := t.lineBase
		for sc.Scan() {
			n++
			line := sc.Text()
			if strings.TrimSpace(line) == "" {
				continue
			}
			begin(n)
			w.meta.Channel = channel
			parse(line, func(k, v string) {
				if k == "host" {
					w.meta.Computer = v
				}
				tg.set(k, v)
			})
			w.match()
		}
		err = sc.Err()
	}
	if err != nil {
		bad(&logs.ReadError{File: file, Chunk: -1, Offset: -1, Reason: err.Error()})
	}
}

// match runs the rules over the current event and emits what matched.
func (w *worker) match() {
	w.events++
	if w.onEvent != nil {
		w.onEvent()
		return
	}
	w.matched = w.matched[:0]
	w.m.Match(w.ev, w.meta.Channel, w.meta.EventID, func(c *sigma.Compiled) {
		r := c.Rule
		for _, x := range w.matched {
			if x == r {
				return // another variant of the same rule already matched
			}
		}
		w.matched = append(w.matched, r)
		var hit *sigma.Hit
		if needs, ok := w.e.corr.Needs(r); ok {
			meta := w.meta
			hit = &sigma.Hit{Rule: r, Time: parseTime(meta.Time), Fields: map[string]string{}, Ref: &meta}
			for _, f := range needs {
				if v, ok := w.ev.Get(f); ok {
					hit.Fields[f] = v
				}
			}
		}
		var mt *Match
		if !w.e.corr.Hidden(r) && LevelRank(r.Level) >= w.minRank {
			mt = &Match{
				RuleID: r.ID, RuleTitle: r.Title, Level: levelOr(r.Level), Tags: r.Tags,
				File: w.meta.File, Record: w.meta.Record, Timestamp: w.meta.Time, Computer: w.meta.Computer,
				Channel: w.meta.Channel, EventID: w.meta.EventID,
				Details: details(w.ev, w.meta.Channel, w.meta.EventID, r),
			}
			if w.withFields {
				mt.Fields = map[string]string{}
				w.ev.Each(func(k, v string) { mt.Fields[k] = v })
			}
		}
		if mt != nil || hit != nil {
			w.emit(mt, hit)
		}
	})
}

var eventTimeLayouts = []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "Jan _2 15:04:05"}

func parseTime(s string) time.Time {
	s = strings.TrimSpace(s)
	for _, l := range eventTimeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t
		}
	}
	var f float64
	if _, err := fmt.Sscanf(s, "%f", &f); err == nil && f > 1e8 { // Zeek epoch seconds
		sec := int64(f)
		return time.Unix(sec, int64((f-float64(sec))*1e9)).UTC()
	}
	return time.Time{}
}
