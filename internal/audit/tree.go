package audit

import (
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

// tree holds every complete subtree hash of an RFC 6962 Merkle tree, level by
// level: levels[h] is the concatenation of the 32-byte hashes of the perfect
// subtrees of height h, left to right. Level 8L is exactly what tile level L
// publishes, and any proof node can be read from it.
type tree struct {
	size   uint64
	levels [][]byte
}

func newTree(size uint64) *tree {
	return &tree{size: size, levels: [][]byte{make([]byte, size*32)}}
}

// build computes the levels above the leaves, splitting each level across
// workers.
func (t *tree) build(workers int) {
	t.levels = t.levels[:1]
	for cur := t.levels[0]; len(cur) >= 64; {
		n := uint64(len(cur) / 64)
		next := make([]byte, n*32)
		chunk := max(1024, (n+uint64(workers)-1)/uint64(workers))
		parallelChunks(workers, n, chunk, func(from, to uint64) {
			var buf [65]byte
			buf[0] = 1
			for i := from; i < to; i++ {
				copy(buf[1:], cur[i*64:i*64+64])
				s := sha256.Sum256(buf[:])
				copy(next[i*32:], s[:])
			}
		})
		t.levels = append(t.levels, next)
		cur = next
	}
}

func parallelChunks(workers int, n, chunk uint64, fn func(from, to uint64)) {
	if n <= chunk || workers <= 1 {
		fn(0, n)
		return
	}
	done := make(chan struct{})
	var count int
	for from := uint64(0); from < n; from += chunk {
		count++
		go func(from uint64) {
			fn(from, min(from+chunk, n))
			done <- struct{}{}
		}(from)
	}
	for range count {
		<-done
	}
}

// node returns the hash of the perfect subtree at (level, index).
func (t *tree) node(level uint, index uint64) ([]byte, error) {
	if int(level) >= len(t.levels) || (index+1)*32 > uint64(len(t.levels[level])) {
		return nil, fmt.Errorf("node %d/%d is outside a tree of size %d", level, index, t.size)
	}
	return t.levels[level][index*32 : index*32+32], nil
}

// rootAt returns the root hash of the first size leaves (size <= t.size):
// the perfect subtrees of size's binary decomposition, folded from the right.
func (t *tree) rootAt(size uint64) []byte {
	if size == 0 {
		e := sha256.Sum256(nil)
		return e[:]
	}
	var parts [][]byte
	off := uint64(0)
	for h := 63; h >= 0; h-- {
		if size&(1<<h) != 0 {
			n, _ := t.node(uint(h), off>>h)
			parts = append(parts, n)
			off += 1 << h
		}
	}
	root := parts[len(parts)-1]
	for i := len(parts) - 2; i >= 0; i-- {
		root = rfc6962.DefaultHasher.HashChildren(parts[i], root)
	}
	return root
}

// consistencyProof returns the RFC 6962 consistency proof from size1 to the
// whole tree, read from the stored levels.
func (t *tree) consistencyProof(size1 uint64) ([][]byte, error) {
	nodes, err := proof.Consistency(size1, t.size)
	if err != nil {
		return nil, err
	}
	hashes := make([][]byte, 0, len(nodes.IDs))
	for _, id := range nodes.IDs {
		h, err := t.node(id.Level, id.Index)
		if err != nil {
			return nil, err
		}
		hashes = append(hashes, h)
	}
	return nodes.Rehash(hashes, rfc6962.DefaultHasher.HashChildren)
}

// checkConsistency proves that the tree of size1 with root1 is a prefix of
// this tree with root2, using the same proof verification a witness uses.
func (t *tree) checkConsistency(size1 uint64, root1, root2 []byte) error {
	if size1 == 0 {
		return nil
	}
	p, err := t.consistencyProof(size1)
	if err != nil {
		return err
	}
	return VerifyConsistency(size1, t.size, p, root1, root2)
}

// VerifyConsistency checks an RFC 6962 consistency proof between two tree
// heads. The verifier, the witness and the proof-vector tests all go through
// here.
//
// A proof from size 0 is refused: the empty tree is a prefix of every tree,
// so such a "proof" proves nothing, and the merkle-vectors (RFC 9162
// section 2.1.4) expect an error. Callers handle size 0 before calling.
func VerifyConsistency(size1, size2 uint64, p [][]byte, root1, root2 []byte) error {
	if size1 == 0 {
		return errors.New("no consistency proof exists from an empty tree")
	}
	return proof.VerifyConsistency(rfc6962.DefaultHasher, size1, size2, p, root1, root2)
}

// VerifyInclusion checks an RFC 6962 inclusion proof of a leaf hash at index
// in a tree of the given size and root.
func VerifyInclusion(index, size uint64, leafHash []byte, p [][]byte, root []byte) error {
	return proof.VerifyInclusion(rfc6962.DefaultHasher, index, size, leafHash, p, root)
}
