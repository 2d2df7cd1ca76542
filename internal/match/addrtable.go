package match

import (
	"math/bits"
)

// addr4Table is an open-addressing hash table from IPv4 address to a ref,
// built once and then only read. Each slot is one uint64 (address in the high
// half, ref+1 in the low half; 0 is an empty slot), so an IPv4 indicator costs
// 8 bytes divided by the load factor (between 0.375 and 0.75), 11–21 bytes,
// plus 1–2 bytes of prefilter.
// A Go map[uint32]uint32 costs about 40 and chases more cache lines.
type addr4Table struct {
	slots []uint64
	shift uint8
	n     int

	// filter has one bit per address (by a second hash), about 8 bits per
	// address: small enough to stay in the L2/L3 cache where the slots do
	// not, so ~90% of misses never touch the slots.
	filter      []uint64
	filterShift uint8
}

func newAddr4Table(n int) *addr4Table {
	size := 8
	for size*3 < n*4 { // keep the load factor at most 0.75
		size <<= 1
	}
	fbits := 1 << 12
	for fbits < n*8 {
		fbits <<= 1
	}
	return &addr4Table{
		slots: make([]uint64, size), shift: uint8(64 - bits.TrailingZeros(uint(size))),
		filter: make([]uint64, fbits/64), filterShift: uint8(64 - bits.TrailingZeros(uint(fbits))),
	}
}

func (t *addr4Table) filterBit(k uint32) uint64 {
	return (uint64(k) * 0xC2B2AE3D27D4EB4F) >> t.filterShift
}

// hash4 is Fibonacci hashing: one multiply, good spread for sequential addresses.
func (t *addr4Table) home(k uint32) uint64 {
	return (uint64(k) * 0x9E3779B97F4A7C15) >> t.shift
}

// put stores k → ref. Keys must be unique (the builder groups duplicates).
func (t *addr4Table) put(k, ref uint32) {
	mask := uint64(len(t.slots) - 1)
	for i := t.home(k); ; i = (i + 1) & mask {
		if t.slots[i] == 0 {
			t.slots[i] = uint64(k)<<32 | uint64(ref+1)
			t.n++
			f := t.filterBit(k)
			t.filter[f>>6] |= 1 << (f & 63)
			return
		}
	}
}

// get returns the ref stored for k.
func (t *addr4Table) get(k uint32) (uint32, bool) {
	f := t.filterBit(k)
	if t.filter[f>>6]&(1<<(f&63)) == 0 {
		return 0, false
	}
	return t.probe(k)
}

// addr6Table is the IPv6 counterpart of addr4Table: keys as two uint64 halves
// and refs in a separate array (20 bytes a slot), sized for a load factor of
// 0.75 with any number of slots (fast range reduction instead of a power of
// two), so an IPv6 indicator costs about 27 bytes; a Go map costs about 45.
type addr6Table struct {
	keys []uint64 // 2 per slot: high, low
	refs []uint32 // ref+1; 0 is an empty slot
	n    int
}

func newAddr6Table(n int) *addr6Table {
	size := max(n*4/3+1, 8)
	return &addr6Table{keys: make([]uint64, 2*size), refs: make([]uint32, size)}
}

func split6(a [16]byte) (hi, lo uint64) {
	for i := range 8 {
		hi = hi<<8 | uint64(a[i])
		lo = lo<<8 | uint64(a[8+i])
	}
	return hi, lo
}

func (t *addr6Table) home(hi, lo uint64) int {
	h := (hi ^ bits.RotateLeft64(lo, 29)) * 0x9E3779B97F4A7C15
	idx, _ := bits.Mul64(h, uint64(len(t.refs)))
	return int(idx)
}

func (t *addr6Table) put(a [16]byte, ref uint32) {
	hi, lo := split6(a)
	for i := t.home(hi, lo); ; i = (i + 1) % len(t.refs) {
		if t.refs[i] == 0 {
			t.keys[2*i], t.keys[2*i+1], t.refs[i] = hi, lo, ref+1
			t.n++
			return
		}
	}
}

func (t *addr6Table) get(a [16]byte) (uint32, bool) {
	if t == nil || t.n == 0 {
		return 0, false
	}
	hi, lo := split6(a)
	for i := t.home(hi, lo); ; i = (i + 1) % len(t.refs) {
		r := t.refs[i]
		if r == 0 {
			return 0, false
		}
		if t.keys[2*i] == hi && t.keys[2*i+1] == lo {
			return r - 1, true
		}
	}
}

// each calls fn for every stored address.
func (t *addr6Table) each(fn func(a [16]byte, ref uint32)) {
	if t == nil {
		return
	}
	for i, r := range t.refs {
		if r == 0 {
			continue
		}
		var a [16]byte
		hi, lo := t.keys[2*i], t.keys[2*i+1]
		for j := range 8 {
			a[7-j] = byte(hi >> (8 * j))
			a[15-j] = byte(lo >> (8 * j))
		}
		fn(a, r-1)
	}
}
