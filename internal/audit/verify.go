package audit

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/transparency-dev/tessera/api/layout"
	"golang.org/x/mod/sumdb/note"
)

// VerifyOptions configure Verify.
type VerifyOptions struct {
	// Verifiers are the log's public keys; the checkpoint must carry a valid
	// signature from every one of them.
	Verifiers []note.Verifier
	// Previous is a signed checkpoint of this log seen earlier (the state file
	// or --checkpoint); the log must be consistent with it.
	Previous []byte
	// Workers fetch and hash in parallel (default 2×GOMAXPROCS, 16 for HTTP is
	// a good choice).
	Workers int
	// Progress, if set, is called with the number of entry bundles done.
	Progress func(done, total uint64)
}

// Problem is one thing wrong with a log. Index is the first entry it
// concerns, or -1 when it cannot be tied to one entry (a forked root).
type Problem struct {
	Index int64
	What  string
}

func (p Problem) String() string {
	if p.Index < 0 {
		return p.What
	}
	return fmt.Sprintf("entry %d: %s", p.Index, p.What)
}

// Report is the outcome of verifying a log.
type Report struct {
	Checkpoint SignedCheckpoint
	Entries    uint64            // entries checked (the checkpoint size)
	LastSeq    map[string]uint64 // per node, the last sequence number seen
	Problems   []Problem         // sorted by index, at most maxProblems kept
	Count      int               // number of problems found (may exceed len(Problems))
	Duration   time.Duration
}

// OK reports whether the log verified without any problem.
func (r *Report) OK() bool { return r.Count == 0 }

// FirstBad is the problem at the lowest entry index (or a whole-log problem
// when no problem names an entry); nil when the log is good.
func (r *Report) FirstBad() *Problem {
	for i := range r.Problems {
		if r.Problems[i].Index >= 0 {
			return &r.Problems[i]
		}
	}
	if len(r.Problems) > 0 {
		return &r.Problems[0]
	}
	return nil
}

const maxProblems = 1000

type problems struct {
	mu    sync.Mutex
	list  []Problem
	count int
}

func (p *problems) add(idx int64, format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.count++
	if len(p.list) < maxProblems {
		p.list = append(p.list, Problem{Index: idx, What: fmt.Sprintf(format, args...)})
	}
}

// Verify checks a whole log from what it publishes: the checkpoint signature
// by every given key; every entry bundle, every entry's canonical form and
// per-node sequence (no gaps, no repeats); every tile against hashes
// recomputed from the entries; the tree root against the checkpoint; and,
// with a previous checkpoint, a consistency proof from it. It returns an
// error only when the checkpoint itself cannot be fetched or trusted; every
// other fault is a Problem in the report.
func Verify(ctx context.Context, f Fetcher, opts VerifyOptions) (*Report, error) {
	start := time.Now()
	raw, err := f.Fetch(ctx, layout.CheckpointPath)
	if err != nil {
		return nil, fmt.Errorf("fetch checkpoint: %w", err)
	}
	cp, err := OpenCheckpoint(raw, opts.Verifiers...)
	if err != nil {
		return nil, err
	}
	var prev *SignedCheckpoint
	if len(opts.Previous) > 0 {
		p, err := OpenCheckpoint(opts.Previous, opts.Verifiers...)
		if err != nil {
			return nil, fmt.Errorf("previous checkpoint: %w", err)
		}
		prev = &p
	}
	rep := &Report{Checkpoint: cp, Entries: cp.Size, LastSeq: map[string]uint64{}}
	if opts.Workers <= 0 {
		opts.Workers = 2 * runtime.GOMAXPROCS(0)
	}
	var probs problems
	if prev != nil && prev.Size > cp.Size {
		probs.add(-1, "rollback: checkpoint size %d is smaller than size %d seen before", cp.Size, prev.Size)
	}

	n := cp.Size
	t := newTree(n)
	nodes := make([]string, n)
	seqs := make([]uint64, n)
	nb := (n + layout.EntryBundleWidth - 1) / layout.EntryBundleWidth
	var done atomic.Uint64
	parallel(ctx, opts.Workers, nb, func(i uint64) {
		verifyBundle(ctx, f, i, n, t.levels[0], nodes, seqs, &probs)
		if opts.Progress != nil {
			opts.Progress(done.Add(1), nb)
		}
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	checkSequences(nodes, seqs, rep.LastSeq, &probs)

	t.build(opts.Workers)
	verifyTiles(ctx, f, t, opts.Workers, &probs)

	if root := t.rootAt(n); !bytes.Equal(root, cp.Root) {
		probs.add(-1, "recomputed root %x does not match the checkpoint's %x", root, cp.Root)
	}
	if prev != nil && prev.Size <= cp.Size {
		if err := t.checkConsistency(prev.Size, prev.Root, cp.Root); err != nil {
			probs.add(-1, "not consistent with the checkpoint of size %d seen before (history rewritten or forked): %v", prev.Size, err)
		}
	}
	sort.SliceStable(probs.list, func(a, b int) bool {
		ia, ib := probs.list[a].Index, probs.list[b].Index
		if (ia < 0) != (ib < 0) {
			return ib < 0
		}
		return ia < ib
	})
	rep.Problems, rep.Count = probs.list, probs.count
	rep.Duration = time.Since(start)
	return rep, nil
}

// verifyBundle fetches entry bundle i, hashes its entries into leaves and
// parses each one.
func verifyBundle(ctx context.Context, f Fetcher, i, size uint64, leaves []byte, nodes []string, seqs []uint64, probs *problems) {
	first := i * layout.EntryBundleWidth
	want := min(layout.EntryBundleWidth, size-first)
	raw, err := fetchPartial(ctx, f, i, want, layout.EntriesPath)
	if err != nil {
		probs.add(int64(first), "entry bundle %s: %v", layout.EntriesPath(i, partial(want)), err)
		return
	}
	entries, err := ParseEntryBundle(raw, int(want))
	if err != nil {
		probs.add(int64(first)+int64(len(entries)), "entry bundle %s: %v", layout.EntriesPath(i, partial(want)), err)
	}
	h := sha256.New()
	for j, data := range entries {
		idx := first + uint64(j)
		h.Reset()
		h.Write([]byte{0})
		h.Write(data)
		h.Sum(leaves[idx*32 : idx*32 : idx*32+32])
		e, err := checkEntry(data)
		if err != nil {
			probs.add(int64(idx), "%v", err)
			continue
		}
		nodes[idx], seqs[idx] = e.Node, e.Seq
	}
}

// verifyTiles compares every published tile with the recomputed hashes.
// A wrong hash on tile level L > 0 covers 256^L entries; it is reported only
// when nothing inside that range was already found, so that the report names
// the entry that was really changed rather than the start of its subtree.
func verifyTiles(ctx context.Context, f Fetcher, t *tree, workers int, probs *problems) {
	type tileID struct{ level, index, width uint64 }
	type mismatch struct {
		first, end int64 // entry range covered by the bad hash
		what       string
	}
	for L := uint64(0); 8*L < uint64(len(t.levels)); L++ {
		hashes := t.levels[8*L]
		cnt := uint64(len(hashes) / 32)
		if cnt == 0 {
			break
		}
		var ids []tileID
		for i := uint64(0); i*layout.TileWidth < cnt; i++ {
			ids = append(ids, tileID{L, i, min(layout.TileWidth, cnt-i*layout.TileWidth)})
		}
		var mu sync.Mutex
		var bad []mismatch
		report := func(first, span int64, format string, args ...any) {
			mu.Lock()
			bad = append(bad, mismatch{first, first + span, fmt.Sprintf(format, args...)})
			mu.Unlock()
		}
		parallel(ctx, workers, uint64(len(ids)), func(k uint64) {
			id := ids[k]
			pathFn := func(n uint64, p uint8) string { return layout.TilePath(id.level, n, p) }
			raw, err := fetchPartial(ctx, f, id.index, id.width, pathFn)
			leafSpan := int64(1) << (8 * id.level)
			firstLeaf := int64(id.index*layout.TileWidth) * leafSpan
			name := layout.TilePath(id.level, id.index, partial(id.width))
			if err != nil {
				report(firstLeaf, 1, "tile %s: %v", name, err)
				return
			}
			if l := uint64(len(raw)); l != id.width*32 && l != layout.TileWidth*32 {
				report(firstLeaf, 1, "tile %s: %d bytes, want %d", name, len(raw), id.width*32)
				return
			}
			want := t.levels[8*id.level][id.index*layout.TileWidth*32:]
			for j := range id.width {
				if !bytes.Equal(raw[j*32:j*32+32], want[j*32:j*32+32]) {
					report(firstLeaf+int64(j)*leafSpan, leafSpan, "tile %s hash %d does not match the hash recomputed from the entries (entry or tile changed, removed or reordered)", name, j)
					return
				}
			}
		})
		probs.mu.Lock()
		known := append([]Problem(nil), probs.list...)
		probs.mu.Unlock()
		for _, m := range bad {
			covered := false
			for _, p := range known {
				if L > 0 && p.Index >= m.first && p.Index < m.end {
					covered = true
					break
				}
			}
			if !covered {
				probs.add(m.first, "%s", m.what)
			}
		}
	}
}

func partial(width uint64) uint8 {
	if width == layout.TileWidth {
		return 0
	}
	return uint8(width)
}

// fetchPartial fetches a tile or bundle of the given width. Per tlog-tiles a
// partial resource may have been replaced by the full one; then the full one
// is read instead and the caller uses its prefix.
func fetchPartial(ctx context.Context, f Fetcher, index, width uint64, path func(uint64, uint8) string) ([]byte, error) {
	p := partial(width)
	b, err := f.Fetch(ctx, path(index, p))
	if err != nil && p != 0 && errors.Is(err, fs.ErrNotExist) {
		b, err = f.Fetch(ctx, path(index, 0))
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errors.New("missing")
	}
	return b, err
}

// parallel runs fn(0..n-1) on workers goroutines.
func parallel(ctx context.Context, workers int, n uint64, fn func(i uint64)) {
	var next atomic.Uint64
	var wg sync.WaitGroup
	for range min(uint64(workers), n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := next.Add(1) - 1
				if i >= n {
					return
				}
				fn(i)
			}
		}()
	}
	wg.Wait()
}

// checkSequences demands that each node's sequence numbers are exactly
// 1..last, each once. Order in the log is not required (two groups of one
// node may in rare cases be integrated out of order; reordering of entries is
// caught by the tree anyway), so a missing entry shows as a gap wherever the
// others landed: the problem names the entry that follows the gap, and for a
// repeated number, the later copy.
func checkSequences(nodes []string, seqs []uint64, last map[string]uint64, probs *problems) {
	type at struct{ seq, idx uint64 }
	per := map[string][]at{}
	for i, node := range nodes {
		if node != "" { // an unparsable entry is already reported
			per[node] = append(per[node], at{seqs[i], uint64(i)})
		}
	}
	for node, list := range per {
		slices.SortFunc(list, func(a, b at) int {
			if c := cmp.Compare(a.seq, b.seq); c != 0 {
				return c
			}
			return cmp.Compare(a.idx, b.idx)
		})
		want := uint64(1)
		for k, e := range list {
			switch {
			case e.seq == want:
			case e.seq > want:
				probs.add(int64(e.idx), "node %s: seq %d follows seq %d: %d entries missing", node, e.seq, want-1, e.seq-want)
			default:
				probs.add(int64(e.idx), "node %s: seq %d appears again (also at entry %d)", node, e.seq, list[k-1].idx)
			}
			want = max(want, e.seq+1)
		}
		last[node] = want - 1
	}
}
