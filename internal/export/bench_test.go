package export

import (
	"io"
	"net/netip"
	"testing"

	"renkei/internal/match"
)

// BenchmarkExportEDL1M writes a blocklist of 1M addresses.
func BenchmarkExportEDL1M(b *testing.B) {
	bl := match.NewBuilder()
	for i := range 1_000_000 {
		bl.AddPrefix(netip.PrefixFrom(netip.AddrFrom4([4]byte{11, byte(i >> 16), byte(i >> 8), byte(i)}), 32), match.Indicator{ID: "list:x"})
	}
	set := bl.Build()
	b.ResetTimer()
	for b.Loop() {
		res, err := WriteSet(io.Discard, "edl", set, Options{At: at})
		if err != nil || res.Written != 1_000_000 {
			b.Fatal(err, res.Written)
		}
	}
}
