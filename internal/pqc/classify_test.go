package pqc

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestClassifyNamesByFamily: each family is classified as issue 16 point 3
// says — RSA, DH, ECDH, ECDSA and DSA quantum-vulnerable at any size;
// ML-KEM, ML-DSA and SLH-DSA quantum-safe; hybrid groups hybrid; AES-128
// and SHA-256 of reduced strength, AES-256 and SHA-384 full — whatever
// spelling a CBOM, TLS or SSH uses, each with a reason and a reference.
func TestClassifyNamesByFamily(t *testing.T) {
	for _, tc := range []struct {
		name     string
		bits     int
		class    Class
		strength Strength
		kx       bool
		standard string
	}{
		{"RSA-2048", 0, Vulnerable, "", false, RefIR8547.Standard},
		{"RSA", 15360, Vulnerable, "", false, RefIR8547.Standard},
		{"SHA512withRSA", 0, Vulnerable, "", false, RefIR8547.Standard},
		{"SHA256-RSA", 0, Vulnerable, "", false, RefIR8547.Standard},
		{"ECDSA P-256", 256, Vulnerable, "", false, RefIR8547.Standard},
		{"ecdsa-sha2-nistp384", 0, Vulnerable, "", false, RefIR8547.Standard},
		{"Ed25519", 0, Vulnerable, "", false, RefIR8547.Standard},
		{"ssh-ed25519", 0, Vulnerable, "", false, RefIR8547.Standard},
		{"DSA", 0, Vulnerable, "", false, RefIR8547.Standard},
		{"X25519", 0, Vulnerable, "", true, RefIR8547.Standard},
		{"CurveP256", 0, Vulnerable, "", false, RefIR8547.Standard},
		{"ECDH", 0, Vulnerable, "", true, RefIR8547.Standard},
		{"ffdhe2048", 0, Vulnerable, "", true, RefIR8547.Standard},
		{"diffie-hellman-group14-sha256", 0, Vulnerable, "", true, RefIR8547.Standard},
		{"curve25519-sha256", 0, Vulnerable, "", true, RefIR8547.Standard},
		{"ecdh-sha2-nistp256", 0, Vulnerable, "", true, RefIR8547.Standard},
		{"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", 0, Vulnerable, "", true, RefIR8547.Standard},
		{"X25519MLKEM768", 0, Hybrid, "", true, RefHybridTLS.Standard},
		{"SecP256r1MLKEM768", 0, Hybrid, "", true, RefHybridTLS.Standard},
		{"SecP384r1MLKEM1024", 0, Hybrid, "", true, RefHybridTLS.Standard},
		{"mlkem768x25519-sha256", 0, Hybrid, "", true, RefHybridSSH.Standard},
		{"sntrup761x25519-sha512", 0, Hybrid, "", true, ""},
		{"ML-KEM-768", 0, Safe, "", true, "FIPS 203"},
		{"Kyber1024", 0, Safe, "", true, "FIPS 203"},
		{"ML-DSA-65", 0, Safe, "", false, "FIPS 204"},
		{"SLH-DSA-SHA2-128s", 0, Safe, "", false, "FIPS 205"},
		{"AES-128-GCM", 0, Safe, Reduced, false, "FIPS 197"},
		{"AES-256-GCM", 0, Safe, Full, false, "FIPS 197"},
		{"TLS_AES_256_GCM_SHA384", 0, Safe, Full, false, "FIPS 197"},
		{"TLS_CHACHA20_POLY1305_SHA256", 0, Safe, Full, false, "RFC 8439"},
		{"SHA-256", 0, Safe, Reduced, false, "FIPS 180-4"},
		{"SHA-384", 0, Safe, Full, false, "FIPS 180-4"},
		{"SHA3-512", 0, Safe, Full, false, "FIPS 202"},
		{"MD5", 0, Broken, "", false, ""},
		{"SHA-1", 0, Broken, "", false, "FIPS 180-4"},
		{"3DES", 0, Broken, "", false, ""},
		{"RC4", 0, Broken, "", false, ""},
		{"frobnicate", 0, Unknown, "", false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := ClassifyName(tc.name, tc.bits)
			if c.Class != tc.class || c.Strength != tc.strength || c.Reference.Standard != tc.standard {
				t.Errorf("got %s %q (%s), want %s %q (%s)", c.Class, c.Strength, c.Reference.Standard, tc.class, tc.strength, tc.standard)
			}
			if tc.kx && !c.KeyExchange {
				t.Errorf("%s is a key exchange", tc.name)
			}
			if c.Reason.Key == "" {
				t.Error("no reason")
			}
		})
	}
}

// TestHarvestNowDecryptLater: only a quantum-vulnerable key exchange whose
// data must stay confidential past the horizon is flagged; a signature, a
// hybrid group or a short lifetime is not.
func TestHarvestNowDecryptLater(t *testing.T) {
	now := time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC)
	horizon := DefaultMilestones.Disallowed
	for _, tc := range []struct {
		name     string
		lifetime int
		want     bool
	}{
		{"X25519", 20, true},
		{"X25519", 5, false},
		{"X25519", 0, false},
		{"ECDSA", 20, false},
		{"X25519MLKEM768", 20, false},
		{"AES-128", 20, false},
	} {
		if got := Exposure(ClassifyName(tc.name, 0), tc.lifetime, now, horizon).HNDL; got != tc.want {
			t.Errorf("%s with %d years: HNDL %v, want %v", tc.name, tc.lifetime, got, tc.want)
		}
	}
}

// TestCBOMExamplesClassified reads the CycloneDX CBOM examples and checks
// what each holds: the protocol example's TLS 1.2 with ECDHE and RSA is
// quantum-vulnerable, its certificate (RSA key, SHA512withRSA) too, its
// AES-256-GCM is quantum-safe at full strength.
func TestCBOMExamplesClassified(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "corpora", "cyclonedx-bom-examples", "CBOM")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("the CycloneDX examples are not there (../shared/corpora, see SOURCES.md): %v", err)
	}
	want := map[string]map[string]Class{
		"Protocol": {"TLSv1.2": Vulnerable, "google.com": Vulnerable, "AES-256-GCM": Safe, "SHA512withRSA": Vulnerable},
	}
	for _, ex := range []string{"Algorithm", "Certificate", "Key", "Protocol", "Example-With-Dependencies"} {
		t.Run(ex, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, ex, "bom.json"))
			if err != nil {
				t.Fatal(err)
			}
			as, err := ReadCBOM(data, ex)
			if err != nil {
				t.Fatal(err)
			}
			if len(as) == 0 {
				t.Fatal("no crypto asset read")
			}
			for _, a := range as {
				t.Logf("%-24s %-28s %-20s %s", a.Type, a.Label(), a.Classification.Class, a.Classification.Reason.In("en"))
				if a.Classification.Reason.Key == "" {
					t.Errorf("%s: no reason", a.Name)
				}
				if w, ok := want[ex][a.Name]; ok && a.Classification.Class != w {
					t.Errorf("%s: %s, want %s", a.Name, a.Classification.Class, w)
				}
			}
		})
	}
}

// TestMalformedCBOMIsRefusedClearly: what is no CycloneDX document is
// refused with the reason, never half read.
func TestMalformedCBOMIsRefusedClearly(t *testing.T) {
	for _, doc := range []string{``, `{`, `{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"type":"cryptographic-asset","cryptoProperties":7}]}`, `not json`} {
		if _, err := ReadCBOM([]byte(doc), "bad.json"); err == nil {
			t.Errorf("%q: read without an error", doc)
		}
	}
}

// FuzzReadCBOM: no document makes the CBOM reader or the classification
// panic.
func FuzzReadCBOM(f *testing.F) {
	for _, p := range []string{"Protocol", "Certificate", "Key", "Algorithm"} {
		if b, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "corpora", "cyclonedx-bom-examples", "CBOM", p, "bom.json")); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"type":"cryptographic-asset","name":"RSA-2048","bom-ref":"a","cryptoProperties":{"assetType":"related-crypto-material","relatedCryptoMaterialProperties":{"algorithmRef":"a","size":2048}}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		as, err := ReadCBOM(data, "fuzz.json")
		if err != nil {
			return
		}
		for _, a := range as {
			_ = FindingOf(a, "ja")
		}
		if _, err := WriteCBOM(as, Meta{}); err != nil {
			t.Fatalf("read but cannot write back: %v", err)
		}
	})
}
