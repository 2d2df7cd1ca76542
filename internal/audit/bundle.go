package audit

import (
	"encoding/binary"
	"fmt"
)

// ParseEntryBundle splits a C2SP tlog-tiles entry bundle into its entries:
// each is a big-endian 16-bit length followed by that many bytes. want is the
// number of entries the bundle must hold for the tree size being verified
// (1..256); a bundle with more is accepted (a partial bundle may have grown)
// and only the first want entries are returned. Errors give the byte offset.
func ParseEntryBundle(b []byte, want int) ([][]byte, error) {
	out := make([][]byte, 0, want)
	off := 0
	for len(out) < want {
		if off == len(b) {
			return out, fmt.Errorf("entry bundle: %d entries, want %d", len(out), want)
		}
		if len(b)-off < 2 {
			return out, fmt.Errorf("entry bundle: offset %d: truncated length prefix of entry %d", off, len(out))
		}
		n := int(binary.BigEndian.Uint16(b[off:]))
		off += 2
		if len(b)-off < n {
			return out, fmt.Errorf("entry bundle: offset %d: entry %d is %d bytes but only %d remain", off-2, len(out), n, len(b)-off)
		}
		out = append(out, b[off:off+n:off+n])
		off += n
	}
	return out, nil
}
