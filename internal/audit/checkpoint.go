package audit

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

// Checkpoint is the body of a C2SP tlog-checkpoint: the log's origin, the tree
// size and the root hash, plus any extension lines.
type Checkpoint struct {
	Origin     string
	Size       uint64
	Root       []byte // 32 bytes
	Extensions []string
}

// ParseCheckpoint parses a checkpoint body (the note text, without
// signatures). It is strict: decimal sizes without leading zeroes, a 32-byte
// base64 root, every line newline-terminated, no empty extension lines.
func ParseCheckpoint(text []byte) (Checkpoint, error) {
	if len(text) == 0 || text[len(text)-1] != '\n' {
		return Checkpoint{}, errors.New("checkpoint: text must end with a newline")
	}
	lines := strings.Split(string(text[:len(text)-1]), "\n")
	if len(lines) < 3 {
		return Checkpoint{}, fmt.Errorf("checkpoint: %d lines, want at least 3 (origin, size, root)", len(lines))
	}
	var c Checkpoint
	c.Origin = lines[0]
	if c.Origin == "" {
		return Checkpoint{}, errors.New("checkpoint: line 1: origin is empty")
	}
	s := lines[1]
	if s == "" || (len(s) > 1 && s[0] == '0') || strings.TrimLeft(s, "0123456789") != "" {
		return Checkpoint{}, fmt.Errorf("checkpoint: line 2: size %q is not a decimal number without leading zeroes", s)
	}
	size, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("checkpoint: line 2: size %q: %w", s, err)
	}
	c.Size = size
	root, err := base64.StdEncoding.Strict().DecodeString(lines[2])
	if err != nil || len(root) != 32 {
		return Checkpoint{}, fmt.Errorf("checkpoint: line 3: root hash %q is not 32 bytes of base64", abbreviate(lines[2]))
	}
	c.Root = root
	for i, l := range lines[3:] {
		if l == "" {
			return Checkpoint{}, fmt.Errorf("checkpoint: line %d: empty extension line", i+4)
		}
		c.Extensions = append(c.Extensions, l)
	}
	return c, nil
}

// Marshal returns the checkpoint body text.
func (c Checkpoint) Marshal() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\n%d\n%s\n", c.Origin, c.Size, base64.StdEncoding.EncodeToString(c.Root))
	for _, e := range c.Extensions {
		b.WriteString(e + "\n")
	}
	return b.Bytes()
}

// SignedCheckpoint is a checkpoint whose signatures were verified.
type SignedCheckpoint struct {
	Checkpoint
	Note []byte // the whole signed note as published
}

// OpenCheckpoint verifies a signed checkpoint note: every one of the given
// verifiers must have signed it (so that passing both the Ed25519 and the
// ML-DSA-65 key demands both signatures), the origin must be the verifiers'
// name, and the body must parse. Signatures from other keys (witness
// cosignatures, unknown types) are ignored, as the signed-note spec requires.
func OpenCheckpoint(msg []byte, verifiers ...note.Verifier) (SignedCheckpoint, error) {
	if len(verifiers) == 0 {
		return SignedCheckpoint{}, errors.New("checkpoint: no verifier key given")
	}
	n, err := note.Open(msg, note.VerifierList(verifiers...))
	if err != nil {
		return SignedCheckpoint{}, fmt.Errorf("checkpoint signature: %w", err)
	}
	for _, v := range verifiers {
		found := false
		for _, s := range n.Sigs {
			if s.Name == v.Name() && s.Hash == v.KeyHash() {
				found = true
			}
		}
		if !found {
			return SignedCheckpoint{}, fmt.Errorf("checkpoint signature: no signature by key %s+%08x", v.Name(), v.KeyHash())
		}
	}
	c, err := ParseCheckpoint([]byte(n.Text))
	if err != nil {
		return SignedCheckpoint{}, err
	}
	if c.Origin != verifiers[0].Name() {
		return SignedCheckpoint{}, fmt.Errorf("checkpoint: origin %q is not the key's name %q", c.Origin, verifiers[0].Name())
	}
	return SignedCheckpoint{Checkpoint: c, Note: msg}, nil
}
