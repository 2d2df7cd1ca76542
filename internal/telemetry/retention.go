package telemetry

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"renkei/internal/audit"
	"renkei/internal/auth"
	"renkei/internal/hub"
	"renkei/internal/policy"
	"renkei/internal/store"
)

// Expire deletes every kept record whose retention has run out (rule C5),
// counts the deletions per source, and records them in the audit log with a
// hash of what was deleted (never the content). It returns how many it deleted.
func Expire(ctx context.Context, h *hub.Hub, now time.Time) (int64, error) {
	type gone struct {
		source string
		ids    []int64
	}
	bySource := map[string]*gone{}
	rows, err := h.DB.Query(ctx, "SELECT id, source_id FROM telemetry_records WHERE expires_at <= ? ORDER BY id LIMIT 100000", store.Micros(now))
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		var id int64
		var src string
		if err := rows.Scan(&id, &src); err != nil {
			rows.Close()
			return 0, err
		}
		g := bySource[src]
		if g == nil {
			g = &gone{source: src}
			bySource[src] = g
		}
		g.ids = append(g.ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	var total int64
	system := auth.Caller{User: store.User{Login: "renkei-retention", Role: "system"}, Org: h.Center()}
	for _, g := range bySource {
		d := sha256.New()
		var sb strings.Builder
		for i, id := range g.ids {
			if i > 0 {
				sb.WriteByte(',')
			}
			sb.WriteString(strconv.FormatInt(id, 10))
		}
		d.Write([]byte(sb.String()))
		// Logged first: a deletion the log does not know of must not happen.
		if _, err := h.Record(ctx, system, audit.ActionRetentionDelete, "source:"+g.source, map[string]string{
			"count": strconv.Itoa(len(g.ids)), "records_sha256": hex.EncodeToString(d.Sum(nil)), "before": now.Format(time.RFC3339)}); err != nil {
			return total, err
		}
		err := h.DB.InTx(ctx, func(tx *store.Tx) error {
			for i := 0; i < len(g.ids); i += 500 {
				part := g.ids[i:min(i+500, len(g.ids))]
				args := make([]any, len(part))
				for j, id := range part {
					args[j] = id
				}
				if _, err := tx.Exec(ctx, "DELETE FROM telemetry_records WHERE id IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(part)), ", ")+")", args...); err != nil {
					return err
				}
			}
			_, err := tx.Exec(ctx, `INSERT INTO telemetry_counts(source_id, reason, count) VALUES(?, 'deleted', ?)
				ON CONFLICT(source_id, reason) DO UPDATE SET count = telemetry_counts.count + excluded.count`, g.source, len(g.ids))
			return err
		})
		if err != nil {
			return total, fmt.Errorf("expire records of %s: %w", g.source, err)
		}
		total += int64(len(g.ids))
	}
	return total, nil
}

// Record is a kept record as a handler sees it.
type Record struct {
	ID        int64     `json:"id"`
	Source    string    `json:"source"`
	Src       string    `json:"src"`
	Dst       string    `json:"dst"`
	SrcPort   int       `json:"src_port"`
	DstPort   int       `json:"dst_port"`
	Proto     int       `json:"proto"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	Bytes     int64     `json:"bytes"`
	Packets   int64     `json:"packets"`
	TCPFlags  int       `json:"tcp_flags"`
	Direction string    `json:"direction"`
	Exporter  string    `json:"exporter"`
	Indicator string    `json:"indicator"`
	Expires   time.Time `json:"expires"`
}

// ErrNotHandler is returned when someone other than a designated handler asks
// for communications information.
var ErrNotHandler = errors.New("only designated handlers may access communications information, for a stated purpose")

// Access returns kept records of a source to a designated handler for a
// stated purpose, after recording the access in the audit log (rule C7) with
// the purpose and the approval in force; it returns the log index as the receipt.
func Access(ctx context.Context, h *hub.Hub, c auth.Caller, sourceID, purpose string, limit int) ([]Record, uint64, error) {
	if policy.Role(c.User.Role) != policy.RoleHandler {
		return nil, 0, ErrNotHandler
	}
	if strings.TrimSpace(purpose) == "" {
		return nil, 0, errors.New("state the purpose of this access")
	}
	src, err := GetSource(ctx, h.DB, sourceID)
	if err != nil {
		return nil, 0, err
	}
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	rows, err := h.DB.Query(ctx, `SELECT id, source_id, src, dst, src_port, dst_port, proto, start_at, end_at, bytes, packets, tcp_flags, direction,
		exporter, indicator, expires_at FROM telemetry_records WHERE source_id = ? ORDER BY id DESC LIMIT ?`, sourceID, limit)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		var r Record
		var s, e, x int64
		if err := rows.Scan(&r.ID, &r.Source, &r.Src, &r.Dst, &r.SrcPort, &r.DstPort, &r.Proto, &s, &e, &r.Bytes, &r.Packets, &r.TCPFlags,
			&r.Direction, &r.Exporter, &r.Indicator, &x); err != nil {
			return nil, 0, err
		}
		r.Start, r.End, r.Expires = store.FromMicros(s), store.FromMicros(e), store.FromMicros(x)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	d := sha256.New()
	for _, r := range out {
		fmt.Fprintf(d, "%d,", r.ID)
	}
	idx, err := h.Audit.Append(ctx, audit.Entry{User: c.User.Login, Org: c.Org.ID, Role: c.User.Role, Action: audit.ActionCommAccess,
		Purpose: purpose, LegalBasis: src.LegalBasis + " " + src.ApprovalRef, ObjectID: "source:" + sourceID,
		ObjectHash: hex.EncodeToString(d.Sum(nil)), Detail: map[string]string{"records": strconv.Itoa(len(out))}})
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %v", hub.ErrAuditUnavailable, err)
	}
	return out, idx, nil
}
