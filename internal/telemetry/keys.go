package telemetry

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/netip"
	"strconv"
	"time"

	"renkei/internal/approval"
	"renkei/internal/audit"
	"renkei/internal/auth"
	"renkei/internal/pseudonym"
	"renkei/internal/store"
)

// Rule C4 keys. A deterministic pseudonym can be reversed by anyone who can
// inject flows to addresses of their choice and read the pseudonyms back: the
// pairs form a lookup table. So the key is never shared: each source has its
// own, and a new one for every retention period (a period is as long as the
// source's retention, counted from the Unix epoch). A table built against one
// source or period says nothing about another. A key is deleted once every
// record pseudonymized under it has expired, so that no key outlives its data.

// ReasonPrefixNotApproved counts records refused because the source asks for
// prefix-preserving pseudonyms and its approval in force does not require them.
const ReasonPrefixNotApproved = "refused:prefix-preserving-not-approved"

// ApprovalRequiresPrefixPreserving reports whether an approval grants its
// sources prefix-preserving pseudonyms: its prefix_preserving field, set
// when it was requested and shown to the committee that decided it. What
// its text says does not count. Prefix preservation reveals which
// pseudonymized addresses share how long a prefix (the layout of a
// member's network); docs/telemetry.md says what that exposes.
func ApprovalRequiresPrefixPreserving(a approval.Approval) bool {
	return a.PrefixPreserving
}

// Period is the number of the retention period of src that t falls in.
func Period(src *Source, t time.Time) int64 {
	secs := int64(src.Retention / time.Second)
	if secs <= 0 {
		secs = 1
	}
	return t.Unix() / secs
}

// keyExpiry is when the key of period p of src may go: at the end of the
// period plus the retention, every record pseudonymized under it has expired.
func keyExpiry(src *Source, p int64) time.Time {
	secs := int64(src.Retention / time.Second)
	return time.Unix((p+1)*secs, 0).Add(src.Retention).UTC()
}

// periodKey is a source's pseudonymizer for one period.
type periodKey struct {
	period int64
	keyed  *pseudonym.Keyed
	pan    *pseudonym.CryptoPAn
}

// addr returns the pseudonym of a.
func (k *periodKey) addr(a netip.Addr, prefixPreserving bool) netip.Addr {
	if prefixPreserving {
		return k.pan.Addr(a)
	}
	return k.keyed.Addr(a)
}

// sourceKey returns the key of src for the period that now falls in, making
// it at random the first time. Nodes sharing the store agree on it: the first
// insert wins and every node reads the stored one.
func sourceKey(ctx context.Context, db *store.DB, src *Source, now time.Time) (*periodKey, error) {
	p := Period(src, now)
	b := make([]byte, 32)
	rand.Read(b)
	if _, err := db.Exec(ctx, `INSERT INTO telemetry_keys(source_id, period, key_hex, created_at, expires_at) VALUES(?, ?, ?, ?, ?)
		ON CONFLICT(source_id, period) DO NOTHING`, src.ID, p, hex.EncodeToString(b), store.Micros(now), store.Micros(keyExpiry(src, p))); err != nil {
		return nil, fmt.Errorf("pseudonymization key of %s: %w", src.ID, err)
	}
	var v string
	if err := db.QueryRow(ctx, "SELECT key_hex FROM telemetry_keys WHERE source_id = ? AND period = ?", src.ID, p).Scan(&v); err != nil {
		return nil, fmt.Errorf("pseudonymization key of %s: %w", src.ID, err)
	}
	key, err := hex.DecodeString(v)
	if err != nil {
		return nil, fmt.Errorf("pseudonymization key of %s: %w", src.ID, err)
	}
	k := &periodKey{period: p}
	if k.keyed, err = pseudonym.NewKeyed(key); err != nil {
		return nil, err
	}
	if k.pan, err = pseudonym.NewCryptoPAn(key); err != nil {
		return nil, err
	}
	return k, nil
}

// KeyPeriod is a stored key's period, without the key.
type KeyPeriod struct {
	Source  string
	Period  int64
	Created time.Time
	Expires time.Time
}

// KeyPeriods lists the periods of a source that still have a key.
func KeyPeriods(ctx context.Context, db *store.DB, source string) ([]KeyPeriod, error) {
	rows, err := db.Query(ctx, "SELECT source_id, period, created_at, expires_at FROM telemetry_keys WHERE source_id = ? ORDER BY period", source)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []KeyPeriod
	for rows.Next() {
		var k KeyPeriod
		var c, x int64
		if err := rows.Scan(&k.Source, &k.Period, &c, &x); err != nil {
			return nil, err
		}
		k.Created, k.Expires = store.FromMicros(c), store.FromMicros(x)
		out = append(out, k)
	}
	return out, rows.Err()
}

// expireKeys deletes the keys whose data has all expired at now, each
// recorded in the audit log first (the period, never the key).
func (s *Service) expireKeys(ctx context.Context, system auth.Caller, now time.Time) error {
	rows, err := s.DB.Query(ctx, "SELECT source_id, period FROM telemetry_keys WHERE expires_at <= ? ORDER BY source_id, period", store.Micros(now))
	if err != nil {
		return err
	}
	type key struct {
		source string
		period int64
	}
	var gone []key
	for rows.Next() {
		var k key
		if err := rows.Scan(&k.source, &k.period); err != nil {
			rows.Close()
			return err
		}
		gone = append(gone, k)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, k := range gone {
		if _, err := s.record(ctx, system, audit.ActionRetentionDelete, "source:"+k.source, map[string]string{
			"pseudonymization_key_period": strconv.FormatInt(k.period, 10), "before": now.Format(time.RFC3339)}); err != nil {
			return err
		}
		if _, err := s.DB.Exec(ctx, "DELETE FROM telemetry_keys WHERE source_id = ? AND period = ?", k.source, k.period); err != nil {
			return fmt.Errorf("delete pseudonymization key of %s: %w", k.source, err)
		}
	}
	return nil
}
