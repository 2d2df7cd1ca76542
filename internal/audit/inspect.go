package audit

import (
	"context"
	"crypto/sha256"
	"fmt"

	"github.com/transparency-dev/tessera/api/layout"
	"github.com/transparency-dev/tessera/client"
	"golang.org/x/mod/sumdb/note"
)

// Inspection is one entry together with the proof that it is in the tree the
// signed checkpoint commits to: what an overseer samples in an inspection.
type Inspection struct {
	Index      uint64
	Entry      Entry
	Data       []byte   // the canonical leaf data
	LeafHash   []byte   // SHA-256(0x00 || Data)
	Proof      [][]byte // RFC 6962 inclusion proof for Index in the checkpoint's tree
	Checkpoint SignedCheckpoint
}

// Inspect fetches entry index of a log, builds its inclusion proof from the
// published tiles and verifies it against the signed checkpoint, so the
// result can be shown (and re-checked) without trusting the hub.
func Inspect(ctx context.Context, f Fetcher, verifiers []note.Verifier, index uint64) (*Inspection, error) {
	raw, err := f.Fetch(ctx, layout.CheckpointPath)
	if err != nil {
		return nil, fmt.Errorf("fetch checkpoint: %w", err)
	}
	cp, err := OpenCheckpoint(raw, verifiers...)
	if err != nil {
		return nil, err
	}
	if index >= cp.Size {
		return nil, fmt.Errorf("entry %d: the checkpoint covers entries 0..%d", index, int64(cp.Size)-1)
	}
	b := index / layout.EntryBundleWidth
	want := min(layout.EntryBundleWidth, cp.Size-b*layout.EntryBundleWidth)
	bundle, err := fetchPartial(ctx, f, b, want, layout.EntriesPath)
	if err != nil {
		return nil, fmt.Errorf("entry %d: bundle %s: %w", index, layout.EntriesPath(b, partial(want)), err)
	}
	entries, err := ParseEntryBundle(bundle, int(want))
	if err != nil {
		return nil, fmt.Errorf("entry %d: %w", index, err)
	}
	data := entries[index%layout.EntryBundleWidth]
	e, err := ParseEntry(data)
	if err != nil {
		return nil, fmt.Errorf("entry %d: %w", index, err)
	}
	tiles := func(ctx context.Context, level, i uint64, p uint8) ([]byte, error) {
		w := uint64(p)
		if w == 0 {
			w = layout.TileWidth
		}
		return fetchPartial(ctx, f, i, w, func(n uint64, p uint8) string { return layout.TilePath(level, n, p) })
	}
	pb, err := client.NewProofBuilder(ctx, cp.Size, tiles)
	if err != nil {
		return nil, fmt.Errorf("entry %d: proof: %w", index, err)
	}
	proof, err := pb.InclusionProof(ctx, index)
	if err != nil {
		return nil, fmt.Errorf("entry %d: inclusion proof: %w", index, err)
	}
	h := sha256.Sum256(append([]byte{0}, data...))
	if err := VerifyInclusion(index, cp.Size, h[:], proof, cp.Root); err != nil {
		_ = err // the library's message is a multi-line dump of both roots
		return nil, fmt.Errorf("entry %d is NOT included in the checkpointed tree: its inclusion proof does not lead to the checkpoint root %x", index, cp.Root)
	}
	return &Inspection{Index: index, Entry: e, Data: data, LeafHash: h[:], Proof: proof, Checkpoint: cp}, nil
}

// Prover proves entries included in the tree of one signed checkpoint: a
// listing of many entries is verified against one checkpoint, with the
// tiles read once.
type Prover struct {
	Checkpoint SignedCheckpoint
	pb         *client.ProofBuilder
}

// NewProver returns a prover for the tree cp commits to, reading tiles
// through f. cp must have been opened with the log's verifiers.
func NewProver(ctx context.Context, f Fetcher, cp SignedCheckpoint) (*Prover, error) {
	tiles := func(ctx context.Context, level, i uint64, p uint8) ([]byte, error) {
		w := uint64(p)
		if w == 0 {
			w = layout.TileWidth
		}
		return fetchPartial(ctx, f, i, w, func(n uint64, p uint8) string { return layout.TilePath(level, n, p) })
	}
	pb, err := client.NewProofBuilder(ctx, cp.Size, tiles)
	if err != nil {
		return nil, fmt.Errorf("proofs for checkpoint %d: %w", cp.Size, err)
	}
	return &Prover{Checkpoint: cp, pb: pb}, nil
}

// Prove builds the inclusion proof of entry e at index and verifies it
// against the checkpoint's root: the leaf is e's canonical encoding. The
// leaf hash and proof are returned with the error when verification fails.
func (p *Prover) Prove(ctx context.Context, index uint64, e Entry) (leafHash []byte, proof [][]byte, err error) {
	if index >= p.Checkpoint.Size {
		return nil, nil, fmt.Errorf("entry %d: the checkpoint covers entries 0..%d", index, int64(p.Checkpoint.Size)-1)
	}
	data, err := e.Marshal()
	if err != nil {
		return nil, nil, fmt.Errorf("entry %d: %w", index, err)
	}
	h := sha256.Sum256(append([]byte{0}, data...))
	proof, err = p.pb.InclusionProof(ctx, index)
	if err != nil {
		return h[:], nil, fmt.Errorf("entry %d: inclusion proof: %w", index, err)
	}
	if err := VerifyInclusion(index, p.Checkpoint.Size, h[:], proof, p.Checkpoint.Root); err != nil {
		return h[:], proof, fmt.Errorf("entry %d is NOT included in the checkpointed tree: its inclusion proof does not lead to the checkpoint root %x", index, p.Checkpoint.Root)
	}
	return h[:], proof, nil
}
