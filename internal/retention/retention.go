// Package retention deletes the hub's objects whose retention period has run
// out (rule C5 beyond telemetry): per object type, per TLP, and for the
// sightings produced from communications information. The rules are hub
// policy, kept in the store's settings; changing them is itself logged.
//
// Every scheduled deletion is appended to the audit log — the rule, how many
// objects, and a hash of their ids and versions, never their content —
// before the objects are deleted: a deletion the log does not know of must
// not happen. This package does not decide who may read objects (package
// policy) and does not touch telemetry records (package telemetry expires
// those per source).
package retention

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"renkei/internal/audit"
	"renkei/internal/auth"
	"renkei/internal/policy"
	"renkei/internal/store"
)

// SettingKey is where the rules live in the store's settings, as JSON.
const SettingKey = "retention_rules"

// ClassCommSighting is the class of sightings the matcher produced from
// communications information (rule C5 applies to them as to the records).
const ClassCommSighting = "comm-sighting"

// commMarker is how such sightings are recognised: the matcher writes it at
// the start of their description (see telemetry.Worker).
const commMarker = "Matched in communications information"

// Rule keeps objects of a class for Days days after they were added.
type Rule struct {
	Name string `json:"name"`
	// Type is a STIX type ("sighting", "indicator", …), ClassCommSighting,
	// or "" for every type.
	Type string `json:"type,omitempty"`
	// TLP is a TLP label ("red", "amber+strict", …) or "" for every TLP.
	TLP  string `json:"tlp,omitempty"`
	Days int    `json:"days"`
}

// MaxBatch bounds how many objects one rule deletes per run, so that a first
// run after a long pause does not hold the store for long; the next run
// continues.
const MaxBatch = 10000

// Check says what is wrong with a rule.
func (r Rule) Check() error {
	switch {
	case strings.TrimSpace(r.Name) == "":
		return errors.New("name: give the rule a name")
	case r.Days <= 0:
		return fmt.Errorf("rule %s: days: %d is not a positive number of days", r.Name, r.Days)
	case r.Type == "" && r.TLP == "":
		return fmt.Errorf("rule %s: name a type or a TLP; a rule for every object would empty the hub", r.Name)
	}
	if r.TLP != "" {
		if _, err := policy.ParseTLP(r.TLP); err != nil {
			return fmt.Errorf("rule %s: tlp: %w", r.Name, err)
		}
	}
	return nil
}

// Service applies the retention rules of one store. Package app builds it
// once with what it needs.
type Service struct {
	DB *store.DB
	// Record appends to the audit log before a deletion or a change of the
	// rules takes effect (hub.Hub.Record); it refuses while there is no log.
	Record func(ctx context.Context, c auth.Caller, action, objectID string, detail map[string]string) (uint64, error)
	// Center is the national center's organization: the sightings made
	// from communications information are its own, and scheduled deletions
	// are logged in its name.
	Center store.Org
	Now    func() time.Time
	Log    *slog.Logger
	// LeaseTerm is the term of the scheduled job's lease (store.LeaseTerm
	// when 0).
	LeaseTerm time.Duration
}

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}

// Rules returns the hub's retention rules (none when never set).
func Rules(ctx context.Context, db *store.DB) ([]Rule, error) {
	s, err := db.Setting(ctx, SettingKey)
	if err != nil || s == "" {
		return nil, err
	}
	var rs []Rule
	if err := json.Unmarshal([]byte(s), &rs); err != nil {
		return nil, fmt.Errorf("setting %s: %w", SettingKey, err)
	}
	return rs, nil
}

// SetRules replaces the rules after logging the change as a policy change
// by the caller (rule C7); nothing changes when the log refuses.
func (s *Service) SetRules(ctx context.Context, c auth.Caller, rs []Rule) error {
	names := map[string]bool{}
	for _, r := range rs {
		if err := r.Check(); err != nil {
			return err
		}
		if names[r.Name] {
			return fmt.Errorf("rule %s: the name is used twice", r.Name)
		}
		names[r.Name] = true
	}
	b, err := json.Marshal(rs)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(b)
	if _, err := s.Record(ctx, c, audit.ActionPolicyChange, "setting:"+SettingKey, map[string]string{
		"rules": strconv.Itoa(len(rs)), "rules_sha256": hex.EncodeToString(sum[:])}); err != nil {
		return err
	}
	return s.DB.SetSetting(ctx, SettingKey, string(b))
}

// Deleted is what one rule deleted in one run.
type Deleted struct {
	Rule       string
	Count      int
	Hash       string // SHA-256 over the deleted "id@modified" lines, sorted by pk
	AuditIndex uint64
}

// Expire applies every rule once at now and returns what each deleted. A
// rule whose deletion cannot be logged deletes nothing, and the run stops
// with the error.
func (s *Service) Expire(ctx context.Context, now time.Time) ([]Deleted, error) {
	rs, err := Rules(ctx, s.DB)
	if err != nil {
		return nil, err
	}
	var out []Deleted
	for _, r := range rs {
		if err := r.Check(); err != nil {
			return out, err
		}
		d, err := s.expireRule(ctx, r, now)
		if err != nil {
			return out, fmt.Errorf("retention rule %s: %w", r.Name, err)
		}
		if d.Count > 0 {
			out = append(out, d)
		}
	}
	return out, nil
}

func (s *Service) expireRule(ctx context.Context, r Rule, now time.Time) (Deleted, error) {
	cutoff := now.Add(-time.Duration(r.Days) * 24 * time.Hour)
	e := store.Expiring{Before: cutoff, Type: r.Type}
	if r.Type == ClassCommSighting {
		e.Type, e.Author, e.Marked = "sighting", s.Center.ID, commMarker
	}
	if r.TLP != "" {
		t, _ := policy.ParseTLP(r.TLP)
		e.TLP, e.HasTLP = int(t), true
	}
	objs, err := s.DB.ExpiredObjects(ctx, e, MaxBatch)
	if err != nil {
		return Deleted{}, err
	}
	pks := make([]int64, len(objs))
	d := sha256.New()
	for i, o := range objs {
		pks[i] = o.PK
		fmt.Fprintf(d, "%s@%d\n", o.ID, o.Modified)
	}
	if len(pks) == 0 {
		return Deleted{Rule: r.Name}, nil
	}
	res := Deleted{Rule: r.Name, Count: len(pks), Hash: hex.EncodeToString(d.Sum(nil))}
	system := auth.System("renkei-retention", s.Center)
	// Logged first: a deletion the log does not know of must not happen.
	res.AuditIndex, err = s.Record(ctx, system, audit.ActionRetentionDelete, "retention:"+r.Name, map[string]string{
		"count": strconv.Itoa(len(pks)), "objects_sha256": res.Hash, "type": r.Type, "tlp": r.TLP,
		"days": strconv.Itoa(r.Days), "before": cutoff.UTC().Format(time.RFC3339)})
	if err != nil {
		return Deleted{}, err
	}
	err = s.DB.InTx(ctx, func(tx *store.Tx) error { return tx.DeleteObjects(ctx, pks) })
	if err != nil {
		return Deleted{}, fmt.Errorf("delete %d objects (logged at %d): %w", len(pks), res.AuditIndex, err)
	}
	return res, nil
}

// LeaseJob names the lease of the scheduled retention of hub objects.
const LeaseJob = "retention.objects"

// Schedule runs Expire at once and then every interval until ctx ends,
// logging what it deleted. Hub nodes sharing a store take turns through a
// lease (LeaseJob), so that two of them never log the same deletions. The
// lease is kept, renewed every 15 s, for as long as its holder runs
// (store.KeepLease) and released when it stops; when its holder dies,
// another node takes it within a minute and runs the job at once.
func (s *Service) Schedule(ctx context.Context, every time.Duration) {
	log := s.log()
	lease := s.DB.KeepLease(ctx, LeaseJob, store.NewLeaseHolder(), s.LeaseTerm, s.now)
	t := time.NewTicker(min(every, lease.Term()/3))
	defer t.Stop()
	var last time.Time // the last run under the lease held now
	for {
		switch {
		case !lease.Held():
			last = time.Time{}
		case last.IsZero() || s.now().Sub(last) >= every:
			last = s.now()
			ds, err := s.Expire(ctx, s.now())
			if err != nil && ctx.Err() == nil {
				log.Error("retention of hub objects", "err", err)
			}
			for _, d := range ds {
				log.Info("retention deleted objects", "rule", d.Rule, "count", d.Count, "audit_index", d.AuditIndex)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}
