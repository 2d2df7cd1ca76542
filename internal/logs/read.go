package logs

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
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

// Sniff guesses the format of a hunt's input from its first bytes: EVTX by
// its magic, Binary for content that is no text log (pcap, ETL, archives),
// JSONL for JSON of any layout (lines, concatenated or pretty-printed
// objects, arrays; Zeek's JSON logs included), ZeekTSV by its header,
// Auditd, and Syslog for any other text. (Detect is the sweep's guess,
// which has CSV and no line-based fallback.)
func Sniff(head []byte) Format {
	if bytes.HasPrefix(head, []byte("ElfFile\x00")) {
		return EVTX
	}
	if isBinary(head) {
		return Binary
	}
	trimmed := bytes.TrimLeft(head, " \t\r\n\ufeff")
	switch {
	case bytes.HasPrefix(trimmed, []byte("{")), bytes.HasPrefix(trimmed, []byte("[")):
		return JSONL
	case bytes.HasPrefix(trimmed, []byte("#separator")), bytes.HasPrefix(trimmed, []byte("#fields")):
		return ZeekTSV
	case bytes.HasPrefix(trimmed, []byte("type=")), bytes.HasPrefix(trimmed, []byte("node=")):
		return Auditd
	}
	return Syslog
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

// IsJSONLine reports whether a line is one complete JSON object, which
// makes its file a JSON-lines file.
func IsJSONLine(line []byte) bool {
	t := bytes.TrimSpace(line)
	return bytes.HasPrefix(t, []byte("{")) && json.Valid(t)
}

// ReadJSON reads JSON lines, or concatenated/pretty-printed JSON values, or
// arrays of objects. A bad line of a JSON-lines file is reported and skipped.
func ReadJSON(file string, r io.Reader, fn func(n int64, v any), bad func(*ReadError)) error {
	br := bufio.NewReaderSize(r, 1<<20)
	first, err := br.ReadBytes('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	rest := io.MultiReader(bytes.NewReader(first), br)
	if IsJSONLine(first) {
		return ReadJSONLines(file, rest, 0, 0, fn, bad)
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

// ReadJSONLines reads one JSON object per line; lines are numbered from
// lineBase+1 and offsets counted from byteBase (for blocks of a larger file).
func ReadJSONLines(file string, r io.Reader, lineBase, byteBase int64, fn func(n int64, v any), bad func(*ReadError)) error {
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

// LineBlocks cuts a line-oriented file into blocks of about size bytes that
// end at a newline, so that several workers can read one large file.
func LineBlocks(r io.Reader, size int, fn func(block []byte, lineBase, byteBase int64) bool) error {
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
