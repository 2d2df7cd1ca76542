package oversight

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/transparency-dev/tessera/api/layout"
	"golang.org/x/mod/sumdb/note"

	"renkei/internal/audit"
)

// MaxSample bounds one inspection: each entry costs a few tile reads.
const MaxSample = 50

// Sample inspects n distinct entries chosen at random from the tree of the
// current signed checkpoint (all of them when the log is smaller), each with
// its inclusion proof verified by audit.Inspect. rnd may be nil. The result
// is in index order.
func Sample(ctx context.Context, f audit.Fetcher, verifiers []note.Verifier, n int, rnd *rand.Rand) ([]*audit.Inspection, audit.SignedCheckpoint, error) {
	raw, err := f.Fetch(ctx, layout.CheckpointPath)
	if err != nil {
		return nil, audit.SignedCheckpoint{}, fmt.Errorf("fetch checkpoint: %w", err)
	}
	cp, err := audit.OpenCheckpoint(raw, verifiers...)
	if err != nil {
		return nil, cp, err
	}
	n = max(0, min(n, MaxSample))
	if uint64(n) > cp.Size {
		n = int(cp.Size)
	}
	if rnd == nil {
		rnd = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	chosen := map[uint64]bool{}
	for len(chosen) < n {
		chosen[rnd.Uint64N(cp.Size)] = true
	}
	idx := make([]uint64, 0, n)
	for i := range chosen {
		idx = append(idx, i)
	}
	slices.Sort(idx)
	out := make([]*audit.Inspection, 0, n)
	for _, i := range idx {
		in, err := audit.Inspect(ctx, f, verifiers, i)
		if err != nil {
			return out, cp, err
		}
		out = append(out, in)
	}
	return out, cp, nil
}

// InspectIndices inspects the given entries, stopping at the first that
// fails, whose error names it.
func InspectIndices(ctx context.Context, f audit.Fetcher, verifiers []note.Verifier, indices []uint64) ([]*audit.Inspection, error) {
	if len(indices) > MaxSample {
		return nil, fmt.Errorf("at most %d entries per inspection, got %d", MaxSample, len(indices))
	}
	out := make([]*audit.Inspection, 0, len(indices))
	for _, i := range indices {
		in, err := audit.Inspect(ctx, f, verifiers, i)
		if err != nil {
			return out, err
		}
		out = append(out, in)
	}
	return out, nil
}

// Verifiers returns the note verifiers for the given verifier keys (the log's
// Ed25519 key and, when present, its ML-DSA-65 key).
func Verifiers(keys ...string) ([]note.Verifier, error) {
	var vs []note.Verifier
	for _, k := range keys {
		if k == "" {
			continue
		}
		v, err := audit.NewVerifier(k)
		if err != nil {
			return nil, err
		}
		vs = append(vs, v)
	}
	if len(vs) == 0 {
		return nil, fmt.Errorf("no verifier key")
	}
	return vs, nil
}
