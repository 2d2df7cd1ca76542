// Package pseudonym makes identifiers non-identifiable before analysis (rule
// C4): keyed pseudonyms for e-mail addresses, IP addresses and similar
// identifiers, and prefix-preserving pseudonymization of IP addresses
// (Crypto-PAn) for the cases where subnets must still compare.
//
// All are keyed: without the key a pseudonym cannot be reversed or checked
// against a guess. But a keyed pseudonym is deterministic, so whoever can put
// chosen identifiers through it and see the results learns their pseudonyms
// under that key; and a prefix-preserving one reveals which addresses share
// how long a prefix. Callers therefore use one key per source and period and
// delete it with the data. Keys never leave the hub and are never logged.
// Nothing here decides which fields to pseudonymize or which key to use; the
// pipeline's selection rules do.
package pseudonym

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"net/netip"
	"strings"
)

// CryptoPAn is the prefix-preserving address pseudonymization of Xu, Fan,
// Ammar and Moon (ICNP 2002), written on crypto/aes: two addresses that share
// a k-bit prefix have pseudonyms that share a k-bit prefix, and nothing more
// is revealed. It is safe for concurrent use.
type CryptoPAn struct {
	block cipher.Block
	pad   [16]byte
}

// NewCryptoPAn takes a 32-byte key: the first 16 bytes key AES-128, the last
// 16 are encrypted to give the pad, as in the reference implementation.
func NewCryptoPAn(key []byte) (*CryptoPAn, error) {
	if len(key) != 32 {
		return nil, errors.New("crypto-pan: the key must be 32 bytes")
	}
	b, err := aes.NewCipher(key[:16])
	if err != nil {
		return nil, err
	}
	c := &CryptoPAn{block: b}
	b.Encrypt(c.pad[:], key[16:])
	return c, nil
}

// Addr returns the pseudonym of an IPv4 or IPv6 address.
func (c *CryptoPAn) Addr(a netip.Addr) netip.Addr {
	if a.Is4() {
		b := a.As4()
		return netip.AddrFrom4(c.v4(b))
	}
	b := a.As16()
	out := c.bits(b[:], 128)
	var o [16]byte
	copy(o[:], out)
	return netip.AddrFrom16(o).WithZone(a.Zone())
}

func (c *CryptoPAn) v4(orig [4]byte) [4]byte {
	o := binary.BigEndian.Uint32(orig[:])
	padFirst := binary.BigEndian.Uint32(c.pad[:4])
	var in, out [16]byte
	copy(in[4:], c.pad[4:])
	var result uint32
	for pos := 0; pos < 32; pos++ {
		var first uint32
		if pos == 0 {
			first = padFirst
		} else {
			first = (o>>(32-pos))<<(32-pos) | (padFirst<<pos)>>pos
		}
		binary.BigEndian.PutUint32(in[:4], first)
		c.block.Encrypt(out[:], in[:])
		result |= uint32(out[0]>>7) << (31 - pos)
	}
	var r [4]byte
	binary.BigEndian.PutUint32(r[:], result^o)
	return r
}

// bits pseudonymizes the first n bits of addr (16 bytes for IPv6): for each
// bit position, the AES output over the address's preceding bits followed by
// the pad gives one bit of the one-time pad XORed onto the address.
func (c *CryptoPAn) bits(addr []byte, n int) []byte {
	var in, out [16]byte
	res := make([]byte, len(addr))
	for pos := 0; pos < n; pos++ {
		// in = first pos bits of addr, then the pad's bits.
		for i := range in {
			var mask byte
			switch {
			case (i+1)*8 <= pos:
				mask = 0xff
			case i*8 >= pos:
				mask = 0
			default:
				mask = 0xff << (8 - (pos - i*8))
			}
			in[i] = addr[i]&mask | c.pad[i]&^mask
		}
		c.block.Encrypt(out[:], in[:])
		res[pos/8] |= (out[0] >> 7) << (7 - pos%8)
	}
	for i := range res {
		res[i] ^= addr[i]
	}
	return res
}

// Keyed makes keyed pseudonyms of identifiers such as e-mail addresses: the
// same identifier always gives the same pseudonym under one key, so analysis
// can still count and correlate, but the pseudonym reveals nothing without it.
type Keyed struct{ key []byte }

// NewKeyed returns a pseudonymizer with a key of at least 32 bytes.
func NewKeyed(key []byte) (*Keyed, error) {
	if len(key) < 32 {
		return nil, errors.New("pseudonym: the key must be at least 32 bytes")
	}
	return &Keyed{key: append([]byte(nil), key...)}, nil
}

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// AddrPrefix is where address pseudonyms live: the IPv6 discard-only prefix
// 100::/64 (RFC 6666), which no host has and no indicator or member's
// address space contains, so a pseudonym is never mistaken for an address.
var AddrPrefix = netip.MustParsePrefix("100::/64")

// Addr returns the keyed pseudonym of an IPv4 or IPv6 address: 100:: followed
// by 64 bits of HMAC-SHA-256 of the address. Nothing of the address survives,
// not even its family or prefix; equal addresses give equal pseudonyms under
// one key.
func (k *Keyed) Addr(a netip.Addr) netip.Addr {
	m := hmac.New(sha256.New, k.key)
	m.Write([]byte("addr\x00"))
	b := a.Unmap().As16()
	m.Write(b[:])
	var out [16]byte
	copy(out[:8], AddrPrefix.Addr().AsSlice())
	copy(out[8:], m.Sum(nil)[:8])
	return netip.AddrFrom16(out)
}

// Email returns the pseudonym of an e-mail address. The domain is kept when
// keepDomain is true (it usually names an organization, not a person); the
// local part is always replaced. Case is folded first.
func (k *Keyed) Email(addr string, keepDomain bool) string {
	addr = strings.ToLower(strings.TrimSpace(addr))
	local, domain, ok := strings.Cut(addr, "@")
	if !ok {
		return "pn-" + k.token(addr)
	}
	if keepDomain {
		return "pn-" + k.token(local+"@"+domain) + "@" + domain
	}
	return "pn-" + k.token(addr) + "@pseudonym.invalid"
}

// Identifier returns the pseudonym of any other identifier (account names,
// phone numbers), under a kind so that equal strings of different kinds differ.
func (k *Keyed) Identifier(kind, v string) string {
	return "pn-" + k.token(kind+"\x00"+v)
}

func (k *Keyed) token(s string) string {
	m := hmac.New(sha256.New, k.key)
	m.Write([]byte(s))
	return strings.ToLower(b32.EncodeToString(m.Sum(nil)[:15]))
}
