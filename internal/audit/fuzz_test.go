package audit

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
)

// FuzzCheckpoint feeds arbitrary notes to the checkpoint parser and the
// signature check: neither may panic, a parsed body must round-trip, and an
// arbitrary note must never verify under the log key.
func FuzzCheckpoint(f *testing.F) {
	keys, err := LoadOrCreateKeys(f.TempDir(), DefaultOrigin)
	if err != nil {
		f.Fatal(err)
	}
	v, _ := NewVerifier(keys.VerifierKey)
	pq, _ := NewVerifier(keys.PQVerifier)
	body := Checkpoint{Origin: DefaultOrigin, Size: 7, Root: make([]byte, 32), Extensions: []string{"ext"}}.Marshal()
	signed, _ := note.Sign(&note.Note{Text: string(body)}, keys.Signer, keys.PQSigner)
	f.Add(signed)
	f.Add(body)
	f.Add([]byte("renkei.example/audit\n007\nAAAA\n\n— x y\n"))
	f.Add([]byte("a\n18446744073709551616\n" + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"))
	f.Fuzz(func(t *testing.T, msg []byte) {
		if c, err := ParseCheckpoint(msg); err == nil {
			if !bytes.Equal(c.Marshal(), msg) {
				t.Fatalf("checkpoint body does not round-trip: %q -> %q", msg, c.Marshal())
			}
		}
		if bytes.Equal(msg, signed) {
			return
		}
		if sc, err := OpenCheckpoint(msg, v, pq); err == nil && !bytes.Contains(signed, []byte(sc.Marshal())) {
			t.Fatalf("forged checkpoint verified: %q", msg)
		}
	})
}

// FuzzEntry checks that ParseEntry never panics and accepts only the
// canonical encoding: whatever it accepts must marshal back to the same bytes.
func FuzzEntry(f *testing.F) {
	e := Entry{Time: time.Date(2026, 11, 26, 10, 0, 0, 123, time.UTC), Node: "n1", Seq: 3, User: "u", Org: "o",
		Role: "handler", Action: "comm.access", Purpose: "p", LegalBasis: "art-42", ObjectID: "x",
		ObjectHash: HashObject([]byte("s"), []byte("c")), RequestID: "r", Detail: map[string]string{"b": "2", "a": "<&>"}}
	good, _ := e.Marshal()
	f.Add(good)
	f.Add([]byte(`{"time":"2026-11-26T10:00:00.000000000Z","node":"n","seq":1,"action":"a"}`))
	f.Add([]byte(`{"seq":1,"time":"2026-11-26T10:00:00Z","node":"n","action":"a"}`))
	f.Add([]byte(`{"time":"2026-11-26T10:00:00.000000000Z","node":"n","seq":1,"action":"a","x":1}`))
	f.Add([]byte(`{"time":"2026-11-26T10:00:00.000000000Z","node":"n\u0001\u2028\n\"","seq":18446744073709551615,"action":"a<>&/","detail":{"":"","a":"\\"}}`))
	f.Add([]byte(`{"time":"2026-11-26T10:00:00.000000000Z","node":"n","seq":1,"action":"a","detail":{"b":"1","a":"2"}}`))
	f.Add([]byte(`{"time":"2026-11-26T10:00:00.000000000Z","node":"n","seq":1,"user":"","action":"a"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := ParseEntry(data)
		lite, liteErr := checkEntry(data)
		if (err == nil) != (liteErr == nil) || (err == nil && (lite.Node != e.Node || lite.Seq != e.Seq || !lite.Time.Equal(e.Time))) {
			t.Fatalf("checkEntry disagrees with ParseEntry: %v / %v for %q", liteErr, err, data)
		}
		ref, refErr := parseEntryReference(data)
		if (err == nil) != (refErr == nil) {
			t.Fatalf("ParseEntry err %v, reference err %v, for %q", err, refErr, data)
		}
		if err != nil {
			return
		}
		if !e.Time.Equal(ref.Time) || fmt.Sprint(e.Detail) != fmt.Sprint(ref.Detail) || e.String() != ref.String() ||
			e.Purpose != ref.Purpose || e.LegalBasis != ref.LegalBasis || e.ObjectHash != ref.ObjectHash || e.RequestID != ref.RequestID || e.Role != ref.Role {
			t.Fatalf("ParseEntry %+v, reference %+v", e, ref)
		}
		again, err := e.Marshal()
		if err != nil || !bytes.Equal(again, data) {
			t.Fatalf("accepted non-canonical entry %q (re-encoded %q, %v)", data, again, err)
		}
	})
}

// FuzzEntryBundle checks that the bundle parser never panics, never reads
// past the input, and that entries it returns re-encode to a prefix of it.
func FuzzEntryBundle(f *testing.F) {
	var b []byte
	for _, s := range []string{"a", "", "hello world"} {
		b = binary.BigEndian.AppendUint16(b, uint16(len(s)))
		b = append(b, s...)
	}
	f.Add(b, 3)
	f.Add(b, 4)
	f.Add([]byte{0xff, 0xff, 1}, 1)
	f.Add([]byte{0}, 1)
	f.Fuzz(func(t *testing.T, raw []byte, want int) {
		want = want%257 + 1
		if want < 1 {
			want += 256
		}
		es, err := ParseEntryBundle(raw, want)
		if err == nil && len(es) != want {
			t.Fatalf("got %d entries without error, want %d", len(es), want)
		}
		var re []byte
		for _, e := range es {
			re = binary.BigEndian.AppendUint16(re, uint16(len(e)))
			re = append(re, e...)
		}
		if !bytes.HasPrefix(raw, re) {
			t.Fatal("entries do not re-encode to a prefix of the bundle")
		}
	})
}

// parseEntryReference is the straightforward encoding/json parser that
// parseCanonical must agree with (see FuzzEntry).
// It accepts only the canonical
// encoding that Marshal produces, so that no entry can be rewritten into a
// different byte string meaning the same thing, and it says which field is
// wrong when it refuses.
func parseEntryReference(data []byte) (Entry, error) {
	var w wireEntry
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return Entry{}, fmt.Errorf("entry: %w", err)
	}
	if dec.More() {
		return Entry{}, errors.New("entry: trailing data after the JSON object")
	}
	t, err := time.Parse(timeLayout, w.Time)
	if err != nil {
		return Entry{}, fmt.Errorf("entry: field time %q: want %s", w.Time, timeLayout)
	}
	e := Entry{Time: t, Node: w.Node, Seq: w.Seq, User: w.User, Org: w.Org, Role: w.Role,
		Action: w.Action, Purpose: w.Purpose, LegalBasis: w.LegalBasis, ObjectID: w.ObjectID,
		ObjectHash: w.ObjectHash, RequestID: w.RequestID, Detail: w.Detail}
	canon, err := e.Marshal()
	if err != nil {
		return Entry{}, err
	}
	if !bytes.Equal(canon, data) {
		return Entry{}, fmt.Errorf("entry: not in canonical form (byte %d differs)", firstDiff(canon, data))
	}
	return e, nil
}

// FuzzJournal feeds arbitrary bytes, as a crash could leave them, to the
// journal reader: it may not panic, must keep only a prefix of whole records
// whose checksums hold (cutting the rest off the file), and what it keeps
// must read back the same after a record is appended to it.
func FuzzJournal(f *testing.F) {
	dir := f.TempDir()
	j, err := openJournal(dir)
	if err != nil {
		f.Fatal(err)
	}
	if err := j.write([]record{{idx: 3, data: []byte(`{"a":1}`)}, {idx: 4, data: []byte("b")}}); err != nil {
		f.Fatal(err)
	}
	good, _ := os.ReadFile(filepath.Join(dir, ".renkei", "journal"))
	j.close()
	f.Add(good)
	f.Add(good[:len(good)-3])
	f.Add(append(append([]byte{}, good...), 0, 0, 0, 1))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		dir := t.TempDir()
		if err := os.MkdirAll(filepath.Join(dir, ".renkei"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, ".renkei", "journal"), b, 0o644); err != nil {
			t.Fatal(err)
		}
		j, err := openJournal(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer j.close()
		recs, err := j.read()
		if err != nil {
			t.Fatal(err)
		}
		if j.size > int64(len(b)) || !bytes.Equal(b[:j.size], mustRead(t, j)) {
			t.Fatalf("kept %d bytes of %d, not a prefix", j.size, len(b))
		}
		if err := j.write([]record{{idx: 99, data: []byte("next")}}); err != nil {
			t.Fatal(err)
		}
		again, err := j.read()
		if err != nil || len(again) != len(recs)+1 || again[len(recs)].idx != 99 {
			t.Fatalf("after appending to %d kept records, read %d (%v)", len(recs), len(again), err)
		}
		for i, r := range recs {
			if again[i].idx != r.idx || !bytes.Equal(again[i].data, r.data) {
				t.Fatalf("record %d changed when read again", i)
			}
		}
	})
}

func mustRead(t *testing.T, j *journal) []byte {
	b, err := io.ReadAll(io.NewSectionReader(j.f, 0, 1<<62))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
