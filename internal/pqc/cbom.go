package pqc

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/google/uuid"
)

// The inventory written out as a CycloneDX 1.6 CBOM (issue 16 point 5), so
// that members can feed other tools. Every asset is a cryptographic-asset
// component; what CycloneDX 1.6 has no field for — the classification, its
// reason and reference, where the asset is, the groups a probe found
// accepted — is kept in properties named renkei:pqc:*, and the groups and a
// probed certificate's algorithms become algorithm components of their own
// that the protocol and the certificate refer to. Nothing of CycloneDX 1.7
// is written (TestCBOMOutValidatesAgainstCycloneDX16).

// Meta describes the inventory a CBOM is made of.
type Meta struct {
	Name    string    // what the inventory is of: the organization or system
	Created time.Time // the zero time: now
}

// primitives are the CycloneDX 1.6 algorithm primitives.
var primitives = []string{"drbg", "mac", "block-cipher", "stream-cipher", "signature", "hash", "pke", "xof", "kdf", "key-agree", "kem", "ae", "combiner", "other", "unknown"}

// protocols are the CycloneDX 1.6 protocol types.
var protocols = []string{"tls", "ssh", "ipsec", "ike", "sstp", "wpa", "other", "unknown"}

// materials are the CycloneDX 1.6 related crypto material types.
var materials = []string{"private-key", "public-key", "secret-key", "key", "ciphertext", "signature", "digest", "initialization-vector", "nonce", "seed", "salt", "shared-secret", "tag", "additional-data", "password", "credential", "token", "other", "unknown"}

func oneOf(v string, allowed []string, otherwise string) string {
	if slices.Contains(allowed, v) {
		return v
	}
	return otherwise
}

// WriteCBOM writes as (classified) as a CycloneDX 1.6 CBOM in JSON.
func WriteCBOM(as []Asset, m Meta) ([]byte, error) {
	created := m.Created
	if created.IsZero() {
		created = time.Now()
	}
	bom := cdx.NewBOM()
	bom.SpecVersion = cdx.SpecVersion1_6
	bom.SerialNumber = "urn:uuid:" + uuid.NewString()
	name := m.Name
	if name == "" {
		name = "inventory"
	}
	bom.Metadata = &cdx.Metadata{Timestamp: created.UTC().Format(time.RFC3339),
		Component: &cdx.Component{Type: cdx.ComponentTypeApplication, Name: name, BOMRef: "inventory"}}
	w := cbomWriter{refs: map[string]bool{"inventory": true}, types: map[string]string{}}
	for i, a := range as {
		if a.Ref == "" {
			as[i].Ref = "crypto/" + a.Type + "/" + strconv.Itoa(i+1)
		}
		w.types[as[i].Ref] = a.Type
	}
	for _, a := range as {
		w.asset(a)
	}
	bom.Components = &w.components
	var buf bytes.Buffer
	enc := cdx.NewBOMEncoder(&buf, cdx.BOMFileFormatJSON)
	enc.SetPretty(true)
	if err := enc.EncodeVersion(bom, cdx.SpecVersion1_6); err != nil {
		return nil, fmt.Errorf("write CBOM: %w", err)
	}
	return buf.Bytes(), nil
}

type cbomWriter struct {
	components []cdx.Component
	refs       map[string]bool   // bom-refs written
	types      map[string]string // the inventory's refs → asset type
}

// unique returns ref, or ref with a number after it when ref is taken.
func (w *cbomWriter) unique(ref string) string {
	r := ref
	for i := 2; w.refs[r]; i++ {
		r = ref + "#" + strconv.Itoa(i)
	}
	w.refs[r] = true
	return r
}

// algorithm writes an algorithm component named name, once, and returns
// its bom-ref.
func (w *cbomWriter) algorithm(name string) string {
	ref := "crypto/algorithm/" + strings.ReplaceAll(name, " ", "-")
	if w.refs[ref] {
		return ref
	}
	w.refs[ref] = true
	c := ClassifyName(name, 0)
	prim := "unknown"
	if c.KeyExchange {
		prim = "key-agree"
		if c.Class == Hybrid || c.Class == Safe {
			prim = "kem"
		}
	}
	w.components = append(w.components, cdx.Component{Type: cdx.ComponentTypeCryptographicAsset, Name: name, BOMRef: ref,
		CryptoProperties: &cdx.CryptoProperties{AssetType: cdx.CryptoAssetTypeAlgorithm,
			AlgorithmProperties: &cdx.CryptoAlgorithmProperties{Primitive: cdx.CryptoPrimitive(prim)}},
		Properties: classProperties(Asset{Classification: c})})
	return ref
}

func classProperties(a Asset) *[]cdx.Property {
	c := a.Classification
	ps := []cdx.Property{{Name: "renkei:pqc:class", Value: string(c.Class)}}
	add := func(n, v string) {
		if v != "" {
			ps = append(ps, cdx.Property{Name: n, Value: v})
		}
	}
	add("renkei:pqc:algorithm", c.Algorithm)
	add("renkei:pqc:strength", string(c.Strength))
	add("renkei:pqc:reason", c.Reason.In("en"))
	add("renkei:pqc:reference", strings.TrimSuffix(c.Reference.Standard+", "+c.Reference.Date, ", "))
	if c.HNDL {
		add("renkei:pqc:harvest-now-decrypt-later", "true")
	}
	if a.DataLifetime > 0 {
		add("renkei:pqc:data-lifetime-years", strconv.Itoa(a.DataLifetime))
	}
	add("renkei:pqc:source", a.Source)
	add("renkei:pqc:where", a.Where)
	add("renkei:pqc:id", a.ID)
	return &ps
}

func (w *cbomWriter) asset(a Asset) {
	name := a.Name
	if name == "" {
		name = a.Type
	}
	c := cdx.Component{Type: cdx.ComponentTypeCryptographicAsset, Name: name, Properties: classProperties(a)}
	cp := &cdx.CryptoProperties{OID: a.OID}
	switch a.Type {
	case TypeCertificate:
		cp.AssetType = cdx.CryptoAssetTypeCertificate
		cert := &cdx.CertificateProperties{SubjectName: a.Subject, IssuerName: a.Issuer, CertificateFormat: "X.509"}
		if !a.NotAfter.IsZero() {
			cert.NotValidAfter = a.NotAfter.UTC().Format(time.RFC3339)
		}
		for _, r := range a.Related {
			switch w.types[r] {
			case TypeMaterial:
				cert.SubjectPublicKeyRef = cdx.BOMReference(r)
			case TypeAlgorithm:
				cert.SignatureAlgorithmRef = cdx.BOMReference(r)
			}
		}
		if a.SignatureAlgorithm != "" && cert.SignatureAlgorithmRef == "" {
			cert.SignatureAlgorithmRef = cdx.BOMReference(w.algorithm(a.SignatureAlgorithm))
		}
		if a.KeyAlgorithm != "" && cert.SubjectPublicKeyRef == "" {
			cert.SubjectPublicKeyRef = cdx.BOMReference(w.algorithm(a.KeyAlgorithm))
		}
		cp.CertificateProperties = cert
	case TypeProtocol:
		cp.AssetType = cdx.CryptoAssetTypeProtocol
		pp := &cdx.CryptoProtocolProperties{Type: cdx.CryptoProtocolType(oneOf(strings.ToLower(a.Protocol), protocols, "other")), Version: a.Version}
		if len(a.CipherSuites) > 0 {
			suites := make([]cdx.CipherSuite, 0, len(a.CipherSuites))
			for _, s := range a.CipherSuites {
				suites = append(suites, cdx.CipherSuite{Name: s})
			}
			pp.CipherSuites = &suites
		}
		var refs []cdx.BOMReference
		for _, r := range a.Related {
			refs = append(refs, cdx.BOMReference(r))
		}
		for _, g := range a.Groups {
			refs = append(refs, cdx.BOMReference(w.algorithm(g)))
		}
		if len(refs) > 0 {
			pp.CryptoRefArray = &refs
		}
		cp.ProtocolProperties = pp
	case TypeMaterial:
		cp.AssetType = cdx.CryptoAssetTypeRelatedCryptoMaterial
		mp := &cdx.RelatedCryptoMaterialProperties{Type: cdx.RelatedCryptoMaterialType(oneOf(a.Material, materials, "unknown"))}
		if a.Size > 0 {
			size := a.Size
			mp.Size = &size
		}
		if len(a.Related) > 0 {
			mp.AlgorithmRef = cdx.BOMReference(a.Related[0])
		} else if a.Name != "" {
			mp.AlgorithmRef = cdx.BOMReference(w.algorithm(a.Name))
		}
		cp.RelatedCryptoMaterialProperties = mp
	default:
		cp.AssetType = cdx.CryptoAssetTypeAlgorithm
		ap := &cdx.CryptoAlgorithmProperties{Primitive: cdx.CryptoPrimitive(oneOf(a.Primitive, primitives, "unknown")),
			ParameterSetIdentifier: a.ParameterSet, Curve: a.Curve}
		if a.Classification.Class == Vulnerable {
			zero := 0
			ap.NistQuantumSecurityLevel = &zero
		}
		cp.AlgorithmProperties = ap
	}
	c.CryptoProperties = cp
	c.BOMRef = w.unique(a.Ref)
	w.components = append(w.components, c)
}
