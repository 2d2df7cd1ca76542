package pqc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// cycloneDX16 is the official CycloneDX 1.6 JSON schema, as shipped in the
// cyclonedx-go module go.mod requires.
func cycloneDX16(t testing.TB) *jsonschema.Schema {
	t.Helper()
	dir, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/CycloneDX/cyclonedx-go").Output()
	if err != nil {
		t.Fatalf("locate the cyclonedx-go module: %v", err)
	}
	d := filepath.Join(strings.TrimSpace(string(dir)), "schema")
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	for id, file := range map[string]string{
		"http://cyclonedx.org/schema/spdx.schema.json":     "spdx.schema.json",
		"http://cyclonedx.org/schema/jsf-0.82.schema.json": "jsf-0.82.schemax.json",
	} {
		f, err := os.Open(filepath.Join(d, file))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if err := c.AddResource(id, doc); err != nil {
			t.Fatal(err)
		}
	}
	s, err := c.Compile(filepath.Join(d, "bom-1.6.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestCBOMOutValidatesAgainstCycloneDX16: an inventory of every kind —
// the CycloneDX examples read back, a TLS and an SSH probe's assets, and
// assets entered by hand — is written as a CBOM that the official
// CycloneDX 1.6 schema accepts, and that reads back with the same classes.
func TestCBOMOutValidatesAgainstCycloneDX16(t *testing.T) {
	schema := cycloneDX16(t)
	var as []Asset
	dir := filepath.Join("..", "..", "..", "shared", "corpora", "cyclonedx-bom-examples", "CBOM")
	for _, ex := range []string{"Algorithm", "Certificate", "Key", "Protocol", "Example-With-Dependencies"} {
		if data, err := os.ReadFile(filepath.Join(dir, ex, "bom.json")); err == nil {
			read, err := ReadCBOM(data, ex)
			if err != nil {
				t.Fatal(err)
			}
			as = append(as, read...)
		}
	}
	tlsProbe := Result{Address: "192.0.2.1:443", Protocol: "tls", Reachable: true, Versions: []string{"TLS 1.3"}, Suites: []string{"TLS_AES_128_GCM_SHA256"},
		Groups: []Group{{Name: "X25519MLKEM768", Accepted: true}, {Name: "X25519", Accepted: true}, {Name: "CurveP521"}},
		Chain:  []Certificate{{Subject: "CN=www.example.jp", Issuer: "CN=CA", SignatureAlgorithm: "SHA256-RSA", KeyAlgorithm: "ECDSA P-256", KeySize: 256, NotAfter: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}}}
	sshProbe := Result{Address: "192.0.2.2:22", Protocol: "ssh", Reachable: true, Groups: []Group{{Name: "curve25519-sha256", Accepted: true}},
		HostKeys: []HostKey{{"ssh-ed25519", 256}, {"ssh-rsa", 3072}}}
	as = append(as, tlsProbe.Assets()...)
	as = append(as, sshProbe.Assets()...)
	manual := []Asset{{Type: TypeAlgorithm, Name: "AES-128-CBC", Source: SourceManual, Primitive: "block-cipher"}, {Type: TypeAlgorithm, Name: "RSA-OAEP", Size: 2048, Source: SourceManual, DataLifetime: 30}}
	Classify(manual)
	as = append(as, manual...)
	if len(as) < 15 {
		t.Fatalf("only %d assets: is ../shared/corpora there?", len(as))
	}
	out, err := WriteCBOM(as, Meta{Name: "Hokushin General Hospital"})
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(inst); err != nil {
		t.Fatalf("not CycloneDX 1.6: %v", err)
	}
	var bom struct {
		SpecVersion string `json:"specVersion"`
	}
	json.Unmarshal(out, &bom)
	if bom.SpecVersion != "1.6" {
		t.Errorf("specVersion %q", bom.SpecVersion)
	}
	back, err := ReadCBOM(out, "out.json")
	if err != nil {
		t.Fatal(err)
	}
	byRef := map[string]Class{}
	for _, a := range back {
		byRef[a.Ref] = a.Classification.Class
	}
	for _, a := range as {
		if got, ok := byRef[a.Ref]; !ok || got != a.Classification.Class && a.Type != TypeCertificate {
			t.Errorf("%s (%s) reads back as %q, was %s", a.Ref, a.Type, got, a.Classification.Class)
		}
	}
}

// syntheticCBOM is a CycloneDX 1.6 CBOM of n crypto assets of every kind:
// algorithms, keys naming them, certificates naming both, and protocols.
func syntheticCBOM(n int) []byte {
	algs := []string{"RSA-2048", "ECDSA-P256", "X25519", "ML-KEM-768", "ML-DSA-65", "AES-128-GCM", "AES-256-GCM", "SHA-256", "SHA-384", "X25519MLKEM768", "SHA-1", "frobnicate"}
	var b strings.Builder
	b.WriteString(`{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		alg := algs[i%len(algs)]
		switch i % 4 {
		case 0, 1:
			fmt.Fprintf(&b, `{"type":"cryptographic-asset","name":%q,"bom-ref":"a%d","cryptoProperties":{"assetType":"algorithm","algorithmProperties":{"primitive":"other"}}}`, alg, i)
		case 2:
			fmt.Fprintf(&b, `{"type":"cryptographic-asset","name":"key-%d","bom-ref":"a%d","cryptoProperties":{"assetType":"related-crypto-material","relatedCryptoMaterialProperties":{"type":"public-key","size":2048,"algorithmRef":"a%d"}}}`, i, i, i-2)
		case 3:
			if i%8 == 3 {
				fmt.Fprintf(&b, `{"type":"cryptographic-asset","name":"cert-%d","bom-ref":"a%d","cryptoProperties":{"assetType":"certificate","certificateProperties":{"subjectName":"CN=h%d","signatureAlgorithmRef":"a%d","subjectPublicKeyRef":"a%d"}}}`, i, i, i, i-3, i-1)
			} else {
				fmt.Fprintf(&b, `{"type":"cryptographic-asset","name":"TLS","bom-ref":"a%d","cryptoProperties":{"assetType":"protocol","protocolProperties":{"type":"tls","version":"1.3","cipherSuites":[{"name":"TLS_AES_256_GCM_SHA384","algorithms":["a%d"]}],"cryptoRefArray":["a%d"]}}}`, i, i-3, i-2)
			}
		}
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

// BenchmarkClassifyCBOM10000 reads and classifies a CBOM of 10,000 crypto
// assets (issue 16's figure).
func BenchmarkClassifyCBOM10000(b *testing.B) {
	data := syntheticCBOM(10000)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		as, err := ReadCBOM(data, "synthetic.json")
		if err != nil || len(as) != 10000 {
			b.Fatalf("%d assets, %v", len(as), err)
		}
	}
}

// TestClassifyCBOM10000: the 10,000-asset CBOM of the benchmark reads
// whole, every asset classified.
func TestClassifyCBOM10000(t *testing.T) {
	start := time.Now()
	as, err := ReadCBOM(syntheticCBOM(10000), "synthetic.json")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("classified %d assets in %v: %v", len(as), time.Since(start), Summary(as))
	if len(as) != 10000 {
		t.Fatalf("%d assets", len(as))
	}
	for _, a := range as {
		if a.Classification.Class == "" {
			t.Fatalf("%s not classified", a.Ref)
		}
	}
}
