// Package witness is a C2SP tlog-witness for Renkei's audit log, and the
// place where its persisted view of each log lives.
//
// A witness is run by someone other than the log operator (the oversight
// committee). It cosigns a checkpoint only when the checkpoint is signed by a
// log key it was configured with and is consistent with the last checkpoint it
// cosigned for that origin, so a log that rolls back or forks its history
// cannot get a cosignature again. It must not trust anything the log says
// about the past beyond what a consistency proof shows, and it keeps no entry
// data, only (origin, size, root) per log.
package witness

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"

	"renkei/internal/audit"
)

// Options configure a Witness.
type Options struct {
	KeyDir   string   // holds witness-ed25519.key (created once, mode 0600)
	StateDir string   // holds the last cosigned checkpoint per log; default KeyDir/state
	Name     string   // the witness's key name; default "renkei.example/witness"
	LogKeys  []string // verifier keys of the logs it witnesses (signed-note format)
	Logger   *slog.Logger
}

const keyFile = "witness-ed25519.key"

// Witness cosigns checkpoints. It is safe for concurrent use; requests for
// one witness are serialized so that checking the old size and recording the
// new checkpoint happen atomically, as the spec requires.
type Witness struct {
	signer note.Signer
	vkey   string
	logs   map[string][]note.Verifier // by origin
	state  string
	log    *slog.Logger
	mu     sync.Mutex
}

// New loads or creates the witness key and prepares the state directory.
func New(opts Options) (*Witness, error) {
	if opts.KeyDir == "" {
		return nil, errors.New("witness: key directory is required")
	}
	if opts.Name == "" {
		opts.Name = "renkei.example/witness"
	}
	if opts.StateDir == "" {
		opts.StateDir = filepath.Join(opts.KeyDir, "state")
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if len(opts.LogKeys) == 0 {
		return nil, errors.New("witness: at least one log key is required")
	}
	if err := os.MkdirAll(opts.KeyDir, 0o700); err != nil {
		return nil, fmt.Errorf("witness: %w", err)
	}
	if err := os.MkdirAll(opts.StateDir, 0o700); err != nil {
		return nil, fmt.Errorf("witness: %w", err)
	}
	skey, err := loadOrCreateKey(filepath.Join(opts.KeyDir, keyFile), opts.Name)
	if err != nil {
		return nil, err
	}
	signer, err := fnote.NewSignerForCosignatureV1(skey)
	if err != nil {
		return nil, fmt.Errorf("witness key: %w", err)
	}
	if signer.Name() != opts.Name {
		return nil, fmt.Errorf("witness key was made for name %q, not %q", signer.Name(), opts.Name)
	}
	vkey, err := cosignatureVKey(skey)
	if err != nil {
		return nil, err
	}
	w := &Witness{signer: signer, vkey: vkey, logs: map[string][]note.Verifier{}, state: opts.StateDir, log: opts.Logger}
	for _, k := range opts.LogKeys {
		v, err := audit.NewVerifier(k)
		if err != nil {
			return nil, fmt.Errorf("witness: log key: %w", err)
		}
		w.logs[v.Name()] = append(w.logs[v.Name()], v)
	}
	return w, nil
}

// VerifierKey is the witness's cosignature verifier key (signature type 0x04),
// the value a log is configured with (audit.WitnessConfig.Key).
func (w *Witness) VerifierKey() string { return w.vkey }

// Handler serves POST /add-checkpoint.
func (w *Witness) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /add-checkpoint", w.addCheckpoint)
	return mux
}

// Refusal is why a checkpoint was not cosigned, with the HTTP status the
// spec assigns to it.
type Refusal struct {
	Status int
	Size   uint64 // for 409: the size of the latest cosigned checkpoint
	Reason string
}

func (r *Refusal) Error() string { return fmt.Sprintf("%d: %s", r.Status, r.Reason) }

func refuse(status int, format string, args ...any) *Refusal {
	return &Refusal{Status: status, Reason: fmt.Sprintf(format, args...)}
}

func (w *Witness) addCheckpoint(rw http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(rw, "read body: "+err.Error(), http.StatusBadRequest)
		return
	}
	sigs, err := w.AddCheckpoint(body)
	if err != nil {
		var ref *Refusal
		if !errors.As(err, &ref) {
			http.Error(rw, err.Error(), http.StatusInternalServerError)
			return
		}
		if ref.Status == http.StatusConflict {
			rw.Header().Set("Content-Type", "text/x.tlog.size")
			rw.WriteHeader(http.StatusConflict)
			fmt.Fprintf(rw, "%d\n", ref.Size)
			return
		}
		http.Error(rw, ref.Reason, ref.Status)
		return
	}
	rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
	rw.Write(sigs)
}

// AddCheckpoint processes one add-checkpoint request body and returns the
// cosignature lines, or a *Refusal.
func (w *Witness) AddCheckpoint(body []byte) ([]byte, error) {
	old, proof, cpRaw, err := parseRequest(body)
	if err != nil {
		return nil, refuse(http.StatusBadRequest, "%v", err)
	}
	origin, _, _ := strings.Cut(string(cpRaw), "\n")
	verifiers, ok := w.logs[origin]
	if !ok {
		return nil, refuse(http.StatusNotFound, "unknown log origin %q", origin)
	}
	n, err := note.Open(cpRaw, note.VerifierList(verifiers...))
	if err != nil {
		var unverified *note.UnverifiedNoteError
		var invalid *note.InvalidSignatureError
		if errors.As(err, &unverified) || errors.As(err, &invalid) {
			return nil, refuse(http.StatusForbidden, "checkpoint signature: %v", err)
		}
		return nil, refuse(http.StatusBadRequest, "checkpoint: %v", err)
	}
	cp, err := audit.ParseCheckpoint([]byte(n.Text))
	if err != nil {
		return nil, refuse(http.StatusBadRequest, "%v", err)
	}
	if old > cp.Size {
		return nil, refuse(http.StatusBadRequest, "old size %d is larger than the checkpoint size %d", old, cp.Size)
	}
	empty := sha256.Sum256(nil)
	if cp.Size == 0 && !bytes.Equal(cp.Root, empty[:]) {
		return nil, refuse(http.StatusUnprocessableEntity, "a checkpoint of size 0 must have the empty-tree root")
	}

	w.mu.Lock()
	defer w.mu.Unlock()
	st, err := w.load(origin)
	if err != nil {
		return nil, err
	}
	if old != st.Size {
		r := refuse(http.StatusConflict, "old size %d is not the last cosigned size %d", old, st.Size)
		r.Size = st.Size
		return nil, r
	}
	switch {
	case old == 0:
		if len(proof) != 0 {
			return nil, refuse(http.StatusUnprocessableEntity, "old size 0 needs an empty consistency proof")
		}
	case old == cp.Size:
		if !bytes.Equal(st.Root, cp.Root) {
			w.log.Warn("witness: fork detected", "origin", origin, "size", cp.Size)
			return nil, refuse(http.StatusUnprocessableEntity, "fork: size %d has root %x, but %x was cosigned", cp.Size, cp.Root, st.Root)
		}
	default:
		if err := audit.VerifyConsistency(old, cp.Size, proof, st.Root, cp.Root); err != nil {
			w.log.Warn("witness: inconsistent checkpoint", "origin", origin, "old", old, "size", cp.Size, "err", err)
			return nil, refuse(http.StatusUnprocessableEntity, "consistency proof from size %d to %d: %v", old, cp.Size, err)
		}
	}
	signed, err := note.Sign(&note.Note{Text: n.Text}, w.signer)
	if err != nil {
		return nil, fmt.Errorf("cosign: %w", err)
	}
	if err := w.save(state{Origin: origin, Size: cp.Size, Root: cp.Root, Checkpoint: string(cpRaw)}); err != nil {
		return nil, err
	}
	_, sigs, _ := bytes.Cut(signed, []byte("\n\n"))
	return sigs, nil
}

// parseRequest splits an add-checkpoint body: "old N", proof lines, an empty
// line, then the checkpoint.
func parseRequest(body []byte) (uint64, [][]byte, []byte, error) {
	line, rest, ok := bytes.Cut(body, []byte("\n"))
	if !ok || !bytes.HasPrefix(line, []byte("old ")) {
		return 0, nil, nil, errors.New(`request must start with "old <size>"`)
	}
	s := string(line[4:])
	if s == "" || (len(s) > 1 && s[0] == '0') || strings.TrimLeft(s, "0123456789") != "" {
		return 0, nil, nil, fmt.Errorf("old size %q is not a decimal number without leading zeroes", s)
	}
	old, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("old size %q: %w", s, err)
	}
	var proof [][]byte
	for {
		line, rest, ok = bytes.Cut(rest, []byte("\n"))
		if !ok {
			return 0, nil, nil, errors.New("missing empty line before the checkpoint")
		}
		if len(line) == 0 {
			break
		}
		if len(proof) == 63 {
			return 0, nil, nil, errors.New("more than 63 consistency proof lines")
		}
		h, err := base64.StdEncoding.Strict().DecodeString(string(line))
		if err != nil || len(h) != 32 {
			return 0, nil, nil, fmt.Errorf("proof line %d is not a base64 32-byte hash", len(proof)+1)
		}
		proof = append(proof, h)
	}
	if len(rest) == 0 {
		return 0, nil, nil, errors.New("missing checkpoint")
	}
	return old, proof, rest, nil
}

func loadOrCreateKey(path, name string) (string, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("witness key: %w", err)
	}
	skey, _, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		return "", fmt.Errorf("witness key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("witness key: %w", err)
	}
	defer f.Close()
	if _, err := f.WriteString(skey + "\n"); err != nil {
		return "", fmt.Errorf("witness key: %w", err)
	}
	return skey, f.Sync()
}

// cosignatureVKey derives the type-0x04 verifier key from the private key.
func cosignatureVKey(skey string) (string, error) {
	parts := strings.SplitN(skey, "+", 5)
	if len(parts) != 5 {
		return "", errors.New("witness key: malformed private key")
	}
	raw, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil || len(raw) < 1 || raw[0] != 1 {
		return "", errors.New("witness key: not an Ed25519 private key")
	}
	return pubVKey(parts[2], raw[1:])
}
