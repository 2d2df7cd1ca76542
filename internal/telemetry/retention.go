package telemetry

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"renkei/internal/audit"
	"renkei/internal/auth"
	"renkei/internal/store"
)

// Expire deletes every kept record whose retention has run out (rule C5),
// counts the deletions per source, and records them in the audit log with a
// hash of what was deleted (never the content); then it deletes the
// pseudonymization keys of periods whose records have all expired (C4). It
// returns how many records it deleted.
func (s *Service) Expire(ctx context.Context, now time.Time) (int64, error) {
	type gone struct {
		source string
		ids    []int64
	}
	bySource := map[string]*gone{}
	rows, err := s.DB.Query(ctx, "SELECT id, source_id FROM telemetry_records WHERE expires_at <= ? ORDER BY id LIMIT 100000", store.Micros(now))
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
	system := auth.Caller{User: store.User{Login: "renkei-retention", Role: "system"}, Org: s.Center}
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
		if _, err := s.record(ctx, system, audit.ActionRetentionDelete, "source:"+g.source, map[string]string{
			"count": strconv.Itoa(len(g.ids)), "records_sha256": hex.EncodeToString(d.Sum(nil)), "before": now.Format(time.RFC3339)}); err != nil {
			return total, err
		}
		err := s.DB.InTx(ctx, func(tx *store.Tx) error {
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
	// C4: a pseudonymization key goes once the data made under it has.
	if err := s.expireKeys(ctx, system, now); err != nil {
		return total, fmt.Errorf("expire pseudonymization keys: %w", err)
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
