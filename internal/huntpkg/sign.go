package huntpkg

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

	"golang.org/x/mod/sumdb/note"
)

// KeyName is the name of the hub's package-signing key in signed notes.
const KeyName = "renkei-hunt-packages"

const keyFile = "hunt-packages.key"

// Keys are the hub's package-signing key. Packages are signed notes
// (golang.org/x/mod/sumdb/note, C2SP signed-note) over their canonical form,
// with an Ed25519 key: the format the audit log's checkpoints already use, so
// members verify both with the same tools.
type Keys struct {
	Signer      note.Signer
	VerifierKey string // "renkei-hunt-packages+<hash>+<base64 key>", published at GET /api/v1/hunting/key
}

// LoadOrCreateKeys reads the signing key from dir (DATA/hunt-keys), creating
// the folder (0700) and the key file (0600) the first time. A key file that
// others can read is refused: whoever holds it can sign packages.
func LoadOrCreateKeys(dir string) (*Keys, error) {
	if dir == "" {
		return nil, errors.New("hunting packages: no key directory")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("hunting key directory: %w", err)
	}
	path := filepath.Join(dir, keyFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		skey, _, gerr := note.GenerateKey(rand.Reader, KeyName)
		if gerr != nil {
			return nil, fmt.Errorf("generate hunting key: %w", gerr)
		}
		f, cerr := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		switch {
		case errors.Is(cerr, fs.ErrExist): // another process made it first: use theirs
		case cerr != nil:
			return nil, fmt.Errorf("create %s: %w", path, cerr)
		default:
			_, werr := f.WriteString(skey + "\n")
			if cerr := f.Close(); werr == nil {
				werr = cerr
			}
			if werr != nil {
				return nil, fmt.Errorf("write %s: %w", path, werr)
			}
		}
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%s: mode %v lets others read the signing key; chmod 600 it", path, st.Mode().Perm())
	}
	return keysFrom(strings.TrimSpace(string(b)), path)
}

func keysFrom(skey, where string) (*Keys, error) {
	signer, err := note.NewSigner(skey)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	vkey, err := verifierKey(skey)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	return &Keys{Signer: signer, VerifierKey: vkey}, nil
}

// verifierKey derives the public verifier key from a note private key
// "PRIVATE+KEY+<name>+<hash>+<base64(alg||seed)>".
func verifierKey(skey string) (string, error) {
	parts := strings.SplitN(skey, "+", 5)
	if len(parts) != 5 || parts[0] != "PRIVATE" || parts[1] != "KEY" {
		return "", errors.New("malformed signing key")
	}
	raw, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil || len(raw) != 1+ed25519.SeedSize || raw[0] != 1 {
		return "", errors.New("malformed Ed25519 signing key")
	}
	pub := ed25519.NewKeyFromSeed(raw[1:]).Public().(ed25519.PublicKey)
	return note.NewEd25519VerifierKey(parts[2], pub)
}

// Sign returns the package as a signed note: the canonical JSON line, a
// blank line, and the hub's signature.
func (k *Keys) Sign(p *Package) ([]byte, error) {
	text, err := p.Canonical()
	if err != nil {
		return nil, err
	}
	msg, err := note.Sign(&note.Note{Text: string(text)}, k.Signer)
	if err != nil {
		return nil, fmt.Errorf("sign package %s: %w", p.ID, err)
	}
	return msg, nil
}

// ErrBadSignature is returned when a package is not signed by the hub's key
// or was changed after signing.
var ErrBadSignature = errors.New("package signature does not verify")

// Verify checks a signed package against the hub's verifier key and returns
// the package. Any change to the text, or a signature by another key, fails.
func Verify(signed []byte, verifierKey string) (*Package, error) {
	v, err := note.NewVerifier(strings.TrimSpace(verifierKey))
	if err != nil {
		return nil, fmt.Errorf("hub verifier key: %w", err)
	}
	n, err := note.Open(signed, note.VerifierList(v))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	return ParseCanonical([]byte(n.Text))
}
