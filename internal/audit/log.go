package audit

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/transparency-dev/tessera"

	"github.com/transparency-dev/tessera/storage/posix"
	"renkei/internal/metrics"
)

// Options configure a Log. Only Dir and KeyDir are required.
type Options struct {
	Dir    string // where the tiles, entry bundles and checkpoint live (DATA/audit)
	KeyDir string // where the signing keys live (DATA/audit-keys), mode 0700
	// Origin is the checkpoint origin and key name. Empty means the log's
	// own: the origin its keys were made for (in KeyDir, or the cluster's
	// in the store), and for a new log one unique to the hub,
	// renkei/<HubID>/audit (DefaultOrigin without a HubID).
	Origin string
	// HubID names the hub (store.HubID): the nodes of one cluster share it,
	// two hubs differ.
	HubID string
	Node  string // this node's name in entries; default the host name

	// Shared, when set, makes this Log one process's door to the cluster's
	// one log (cluster.go): entries are journaled in the shared store, which
	// orders them, and the keys are the cluster's. Without it the log is the
	// directory's, shared by the processes of one machine (journal.go).
	Shared Shared
	// Integrate makes this process a candidate for integrating the cluster's
	// journal into the tree (hub nodes; not workers or the command line).
	Integrate bool
	// IntegratorLease is how long an integrator that stopped answering keeps
	// others from taking over (default 30s).
	IntegratorLease time.Duration

	// BatchMaxSize bounds how many entries share one round of writes and
	// fsyncs (default 1024). Larger groups are split.
	BatchMaxSize uint
	// CheckpointInterval is how often a new checkpoint is signed and
	// published while the log grows (default 1s, minimum 100ms).
	CheckpointInterval time.Duration

	// Witnesses, when set, must all cosign a checkpoint before it is
	// published (C2SP tlog-witness); a checkpoint they refuse is not published.
	Witnesses      []WitnessConfig
	WitnessTimeout time.Duration // default 5s

	// CloseTimeout bounds how long Close waits for a checkpoint covering
	// every appended entry (default 30s).
	CloseTimeout time.Duration

	Logger *slog.Logger
	// Metrics counts appends; nil counts nothing.
	Metrics *metrics.Set

	// Unsynced is for tests that append many entries and lose nothing if
	// the machine stops (fuzz targets): Append returns once the entry is
	// written to the journal, before it is on disk. Never for a hub's log:
	// rule C7 wants the entry durable before the act.
	Unsynced bool
}

// WitnessConfig names a witness the log must obtain a cosignature from.
type WitnessConfig struct {
	Key string // the witness's cosignature verifier key (type 0x04)
	URL string // its submission prefix; add-checkpoint is appended
}

// DefaultOrigin is the checkpoint origin when none is configured.
const DefaultOrigin = "renkei.example/audit"

// Log is an open audit log. It is safe for concurrent use.
type Log struct {
	opts     Options
	keys     *Keys
	appender *tessera.Appender
	reader   tessera.LogReader
	shutdown func(context.Context) error
	cancel   context.CancelFunc
	seqs     *seqState
	cl       *cluster      // set for the cluster's log (Options.Shared)
	top      atomic.Uint64 // one past the highest index Append returned (lag.go)

	// Owned by the committer goroutine (see journal.go).
	journal *journal
	holding bool   // this process holds the writer lock
	next    uint64 // the index the next journaled entry gets, while holding

	sequencerDone chan struct{}

	mu            sync.Mutex // guards the fields below
	cond          *sync.Cond // signals the committer
	seq           uint64     // last sequence number handed out
	pend          []*pending // entries waiting for the committer, in seq order
	inflight      int        // entries taken by the committer and not yet integrated
	journaled     []*flight  // groups journaled and not yet given to Tessera
	stopSequencer bool
	failed        error // sticky: set when an append could not be made durable
	closed        bool
	committerDone chan struct{}
}

// Open opens (creating if needed) the log in opts.Dir, loading or creating
// the signing keys in opts.KeyDir, and recovers this node's sequence number
// from what is in the log.
func Open(ctx context.Context, opts Options) (*Log, error) {
	if opts.Dir == "" || opts.KeyDir == "" {
		return nil, errors.New("open audit log: Dir and KeyDir are required")
	}
	if opts.Node == "" {
		h, err := os.Hostname()
		if err != nil || h == "" {
			h = "node"
		}
		opts.Node = h
	}
	if opts.BatchMaxSize == 0 {
		opts.BatchMaxSize = 1024
	}
	if opts.CheckpointInterval == 0 {
		opts.CheckpointInterval = time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Shared != nil {
		return openCluster(ctx, opts)
	}
	if opts.Origin == "" {
		o, err := KeyOrigin(opts.KeyDir)
		if err != nil {
			return nil, fmt.Errorf("open audit log: %w", err)
		}
		opts.Origin = cmp.Or(o, NewOrigin(opts.HubID))
	}
	keys, err := LoadOrCreateKeys(opts.KeyDir, opts.Origin)
	if err != nil {
		return nil, fmt.Errorf("open audit log: %w", err)
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("open audit log: %w", err)
	}
	bg, cancel := context.WithCancel(context.Background())
	app, shutdown, reader, err := newTessera(ctx, bg, opts, keys)
	if err != nil {
		cancel()
		return nil, err
	}
	l := &Log{opts: opts, keys: keys, appender: app, reader: reader, shutdown: shutdown, cancel: cancel}
	if l.journal, err = openJournal(opts.Dir); err != nil {
		cancel()
		return nil, fmt.Errorf("open audit log %s: journal: %w", opts.Dir, err)
	}
	l.journal.unsynced = opts.Unsynced
	// Integrate what a crashed writer journaled before reading this node's
	// sequence from the log.
	if err := l.acquire(ctx); err != nil {
		l.journal.close()
		cancel()
		return nil, fmt.Errorf("open audit log %s: replay journal: %w", opts.Dir, err)
	}
	if err := l.release(); err != nil {
		l.journal.close()
		cancel()
		return nil, fmt.Errorf("open audit log %s: %w", opts.Dir, err)
	}
	l.seqs = newSeqState(opts.Dir, opts.Node, opts.Logger)
	seq, err := l.seqs.recover(ctx, reader)
	if err != nil {
		l.journal.close()
		cancel()
		return nil, fmt.Errorf("open audit log %s: recover sequence of node %s: %w", opts.Dir, opts.Node, err)
	}
	l.seq = seq
	l.cond = sync.NewCond(&l.mu)
	l.committerDone = make(chan struct{})
	l.sequencerDone = make(chan struct{})
	go l.committer()
	go l.sequencer()
	go l.seqs.saveLoop(bg, time.Second)
	return l, nil
}

// NewOrigin is the origin of a new log of the hub hubID: renkei/<hubID>/audit,
// unique to the hub, so that two hubs' logs (and the verifiers' and
// witnesses' memories of them) never share a name. Without a hub id it is
// DefaultOrigin.
func NewOrigin(hubID string) string {
	if hubID == "" {
		return DefaultOrigin
	}
	return "renkei/" + hubID + "/audit"
}

// newTessera opens Tessera's POSIX log in opts.Dir, signing checkpoints with
// keys and, if configured, having them cosigned by the witnesses. Its
// goroutines run until bg is cancelled.
func newTessera(ctx, bg context.Context, opts Options, keys *Keys) (*tessera.Appender, func(context.Context) error, tessera.LogReader, error) {
	driver, err := posix.New(ctx, posix.Config{Path: opts.Dir})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("open audit log %s: %w", opts.Dir, err)
	}
	ao := tessera.NewAppendOptions().
		WithCheckpointSigner(keys.Signer, keys.PQSigner).
		WithBatching(opts.BatchMaxSize, batchAge).
		WithCheckpointInterval(opts.CheckpointInterval).
		WithCheckpointRepublishInterval(max(10*time.Minute, opts.CheckpointInterval)).
		WithPushback(1 << 30) // callers wait for their entry; never drop one for back-pressure
	if len(opts.Witnesses) > 0 {
		var ws []tessera.Witness
		for _, w := range opts.Witnesses {
			u, err := url.Parse(w.URL)
			if err != nil {
				return nil, nil, nil, fmt.Errorf("open audit log: witness URL %q: %w", w.URL, err)
			}
			tw, err := tessera.NewWitness(w.Key, u)
			if err != nil {
				return nil, nil, nil, fmt.Errorf("open audit log: witness key %q: %w", abbreviate(w.Key), err)
			}
			ws = append(ws, tw)
		}
		// All witnesses are required: fold them into nested all-of groups
		// (tessera's policy type is unexported, so the list cannot be spread).
		group := tessera.NewWitnessGroup(1, ws[0])
		for _, w := range ws[1:] {
			group = tessera.NewWitnessGroup(2, group, w)
		}
		t := opts.WitnessTimeout
		if t == 0 {
			t = 5 * time.Second
		}
		ao = ao.WithWitnesses(group, &tessera.WitnessOptions{Timeout: t})
	}
	app, shutdown, reader, err := tessera.NewAppender(bg, driver, ao)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("open audit log %s: %w", opts.Dir, err)
	}
	return app, shutdown, reader, nil
}

// Append writes e to the log and returns its index once the entry is durable:
// fsynced in the journal with the index it gets in the tree, so that no crash
// can lose it (Tessera integrates it about 50 ms later; see journal.go and batchAge).
// Node and Seq are filled in here; a zero Time is set to now. If Append
// returns an error the entry must be treated as not logged and the data it
// concerns must not be released (C7).
//
// Appends are group-committed: while one group is being written, new entries
// gather, and the committer journals the whole next group at once so that it
// shares one fsync.
func (l *Log) Append(ctx context.Context, e Entry) (idx uint64, err error) {
	defer func() {
		l.opts.Metrics.AuditAppended(err)
		if err == nil {
			l.appended(idx)
		}
	}()
	if l.cl != nil {
		return l.cl.append(ctx, e)
	}
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	e.Node = l.opts.Node
	p := &pending{done: make(chan result, 1)}
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return 0, errors.New("audit append: log is closed")
	}
	if l.failed != nil {
		l.mu.Unlock()
		return 0, fmt.Errorf("audit append: log stopped after an earlier write failure (reopen to resume): %w", l.failed)
	}
	e.Seq = l.seq + 1
	data, err := e.Marshal()
	if err == nil && len(data) > MaxEntrySize {
		err = fmt.Errorf("entry is %d bytes, over the %d-byte limit", len(data), MaxEntrySize)
	}
	if err != nil {
		l.mu.Unlock()
		return 0, fmt.Errorf("audit append %s: %w", e.Action, err)
	}
	l.seq = e.Seq
	p.data, p.seq = data, e.Seq
	l.pend = append(l.pend, p)
	l.cond.Broadcast() // the committer and the sequencer share the condition
	l.mu.Unlock()

	select {
	case r := <-p.done:
		if r.err != nil {
			return 0, fmt.Errorf("audit append %s: %w", e.Action, r.err)
		}
		return r.idx, nil
	case <-ctx.Done():
		// The entry may still become durable; the caller must not release.
		return 0, fmt.Errorf("audit append %s: gave up waiting for durability: %w", e.Action, ctx.Err())
	}
}

type result struct {
	idx uint64
	err error
}

// pending is an entry waiting for the committer.
type pending struct {
	data []byte
	seq  uint64
	done chan result
}

// committer takes every pending entry as one group, journals it with the
// indices its entries get, answers the appenders, and passes the group on
// for the sequencer to integrate. While a group is journaled the next one
// gathers, so a group is as large as the load that arrived in the meantime.
// When nothing is pending or in flight it gives up the writer lock.
func (l *Log) committer() {
	defer close(l.committerDone)
	ctx := context.Background()
	for {
		l.mu.Lock()
		for len(l.pend) == 0 && !(l.holding && l.inflight == 0 && (l.failed == nil || l.closed)) && !(l.closed && !l.holding) {
			l.cond.Wait()
		}
		if len(l.pend) == 0 {
			l.mu.Unlock()
			if l.holding {
				if err := l.release(); err != nil {
					l.fail(err)
				}
				continue
			}
			l.mu.Lock()
			l.stopSequencer = true
			l.cond.Broadcast()
			l.mu.Unlock()
			<-l.sequencerDone
			return
		}
		// Appenders answered by the previous group come back almost
		// together; let them join this group instead of starting the next
		// one with only the first few.
		for prev := -1; len(l.pend) != prev && !l.closed; {
			prev = len(l.pend)
			l.mu.Unlock()
			runtime.Gosched()
			l.mu.Lock()
		}
		group := l.pend
		l.pend = nil
		failed := l.failed
		l.inflight += len(group) // before unlocking, so that the lock is not given up under it
		l.mu.Unlock()
		if failed == nil {
			failed = l.commit(ctx, group)
		}
		if failed != nil {
			for _, p := range group {
				p.done <- result{err: failed}
			}
			l.mu.Lock()
			l.inflight -= len(group)
			l.mu.Unlock()
			l.fail(failed)
		}
	}
}

// commit journals group (taking the writer lock if needed), answers its
// appenders and queues it for the sequencer. On error nothing of it was
// acknowledged.
func (l *Log) commit(ctx context.Context, group []*pending) error {
	if !l.holding {
		if err := l.acquire(ctx); err != nil {
			return err
		}
	}
	l.mu.Lock()
	// Do not run further ahead of Tessera than maxAhead entries, nor past
	// maxJournal bytes (then let Tessera catch up and start the journal afresh).
	for l.failed == nil && (l.inflight-len(group) > maxAhead || l.journal.size > maxJournal && l.inflight > len(group)) {
		l.cond.Wait()
	}
	failed := l.failed
	l.mu.Unlock()
	if failed != nil {
		return failed
	}
	if l.journal.size > maxJournal {
		if err := l.journal.truncate(); err != nil {
			return fmt.Errorf("empty journal: %w", err)
		}
	}
	recs := make([]record, len(group))
	for i, p := range group {
		recs[i] = record{idx: l.next + uint64(i), data: p.data}
	}
	if err := l.journal.write(recs); err != nil {
		return err
	}
	fl := &flight{first: l.next, group: group}
	l.next += uint64(len(group))
	for i, p := range group {
		p.done <- result{idx: recs[i].idx}
	}
	l.mu.Lock()
	l.journaled = append(l.journaled, fl)
	l.cond.Broadcast()
	l.mu.Unlock()
	return nil
}

// batchAge is how long Tessera's queue collects entries before it writes a
// batch that is not full. Receipts rely on Tessera numbering a round's
// entries in the order the sequencer added them. Its queue keeps that order
// within a batch and between full batches (the sequencer sends those
// itself), but a batch cut by the age timer is sent by the timer's own
// goroutine and could overtake an earlier one if two such cuts fell in one
// round. With a long age the only age cut in a round is its last, partial
// batch: adding 1,024 entries takes about a millisecond, fifty times less
// than batchAge. A mismatch would still be caught by the sequencer and stop
// the log. The age costs nothing to appenders, answered from the journal.
const batchAge = 50 * time.Millisecond

// maxAhead bounds how many journaled entries may wait for Tessera.
const maxAhead = 1 << 16

// flight is a journaled group on its way into the tree.
type flight struct {
	first uint64 // the index of its first entry
	group []*pending
}

// sequencer hands Tessera everything journaled since its last round at
// once, so that it becomes one batch with one round of file writes, waits
// until it is integrated, and checks that Tessera gave every entry the index
// it was journaled with.
func (l *Log) sequencer() {
	defer close(l.sequencerDone)
	ctx := context.Background()
	for {
		l.mu.Lock()
		for len(l.journaled) == 0 && !l.stopSequencer {
			l.cond.Wait()
		}
		round := l.journaled
		l.journaled = nil
		l.mu.Unlock()
		if len(round) == 0 {
			return
		}
		var futures []tessera.IndexFuture
		for _, fl := range round {
			for _, p := range fl.group {
				futures = append(futures, l.appender.Add(ctx, tessera.NewEntry(p.data)))
			}
		}
		var failed error
		var maxSeq, maxIdx uint64
		k := 0
		for _, fl := range round {
			for i, p := range fl.group {
				idx, err := futures[k]()
				k++
				switch want := fl.first + uint64(i); {
				case err != nil:
					failed = err
				case idx.Index != want:
					failed = fmt.Errorf("entry journaled as index %d was integrated at %d: another process wrote to the log without its writer lock", want, idx.Index)
				default:
					maxSeq, maxIdx = max(maxSeq, p.seq), max(maxIdx, idx.Index)
				}
			}
		}
		if maxSeq > 0 {
			l.seqs.durable(maxSeq, maxIdx)
		}
		if failed != nil {
			l.fail(failed)
		}
		l.mu.Lock()
		l.inflight -= len(futures)
		l.cond.Broadcast()
		l.mu.Unlock()
	}
}

// fail stops the log after a write failure. Entries already journaled stay
// in the journal for the next writer to integrate.
func (l *Log) fail(err error) {
	l.mu.Lock()
	first := l.failed == nil
	if first {
		l.failed = err
	}
	l.cond.Broadcast()
	l.mu.Unlock()
	if first {
		l.opts.Logger.Error("audit log write failed; refusing further appends", "err", err, "node", l.opts.Node)
	}
}

// acquire makes this process the log's writer: it takes the writer lock,
// integrates whatever a crashed writer left in the journal at the indices
// that writer returned, and notes the index the next entry gets.
func (l *Log) acquire(ctx context.Context) error {
	if err := l.journal.acquire(); err != nil {
		return fmt.Errorf("take the writer lock: %w", err)
	}
	l.holding = true
	recs, err := l.journal.read()
	if err != nil {
		return fmt.Errorf("read journal: %w", err)
	}
	size, err := l.reader.IntegratedSize(ctx)
	if err != nil {
		return fmt.Errorf("read tree size: %w", err)
	}
	var futures []tessera.IndexFuture
	for _, r := range recs {
		if r.idx < size {
			continue // integrated before the crash
		}
		if want := size + uint64(len(futures)); r.idx != want {
			return fmt.Errorf("journal holds index %d where %d was expected: the journal does not belong to this log", r.idx, want)
		}
		futures = append(futures, l.appender.Add(ctx, tessera.NewEntry(r.data)))
	}
	for i, f := range futures {
		idx, err := f()
		if err != nil {
			return fmt.Errorf("integrate journaled entry %d: %w", size+uint64(i), err)
		}
		if idx.Index != size+uint64(i) {
			return fmt.Errorf("journaled entry %d was integrated at %d", size+uint64(i), idx.Index)
		}
	}
	if len(futures) > 0 {
		l.opts.Logger.Info("audit log: integrated entries a stopped writer had journaled", "entries", len(futures), "from", size)
	}
	l.next = size + uint64(len(futures))
	if err := l.journal.truncate(); err != nil {
		return fmt.Errorf("empty journal: %w", err)
	}
	return nil
}

// release gives up the writer lock once everything journaled is integrated.
// After a failure the journal is kept for the next writer.
func (l *Log) release() error {
	l.holding = false
	l.mu.Lock()
	failed := l.failed
	l.mu.Unlock()
	if failed != nil {
		return syscall.Flock(int(l.journal.lock.Fd()), syscall.LOCK_UN)
	}
	if err := l.journal.release(); err != nil {
		return fmt.Errorf("release audit writer lock: %w", err)
	}
	return nil
}

// Close waits until every entry appended so far is committed to by a
// published checkpoint, then stops the log.
func (l *Log) Close() error {
	if l.cl != nil {
		return l.cl.close()
	}
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	l.cond.Broadcast()
	l.mu.Unlock()
	<-l.committerDone
	defer l.journal.close()
	timeout := l.opts.CloseTimeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	err := l.shutdown(ctx)
	if serr := l.seqs.save(); err == nil {
		err = serr
	}
	l.cancel()
	if err != nil {
		return fmt.Errorf("close audit log: %w", err)
	}
	return nil
}

// VerifierKey is the log's Ed25519 verifier key in signed-note format; it is
// what the committee passes to "renkei audit verify --key".
func (l *Log) VerifierKey() string { return l.keys.VerifierKey }

// PQVerifierKey is the verifier key of the additional ML-DSA-65 signature.
func (l *Log) PQVerifierKey() string { return l.keys.PQVerifier }

// Origin is the checkpoint origin line.
func (l *Log) Origin() string { return l.opts.Origin }

// Node is the node name written into this log's entries.
func (l *Log) Node() string { return l.opts.Node }

// Size is the number of entries in the tree once every entry this Log has
// returned an index for is integrated (about 50 ms after its append,
// see journal.go); they are not necessarily covered yet by a published
// checkpoint.
//
// In the cluster's log it is the number of entries journaled by every
// process (integrated by the cluster's integrator within a second or so).
func (l *Log) Size(ctx context.Context) (uint64, error) {
	if l.cl != nil {
		return l.cl.sh.AuditJournalSize(ctx, l.cl.origin)
	}
	l.mu.Lock()
	for l.inflight > 0 {
		l.cond.Wait() // the sequencer counts every group down, integrated or failed
	}
	l.mu.Unlock()
	return l.reader.IntegratedSize(ctx)
}

// Checkpoint returns the latest published signed checkpoint.
func (l *Log) Checkpoint(ctx context.Context) ([]byte, error) {
	if l.cl != nil {
		return l.Fetcher().Fetch(ctx, "checkpoint")
	}
	return l.reader.ReadCheckpoint(ctx)
}

// Dir is where the log's files are.
func (l *Log) Dir() string { return filepath.Clean(l.opts.Dir) }

// Handler serves the log read-only to overseers per C2SP tlog-tiles.
// The cluster's log is served from the store, the same through every node.
func (l *Log) Handler() http.Handler {
	if l.cl != nil {
		return fetcherHandler(l.Fetcher())
	}
	return NewHandler(l.opts.Dir)
}

// Fetcher reads the log as it is published (what Handler serves): the
// directory, or for the cluster's log the store.
func (l *Log) Fetcher() Fetcher {
	if l.cl != nil {
		return storeFetcher{sh: l.cl.sh, origin: l.cl.origin}
	}
	return dirFetcher(l.opts.Dir)
}

// Shared reports whether this is the cluster's log, journaled in the store.
func (l *Log) Shared() bool { return l.cl != nil }
