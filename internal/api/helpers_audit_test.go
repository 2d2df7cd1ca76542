package api_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"renkei/internal/audit"
	"renkei/internal/hub"
)

// withAuditLog gives h a real audit log for the test: every state-changing
// route appends to it before it acts (routes.go), and refuses without it.
func withAuditLog(t *testing.T, h *hub.Hub) {
	t.Helper()
	dir := t.TempDir()
	l, err := audit.Open(context.Background(), audit.Options{Dir: filepath.Join(dir, "log"), KeyDir: filepath.Join(dir, "keys"), Node: "t", CheckpointInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	h.Audit = l
	t.Cleanup(func() { l.Close() })
}
