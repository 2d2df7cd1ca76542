package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/transparency-dev/tessera"
	"github.com/transparency-dev/tessera/api/layout"
)

// seqState remembers, per node, a recent (seq, size) pair: every entry of the
// node below index size has a sequence number <= seq. It is only a hint to
// make recovery fast: Open scans the log from size onwards for later entries
// of the node, so a stale or lost file costs time, never correctness. That is
// why it is written without fsync and off the append path.
type seqState struct {
	path string
	node string
	log  *slog.Logger

	mu    sync.Mutex
	seq   uint64
	size  uint64
	dirty bool
}

type seqFile struct {
	Node string `json:"node"`
	Seq  uint64 `json:"seq"`
	Size uint64 `json:"size"`
}

func newSeqState(dir, node string, log *slog.Logger) *seqState {
	h := sha256.Sum256([]byte(node))
	return &seqState{path: filepath.Join(dir, ".renkei", "seq-"+hex.EncodeToString(h[:8])+".json"), node: node, log: log}
}

// durable records that entry seq of this node is durable at index idx.
func (s *seqState) durable(seq, idx uint64) {
	s.mu.Lock()
	if seq > s.seq {
		s.seq, s.size, s.dirty = seq, idx+1, true
	}
	s.mu.Unlock()
}

// recover returns the node's highest sequence number in the log.
func (s *seqState) recover(ctx context.Context, r tessera.LogReader) (uint64, error) {
	var hint seqFile
	b, err := os.ReadFile(s.path)
	switch {
	case err == nil:
		if json.Unmarshal(b, &hint) != nil || hint.Node != s.node {
			hint = seqFile{}
		}
	case !errors.Is(err, fs.ErrNotExist):
		return 0, err
	}
	size, err := r.IntegratedSize(ctx)
	if err != nil {
		return 0, fmt.Errorf("read tree size: %w", err)
	}
	if hint.Size > size { // the hint is from a log that has since been replaced
		hint = seqFile{}
	}
	seq := hint.Seq
	for i := hint.Size / layout.EntryBundleWidth; i*layout.EntryBundleWidth < size; i++ {
		n := min(layout.EntryBundleWidth, size-i*layout.EntryBundleWidth)
		raw, err := r.ReadEntryBundle(ctx, i, layout.PartialTileSize(0, i, size))
		if err != nil {
			return 0, fmt.Errorf("read entry bundle %d: %w", i, err)
		}
		entries, err := ParseEntryBundle(raw, int(n))
		if err != nil {
			return 0, fmt.Errorf("entry bundle %d: %w", i, err)
		}
		for j, data := range entries {
			idx := i*layout.EntryBundleWidth + uint64(j)
			if idx < hint.Size {
				continue
			}
			e, err := ParseEntry(data)
			if err != nil {
				// A damaged entry must not keep the hub from starting;
				// the verifier reports it. Its number cannot be reused
				// unnoticed: a repeat shows up as a duplicate.
				s.log.Warn("audit: unreadable entry while recovering the sequence", "index", idx, "err", err)
				continue
			}
			if e.Node == s.node && e.Seq > seq {
				seq = e.Seq
			}
		}
	}
	s.mu.Lock()
	s.seq, s.size, s.dirty = seq, size, true
	s.mu.Unlock()
	return seq, s.save()
}

// save writes the hint atomically (temporary file and rename).
func (s *seqState) save() error {
	s.mu.Lock()
	if !s.dirty {
		s.mu.Unlock()
		return nil
	}
	b, _ := json.Marshal(seqFile{Node: s.node, Seq: s.seq, Size: s.size})
	s.dirty = false
	s.mu.Unlock()
	if err := os.MkdirAll(filepath.Dir(s.path), 0o755); err != nil {
		return fmt.Errorf("save sequence hint: %w", err)
	}
	tmp := s.path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("save sequence hint: %w", err)
	}
	if err := os.Rename(tmp, s.path); err != nil {
		return fmt.Errorf("save sequence hint: %w", err)
	}
	return nil
}

func (s *seqState) saveLoop(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_ = s.save() // a lost hint only slows the next recovery
		}
	}
}
