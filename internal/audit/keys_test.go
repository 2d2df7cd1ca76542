package audit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestKeysAreCreatedOncePrivatelyAndBoundToOrigin(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	k1, err := LoadOrCreateKeys(dir, "hub.example/audit")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{ed25519KeyFile, mldsaKeyFile} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", f, st.Mode().Perm())
		}
	}
	if st, _ := os.Stat(dir); st.Mode().Perm() != 0o700 {
		t.Errorf("key dir mode %v, want 0700", st.Mode().Perm())
	}
	k2, err := LoadOrCreateKeys(dir, "hub.example/audit")
	if err != nil {
		t.Fatal(err)
	}
	if k1.VerifierKey != k2.VerifierKey || k1.PQVerifier != k2.PQVerifier {
		t.Error("keys changed on reload")
	}
	if !strings.HasPrefix(k1.VerifierKey, "hub.example/audit+") {
		t.Errorf("verifier key %q", k1.VerifierKey)
	}
	for _, bad := range []string{"other.example/audit", "", "has space", "a+b"} {
		if _, err := LoadOrCreateKeys(dir, bad); err == nil {
			t.Errorf("origin %q accepted for keys made for another origin", bad)
		}
	}
	os.Chmod(filepath.Join(dir, ed25519KeyFile), 0o644)
	if _, err := LoadOrCreateKeys(dir, "hub.example/audit"); err == nil || !strings.Contains(err.Error(), "readable by others") {
		t.Errorf("world-readable key accepted: %v", err)
	}
}

func TestNewVerifierRejectsMalformedKeys(t *testing.T) {
	k, err := LoadOrCreateKeys(t.TempDir(), DefaultOrigin)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, key string
		ok        bool
	}{
		{"ed25519", k.VerifierKey, true},
		{"ml-dsa-65", k.PQVerifier, true},
		{"empty", "", false},
		{"no parts", "renkei.example/audit", false},
		{"bad base64", "renkei.example/audit+01234567+!!!", false},
		{"ml-dsa wrong key id", strings.Replace(k.PQVerifier, "+"+strings.Split(k.PQVerifier, "+")[1]+"+", "+00000000+", 1), false},
		{"ml-dsa truncated", k.PQVerifier[:len(k.PQVerifier)-8], false},
	} {
		_, err := NewVerifier(c.key)
		if (err == nil) != c.ok {
			t.Errorf("%s: err = %v, want ok=%v", c.name, err, c.ok)
		}
	}
}

func TestHashObjectIsSaltedAndNeverTheContent(t *testing.T) {
	content := []byte("203.0.113.7")
	a, b := HashObject([]byte("salt-1"), content), HashObject([]byte("salt-2"), content)
	if a == b {
		t.Error("the salt does not change the hash")
	}
	if a != HashObject([]byte("salt-1"), content) {
		t.Error("hash is not deterministic")
	}
	if !strings.HasPrefix(a, "hmac-sha256:") || len(a) != len("hmac-sha256:")+64 || strings.Contains(a, string(content)) {
		t.Errorf("hash %q", a)
	}
}
