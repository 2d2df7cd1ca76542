package witness

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"testing"
)

// FuzzAddCheckpointRequest checks the request parser never panics and that
// what it accepts has the shape the spec demands.
func FuzzAddCheckpointRequest(f *testing.F) {
	h := base64.StdEncoding.EncodeToString(make([]byte, 32))
	f.Add([]byte("old 0\n\nrenkei.example/audit\n1\n" + h + "\n\n— x y\n"))
	f.Add([]byte("old 5\n" + h + "\n" + h + "\n\ncp\n"))
	f.Add([]byte("old 05\n\ncp"))
	f.Add([]byte("old 1\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		old, proof, cp, err := parseRequest(body)
		if err != nil {
			return
		}
		if len(proof) > 63 || len(cp) == 0 {
			t.Fatalf("accepted %d proof lines, checkpoint %q", len(proof), cp)
		}
		if !bytes.HasPrefix(body, []byte(fmt.Sprintf("old %d\n", old))) {
			t.Fatalf("old size %d not spelled canonically in %q", old, body)
		}
		for _, p := range proof {
			if len(p) != 32 {
				t.Fatal("proof hash not 32 bytes")
			}
		}
	})
}
