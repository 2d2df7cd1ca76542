package audit

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"github.com/cloudflare/circl/sign/mldsa/mldsa65"
	"golang.org/x/mod/sumdb/note"
)

// mldsaType is the signed-note signature type of the post-quantum checkpoint
// signature: the byte 0xff ("no identifier byte assigned", C2SP signed-note)
// followed by a longer identifier that is unlikely to collide, as that spec
// recommends. Verifiers that do not know it ignore the line.
var mldsaType = []byte("\xffrenkei/mldsa65-checkpoint/v1\x00")

// mldsaSigner signs notes with ML-DSA-65 (FIPS 204, pure mode, empty context).
type mldsaSigner struct {
	name string
	hash uint32
	sk   *mldsa65.PrivateKey
}

func (s *mldsaSigner) Name() string    { return s.name }
func (s *mldsaSigner) KeyHash() uint32 { return s.hash }
func (s *mldsaSigner) Sign(msg []byte) ([]byte, error) {
	sig := make([]byte, mldsa65.SignatureSize)
	if err := mldsa65.SignTo(s.sk, msg, nil, false, sig); err != nil {
		return nil, fmt.Errorf("ML-DSA-65 sign: %w", err)
	}
	return sig, nil
}

// mldsaVerifier checks ML-DSA-65 note signatures.
type mldsaVerifier struct {
	name string
	hash uint32
	pk   *mldsa65.PublicKey
}

func (v *mldsaVerifier) Name() string    { return v.name }
func (v *mldsaVerifier) KeyHash() uint32 { return v.hash }
func (v *mldsaVerifier) Verify(msg, sig []byte) bool {
	return len(sig) == mldsa65.SignatureSize && mldsa65.Verify(v.pk, msg, nil, sig)
}

func mldsaKeyHash(name string, pub []byte) uint32 {
	h := sha256.New()
	h.Write([]byte(name))
	h.Write([]byte{'\n'})
	h.Write(mldsaType)
	h.Write(pub)
	return binary.BigEndian.Uint32(h.Sum(nil))
}

// newMLDSASigner derives the signer and its verifier key string from a seed.
func newMLDSASigner(name string, seed []byte) (*mldsaSigner, string, error) {
	if len(seed) != mldsa65.SeedSize {
		return nil, "", fmt.Errorf("ML-DSA-65 seed is %d bytes, want %d", len(seed), mldsa65.SeedSize)
	}
	var s [mldsa65.SeedSize]byte
	copy(s[:], seed)
	pk, sk := mldsa65.NewKeyFromSeed(&s)
	pub := pk.Bytes()
	hash := mldsaKeyHash(name, pub)
	vkey := fmt.Sprintf("%s+%08x+%s", name, hash, base64.StdEncoding.EncodeToString(append(append([]byte{}, mldsaType...), pub...)))
	return &mldsaSigner{name: name, hash: hash, sk: sk}, vkey, nil
}

// NewVerifier parses a verifier key in signed-note format: an Ed25519 key
// (type 0x01, as printed by "renkei audit pubkey") or Renkei's ML-DSA-65
// checkpoint key.
func NewVerifier(vkey string) (note.Verifier, error) {
	vkey = strings.TrimSpace(vkey)
	name, rest, ok1 := strings.Cut(vkey, "+")
	hash16, key64, ok2 := strings.Cut(rest, "+")
	if !ok1 || !ok2 || name == "" || len(hash16) != 8 {
		return nil, fmt.Errorf("verifier key %q: want <name>+<8 hex digits>+<base64 key>", abbreviate(vkey))
	}
	key, err := base64.StdEncoding.DecodeString(key64)
	if err != nil || len(key) == 0 {
		return nil, fmt.Errorf("verifier key for %s: key is not base64", name)
	}
	if key[0] != mldsaType[0] {
		v, err := note.NewVerifier(vkey)
		if err != nil {
			return nil, fmt.Errorf("verifier key for %s: %w", name, err)
		}
		return v, nil
	}
	if !strings.HasPrefix(string(key), string(mldsaType)) || len(key) != len(mldsaType)+mldsa65.PublicKeySize {
		return nil, fmt.Errorf("verifier key for %s: unknown key type (0xff with another identifier)", name)
	}
	pub := key[len(mldsaType):]
	want, err := strconv.ParseUint(hash16, 16, 32)
	if err != nil || uint32(want) != mldsaKeyHash(name, pub) {
		return nil, fmt.Errorf("verifier key for %s: key id %s does not match the key", name, hash16)
	}
	pk := new(mldsa65.PublicKey)
	if err := pk.UnmarshalBinary(pub); err != nil {
		return nil, fmt.Errorf("verifier key for %s: ML-DSA-65 public key: %w", name, err)
	}
	return &mldsaVerifier{name: name, hash: uint32(want), pk: pk}, nil
}

func abbreviate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
