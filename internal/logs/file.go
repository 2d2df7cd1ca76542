package logs

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"strings"
	"time"
	"unsafe"
)

// Format is a log file format.
type Format int

// The formats: Open (sweeps) reads JSONL, ZeekJSON, ZeekTSV and CSV; a
// hunt reads JSONL (any JSON layout), ZeekTSV, EVTX, Syslog and Auditd, and
// skips Binary.
const (
	Auto Format = iota
	JSONL
	ZeekJSON
	ZeekTSV
	CSV
	EVTX
	Syslog
	Auditd
	Binary
)

var formatNames = [...]string{"auto", "jsonl", "zeek-json", "zeek", "csv", "evtx", "syslog", "auditd", "binary"}

// sweepFormats are the formats Open reads, as ParseFormat names them.
const sweepFormats = "auto, jsonl, zeek-json, zeek, csv"

// String returns the name the --format flag uses.
func (f Format) String() string {
	if f < 0 || int(f) >= len(formatNames) {
		return fmt.Sprintf("Format(%d)", int(f))
	}
	return formatNames[f]
}

// ParseFormat reads a format name as the sweep's --input-format flag takes it.
func ParseFormat(s string) (Format, error) {
	for i, n := range formatNames[:CSV+1] {
		if s == n {
			return Format(i), nil
		}
	}
	return Auto, fmt.Errorf("unknown log format %q (want %s)", s, sweepFormats)
}

// ValuesFunc parses one data line, calls fn for each value worth checking and
// returns the record's time (zero when the line has none).
type ValuesFunc func(line string, fn func(field, value string)) (time.Time, error)

// File is an open log: its format, its parser, and the data after the header.
type File struct {
	Name   string
	Format Format
	Values ValuesFunc
	// HeaderLines is how many lines the header took; data line numbers continue after it.
	HeaderLines int

	r *bufio.Reader
}

// Open detects the format of r (unless format is not Auto), reads its header
// and returns a File ready for Chunks.
//
// Gzip-compressed input (rotated Zeek and proxy logs) is recognized by its
// magic bytes and decompressed on the fly.
func Open(name string, r io.Reader, format Format) (*File, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%s: gzip: %w", name, err)
		}
		br = bufio.NewReaderSize(zr, 1<<20)
	}
	if bom, _ := br.Peek(3); string(bom) == "\ufeff" { // a UTF-8 byte order mark (Windows tools)
		_, _ = br.Discard(3)
	}
	head, err := br.Peek(256 << 10)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, fmt.Errorf("%s: read: %w", name, err)
	}
	f := &File{Name: name, Format: format, r: br}
	if f.Format == Auto {
		f.Format = Detect(name, head)
	}
	switch f.Format {
	case JSONL:
		f.Values = JSONValues
	case ZeekJSON:
		f.Values = ZeekJSONValues
	case ZeekTSV:
		lines := strings.Split(string(head), "\n")
		h, n, err := ParseZeekHeader(lines)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if err := f.skipLines(n); err != nil {
			return nil, err
		}
		f.Values, f.HeaderLines = h.Values, n
	case CSV:
		line, _, _ := strings.Cut(string(head), "\n")
		h := NewCSVHeader(line)
		if err := f.skipLines(1); err != nil {
			return nil, err
		}
		f.Values, f.HeaderLines = h.Values, 1
	default:
		return nil, fmt.Errorf("%s: a sweep does not read %v logs (it reads %s)", name, f.Format, sweepFormats)
	}
	return f, nil
}

func (f *File) skipLines(n int) error {
	for range n {
		if _, err := f.r.ReadSlice('\n'); err != nil && err != io.EOF {
			if err == bufio.ErrBufferFull {
				return fmt.Errorf("%s: header line longer than 1 MiB", f.Name)
			}
			return fmt.Errorf("%s: read header: %w", f.Name, err)
		}
	}
	return nil
}

// Detect guesses the format from the file name and its first bytes: a Zeek
// header ("#separator" or "#fields"), JSON objects (Zeek JSON when the first
// record has Zeek's "uid" and "id.orig_h" or "_path"), and CSV otherwise when
// the first line has commas. Anything else is read as JSON lines, whose
// parse errors then say what is wrong.
func Detect(name string, head []byte) Format {
	first := head
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		first = head[:i]
	}
	first = bytes.TrimSpace(first)
	switch {
	case bytes.HasPrefix(first, []byte("#separator")), bytes.HasPrefix(first, []byte("#fields")):
		return ZeekTSV
	case bytes.HasPrefix(first, []byte("{")):
		if bytes.Contains(first, []byte(`"_path"`)) || bytes.Contains(first, []byte(`"uid"`)) && bytes.Contains(first, []byte(`"id.orig_h"`)) {
			return ZeekJSON
		}
		return JSONL
	case strings.HasSuffix(strings.ToLower(name), ".csv"), bytes.IndexByte(first, ',') >= 0 && first[0] != '[':
		return CSV
	}
	return JSONL
}

// Chunk is a run of whole lines of a file.
type Chunk struct {
	Seq       int    // 0, 1, 2, … in file order
	FirstLine int    // 1-based line number of the chunk's first line
	Data      string // whole lines, each ending in '\n' except maybe the file's last
}

// Chunks reads the data part of the file in chunks of about size bytes cut at
// newlines and sends them to out, in order, until EOF, an error or ctx ends.
// progress (optional) is called with the bytes read. A line longer than size
// grows its chunk. It does not close out.
func (f *File) Chunks(ctx context.Context, size int, out chan<- Chunk, progress func(int)) error {
	line := f.HeaderLines + 1
	var carry []byte
	for seq := 0; ; seq++ {
		buf := make([]byte, len(carry), max(size, 2*len(carry)))
		copy(buf, carry)
		carry = nil
		n, err := io.ReadFull(f.r, buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if progress != nil {
			progress(n)
		}
		eof := err == io.EOF || err == io.ErrUnexpectedEOF
		if err != nil && !eof {
			return fmt.Errorf("%s: read: %w", f.Name, err)
		}
		if !eof {
			cut := bytes.LastIndexByte(buf, '\n')
			if cut < 0 { // a single line longer than the chunk: read on
				carry = buf
				seq--
				continue
			}
			carry = append([]byte(nil), buf[cut+1:]...)
			buf = buf[:cut+1]
		}
		if len(buf) > 0 {
			// buf is never written again (the next chunk gets a new one), so
			// the chunk can share its memory instead of copying 4 MiB.
			c := Chunk{Seq: seq, FirstLine: line, Data: unsafe.String(&buf[0], len(buf))}
			line += bytes.Count(buf, []byte{'\n'})
			if !strings.HasSuffix(c.Data, "\n") {
				line++
			}
			select {
			case out <- c:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if eof {
			return nil
		}
	}
}

// Lines calls fn for every line of the chunk with its 1-based number; the
// line excludes the newline (and a trailing carriage return).
func (c Chunk) Lines(fn func(line int, text string)) {
	data := c.Data
	n := c.FirstLine
	for len(data) > 0 {
		i := strings.IndexByte(data, '\n')
		var l string
		if i < 0 {
			l, data = data, ""
		} else {
			l, data = data[:i], data[i+1:]
		}
		fn(n, strings.TrimSuffix(l, "\r"))
		n++
	}
}
