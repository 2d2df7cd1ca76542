package warninglist

import "hash/maphash"

// filter is a blocked Bloom filter over the texts of one index: it answers
// "certainly not held" for most values in no list from one cache line,
// before the index's map (tens of megabytes with every MISP list loaded,
// so that each lookup is a likely cache miss) is read. Each text sets
// filterProbes bits within one 512-bit block chosen by its hash; with
// about 16 bits per text, fewer than one value in a thousand not held
// passes it (Putze, Sanders, Singler, "Cache-, Hash- and Space-Efficient
// Bloom Filters", 2007, for blocked filters).
type filter struct {
	seed   maphash.Seed
	blocks [][8]uint64
	mask   uint64 // len(blocks)-1; blocks is a power of two long
}

const filterProbes = 6

// newFilter makes a filter for n texts.
func newFilter(n int) *filter {
	nb := 1
	for nb*512 < n*16 {
		nb *= 2
	}
	return &filter{seed: maphash.MakeSeed(), blocks: make([][8]uint64, nb), mask: uint64(nb - 1)}
}

func (f *filter) add(s string) {
	h := maphash.String(f.seed, s)
	b := &f.blocks[h&f.mask]
	for i := range filterProbes {
		bit := (h >> (64 - 9*(i+1))) & 511
		b[bit/64] |= 1 << (bit % 64)
	}
}

// mayHold reports false when s was certainly not added.
func (f *filter) mayHold(s string) bool {
	h := maphash.String(f.seed, s)
	b := &f.blocks[h&f.mask]
	for i := range filterProbes {
		bit := (h >> (64 - 9*(i+1))) & 511
		if b[bit/64]&(1<<(bit%64)) == 0 {
			return false
		}
	}
	return true
}
