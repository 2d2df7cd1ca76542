package audit

import (
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
	"time"

	"github.com/transparency-dev/tessera"
	"github.com/transparency-dev/tessera/storage/posix"
)

// Options configure a Log. Only Dir and KeyDir are required.
type Options struct {
	Dir    string // where the tiles, entry bundles and checkpoint live (DATA/audit)
	KeyDir string // where the signing keys live (DATA/audit-keys), mode 0700
	Origin string // checkpoint origin and key name; default DefaultOrigin
	Node   string // this node's name in entries; default the host name

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

	mu            sync.Mutex // guards the fields below
	cond          *sync.Cond // signals the committer
	seq           uint64     // last sequence number handed out
	pend          []*pending // entries waiting for the committer, in seq order
	failed        error      // sticky: set when an append could not be made durable
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
	if opts.Origin == "" {
		opts.Origin = DefaultOrigin
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
	keys, err := LoadOrCreateKeys(opts.KeyDir, opts.Origin)
	if err != nil {
		return nil, fmt.Errorf("open audit log: %w", err)
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("open audit log: %w", err)
	}
	driver, err := posix.New(ctx, posix.Config{Path: opts.Dir})
	if err != nil {
		return nil, fmt.Errorf("open audit log %s: %w", opts.Dir, err)
	}
	ao := tessera.NewAppendOptions().
		WithCheckpointSigner(keys.Signer, keys.PQSigner).
		// The committer hands over whole groups; the short age only lets
		// Tessera's queue collect a group into one batch.
		WithBatching(opts.BatchMaxSize, 100*time.Microsecond).
		WithCheckpointInterval(opts.CheckpointInterval).
		WithCheckpointRepublishInterval(max(10*time.Minute, opts.CheckpointInterval)).
		WithPushback(1 << 30) // callers wait for their entry; never drop one for back-pressure
	if len(opts.Witnesses) > 0 {
		var ws []tessera.Witness
		for _, w := range opts.Witnesses {
			u, err := url.Parse(w.URL)
			if err != nil {
				return nil, fmt.Errorf("open audit log: witness URL %q: %w", w.URL, err)
			}
			tw, err := tessera.NewWitness(w.Key, u)
			if err != nil {
				return nil, fmt.Errorf("open audit log: witness key %q: %w", abbreviate(w.Key), err)
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
	bg, cancel := context.WithCancel(context.Background())
	app, shutdown, reader, err := tessera.NewAppender(bg, driver, ao)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("open audit log %s: %w", opts.Dir, err)
	}
	l := &Log{opts: opts, keys: keys, appender: app, reader: reader, shutdown: shutdown, cancel: cancel}
	l.seqs = newSeqState(opts.Dir, opts.Node, opts.Logger)
	seq, err := l.seqs.recover(ctx, reader)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("open audit log %s: recover sequence of node %s: %w", opts.Dir, opts.Node, err)
	}
	l.seq = seq
	l.cond = sync.NewCond(&l.mu)
	l.committerDone = make(chan struct{})
	go l.committer()
	go l.seqs.saveLoop(bg, time.Second)
	return l, nil
}

// Append writes e to the log and returns its index once the entry is durable:
// written to its entry bundle, integrated into the tree and fsynced, so that
// no crash can lose it. Node and Seq are filled in here; a zero Time is set to
// now. If Append returns an error the entry must be treated as not logged and
// the data it concerns must not be released (C7).
//
// Appends are group-committed: while one group is being written, new entries
// gather, and the committer hands the whole next group to Tessera at once so
// that it shares one round of fsyncs (see committer).
func (l *Log) Append(ctx context.Context, e Entry) (uint64, error) {
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
	l.cond.Signal()
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

// committer takes every pending entry as one group, queues the group in
// Tessera in sequence order, and waits until all of it is durable before
// taking the next group. Only one group is in flight, so a group is as large
// as the load that arrived during the previous write: throughput grows with
// concurrency while one append still costs about two write rounds.
func (l *Log) committer() {
	defer close(l.committerDone)
	ctx := context.Background()
	for {
		l.mu.Lock()
		for len(l.pend) == 0 && !l.closed {
			l.cond.Wait()
		}
		// Appenders released by the previous group come back almost
		// together; let them join this group instead of starting the next
		// one with only the first few (which would halve throughput).
		for prev := -1; len(l.pend) != prev && !l.closed; {
			prev = len(l.pend)
			l.mu.Unlock()
			runtime.Gosched()
			l.mu.Lock()
		}
		group := l.pend
		l.pend = nil
		l.mu.Unlock()
		if len(group) == 0 {
			return // closed and drained
		}
		futures := make([]tessera.IndexFuture, len(group))
		for i, p := range group {
			futures[i] = l.appender.Add(ctx, tessera.NewEntry(p.data))
		}
		var maxSeq, maxIdx uint64
		var failed error
		for i, f := range futures {
			idx, err := f()
			if err != nil {
				failed = err
				group[i].done <- result{err: err}
				continue
			}
			maxSeq, maxIdx = max(maxSeq, group[i].seq), max(maxIdx, idx.Index)
			group[i].done <- result{idx: idx.Index}
		}
		if failed != nil {
			l.mu.Lock()
			if l.failed == nil {
				l.failed = failed
			}
			l.mu.Unlock()
			l.opts.Logger.Error("audit log write failed; refusing further appends", "err", failed, "node", l.opts.Node)
			continue
		}
		// Every entry of this node up to maxSeq is now below maxIdx+1.
		l.seqs.durable(maxSeq, maxIdx)
	}
}

// Close waits until every entry appended so far is committed to by a
// published checkpoint, then stops the log.
func (l *Log) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	l.cond.Broadcast()
	l.mu.Unlock()
	<-l.committerDone
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

// Size is the number of entries integrated so far (not necessarily yet
// covered by a published checkpoint).
func (l *Log) Size(ctx context.Context) (uint64, error) { return l.reader.IntegratedSize(ctx) }

// Checkpoint returns the latest published signed checkpoint.
func (l *Log) Checkpoint(ctx context.Context) ([]byte, error) { return l.reader.ReadCheckpoint(ctx) }

// Dir is where the log's files are.
func (l *Log) Dir() string { return filepath.Clean(l.opts.Dir) }

// Handler serves the log read-only to overseers per C2SP tlog-tiles.
func (l *Log) Handler() http.Handler { return NewHandler(l.opts.Dir) }
