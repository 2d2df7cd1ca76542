package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// The cluster's audit journal (migration 00034): the order of the one audit
// log every process of a hub appends to, its tiles and its checkpoint. The
// log itself (hashing, signing, integrating) is package audit's; these are
// its typed reads and writes, which *DB offers as audit.Shared.

// HubID is the hub's identity, made once per store: the nodes of one
// cluster share it, two hubs (even on one machine) differ. It names the
// hub's audit log.
func (db *DB) HubID(ctx context.Context) (string, error) {
	id, err := db.Setting(ctx, "hub_id")
	if err != nil || id != "" {
		return id, err
	}
	b := make([]byte, 8)
	rand.Read(b)
	return db.SetSettingOnce(ctx, "hub_id", hex.EncodeToString(b))
}

// OpenAuditJournal makes the journal of the log named origin, unless it
// exists.
func (db *DB) OpenAuditJournal(ctx context.Context, origin string) error {
	if _, err := db.Exec(ctx, "INSERT INTO audit_logs(origin) VALUES(?) ON CONFLICT(origin) DO NOTHING", origin); err != nil {
		return fmt.Errorf("open audit journal %s: %w", origin, err)
	}
	return nil
}

// maxAuditRows is how many entries one INSERT carries.
const maxAuditRows = 500

// AppendAuditEntries journals n entries of node in one transaction: it gives
// them the log's next n indices and the node's next n sequence numbers,
// encodes entry i with its sequence number, stores it, and returns the first
// index. The head row of the log is locked from the first statement to the
// commit, so transactions commit in the order of their indices and what is
// committed is always a prefix of the log without holes. Once it returns the
// entries are durable (committed).
func (db *DB) AppendAuditEntries(ctx context.Context, origin, node string, n int, encode func(i int, seq uint64) ([]byte, error)) (uint64, error) {
	var first uint64
	err := db.InTx(ctx, func(tx *Tx) error {
		var size, seq uint64
		err := tx.QueryRow(ctx, "UPDATE audit_logs SET size = size + ? WHERE origin = ? RETURNING size", n, origin).Scan(&size)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("no audit journal named %s", origin)
		}
		if err != nil {
			return err
		}
		first = size - uint64(n)
		if err := tx.QueryRow(ctx, `INSERT INTO audit_node_seqs(origin, node, seq) VALUES(?, ?, ?)
			ON CONFLICT(origin, node) DO UPDATE SET seq = audit_node_seqs.seq + excluded.seq RETURNING seq`, origin, node, n).Scan(&seq); err != nil {
			return err
		}
		firstSeq := seq - uint64(n) + 1
		for start := 0; start < n; start += maxAuditRows {
			end := min(n, start+maxAuditRows)
			q := "INSERT INTO audit_entries(origin, idx, data) VALUES" + strings.Repeat("(?, ?, ?),", end-start)
			args := make([]any, 0, 3*(end-start))
			for i := start; i < end; i++ {
				data, err := encode(i, firstSeq+uint64(i))
				if err != nil {
					return err
				}
				args = append(args, origin, first+uint64(i), data)
			}
			if _, err := tx.Exec(ctx, q[:len(q)-1], args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("journal %d audit entries: %w", n, err)
	}
	return first, nil
}

// AuditEntries returns up to limit entries of the log from index from on,
// in order, stopping before the first index not committed yet.
func (db *DB) AuditEntries(ctx context.Context, origin string, from uint64, limit int) ([][]byte, error) {
	rows, err := db.Query(ctx, "SELECT idx, data FROM audit_entries WHERE origin = ? AND idx >= ? ORDER BY idx LIMIT ?", origin, from, limit)
	if err != nil {
		return nil, fmt.Errorf("read audit journal %s from %d: %w", origin, from, err)
	}
	defer rows.Close()
	var out [][]byte
	for rows.Next() {
		var idx uint64
		var data []byte
		if err := rows.Scan(&idx, &data); err != nil {
			return nil, fmt.Errorf("read audit journal %s from %d: %w", origin, from, err)
		}
		if idx != from+uint64(len(out)) {
			break
		}
		out = append(out, data)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read audit journal %s from %d: %w", origin, from, err)
	}
	return out, nil
}

// AuditJournalSize is how many entries the log's journal holds.
func (db *DB) AuditJournalSize(ctx context.Context, origin string) (uint64, error) {
	var n uint64
	if err := db.QueryRow(ctx, "SELECT size FROM audit_logs WHERE origin = ?", origin).Scan(&n); err != nil {
		return 0, fmt.Errorf("audit journal %s size: %w", origin, err)
	}
	return n, nil
}

// PutAuditFiles stores published files of the log (tiles, entry bundles) by
// their tlog-tiles path. A path's content never changes, so a file already
// stored is kept.
func (db *DB) PutAuditFiles(ctx context.Context, origin string, files map[string][]byte) error {
	err := db.InTx(ctx, func(tx *Tx) error {
		for p, data := range files {
			if _, err := tx.Exec(ctx, "INSERT INTO audit_tiles(origin, path, data) VALUES(?, ?, ?) ON CONFLICT(origin, path) DO NOTHING", origin, p, data); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store %d audit log files: %w", len(files), err)
	}
	return nil
}

// AuditFile reads a published file of the log; false when there is none.
func (db *DB) AuditFile(ctx context.Context, origin, path string) ([]byte, bool, error) {
	var data []byte
	err := db.QueryRow(ctx, "SELECT data FROM audit_tiles WHERE origin = ? AND path = ?", origin, path).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read audit log file %s: %w", path, err)
	}
	return data, true, nil
}

// PublishAuditCheckpoint makes note, a signed checkpoint of size entries,
// the log's published checkpoint unless a larger one is published already.
func (db *DB) PublishAuditCheckpoint(ctx context.Context, origin string, size uint64, note []byte) error {
	if _, err := db.Exec(ctx, "UPDATE audit_logs SET checkpoint = ?, checkpoint_size = ? WHERE origin = ? AND checkpoint_size <= ?",
		string(note), size, origin, size); err != nil {
		return fmt.Errorf("publish audit checkpoint of size %d: %w", size, err)
	}
	return nil
}

// AuditCheckpoint returns the log's published checkpoint and its size; nil
// before the first.
func (db *DB) AuditCheckpoint(ctx context.Context, origin string) ([]byte, uint64, error) {
	var note string
	var size uint64
	err := db.QueryRow(ctx, "SELECT checkpoint, checkpoint_size FROM audit_logs WHERE origin = ?", origin).Scan(&note, &size)
	if errors.Is(err, sql.ErrNoRows) || err == nil && note == "" {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("read audit checkpoint: %w", err)
	}
	return []byte(note), size, nil
}
