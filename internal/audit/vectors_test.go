package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"renkei/internal/corpora"
)

// TestProofVectors runs the transparency-dev/merkle inclusion and
// consistency vectors through VerifyInclusion and VerifyConsistency, the
// functions the verifier and the witness use; wantErr is respected.
func TestProofVectors(t *testing.T) {
	root := corpora.Path(t, "merkle-vectors/testdata")
	for _, kind := range []string{"inclusion", "consistency"} {
		var files []string
		err := filepath.WalkDir(filepath.Join(root, kind), func(p string, d fs.DirEntry, err error) error {
			if err == nil && strings.HasSuffix(p, ".json") {
				files = append(files, p)
			}
			return err
		})
		if err != nil || len(files) == 0 {
			t.Fatalf("no %s vectors under %s", kind, root)
		}
		var pass, refused int
		for _, f := range files {
			name := strings.TrimPrefix(f, root+"/")
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var v struct {
				LeafIdx, TreeSize, Size1, Size2 uint64
				Root, LeafHash, Root1, Root2    []byte
				Proof                           [][]byte
				WantErr                         bool
			}
			if err := json.Unmarshal(b, &v); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if kind == "inclusion" {
				err = VerifyInclusion(v.LeafIdx, v.TreeSize, v.LeafHash, v.Proof, v.Root)
			} else {
				err = VerifyConsistency(v.Size1, v.Size2, v.Proof, v.Root1, v.Root2)
			}
			if (err != nil) != v.WantErr {
				t.Errorf("%s: err = %v, wantErr %v", name, err, v.WantErr)
			}
			if err != nil {
				refused++
			} else {
				pass++
			}
		}
		t.Logf("%s: %d vectors verified, %d refused as expected", kind, pass, refused)
	}
}

// TestTreeMatchesReferenceRoots checks the verifier's tree construction
// against the RFC 6962 reference roots for sizes 0..8.
func TestTreeMatchesReferenceRoots(t *testing.T) {
	p := corpora.Path(t, "merkle-vectors/rfc6962-reference-tree.json")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		LeafInputsHex []string `json:"leaf_inputs_hex"`
		RootsHex      []string `json:"root_hashes_hex_by_tree_size"`
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref.RootsHex) == 0 {
		var any map[string]json.RawMessage
		json.Unmarshal(b, &any)
		keys := []string{}
		for k := range any {
			keys = append(keys, k)
		}
		t.Fatalf("no roots in reference file; keys: %v", keys)
	}
	for n := range len(ref.LeafInputsHex) + 1 {
		tr := newTree(uint64(n))
		for i := range n {
			d, _ := hex.DecodeString(ref.LeafInputsHex[i])
			h := sha256.Sum256(append([]byte{0}, d...))
			copy(tr.levels[0][i*32:], h[:])
		}
		tr.build(2)
		if got := hex.EncodeToString(tr.rootAt(uint64(n))); got != ref.RootsHex[n] {
			t.Errorf("size %d: root %s, want %s", n, got, ref.RootsHex[n])
		}
		for m := 1; m < n; m++ {
			p, err := tr.consistencyProof(uint64(m))
			if err != nil {
				t.Fatal(err)
			}
			r1, _ := hex.DecodeString(ref.RootsHex[m])
			r2, _ := hex.DecodeString(ref.RootsHex[n])
			if err := VerifyConsistency(uint64(m), uint64(n), p, r1, r2); err != nil {
				t.Errorf("consistency %d->%d: %v", m, n, err)
			}
		}
	}
}
