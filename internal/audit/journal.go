package audit

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"syscall"
)

// The journal makes an append durable with one small write.
//
// Tessera's POSIX storage makes an entry durable by writing its entry bundle,
// the tiles it changes and the tree state, each as a new file with its own
// fsync, rename and directory fsync: about 3.5 ms on this project's machines,
// 6 ms at the 99th percentile, for every group of entries. A read that must be
// logged before it is released (C7) would wait that long. Instead the
// committer writes each group, with the index every entry will get, to one
// append-only file and fdatasyncs it (about 0.2 ms), answers the appenders,
// and lets Tessera integrate the group behind it.
//
// The index is known in advance because only one process appends at a time:
// the one holding the writer lock, taken when it has entries to write and
// released once all of them are integrated. Tessera gives consecutive indices
// in the order entries are added, from the tree size it reads under its own
// lock, so while the writer lock is held the next index is the tree size when
// it was taken plus what has been added since. Every index is checked when
// Tessera assigns it; a mismatch stops the log.
//
// Whoever takes the lock first replays what a crashed holder journaled but
// Tessera had not integrated, at the indices that holder returned. A record
// torn by a crash was never acknowledged (its fdatasync had not returned) and
// is dropped. The journal is emptied whenever everything in it is integrated.

// journalHeader is a record's header: payload length, CRC-32C of index and
// payload, index.
const journalHeader = 16

// maxJournal bounds the journal: past it, the committer lets Tessera catch up
// and empties the journal before writing more.
const maxJournal = 64 << 20

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// journal is the append-only file of entries acknowledged but perhaps not yet
// integrated, and the writer lock that goes with it.
type journal struct {
	lock *os.File // flock(LOCK_EX) while this process is the writer
	f    *os.File
	size int64
	// unsynced skips the syncs (Options.Unsynced, tests only): an entry is
	// acknowledged once written, before it is on disk.
	unsynced bool
}

// openJournal opens (creating) dir/.renkei/journal and its lock file.
func openJournal(dir string) (*journal, error) {
	d := filepath.Join(dir, ".renkei")
	if err := os.MkdirAll(d, 0o755); err != nil {
		return nil, err
	}
	lock, err := os.OpenFile(filepath.Join(d, "writer.lock"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(d, "journal"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		lock.Close()
		return nil, err
	}
	return &journal{lock: lock, f: f}, nil
}

// acquire blocks until this process is the log's only writer.
func (j *journal) acquire() error {
	for {
		err := syscall.Flock(int(j.lock.Fd()), syscall.LOCK_EX)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}

// release empties the journal (everything in it is integrated) and lets
// another process write.
func (j *journal) release() error {
	err := j.truncate()
	if uerr := syscall.Flock(int(j.lock.Fd()), syscall.LOCK_UN); err == nil {
		err = uerr
	}
	return err
}

func (j *journal) truncate() error {
	if j.size == 0 {
		return nil
	}
	if err := j.f.Truncate(0); err != nil {
		return err
	}
	j.size = 0
	if j.unsynced {
		return nil
	}
	return j.f.Sync()
}

// record is one journaled entry.
type record struct {
	idx  uint64
	data []byte
}

// read returns the journal's intact records in order and positions the file
// after them, cutting off a torn tail.
func (j *journal) read() ([]record, error) {
	b, err := io.ReadAll(io.NewSectionReader(j.f, 0, 1<<62))
	if err != nil {
		return nil, err
	}
	var recs []record
	off := 0
	for len(b)-off >= journalHeader {
		n := int(binary.BigEndian.Uint32(b[off:]))
		sum := binary.BigEndian.Uint32(b[off+4:])
		if n > MaxEntrySize || len(b)-off-journalHeader < n {
			break
		}
		body := b[off+8 : off+journalHeader+n]
		if crc32.Checksum(body, castagnoli) != sum {
			break
		}
		recs = append(recs, record{idx: binary.BigEndian.Uint64(body), data: body[8:]})
		off += journalHeader + n
	}
	if off < len(b) {
		if err := j.f.Truncate(int64(off)); err != nil {
			return nil, err
		}
	}
	j.size = int64(off)
	return recs, nil
}

// write appends the records and makes them durable.
func (j *journal) write(recs []record) error {
	size := 0
	for _, r := range recs {
		size += journalHeader + len(r.data)
	}
	buf := make([]byte, 0, size)
	for _, r := range recs {
		start := len(buf)
		buf = binary.BigEndian.AppendUint32(buf, uint32(len(r.data)))
		buf = append(buf, 0, 0, 0, 0) // the checksum, below
		buf = binary.BigEndian.AppendUint64(buf, r.idx)
		buf = append(buf, r.data...)
		binary.BigEndian.PutUint32(buf[start+4:], crc32.Checksum(buf[start+8:], castagnoli))
	}
	if _, err := j.f.WriteAt(buf, j.size); err != nil {
		return fmt.Errorf("write journal: %w", err)
	}
	if !j.unsynced {
		if err := datasync(j.f); err != nil {
			return fmt.Errorf("sync journal: %w", err)
		}
	}
	j.size += int64(len(buf))
	return nil
}

func (j *journal) close() error {
	err := j.f.Close()
	if lerr := j.lock.Close(); err == nil {
		err = lerr
	}
	return err
}
