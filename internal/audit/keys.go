package audit

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/cloudflare/circl/sign/mldsa/mldsa65"
	"golang.org/x/mod/sumdb/note"
)

// Key file names inside the key directory. The files hold private keys and are
// created once with mode 0600; they are never rewritten, because a new key
// would make every earlier checkpoint unverifiable with the published key.
const (
	ed25519KeyFile = "log-ed25519.key"
	mldsaKeyFile   = "log-mldsa65.key"
)

// Keys are the log's checkpoint signers and their verifier keys.
type Keys struct {
	Signer      note.Signer // Ed25519, the primary checkpoint signature
	VerifierKey string      // Ed25519 verifier key in signed-note format
	PQSigner    note.Signer // ML-DSA-65, the additional signature
	PQVerifier  string      // ML-DSA-65 verifier key
}

// LoadOrCreateKeys reads the signing keys for origin from dir, creating them
// (and dir, mode 0700) on first use. It refuses keys that were made for a
// different origin, since the origin is part of every signature.
func LoadOrCreateKeys(dir, origin string) (*Keys, error) {
	if origin == "" || strings.ContainsAny(origin, "+ \n\t") {
		return nil, fmt.Errorf("log origin %q: must be non-empty without spaces or '+'", origin)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create key directory: %w", err)
	}
	edPath := filepath.Join(dir, ed25519KeyFile)
	skey, err := readOrCreate(edPath, func() (string, error) {
		skey, _, err := note.GenerateKey(rand.Reader, origin)
		return skey, err
	})
	if err != nil {
		return nil, err
	}
	pqPath := filepath.Join(dir, mldsaKeyFile)
	pq, err := readOrCreate(pqPath, func() (string, error) { return newMLDSAKey(origin) })
	if err != nil {
		return nil, err
	}
	return keysFromText(skey, pq, origin, edPath, pqPath)
}

// newMLDSAKey makes an ML-DSA-65 private key in the key file's form:
// <origin>+<base64 seed>.
func newMLDSAKey(origin string) (string, error) {
	seed := make([]byte, mldsa65.SeedSize)
	if _, err := rand.Read(seed); err != nil {
		return "", err
	}
	return origin + "+" + base64.StdEncoding.EncodeToString(seed), nil
}

// keysFromText builds the signers from the two private keys as their files
// hold them (edName and pqName say where they come from, for errors), and
// checks that both were made for origin.
func keysFromText(skey, pq, origin, edName, pqName string) (*Keys, error) {
	signer, err := note.NewSigner(skey)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", edName, err)
	}
	if signer.Name() != origin {
		return nil, fmt.Errorf("%s: key was made for origin %q, not %q", edName, signer.Name(), origin)
	}
	vkey, err := ed25519VerifierKey(skey)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", edName, err)
	}
	name, seed64, _ := strings.Cut(pq, "+")
	if name != origin {
		return nil, fmt.Errorf("%s: key was made for origin %q, not %q", pqName, name, origin)
	}
	seed, err := base64.StdEncoding.DecodeString(seed64)
	if err != nil {
		return nil, fmt.Errorf("%s: seed is not base64", pqName)
	}
	pqSigner, pqVkey, err := newMLDSASigner(origin, seed)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", pqName, err)
	}
	return &Keys{Signer: signer, VerifierKey: vkey, PQSigner: pqSigner, PQVerifier: pqVkey}, nil
}

// LoadKeys reads the keys in dir, whatever origin they were made for.
func LoadKeys(dir string) (*Keys, error) {
	origin, err := KeyOrigin(dir)
	if err != nil {
		return nil, err
	}
	if origin == "" {
		return nil, fmt.Errorf("%s holds no audit log key", dir)
	}
	return LoadOrCreateKeys(dir, origin)
}

// KeyOrigin returns the origin the keys in dir were made for; "" when dir
// holds no key yet.
func KeyOrigin(dir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, ed25519KeyFile))
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read key: %w", err)
	}
	// PRIVATE+KEY+<name>+<hash>+<key>
	parts := strings.SplitN(strings.TrimSpace(string(b)), "+", 5)
	if len(parts) != 5 {
		return "", fmt.Errorf("%s: malformed private key", filepath.Join(dir, ed25519KeyFile))
	}
	return parts[2], nil
}

// ed25519VerifierKey derives the verifier key from a note private key.
func ed25519VerifierKey(skey string) (string, error) {
	// PRIVATE+KEY+<name>+<hash>+<base64(0x01||seed)>
	parts := strings.SplitN(skey, "+", 5)
	if len(parts) != 5 {
		return "", errors.New("malformed private key")
	}
	raw, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil || len(raw) != 33 || raw[0] != 1 {
		return "", errors.New("malformed Ed25519 private key")
	}
	priv := ed25519.NewKeyFromSeed(raw[1:])
	return note.NewEd25519VerifierKey(parts[2], priv.Public().(ed25519.PublicKey))
}

// readOrCreate returns the trimmed content of path, or writes make()'s result
// there with mode 0600 (exclusively, so two processes never both create it).
func readOrCreate(path string, make func() (string, error)) (string, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o077 != 0 {
			return "", fmt.Errorf("%s: private key is readable by others (mode %v); chmod 600 it", path, st.Mode().Perm())
		}
		return strings.TrimSpace(string(b)), nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("read key: %w", err)
	}
	v, err := make()
	if err != nil {
		return "", fmt.Errorf("generate key %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return readOrCreate(path, make)
		}
		return "", fmt.Errorf("create key: %w", err)
	}
	if _, err := f.WriteString(v + "\n"); err != nil {
		f.Close()
		return "", fmt.Errorf("write key %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return "", fmt.Errorf("sync key %s: %w", path, err)
	}
	return v, f.Close()
}
