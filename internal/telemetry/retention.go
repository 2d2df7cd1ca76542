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
	bySource, err := s.DB.ExpiredTelemetryRecords(ctx, now, 100000)
	if err != nil {
		return 0, err
	}
	var total int64
	system := auth.System("renkei-retention", s.Center)
	for source, ids := range bySource {
		d := sha256.New()
		var sb strings.Builder
		for i, id := range ids {
			if i > 0 {
				sb.WriteByte(',')
			}
			sb.WriteString(strconv.FormatInt(id, 10))
		}
		d.Write([]byte(sb.String()))
		// Logged first: a deletion the log does not know of must not happen.
		if _, err := s.record(ctx, system, audit.ActionRetentionDelete, "source:"+source, map[string]string{
			"count": strconv.Itoa(len(ids)), "records_sha256": hex.EncodeToString(d.Sum(nil)), "before": now.Format(time.RFC3339)}); err != nil {
			return total, err
		}
		if err := s.DB.DeleteTelemetryRecords(ctx, source, ids); err != nil {
			return total, err
		}
		total += int64(len(ids))
	}
	// C4: a pseudonymization key goes once the data made under it has.
	if err := s.expireKeys(ctx, system, now); err != nil {
		return total, fmt.Errorf("expire pseudonymization keys: %w", err)
	}
	return total, nil
}

// Record is a kept record as a handler sees it.
type Record = store.TelemetryRecord
