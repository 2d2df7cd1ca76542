package client

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"renkei/internal/audit"
	"renkei/internal/oversight"
)

// AuditQuery selects entries of the hub's audit log: the filter of the
// committee's console (action, user, organization, purpose, legal basis,
// approval, time range, limit).
type AuditQuery = oversight.Filter

// AuditCheckpoint is the signed checkpoint a selection was verified against.
type AuditCheckpoint struct {
	Origin string `json:"origin"`
	Size   uint64 `json:"size"`
	Root   string `json:"root"` // hex
}

// AuditSelected is one selected entry: Entry is parsed from Data, the
// canonical leaf data, whose hash is LeafHash.
type AuditSelected struct {
	Index    uint64          `json:"index"`
	Data     json.RawMessage `json:"entry"`
	Entry    audit.Entry     `json:"-"`
	LeafHash string          `json:"leaf_hash"`
	Proof    []string        `json:"inclusion_proof,omitempty"`
	Verified bool            `json:"verified"` // the hub verified the inclusion proof against Checkpoint
	Problem  string          `json:"problem,omitempty"`
}

// AuditSelection is the entries a query selected under one checkpoint;
// Matched counts every matching entry, shown or not.
type AuditSelection struct {
	Checkpoint AuditCheckpoint `json:"checkpoint"`
	Matched    int             `json:"matched"`
	Entries    []AuditSelected `json:"entries"`
}

// AuditEntries selects entries of the audit log (GET /api/v1/audit/entries;
// the oversight committee and the hub administrator).
func (c *Client) AuditEntries(ctx context.Context, q AuditQuery) (AuditSelection, error) {
	var out AuditSelection
	if err := c.do(ctx, http.MethodGet, withQuery("/api/v1/audit/entries", q.Query()), nil, &out); err != nil {
		return out, err
	}
	for i := range out.Entries {
		e, err := audit.ParseEntry(out.Entries[i].Data)
		if err != nil {
			return out, fmt.Errorf("audit entry %d: %w", out.Entries[i].Index, err)
		}
		out.Entries[i].Entry = e
	}
	return out, nil
}

// AuditEntriesCSV copies the selection as CSV, naming the checkpoint it was
// verified against, to w.
func (c *Client) AuditEntriesCSV(ctx context.Context, q AuditQuery, w io.Writer) error {
	v := q.Query()
	v.Set("format", "csv")
	data, err := c.send(ctx, http.MethodGet, withQuery("/api/v1/audit/entries", v), nil)
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}
