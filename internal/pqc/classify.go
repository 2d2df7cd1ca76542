package pqc

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"renkei/internal/i18n"
)

// Class is what a quantum computer does to an asset's cryptography.
type Class string

// The classes. Vulnerable public-key cryptography is vulnerable at any key
// size: Shor's algorithm breaks RSA, finite-field and elliptic-curve
// discrete logarithms alike, so a larger key buys no time.
const (
	Vulnerable Class = "quantum-vulnerable" // RSA, DSA, DH, ECDH, ECDSA, EdDSA, X25519 …
	Hybrid     Class = "hybrid"             // a classical and a post-quantum key exchange together (X25519MLKEM768)
	Safe       Class = "quantum-safe"       // ML-KEM, ML-DSA, SLH-DSA, LMS/XMSS; symmetric ciphers and hashes of adequate size
	Broken     Class = "classically-broken" // broken without a quantum computer: MD5, SHA-1, DES, 3DES, RC4
	Unknown    Class = "unknown"            // not recognized: to be looked at by a person
)

// Classes lists the classes, worst first: the order findings are ranked in.
var Classes = []Class{Broken, Vulnerable, Unknown, Hybrid, Safe}

// Strength grades a symmetric cipher or hash against a quantum adversary.
type Strength string

// The strengths. Grover's algorithm searches a key space of 2^n in about
// 2^(n/2) quantum steps, so a 128-bit key keeps a smaller margin than a
// 256-bit one; "reduced" is a prompt to prefer the larger size for data
// that must stay confidential for long, not a finding that it is broken.
const (
	Full    Strength = "full"    // AES-192/256, ChaCha20, SHA-384/512, SHA3-384/512
	Reduced Strength = "reduced" // AES-128, SHA-256, SHA3-256, SHAKE128
)

// Reference is the document a classification rests on. Only what was
// checked against the documents themselves is written here (docs/pqc.md
// says what could not be checked).
type Reference struct {
	Standard string `json:"standard"`
	Title    string `json:"title"`
	Date     string `json:"date"` // when the document was published, as far as checked; "" when not checked
}

// The references.
var (
	RefFIPS203   = Reference{"FIPS 203", "Module-Lattice-Based Key-Encapsulation Mechanism Standard (ML-KEM)", "2024-08-13"}
	RefFIPS204   = Reference{"FIPS 204", "Module-Lattice-Based Digital Signature Standard (ML-DSA)", "2024-08-13"}
	RefFIPS205   = Reference{"FIPS 205", "Stateless Hash-Based Digital Signature Standard (SLH-DSA)", "2024-08-13"}
	RefSP800208  = Reference{"NIST SP 800-208", "Recommendation for Stateful Hash-Based Signature Schemes (LMS, XMSS)", "2020-10"}
	RefIR8547    = Reference{"NIST IR 8547 (initial public draft)", "Transition to Post-Quantum Cryptography Standards: quantum-vulnerable public-key algorithms deprecated after 2030 (112-bit security) and disallowed after 2035", "2024-11"}
	RefFIPS197   = Reference{"FIPS 197", "Advanced Encryption Standard (AES)", "2001-11-26"}
	RefFIPS180   = Reference{"FIPS 180-4", "Secure Hash Standard (SHA-1, SHA-2)", "2015-08"}
	RefFIPS202   = Reference{"FIPS 202", "SHA-3 Standard", "2015-08"}
	RefRFC8439   = Reference{"RFC 8439", "ChaCha20 and Poly1305 for IETF Protocols", "2018-06"}
	RefHybridTLS = Reference{"draft-ietf-tls-ecdhe-mlkem", "Post-quantum hybrid ECDHE-MLKEM key agreement for TLS 1.3 (Internet-Draft), with FIPS 203", ""}
	RefHybridSSH = Reference{"draft-ietf-sshm-mlkem-hybrid-kex", "ML-KEM/ECDH hybrid key exchange for SSH (Internet-Draft), with FIPS 203", ""}
	RefNone      = Reference{}
)

// Classification is what Classify says of one asset.
type Classification struct {
	Class     Class        `json:"class"`
	Algorithm string       `json:"algorithm,omitempty"` // the algorithm recognized: "RSA", "ML-KEM-768", "AES-128"
	Strength  Strength     `json:"strength,omitempty"`  // symmetric ciphers and hashes
	Reason    i18n.Message `json:"reason"`
	Reference Reference    `json:"reference"`
	// KeyExchange says that the asset establishes keys that protect data in
	// transit (a key exchange, a KEM, a protocol): what "harvest now,
	// decrypt later" records today and breaks later.
	KeyExchange bool `json:"key_exchange,omitempty"`
	// HNDL flags "harvest now, decrypt later" exposure: a quantum-vulnerable
	// key exchange carrying data whose confidentiality must outlast the
	// horizon (Exposure).
	HNDL bool `json:"harvest_now_decrypt_later,omitempty"`
}

// squash is s upper-cased with the separators names use taken out, so that
// "ML-KEM-768", "ml_kem 768" and "MLKEM768" read alike.
func squash(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '-', '_', ' ', '/', '.', '(', ')', ',':
			return -1
		}
		return r
	}, strings.ToUpper(s))
}

var digits = regexp.MustCompile(`[0-9]+`)

// sizeIn returns the first of the numbers in s that is one of sizes, or 0.
func sizeIn(s string, sizes ...int) int {
	for _, d := range digits.FindAllString(s, -1) {
		n, _ := strconv.Atoi(d)
		for _, z := range sizes {
			if n == z {
				return n
			}
		}
	}
	return 0
}

func containsAny(s string, subs ...string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}

// pqKEM and pqSig are the post-quantum names, squashed.
var (
	pqKEM        = []string{"MLKEM", "KYBER"}
	classicalKEX = []string{"X25519", "X448", "CURVE25519", "SECP256R1", "SECP384R1", "P256", "P384", "NISTP", "ECDH", "ECDHE"}
)

// ClassifyName classifies an algorithm, group, cipher suite or key named
// name (as a CBOM, a TLS or SSH handshake or a person names it), of key
// size bits when known (0 otherwise). Names are recognized by the families
// they contain, so "SHA512withRSA", "ecdsa-sha2-nistp256" and
// "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384" are read as what they use that is
// weakest against a quantum computer.
func ClassifyName(name string, bits int) Classification {
	s := squash(name)
	switch {
	case s == "":
		return Classification{Class: Unknown, Reason: i18n.M("pqc.reason.unknown", name)}

	// Hybrid key exchanges: a post-quantum KEM with a classical one.
	case containsAny(s, pqKEM...) && containsAny(s, classicalKEX...):
		ref := RefHybridTLS
		if strings.HasSuffix(s, "SHA256") {
			ref = RefHybridSSH
		}
		return Classification{Class: Hybrid, Algorithm: name, KeyExchange: true, Reason: i18n.M("pqc.reason.hybrid", name), Reference: ref}
	case strings.Contains(s, "SNTRUP"):
		return Classification{Class: Hybrid, Algorithm: name, KeyExchange: true, Reason: i18n.M("pqc.reason.sntrup", name), Reference: RefNone}

	// Post-quantum standards.
	case containsAny(s, pqKEM...):
		return Classification{Class: Safe, Algorithm: pqName("ML-KEM", s, 512, 768, 1024), KeyExchange: true, Reason: i18n.M("pqc.reason.pq", "ML-KEM", "FIPS 203"), Reference: RefFIPS203}
	case containsAny(s, "MLDSA", "DILITHIUM") && containsAny(s, "RSA", "ECDSA", "ED25519", "ED448", "P256", "P384"):
		return Classification{Class: Hybrid, Algorithm: name, Reason: i18n.M("pqc.reason.composite", name), Reference: RefFIPS204}
	case containsAny(s, "MLDSA", "DILITHIUM"):
		return Classification{Class: Safe, Algorithm: pqName("ML-DSA", s, 44, 65, 87), Reason: i18n.M("pqc.reason.pq", "ML-DSA", "FIPS 204"), Reference: RefFIPS204}
	case containsAny(s, "SLHDSA", "SPHINCS"):
		return Classification{Class: Safe, Algorithm: "SLH-DSA", Reason: i18n.M("pqc.reason.pq", "SLH-DSA", "FIPS 205"), Reference: RefFIPS205}
	case containsAny(s, "XMSS", "HSSLMS", "LMS") && !strings.Contains(s, "HMAC"):
		return Classification{Class: Safe, Algorithm: "LMS/XMSS", Reason: i18n.M("pqc.reason.stateful", name), Reference: RefSP800208}

	// Broken without a quantum computer.
	case containsAny(s, "MD5", "MD4", "MD2"):
		return Classification{Class: Broken, Algorithm: "MD5", Reason: i18n.M("pqc.reason.broken", name), Reference: RefNone}
	case strings.Contains(s, "SHA1") && !containsAny(s, "SHA1024") || s == "SHA":
		return Classification{Class: Broken, Algorithm: "SHA-1", Reason: i18n.M("pqc.reason.broken", name), Reference: RefFIPS180}
	case containsAny(s, "RC4", "ARCFOUR", "RC2", "3DES", "TDEA", "DESEDE", "TRIPLEDES") || s == "DES" || strings.HasPrefix(s, "DESCBC") || strings.Contains(s, "WITHDES"):
		return Classification{Class: Broken, Algorithm: name, Reason: i18n.M("pqc.reason.broken", name), Reference: RefNone}

	// Quantum-vulnerable public-key cryptography, at any size.
	case containsAny(s, "ECDH", "X25519", "X448", "CURVE25519", "CURVE448", "FFDHE", "DIFFIEHELLMAN", "ECMQV", "MODP") ||
		s == "DH" || strings.HasPrefix(s, "DHE") || strings.Contains(s, "TLSDH"):
		return vulnerable(name, "ECDH/DH", bits, true)
	case containsAny(s, "ECDSA", "EDDSA", "ED25519", "ED448", "NISTP", "SECP", "BRAINPOOL", "PRIME256", "P256", "P384", "P521", "ECC") || s == "EC":
		return vulnerable(name, "ECDSA/EdDSA", bits, false)
	case strings.Contains(s, "RSA"):
		kx := strings.Contains(s, "TLSRSAWITH") || strings.Contains(s, "OAEP") || strings.Contains(s, "PKCS1V15ENC")
		return vulnerable(name, "RSA", bits, kx)
	case containsAny(s, "DSA", "ELGAMAL"):
		return vulnerable(name, "DSA", bits, false)

	// Symmetric ciphers.
	case containsAny(s, "AES", "CAMELLIA", "ARIA"):
		size := bits
		if size == 0 {
			size = sizeIn(name, 128, 192, 256)
		}
		alg := "AES"
		if size > 0 {
			alg += "-" + strconv.Itoa(size)
		}
		return symmetric(name, alg, size >= 192, size, RefFIPS197)
	case containsAny(s, "CHACHA20", "XCHACHA"):
		return symmetric(name, "ChaCha20", true, 256, RefRFC8439)

	// Hashes, MACs and extendable-output functions.
	case containsAny(s, "SHA2", "SHA224", "SHA256", "SHA384", "SHA512") && !containsAny(s, "SHA3224", "SHA3256", "SHA3384", "SHA3512"):
		size := sizeIn(s, 224, 256, 384, 512)
		if strings.Contains(s, "SHA512224") || strings.Contains(s, "SHA512256") {
			size = sizeIn(strings.Replace(s, "SHA512", "", 1), 224, 256)
		}
		alg := "SHA-2"
		if size > 0 {
			alg = "SHA-" + strconv.Itoa(size)
		}
		return symmetric(name, alg, size >= 384, size, RefFIPS180)
	case containsAny(s, "SHA3", "SHAKE"):
		size := sizeIn(strings.TrimPrefix(s, "SHA3"), 224, 256, 384, 512, 128)
		return symmetric(name, "SHA-3", size >= 384 || strings.Contains(s, "SHAKE256"), size, RefFIPS202)
	}
	return Classification{Class: Unknown, Algorithm: name, Reason: i18n.M("pqc.reason.unknown", name)}
}

// pqName names a post-quantum parameter set when name gives one.
func pqName(family, s string, sets ...int) string {
	if n := sizeIn(strings.TrimPrefix(strings.TrimPrefix(s, "MLKEM"), "MLDSA"), sets...); n > 0 {
		return family + "-" + strconv.Itoa(n)
	}
	return family
}

func vulnerable(name, family string, bits int, keyExchange bool) Classification {
	size := ""
	if bits > 0 {
		size = strconv.Itoa(bits)
	}
	reason := i18n.M("pqc.reason.vulnerable", name, family)
	if size != "" {
		reason = i18n.M("pqc.reason.vulnerable_size", name, family, size)
	}
	return Classification{Class: Vulnerable, Algorithm: family, KeyExchange: keyExchange, Reason: reason, Reference: RefIR8547}
}

func symmetric(name, alg string, full bool, size int, ref Reference) Classification {
	if full {
		return Classification{Class: Safe, Algorithm: alg, Strength: Full, Reason: i18n.M("pqc.reason.symmetric_full", name), Reference: ref}
	}
	if size == 0 {
		return Classification{Class: Safe, Algorithm: alg, Strength: Reduced, Reason: i18n.M("pqc.reason.symmetric_unknown_size", name), Reference: ref}
	}
	return Classification{Class: Safe, Algorithm: alg, Strength: Reduced, Reason: i18n.M("pqc.reason.symmetric_reduced", name, strconv.Itoa(size)), Reference: ref}
}

// Milestones are the dates a migration plan is measured against. The
// first two are NIST IR 8547's (initial public draft); Government is the
// Japanese government's own target, configurable because this code could
// not check it against a published decision (docs/pqc.md).
type Milestones struct {
	Deprecation time.Time `json:"deprecation"` // quantum-vulnerable algorithms of 112-bit security deprecated after
	Disallowed  time.Time `json:"disallowed"`  // quantum-vulnerable algorithms disallowed after
	Government  time.Time `json:"government"`  // the government's target for its own systems
}

// DefaultMilestones are the end of 2030 and of 2035, and a government
// target of the end of 2035 until one is configured.
var DefaultMilestones = Milestones{
	Deprecation: time.Date(2030, 12, 31, 0, 0, 0, 0, time.UTC),
	Disallowed:  time.Date(2035, 12, 31, 0, 0, 0, 0, time.UTC),
	Government:  time.Date(2035, 12, 31, 0, 0, 0, 0, time.UTC),
}

// Exposure sets c.HNDL: a quantum-vulnerable key exchange that carries data
// whose confidentiality must last lifetimeYears from now reaches past the
// horizon (the disallowance milestone, the latest date a quantum computer is
// assumed not to exist), so data recorded today may be read then.
func Exposure(c Classification, lifetimeYears int, now, horizon time.Time) Classification {
	c.HNDL = c.Class == Vulnerable && c.KeyExchange && lifetimeYears > 0 && now.AddDate(lifetimeYears, 0, 0).After(horizon)
	return c
}
