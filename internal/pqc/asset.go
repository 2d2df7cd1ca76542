// Package pqc keeps members' cryptographic inventories and their migration
// to post-quantum cryptography (issue 16): crypto assets read from
// CycloneDX 1.6 CBOMs and SBOMs, found by probing endpoints, derived from
// connection points or entered by hand; their classification (quantum-
// vulnerable, hybrid, quantum-safe, with the reason and the standard it
// rests on); "harvest now, decrypt later" exposure; migration plans against
// the milestones; and the inventory written back out as a CBOM.
//
// The classification and the probes are pure functions of their input and
// of the network, usable offline (renkei pqc classify, renkei pqc scan).
// The Service stores inventories and plans through package store; it never
// decides who may see or do what (package policy does), never probes an
// endpoint a member has not registered and confirmed it owns, and logs every
// probe in the audit log before it starts.
package pqc

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"renkei/internal/i18n"
	"renkei/internal/vuln/sbom"
)

// The kinds of crypto asset, as CycloneDX 1.6 names them (assetType).
const (
	TypeAlgorithm   = "algorithm"
	TypeCertificate = "certificate"
	TypeProtocol    = "protocol"
	TypeMaterial    = "related-crypto-material"
)

// Where an asset in an inventory came from.
const (
	SourceCBOM            = "cbom"             // a CycloneDX CBOM or SBOM with crypto assets
	SourceProbe           = "probe"            // a probe of a registered endpoint, by the hub or a member's scan
	SourceConnectionPoint = "connection-point" // a connection point's product, from what its vendor states
	SourceManual          = "manual"           // entered by hand
)

// Asset is one cryptographic asset of a member: an algorithm, a
// certificate, a protocol as an endpoint speaks it, or a key.
type Asset struct {
	ID           string    `json:"id,omitempty"`  // public id, once stored
	Ref          string    `json:"ref,omitempty"` // bom-ref in the CBOM it came from
	Type         string    `json:"type"`
	Name         string    `json:"name"`
	Primitive    string    `json:"primitive,omitempty"` // CycloneDX primitive: signature, kem, key-agree, ae, hash …
	Material     string    `json:"material,omitempty"`  // a key's CycloneDX type: public-key, private-key, secret-key …
	ParameterSet string    `json:"parameter_set,omitempty"`
	Curve        string    `json:"curve,omitempty"`
	Size         int       `json:"size,omitempty"` // key size in bits
	OID          string    `json:"oid,omitempty"`
	Protocol     string    `json:"protocol,omitempty"` // tls, ssh, ipsec …
	Version      string    `json:"version,omitempty"`
	CipherSuites []string  `json:"cipher_suites,omitempty"`
	Groups       []string  `json:"groups,omitempty"` // key-exchange groups (TLS) or algorithms (SSH) accepted
	Subject      string    `json:"subject,omitempty"`
	Issuer       string    `json:"issuer,omitempty"`
	NotAfter     time.Time `json:"not_after,omitzero"`
	// SignatureAlgorithm and KeyAlgorithm are a certificate's, as named
	// where it was read (a probe) when no asset of the inventory is referred
	// to for them.
	SignatureAlgorithm string   `json:"signature_algorithm,omitempty"`
	KeyAlgorithm       string   `json:"key_algorithm,omitempty"`
	Related            []string `json:"related,omitempty"` // refs of the assets it uses
	Source             string   `json:"source"`
	Where              string   `json:"where,omitempty"` // the system it is part of: a product, host:port
	// DataLifetime is how many years the data this asset protects must stay
	// confidential, as the member marks it (0: not marked).
	DataLifetime   int            `json:"data_lifetime_years,omitempty"`
	Classification Classification `json:"classification"`
}

// ReadCBOM reads the crypto assets of a CycloneDX document (JSON or XML;
// a 1.6 CBOM, or an SBOM that carries cryptographic-asset components) and
// classifies them. A document that is no SBOM, or that does not parse, is
// refused with the reason; a document with no crypto asset gives none.
func ReadCBOM(data []byte, source string) ([]Asset, error) {
	doc, err := sbom.Parse(data, source)
	if err != nil {
		return nil, fmt.Errorf("read CBOM %s: %w", source, err)
	}
	where := ""
	if doc.Product != nil {
		where = strings.TrimSpace(doc.Product.Name + " " + doc.Product.Version)
	}
	as := FromDocument(doc, where)
	Classify(as)
	return as, nil
}

// FromDocument returns the crypto assets among doc's components, unclassified.
func FromDocument(doc *sbom.Document, where string) []Asset {
	var out []Asset
	for _, c := range doc.Components {
		k := c.Crypto
		if k == nil {
			continue
		}
		a := Asset{
			Ref: c.Ref, Type: k.AssetType, Name: c.Name, Primitive: k.Primitive, ParameterSet: k.ParameterSet,
			Curve: k.Curve, OID: k.OID, Protocol: k.ProtocolType, Version: k.ProtocolVersion,
			CipherSuites: k.CipherSuites, Groups: k.TLSGroups, Subject: k.CertificateSubject, Issuer: k.CertificateIssuer,
			Related: k.Refs, Source: SourceCBOM, Where: where, Size: k.MaterialSize, Material: k.MaterialType,
		}
		if a.Name == "" {
			a.Name = k.AlgorithmFamily
		}
		if t, err := time.Parse(time.RFC3339, k.CertificateNotAfter); err == nil {
			a.NotAfter = t
		}
		if a.Size == 0 && a.Type == TypeAlgorithm {
			a.Size = sizeIn(k.ParameterSet, 1024, 2048, 3072, 4096, 8192, 128, 192, 256)
		}
		out = append(out, a)
	}
	return out
}

// Classify sets the classification of each asset, resolving the assets
// each refers to (a certificate's key, a key's algorithm) within as.
func Classify(as []Asset) {
	byRef := make(map[string]int, len(as))
	for i, a := range as {
		if a.Ref != "" {
			byRef[a.Ref] = i
		}
	}
	for pass := range 3 {
		for i := range as {
			if classifyPass(as[i].Type) != pass {
				continue
			}
			var related []Classification
			for _, r := range as[i].Related {
				if j, ok := byRef[r]; ok && j != i {
					related = append(related, as[j].Classification)
				}
			}
			as[i].Classification = classifyAsset(as[i], related)
		}
	}
}

// classifyPass is when an asset of type t is classified: algorithms (and
// what is of no known type) first, then keys, which name algorithms, then
// certificates and protocols, which name both.
func classifyPass(t string) int {
	switch t {
	case TypeMaterial:
		return 1
	case TypeCertificate, TypeProtocol:
		return 2
	}
	return 0
}

// classifyAsset classifies a, given the classifications of the assets it
// refers to.
func classifyAsset(a Asset, related []Classification) Classification {
	switch a.Type {
	case TypeCertificate:
		parts := related
		for _, n := range []string{a.SignatureAlgorithm, a.KeyAlgorithm} {
			if n != "" {
				parts = append(parts, ClassifyName(n, 0))
			}
		}
		if len(parts) == 0 {
			return Classification{Class: Unknown, Algorithm: a.Name, Reason: i18n.M("pqc.reason.certificate_unknown", a.Name)}
		}
		w := worst(parts)
		w.KeyExchange = false
		return w
	case TypeProtocol:
		return classifyProtocol(a, related)
	case TypeMaterial:
		if len(related) > 0 {
			w := worst(related)
			if w.Class == Vulnerable && a.Size > 0 {
				return vulnerable(a.Name, w.Algorithm, a.Size, w.KeyExchange)
			}
			return w
		}
	}
	c := ClassifyName(a.Name, a.Size)
	for _, alt := range []string{a.ParameterSet, a.Curve} {
		if c.Class != Unknown {
			break
		}
		if alt != "" {
			c = ClassifyName(alt, a.Size)
		}
	}
	if !c.KeyExchange && (a.Primitive == "kem" || a.Primitive == "key-agree") {
		c.KeyExchange = true
	}
	return c
}

// classifyProtocol classifies a protocol by its key exchange: one that
// accepts a hybrid or post-quantum group is hybrid (data a modern client
// sends is protected), else it is as weak as the weakest of its groups,
// cipher suites and algorithms.
func classifyProtocol(a Asset, related []Classification) Classification {
	var parts []Classification
	for _, n := range append(slices.Clone(a.Groups), a.CipherSuites...) {
		parts = append(parts, ClassifyName(n, 0))
	}
	parts = append(parts, related...)
	var pq, classical []string
	for _, p := range parts {
		if !p.KeyExchange {
			continue
		}
		switch p.Class {
		case Hybrid, Safe:
			pq = append(pq, p.Algorithm)
		case Vulnerable:
			classical = append(classical, p.Algorithm)
		}
	}
	name := strings.TrimSpace(a.Protocol + " " + a.Version)
	if name == "" {
		name = a.Name
	}
	if len(pq) > 0 {
		c := Classification{Class: Hybrid, Algorithm: pq[0], KeyExchange: true, Reference: RefHybridTLS,
			Reason: i18n.M("pqc.reason.protocol_pq", name, strings.Join(dedupe(pq), ", "))}
		if len(classical) > 0 {
			c.Reason = i18n.M("pqc.reason.protocol_pq_classical", name, strings.Join(dedupe(pq), ", "), strings.Join(dedupe(classical), ", "))
		}
		if a.Protocol == "ssh" {
			c.Reference = RefHybridSSH
		}
		return c
	}
	if len(parts) == 0 {
		return Classification{Class: Unknown, Algorithm: name, KeyExchange: true, Reason: i18n.M("pqc.reason.protocol_unknown", name)}
	}
	w := worst(parts)
	if len(classical) > 0 {
		w = Classification{Class: Vulnerable, Algorithm: classical[0], Reference: RefIR8547,
			Reason: i18n.M("pqc.reason.protocol_classical", name, strings.Join(dedupe(classical), ", "))}
		if worst(parts).Class == Broken {
			w = worst(parts)
		}
	}
	w.KeyExchange = true
	return w
}

// worst returns the classification of cs that ranks first in Classes (the
// first of equals).
func worst(cs []Classification) Classification {
	best := -1
	for i, c := range cs {
		if best < 0 || rank(c.Class) < rank(cs[best].Class) {
			best = i
		}
	}
	return cs[best]
}

// rank is c's position in Classes, worst first.
func rank(c Class) int {
	if i := slices.Index(Classes, c); i >= 0 {
		return i
	}
	return len(Classes)
}

func dedupe(s []string) []string {
	var out []string
	for _, x := range s {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// Summary counts assets by class.
func Summary(as []Asset) map[Class]int {
	m := map[Class]int{}
	for _, a := range as {
		m[a.Classification.Class]++
	}
	return m
}

// Label names a for people: its name with its size or version.
func (a Asset) Label() string {
	switch {
	case a.Type == TypeProtocol && a.Version != "" && !strings.Contains(a.Name, a.Version):
		return strings.TrimSpace(a.Name + " " + a.Version)
	case a.Size > 0 && !strings.Contains(a.Name, strconv.Itoa(a.Size)):
		return a.Name + " (" + strconv.Itoa(a.Size) + ")"
	}
	return a.Name
}

// Finding is a classified asset as a reader sees it, its reason rendered
// in the reader's language.
type Finding struct {
	ID           string    `json:"id,omitempty"`
	Type         string    `json:"type"`
	Name         string    `json:"name"`
	Where        string    `json:"where,omitempty"`
	Class        Class     `json:"class"`
	Algorithm    string    `json:"algorithm,omitempty"`
	Strength     Strength  `json:"strength,omitempty"`
	Reason       string    `json:"reason"`
	Reference    Reference `json:"reference"`
	DataLifetime int       `json:"data_lifetime_years,omitempty"`
	HNDL         bool      `json:"harvest_now_decrypt_later"`
}

// FindingOf is a as a finding, in lang.
func FindingOf(a Asset, lang string) Finding {
	c := a.Classification
	return Finding{ID: a.ID, Type: a.Type, Name: a.Label(), Where: a.Where, Class: c.Class, Algorithm: c.Algorithm, Strength: c.Strength,
		Reason: c.Reason.In(lang), Reference: c.Reference, DataLifetime: a.DataLifetime, HNDL: c.HNDL}
}

// Rank orders assets by exposure: "harvest now, decrypt later" first, then
// by class (worst first), then by how long their data must stay
// confidential (longest first), then by name. It sorts as in place.
func Rank(as []Asset) {
	slices.SortStableFunc(as, func(a, b Asset) int {
		switch {
		case a.Classification.HNDL != b.Classification.HNDL:
			if a.Classification.HNDL {
				return -1
			}
			return 1
		case rank(a.Classification.Class) != rank(b.Classification.Class):
			return rank(a.Classification.Class) - rank(b.Classification.Class)
		case a.DataLifetime != b.DataLifetime:
			return b.DataLifetime - a.DataLifetime
		}
		return strings.Compare(a.Name, b.Name)
	})
}

// NeedsWork reports whether a finding asks for migration: anything but
// quantum-safe at full strength and hybrid.
func (c Classification) NeedsWork() bool {
	return c.Class != Hybrid && !(c.Class == Safe && c.Strength != Reduced)
}
