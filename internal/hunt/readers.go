package hunt

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"www.velocidex.com/golang/evtx"
)

// Format is the kind of a log input.
type Format string

const (
	FormatEVTX   Format = "evtx"
	FormatJSON   Format = "json" // JSON lines, concatenated or pretty-printed objects, arrays
	FormatZeek   Format = "zeek" // Zeek TSV logs
	FormatSyslog Format = "syslog"
	FormatAuditd Format = "auditd"
	// FormatBinary is content that is none of the above (pcap, ETL,
	// archives...): such files are skipped and listed in the summary.
	FormatBinary Format = "binary"
)

// ReadError is one problem reading input: a corrupt EVTX chunk or record, a
// bad JSON line. The run goes on with the rest.
type ReadError struct {
	File   string
	Chunk  int   // EVTX chunk number, -1 if not EVTX
	Record int64 // record id, line or object number; 0 if unknown
	Offset int64 // byte offset when known, -1 otherwise
	Reason string
}

func (e *ReadError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Chunk >= 0 {
		fmt.Fprintf(&b, " chunk %d", e.Chunk)
	}
	if e.Record > 0 {
		fmt.Fprintf(&b, " record %d", e.Record)
	}
	if e.Offset >= 0 {
		fmt.Fprintf(&b, " offset %d", e.Offset)
	}
	return b.String() + ": " + e.Reason
}

// Sniff guesses the format of an input from its first bytes.
func Sniff(head []byte) Format {
	if bytes.HasPrefix(head, []byte("ElfFile\x00")) {
		return FormatEVTX
	}
	if isBinary(head) {
		return FormatBinary
	}
	trimmed := bytes.TrimLeft(head, " \t\r\n\ufeff")
	switch {
	case bytes.HasPrefix(trimmed, []byte("{")), bytes.HasPrefix(trimmed, []byte("[")):
		return FormatJSON
	case bytes.HasPrefix(trimmed, []byte("#separator")):
		return FormatZeek
	case bytes.HasPrefix(trimmed, []byte("type=")), bytes.HasPrefix(trimmed, []byte("node=")):
		return FormatAuditd
	}
	return FormatSyslog
}

// isBinary reports whether the start of a file looks like binary data: a NUL
// byte, or many bytes that are neither printable ASCII, whitespace nor UTF-8.
func isBinary(head []byte) bool {
	if len(head) == 0 {
		return false
	}
	if bytes.IndexByte(head, 0) >= 0 {
		return true
	}
	odd := 0
	for _, c := range head {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != 0x1b {
			odd++
		}
	}
	return odd*10 > len(head)
}

const (
	evtxChunkSize      = 0x10000
	evtxFileHeaderSize = 0x1000
)

// evtxChunkOffsets returns the offsets of the chunks of an EVTX file of the
// given size, after checking the file header.
func evtxChunkOffsets(r io.ReaderAt, size int64) ([]int64, error) {
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
	for ; off+evtxChunkSize <= size; off += evtxChunkSize {
		offs = append(offs, off)
	}
	if size-off >= 0x200 { // a truncated last chunk (a copy taken while the log was written)
		offs = append(offs, off)
	}
	return offs, nil
}

// parseEVTXChunk parses one 64 KiB chunk and calls fn for each record.
//
// The EVTX parser stops at the first record whose header is damaged and
// panics on damaged BinXML, which would lose the rest of the chunk. So the
// records are first walked by their headers; a damaged record is replaced in
// the buffer by an empty record (record id 0, an end-of-XML token) spanning
// up to the next record header, and a record whose XML makes the parser
// fail is found and emptied the same way. Each emptied record is reported
// with file, chunk, record id and offset; the chunk's other records are
// still delivered.
func parseEVTXChunk(file string, chunkNo int, chunkOff int64, buf []byte, fn func(*evtx.EventRecord), bad func(*ReadError)) {
	if len(buf) < evtxChunkSize || !bytes.HasPrefix(buf, []byte("ElfChnk\x00")) {
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

// isJSONLine reports whether a line is one complete JSON object, which
// makes its file a JSON-lines file.
func isJSONLine(line []byte) bool {
	t := bytes.TrimSpace(line)
	return bytes.HasPrefix(t, []byte("{")) && json.Valid(t)
}

// readJSON reads JSON lines, or concatenated/pretty-printed JSON values, or
// arrays of objects. A bad line of a JSON-lines file is reported and skipped.
func readJSON(file string, r io.Reader, fn func(n int64, v any), bad func(*ReadError)) error {
	br := bufio.NewReaderSize(r, 1<<20)
	first, err := br.ReadBytes('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	rest := io.MultiReader(bytes.NewReader(first), br)
	if isJSONLine(first) {
		return readJSONLines(file, rest, 0, 0, fn, bad)
	}
	// concatenated or pretty-printed values: after a syntax error, go on at
	// the next line that starts a new object
	data, err := io.ReadAll(rest)
	if err != nil {
		return err
	}
	n, pos := int64(0), 0
	for pos < len(data) {
		d := json.NewDecoder(bytes.NewReader(data[pos:]))
		d.UseNumber()
		for {
			var v any
			err := d.Decode(&v)
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				at := pos + int(d.InputOffset())
				next := bytes.Index(data[min(at+1, len(data)):], []byte("\n{"))
				what := "rest of file skipped"
				if next >= 0 {
					what = "skipped to the next object"
				}
				bad(&ReadError{File: file, Chunk: -1, Record: n + 1, Offset: int64(at), Reason: "JSON: " + err.Error() + "; " + what})
				if next < 0 {
					return nil
				}
				n++ // the broken value counts as one record
				pos = min(at+1, len(data)) + next + 1
				break
			}
			if arr, ok := v.([]any); ok {
				for _, e := range arr {
					n++
					fn(n, e)
				}
				continue
			}
			n++
			fn(n, v)
		}
	}
	return nil
}

// readJSONLines reads one JSON object per line; lines are numbered from
// lineBase+1 and offsets counted from byteBase (for blocks of a larger file).
func readJSONLines(file string, r io.Reader, lineBase, byteBase int64, fn func(n int64, v any), bad func(*ReadError)) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	n, off := lineBase, byteBase
	for sc.Scan() {
		n++
		line := sc.Bytes()
		lineOff := off
		off += int64(len(line)) + 1
		t := bytes.TrimSpace(line)
		if len(t) == 0 {
			continue
		}
		d := json.NewDecoder(bytes.NewReader(t))
		d.UseNumber()
		var v any
		if err := d.Decode(&v); err != nil {
			bad(&ReadError{File: file, Chunk: -1, Record: n, Offset: lineOff, Reason: "line " + strconv.FormatInt(n, 10) + ": " + err.Error()})
			continue
		}
		fn(n, v)
	}
	return sc.Err()
}

// lineBlocks cuts a line-oriented file into blocks of about size bytes that
// end at a newline, so that several workers can read one large file.
func lineBlocks(r io.Reader, size int, fn func(block []byte, lineBase, byteBase int64) bool) error {
	br := bufio.NewReaderSize(r, 1<<16)
	var lineBase, byteBase int64
	for {
		block := make([]byte, size)
		n, err := io.ReadFull(br, block)
		block = block[:n]
		if n == size { // extend to the end of the current line
			tail, terr := br.ReadBytes('\n')
			block = append(block, tail...)
			if terr != nil && !errors.Is(terr, io.EOF) {
				return terr
			}
		}
		if len(block) > 0 {
			if !fn(block, lineBase, byteBase) {
				return nil
			}
			lineBase += int64(bytes.Count(block, []byte{'\n'}))
			byteBase += int64(len(block))
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// readZeek reads a Zeek TSV log; the channel is "zeek:<path>".
func readZeek(file string, r io.Reader, fn func(n int64, channel string, names, values []string), bad func(*ReadError)) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	sep := "\t"
	var names []string
	path := ""
	unset, empty := "-", "(empty)"
	n := int64(0)
	for sc.Scan() {
		n++
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			key, val, _ := strings.Cut(line[1:], sep)
			switch {
			case strings.HasPrefix(line, "#separator "):
				s := strings.TrimPrefix(line, "#separator ")
				if strings.HasPrefix(s, `\x`) {
					if b, err := strconv.ParseUint(s[2:], 16, 8); err == nil {
						sep = string(rune(b))
					}
				} else {
					sep = s
				}
			case key == "path":
				path = val
			case key == "fields":
				names = strings.Split(val, sep)
			case key == "unset_field":
				unset = val
			case key == "empty_field":
				empty = val
			}
			continue
		}
		if names == nil {
			bad(&ReadError{File: file, Chunk: -1, Record: n, Offset: -1, Reason: "data line before the #fields header"})
			continue
		}
		vals := strings.Split(line, sep)
		if len(vals) != len(names) {
			bad(&ReadError{File: file, Chunk: -1, Record: n, Offset: -1, Reason: fmt.Sprintf("line %d has %d columns, #fields has %d", n, len(vals), len(names))})
			continue
		}
		for i, v := range vals {
			if v == unset {
				vals[i] = ""
			} else if v == empty {
				vals[i] = ""
			}
		}
		fn(n, "zeek:"+path, names, vals)
	}
	return sc.Err()
}

var (
	rfc3164 = regexp.MustCompile(`^(?:<(\d+)>)?([A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d) (\S+) ([^:\[\s]+)(?:\[(\d+)\])?: ?(.*)$`)
	rfc5424 = regexp.MustCompile(`^<(\d+)>1 (\S+) (\S+) (\S+) (\S+) (\S+) (?:-|\[.*?\]) ?(.*)$`)
	kvPair  = regexp.MustCompile(`([A-Za-z0-9_]+)=("[^"]*"|'[^']*'|\S+)`)
)

// parseSyslogLine splits a syslog line (RFC 3164 or 5424) into fields.
func parseSyslogLine(line string, set func(name, value string)) {
	if m := rfc5424.FindStringSubmatch(line); m != nil {
		set("timestamp", m[2])
		set("host", m[3])
		set("program", m[4])
		set("pid", m[5])
		set("message", m[7])
		return
	}
	if m := rfc3164.FindStringSubmatch(line); m != nil {
		set("timestamp", m[2])
		set("host", m[3])
		set("program", m[4])
		if m[5] != "" {
			set("pid", m[5])
		}
		set("message", m[6])
		return
	}
	set("message", line)
}

// parseAuditdLine splits "type=X msg=audit(ts:serial): k=v ..." into fields.
func parseAuditdLine(line string, set func(name, value string)) {
	if i := strings.Index(line, "msg=audit("); i >= 0 {
		rest := line[i+len("msg=audit("):]
		if j := strings.Index(rest, ")"); j > 0 {
			ts, serial, _ := strings.Cut(rest[:j], ":")
			if f, err := strconv.ParseFloat(ts, 64); err == nil {
				sec := int64(f)
				set("timestamp", time.Unix(sec, int64((f-float64(sec))*1e9)).UTC().Format(time.RFC3339Nano))
			}
			set("serial", serial)
		}
	}
	for _, m := range kvPair.FindAllStringSubmatch(line, -1) {
		if m[1] == "msg" && strings.HasPrefix(m[2], "audit(") {
			continue
		}
		v := m[2]
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') {
			v = v[1 : len(v)-1]
		}
		set(m[1], v)
	}
	set("message", line)
}
