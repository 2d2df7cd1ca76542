package logs

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"www.velocidex.com/golang/evtx"

	"renkei/internal/corpora"
)

// FuzzEVTXReader feeds damaged chunks to the EVTX reader: it must never
// panic, and everything it cannot read must be reported, not dropped.
func FuzzEVTXReader(f *testing.F) {
	root := corpora.Path(f, "sigma/regression_data/rules/windows/process_creation")
	_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && filepath.Ext(p) == ".evtx" {
			if data, err := os.ReadFile(p); err == nil && len(data) >= 0x1000+EVTXChunkSize {
				f.Add(data[0x1000 : 0x1000+EVTXChunkSize])
			}
		}
		return nil
	})
	f.Fuzz(func(t *testing.T, data []byte) {
		chunk := make([]byte, EVTXChunkSize)
		copy(chunk, data)
		delivered, reported := 0, 0
		ParseEVTXChunk("fuzz.evtx", 0, 0x1000, chunk, func(*evtx.EventRecord) { delivered++ }, func(*ReadError) { reported++ })
		if !bytes.HasPrefix(chunk, []byte("ElfChnk\x00")) && delivered > 0 {
			t.Fatal("records delivered from a chunk without a chunk header")
		}
		// a whole file with this chunk: header checks must not panic either
		file := append(make([]byte, 0x1000), chunk...)
		copy(file, "ElfFile\x00")
		_, _ = EVTXChunkOffsets(bytes.NewReader(file), int64(len(file)))
	})
}
