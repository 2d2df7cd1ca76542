package witness

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"
)

// state is the witness's record of one log: the last checkpoint it cosigned.
type state struct {
	Origin     string `json:"origin"`
	Size       uint64 `json:"size"`
	Root       []byte `json:"root"`
	Checkpoint string `json:"checkpoint"`
}

func (w *Witness) statePath(origin string) string {
	h := sha256.Sum256([]byte(origin))
	return filepath.Join(w.state, hex.EncodeToString(h[:12])+".json")
}

// load returns the recorded state for origin; a log never seen is at size 0.
func (w *Witness) load(origin string) (state, error) {
	b, err := os.ReadFile(w.statePath(origin))
	if errors.Is(err, os.ErrNotExist) {
		return state{Origin: origin}, nil
	}
	if err != nil {
		return state{}, fmt.Errorf("witness state for %s: %w", origin, err)
	}
	var s state
	if err := json.Unmarshal(b, &s); err != nil || s.Origin != origin {
		return state{}, fmt.Errorf("witness state for %s: file %s is corrupt", origin, w.statePath(origin))
	}
	return s, nil
}

// save records s durably before the cosignature is returned: a temporary
// file is written and fsynced, renamed over the old state, and the directory
// fsynced, so that after a crash the witness remembers either the old or the
// new checkpoint, never a torn one.
func (w *Witness) save(s state) error {
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	p := w.statePath(s.Origin)
	tmp := p + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("witness state: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("witness state: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("witness state: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("witness state: %w", err)
	}
	if err := os.Rename(tmp, p); err != nil {
		return fmt.Errorf("witness state: %w", err)
	}
	d, err := os.Open(w.state)
	if err != nil {
		return fmt.Errorf("witness state: %w", err)
	}
	defer d.Close()
	return d.Sync()
}

func pubVKey(name string, seed []byte) (string, error) {
	if len(seed) != ed25519.SeedSize {
		return "", errors.New("witness key: malformed Ed25519 key")
	}
	pub := ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
	vkey, err := note.NewEd25519VerifierKey(name, pub)
	if err != nil {
		return "", err
	}
	return fnote.VKeyToCosignatureV1(vkey)
}
