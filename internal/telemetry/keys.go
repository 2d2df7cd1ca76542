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
	v, err := db.TelemetryKey(ctx, src.ID, p, hex.EncodeToString(b), now, keyExpiry(src, p))
	if err != nil {
		return nil, err
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
type KeyPeriod = store.TelemetryKeyPeriod

// KeyPeriods lists the periods of a source that still have a key.
func KeyPeriods(ctx context.Context, db *store.DB, source string) ([]KeyPeriod, error) {
	return db.TelemetryKeyPeriods(ctx, source)
}

// expireKeys deletes the keys whose data has all expired at now, each
// recorded in the audit log first (the period, never the key).
func (s *Service) expireKeys(ctx context.Context, system auth.Caller, now time.Time) error {
	gone, err := s.DB.ExpiredTelemetryKeys(ctx, now)
	if err != nil {
		return err
	}
	for _, k := range gone {
		if _, err := s.record(ctx, system, audit.ActionRetentionDelete, "source:"+k.Source, map[string]string{
			"pseudonymization_key_period": strconv.FormatInt(k.Period, 10), "before": now.Format(time.RFC3339)}); err != nil {
			return err
		}
		if err := s.DB.DeleteTelemetryKey(ctx, k.Source, k.Period); err != nil {
			return err
		}
	}
	return nil
}
