package logs

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"www.velocidex.com/golang/evtx"
)

const (
	// EVTXChunkSize is the size of an EVTX chunk, the unit a file is read in.
	EVTXChunkSize      = 0x10000
	evtxFileHeaderSize = 0x1000
)

// EVTXChunkOffsets returns the offsets of the chunks of an EVTX file of the
// given size, after checking the file header.
func EVTXChunkOffsets(r io.ReaderAt, size int64) ([]int64, error) {
	hdr := make([]byte, 128)
	if _, err := r.ReadAt(hdr, 0); err != nil {
		return nil, fmt.Errorf("read EVTX header: %w", err)
	}
	if !bytes.HasPrefix(hdr, []byte("ElfFile\x00")) {
		return nil, errors.New("not an EVTX file (wrong magic)")
	}
	headerBlock := int64(binary.LittleEndian.Uint16(hdr[40:42]))
	if headerBlock == 0 {
		headerBlock = evtxFileHeaderSize
	}
	var offs []int64
	off := headerBlock
	for ; off+EVTXChunkSize <= size; off += EVTXChunkSize {
		offs = append(offs, off)
	}
	if size-off >= 0x200 { // a truncated last chunk (a copy taken while the log was written)
		offs = append(offs, off)
	}
	return offs, nil
}

// ParseEVTXChunk parses one 64 KiB chunk and calls fn for each record.
//
// The EVTX parser stops at the first record whose header is damaged and
// panics on damaged BinXML, which would lose the rest of the chunk. So the
// records are first walked by their headers; a damaged record is replaced in
// the buffer by an empty record (record id 0, an end-of-XML token) spanning
// up to the next record header, and a record whose XML makes the parser
// fail is found and emptied the same way. Each emptied record is reported
// with file, chunk, record id and offset; the chunk's other records are
// still delivered.
func ParseEVTXChunk(file string, chunkNo int, chunkOff int64, buf []byte, fn func(*evtx.EventRecord), bad func(*ReadError)) {
	if len(buf) < EVTXChunkSize || !bytes.HasPrefix(buf, []byte("ElfChnk\x00")) {
		if len(buf) >= 8 && !bytes.Equal(buf[:8], make([]byte, 8)) { // all-zero chunks are unused space
			bad(&ReadError{File: file, Chunk: chunkNo, Offset: chunkOff, Reason: "chunk header has the wrong magic; chunk skipped"})
		}
		return
	}
	report := func(off int, id uint64, why string) {
		bad(&ReadError{File: file, Chunk: chunkNo, Record: int64(id), Offset: chunkOff + int64(off), Reason: why + "; record skipped"})
	}
	offs := walkEVTXRecords(buf, report)
	for tries := 0; tries < 16; tries++ {
		records, err := parseChunkSafely(buf, len(offs))
		if err == nil {
			for _, r := range records {
				if r.Header.RecordID != 0 { // 0: a record emptied above
					fn(r)
				}
			}
			return
		}
		// find the first record that makes the parser fail and empty it
		// (a prefix that fails stays failing when longer: binary search)
		lo, hi := 1, len(offs)
		for lo < hi {
			mid := (lo + hi) / 2
			if _, err := parseChunkSafely(buf, mid); err != nil {
				hi = mid
			} else {
				lo = mid + 1
			}
		}
		k := lo
		if k < 1 || k > len(offs) {
			break
		}
		off := offs[k-1]
		next := evtxFreeSpace(buf)
		if k < len(offs) {
			next = offs[k]
		}
		report(off, binary.LittleEndian.Uint64(buf[off+8:]), "record XML cannot be parsed ("+err.Error()+")")
		emptyRecord(buf, off, next)
	}
	bad(&ReadError{File: file, Chunk: chunkNo, Offset: chunkOff, Reason: "chunk cannot be parsed; chunk skipped"})
}

var recordMagic = []byte("**\x00\x00")

func evtxFreeSpace(buf []byte) int {
	free := int(binary.LittleEndian.Uint32(buf[48:]))
	if free <= 0x200 || free > len(buf) {
		free = len(buf)
	}
	return free
}

// walkEVTXRecords returns the offsets of the records of a chunk, emptying
// records whose header is damaged, and fixes the chunk's record count to
// match.
func walkEVTXRecords(buf []byte, report func(off int, id uint64, why string)) []int {
	free := evtxFreeSpace(buf)
	var offs []int
	off := 0x200
	for off+28 <= free {
		size := int(binary.LittleEndian.Uint32(buf[off+4:]))
		if bytes.Equal(buf[off:off+4], recordMagic) && size >= 28 && off+size <= free {
			offs = append(offs, off)
			off += size
			continue
		}
		next := bytes.Index(buf[off+4:free], recordMagic)
		if next < 0 {
			report(off, 0, "damaged record header at the end of the chunk")
			break
		}
		next += off + 4
		if next-off < 25 {
			off = next
			continue
		}
		report(off, 0, "damaged record header")
		emptyRecord(buf, off, next)
		offs = append(offs, off)
		off = next
	}
	first := binary.LittleEndian.Uint64(buf[8:])
	binary.LittleEndian.PutUint64(buf[16:], first+uint64(len(offs))-1)
	return offs
}

// emptyRecord overwrites the record at off with an empty one ending at next.
func emptyRecord(buf []byte, off, next int) {
	copy(buf[off:], recordMagic)
	binary.LittleEndian.PutUint32(buf[off+4:], uint32(next-off))
	binary.LittleEndian.PutUint64(buf[off+8:], 0)  // record id 0 marks it
	binary.LittleEndian.PutUint64(buf[off+16:], 0) // time
	buf[off+24] = 0x00                             // end of BinXML
}

// parseChunkSafely parses the first n records of a chunk, turning parser
// panics into errors.
func parseChunkSafely(buf []byte, n int) (records []*evtx.EventRecord, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("parser failed: %v", r)
		}
	}()
	// the parser copies the chunk; only the record count is changed here
	first := binary.LittleEndian.Uint64(buf[8:])
	binary.LittleEndian.PutUint64(buf[16:], first+uint64(n)-1)
	c, err := evtx.NewChunk(bytes.NewReader(buf), 0)
	if err != nil {
		return nil, err
	}
	records, err = c.Parse(0)
	if err == nil && len(records) < n {
		err = fmt.Errorf("parser stopped after %d of %d records", len(records), n)
	}
	return records, err
}
