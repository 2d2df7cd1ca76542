package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"renkei/internal/policy"
)

// Communications information (package telemetry keeps the law's rules):
// sources and their counters, their registered exporters and the senders
// refused, the pseudonymization keys of each retention period, the list of
// domestic ranges, members' address spaces, and the records kept because
// they matched. Which sources and records a reader lists is
// policy.TelemetrySourceFilter and policy.TelemetryRecordFilter.

// TelemetrySource is a registered source of communications information.
type TelemetrySource struct {
	ID               string
	Name             string
	LegalBasis       string
	ApprovalRef      string
	OperatorOrg      string
	Directions       []string
	Retention        time.Duration
	Pseudonymize     []string // member-internal prefixes
	PrefixPreserving bool
	Created          time.Time
}

const telemetrySourceCols = "id, name, legal_basis, approval_ref, operator_org, directions, retention_seconds, pseudonymize, prefix_preserving, created_at"

func scanTelemetrySource(row interface{ Scan(...any) error }) (TelemetrySource, error) {
	var s TelemetrySource
	var dirs, ps string
	var ret, c, pp int64
	if err := row.Scan(&s.ID, &s.Name, &s.LegalBasis, &s.ApprovalRef, &s.OperatorOrg, &dirs, &ret, &ps, &pp, &c); err != nil {
		return s, err
	}
	s.PrefixPreserving = pp != 0
	s.Retention, s.Created = time.Duration(ret)*time.Second, FromMicros(c)
	s.Directions, s.Pseudonymize = splitList(dirs), splitList(ps)
	return s, nil
}

func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x != "" {
			out = append(out, x)
		}
	}
	return out
}

// AddTelemetrySource registers a source.
func (db *DB) AddTelemetrySource(ctx context.Context, s TelemetrySource) error {
	_, err := db.Exec(ctx, `INSERT INTO telemetry_sources(id, name, legal_basis, approval_ref, operator_org, directions, retention_seconds, pseudonymize,
		prefix_preserving, created_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, s.ID, s.Name, s.LegalBasis, s.ApprovalRef, s.OperatorOrg, strings.Join(s.Directions, ","),
		int64(s.Retention/time.Second), strings.Join(s.Pseudonymize, ","), BoolInt(s.PrefixPreserving), Micros(s.Created))
	if err != nil {
		return fmt.Errorf("add source %s: %w", s.ID, err)
	}
	return nil
}

// TelemetrySource returns source id.
func (db *DB) TelemetrySource(ctx context.Context, id string) (TelemetrySource, error) {
	s, err := scanTelemetrySource(db.QueryRow(ctx, "SELECT "+telemetrySourceCols+" FROM telemetry_sources WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return s, fmt.Errorf("source %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return s, fmt.Errorf("read source %s: %w", id, err)
	}
	return s, nil
}

// TelemetrySources lists the sources v may see (policy.TelemetrySourceFilter), by id.
func (db *DB) TelemetrySources(ctx context.Context, v policy.Viewer) ([]TelemetrySource, error) {
	cond, args := policy.TelemetrySourceFilter(v)
	return queryAll(ctx, db, "list sources", scanTelemetrySource, "SELECT "+telemetrySourceCols+" FROM telemetry_sources WHERE "+cond+" ORDER BY id", args...)
}

// addTelemetryCount adds n to a source's counter of reason.
func addTelemetryCount(ctx context.Context, tx *Tx, source, reason string, n int64) error {
	if _, err := tx.Exec(ctx, `INSERT INTO telemetry_counts(source_id, reason, count) VALUES(?, ?, ?)
		ON CONFLICT(source_id, reason) DO UPDATE SET count = telemetry_counts.count + excluded.count`, source, reason, n); err != nil {
		return fmt.Errorf("count %s/%s: %w", source, reason, err)
	}
	return nil
}

// AddTelemetryCounts adds to a source's counters, by reason, in one transaction.
func (db *DB) AddTelemetryCounts(ctx context.Context, source string, counts map[string]int64) error {
	return db.InTx(ctx, func(tx *Tx) error {
		for reason, n := range counts {
			if n == 0 {
				continue
			}
			if err := addTelemetryCount(ctx, tx, source, reason, n); err != nil {
				return err
			}
		}
		return nil
	})
}

// TelemetryCounts returns a source's counters by reason.
func (db *DB) TelemetryCounts(ctx context.Context, source string) (map[string]int64, error) {
	rows, err := db.Query(ctx, "SELECT reason, count FROM telemetry_counts WHERE source_id = ?", source)
	if err != nil {
		return nil, fmt.Errorf("counts of %s: %w", source, err)
	}
	defer rows.Close()
	c := map[string]int64{}
	for rows.Next() {
		var r string
		var n int64
		if err := rows.Scan(&r, &n); err != nil {
			return nil, fmt.Errorf("counts of %s: %w", source, err)
		}
		c[r] = n
	}
	return c, rows.Err()
}

// AddressSpace is a prefix registered as a member's address space.
type AddressSpace struct {
	OrgID  string
	Prefix string
}

// AddAddressSpace registers prefix as org's address space; registering it
// again changes nothing.
func (db *DB) AddAddressSpace(ctx context.Context, org, prefix string) error {
	if _, err := db.Exec(ctx, "INSERT INTO org_address_space(org_id, prefix) VALUES(?, ?) ON CONFLICT DO NOTHING", org, prefix); err != nil {
		return fmt.Errorf("address space %s of %s: %w", prefix, org, err)
	}
	return nil
}

// AddressSpaces lists every member's registered address space.
func (db *DB) AddressSpaces(ctx context.Context) ([]AddressSpace, error) {
	rows, err := db.Query(ctx, "SELECT org_id, prefix FROM org_address_space")
	if err != nil {
		return nil, fmt.Errorf("address spaces: %w", err)
	}
	defer rows.Close()
	var out []AddressSpace
	for rows.Next() {
		var a AddressSpace
		if err := rows.Scan(&a.OrgID, &a.Prefix); err != nil {
			return nil, fmt.Errorf("address spaces: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// TelemetryKeyPeriod is a stored pseudonymization key's period, without the key.
type TelemetryKeyPeriod struct {
	Source  string
	Period  int64
	Created time.Time
	Expires time.Time
}

// TelemetryKey returns the key of a source's period, storing keyHex as that
// key first when it has none: the first insert wins, so nodes sharing the
// store agree on it.
func (db *DB) TelemetryKey(ctx context.Context, source string, period int64, keyHex string, created, expires time.Time) (string, error) {
	if _, err := db.Exec(ctx, `INSERT INTO telemetry_keys(source_id, period, key_hex, created_at, expires_at) VALUES(?, ?, ?, ?, ?)
		ON CONFLICT(source_id, period) DO NOTHING`, source, period, keyHex, Micros(created), Micros(expires)); err != nil {
		return "", fmt.Errorf("pseudonymization key of %s: %w", source, err)
	}
	var v string
	if err := db.QueryRow(ctx, "SELECT key_hex FROM telemetry_keys WHERE source_id = ? AND period = ?", source, period).Scan(&v); err != nil {
		return "", fmt.Errorf("pseudonymization key of %s: %w", source, err)
	}
	return v, nil
}

// TelemetryKeyPeriods lists the periods of a source that still have a key.
func (db *DB) TelemetryKeyPeriods(ctx context.Context, source string) ([]TelemetryKeyPeriod, error) {
	return db.telemetryKeyPeriods(ctx, "SELECT source_id, period, created_at, expires_at FROM telemetry_keys WHERE source_id = ? ORDER BY period", source)
}

// ExpiredTelemetryKeys lists the keys, by source and period, whose data has
// all expired at now.
func (db *DB) ExpiredTelemetryKeys(ctx context.Context, now time.Time) ([]TelemetryKeyPeriod, error) {
	return db.telemetryKeyPeriods(ctx, "SELECT source_id, period, created_at, expires_at FROM telemetry_keys WHERE expires_at <= ? ORDER BY source_id, period", Micros(now))
}

func (db *DB) telemetryKeyPeriods(ctx context.Context, q string, args ...any) ([]TelemetryKeyPeriod, error) {
	rows, err := db.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("pseudonymization keys: %w", err)
	}
	defer rows.Close()
	var out []TelemetryKeyPeriod
	for rows.Next() {
		var k TelemetryKeyPeriod
		var c, x int64
		if err := rows.Scan(&k.Source, &k.Period, &c, &x); err != nil {
			return nil, fmt.Errorf("pseudonymization keys: %w", err)
		}
		k.Created, k.Expires = FromMicros(c), FromMicros(x)
		out = append(out, k)
	}
	return out, rows.Err()
}

// DeleteTelemetryKey deletes the key of a source's period.
func (db *DB) DeleteTelemetryKey(ctx context.Context, source string, period int64) error {
	if _, err := db.Exec(ctx, "DELETE FROM telemetry_keys WHERE source_id = ? AND period = ?", source, period); err != nil {
		return fmt.Errorf("delete pseudonymization key of %s: %w", source, err)
	}
	return nil
}

// TelemetryExporter is a registered exporter of a source: an address and an
// observation domain (-1 for every domain).
type TelemetryExporter struct {
	Addr    string
	Domain  int64
	Created time.Time
}

// AddTelemetryExporter registers an exporter of a source and, when it was
// not registered yet, bumps the version of the source's register in the
// same transaction.
func (db *DB) AddTelemetryExporter(ctx context.Context, source string, e TelemetryExporter) error {
	return db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `INSERT INTO telemetry_exporters(source_id, addr, domain, created_at) VALUES(?, ?, ?, ?)
			ON CONFLICT(source_id, addr, domain) DO NOTHING`, source, e.Addr, e.Domain, Micros(e.Created))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			return bumpExporters(ctx, tx, source)
		}
		return nil
	})
}

// RemoveTelemetryExporter removes a registered exporter and bumps the version
// of the source's register in the same transaction; false if it was not
// registered.
func (db *DB) RemoveTelemetryExporter(ctx context.Context, source string, e TelemetryExporter) (bool, error) {
	removed := false
	err := db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, "DELETE FROM telemetry_exporters WHERE source_id = ? AND addr = ? AND domain = ?", source, e.Addr, e.Domain)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			removed = true
			return bumpExporters(ctx, tx, source)
		}
		return nil
	})
	return removed, err
}

// bumpExporters marks a change of the source's register, in the transaction
// that makes it: pipelines compare the version before each batch.
func bumpExporters(ctx context.Context, tx *Tx, source string) error {
	_, err := tx.Exec(ctx, "UPDATE telemetry_sources SET exporters_version = exporters_version + 1 WHERE id = ?", source)
	return err
}

// TelemetryExportersVersion is the version of a source's register: it
// changes with every exporter added or removed.
func (db *DB) TelemetryExportersVersion(ctx context.Context, source string) (int64, error) {
	var v int64
	err := db.QueryRow(ctx, "SELECT exporters_version FROM telemetry_sources WHERE id = ?", source).Scan(&v)
	return v, err
}

// TelemetryExporters lists the registered exporters of a source.
func (db *DB) TelemetryExporters(ctx context.Context, source string) ([]TelemetryExporter, error) {
	rows, err := db.Query(ctx, "SELECT addr, domain, created_at FROM telemetry_exporters WHERE source_id = ? ORDER BY addr, domain", source)
	if err != nil {
		return nil, fmt.Errorf("exporters of %s: %w", source, err)
	}
	defer rows.Close()
	var out []TelemetryExporter
	for rows.Next() {
		var e TelemetryExporter
		var c int64
		if err := rows.Scan(&e.Addr, &e.Domain, &c); err != nil {
			return nil, fmt.Errorf("exporters of %s: %w", source, err)
		}
		e.Created = FromMicros(c)
		out = append(out, e)
	}
	return out, rows.Err()
}

// TelemetryUnregistered is how many datagrams one unregistered sender sent a source.
type TelemetryUnregistered struct {
	Sender    string // ADDR, or ADDR/DOMAIN when the address is registered for other domains; "other" past the cap
	Datagrams int64
	Last      time.Time
}

// TelemetryUnregistered lists the unregistered senders of a source, most datagrams first.
func (db *DB) TelemetryUnregistered(ctx context.Context, source string) ([]TelemetryUnregistered, error) {
	rows, err := db.Query(ctx, "SELECT sender, datagrams, last_at FROM telemetry_unregistered WHERE source_id = ? ORDER BY datagrams DESC, sender", source)
	if err != nil {
		return nil, fmt.Errorf("unregistered senders of %s: %w", source, err)
	}
	defer rows.Close()
	var out []TelemetryUnregistered
	for rows.Next() {
		var u TelemetryUnregistered
		var l int64
		if err := rows.Scan(&u.Sender, &u.Datagrams, &l); err != nil {
			return nil, fmt.Errorf("unregistered senders of %s: %w", source, err)
		}
		u.Last = FromMicros(l)
		out = append(out, u)
	}
	return out, rows.Err()
}

// CountUnregistered adds the datagrams dropped per unregistered sender of a
// source, last seen at, in one transaction.
func (db *DB) CountUnregistered(ctx context.Context, source string, datagrams map[string]int64, at time.Time) error {
	if len(datagrams) == 0 {
		return nil
	}
	return db.InTx(ctx, func(tx *Tx) error {
		for sender, n := range datagrams {
			if _, err := tx.Exec(ctx, `INSERT INTO telemetry_unregistered(source_id, sender, datagrams, last_at) VALUES(?, ?, ?, ?)
				ON CONFLICT(source_id, sender) DO UPDATE SET datagrams = telemetry_unregistered.datagrams + excluded.datagrams, last_at = excluded.last_at`,
				source, sender, n, Micros(at)); err != nil {
				return fmt.Errorf("count unregistered sender %s of %s: %w", sender, source, err)
			}
		}
		return nil
	})
}

// SaveDomesticRanges stores a version of the list of domestic ranges and
// makes it current, in one transaction.
func (db *DB) SaveDomesticRanges(ctx context.Context, version string, prefixes []string) error {
	return db.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, "DELETE FROM domestic_ranges WHERE version = ?", version); err != nil {
			return fmt.Errorf("store ranges: %w", err)
		}
		const chunk = 500
		for i := 0; i < len(prefixes); i += chunk {
			part := prefixes[i:min(i+chunk, len(prefixes))]
			q := "INSERT INTO domestic_ranges(version, prefix) VALUES " + strings.TrimSuffix(strings.Repeat("(?, ?), ", len(part)), ", ")
			args := make([]any, 0, 2*len(part))
			for _, p := range part {
				args = append(args, version, p)
			}
			if _, err := tx.Exec(ctx, q, args...); err != nil {
				return fmt.Errorf("store ranges: %w", err)
			}
		}
		if _, err := tx.Exec(ctx, "INSERT INTO settings(key, value) VALUES('domestic_ranges_version', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", version); err != nil {
			return fmt.Errorf("store ranges: %w", err)
		}
		return nil
	})
}

// DomesticRanges returns the current version of the list of domestic ranges
// and its prefixes; "" when none was loaded.
func (db *DB) DomesticRanges(ctx context.Context) (string, []string, error) {
	v, err := db.Setting(ctx, "domestic_ranges_version")
	if err != nil || v == "" {
		return "", nil, err
	}
	rows, err := db.Query(ctx, "SELECT prefix FROM domestic_ranges WHERE version = ?", v)
	if err != nil {
		return "", nil, fmt.Errorf("domestic ranges %s: %w", v, err)
	}
	defer rows.Close()
	var ps []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return "", nil, fmt.Errorf("domestic ranges %s: %w", v, err)
		}
		ps = append(ps, s)
	}
	return v, ps, rows.Err()
}

// TelemetryRecord is a kept record as a handler sees it.
type TelemetryRecord struct {
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
	// Indicators are the indicators the record matched, sorted: one record
	// however many it matched (table telemetry_record_matches).
	Indicators []string  `json:"indicators"`
	Received   time.Time `json:"-"`
	Expires    time.Time `json:"expires"`
	// Key is the record's effect key, derived from the record alone
	// (telemetry.EffectKey): a record matched again — its batch handed out
	// twice by the bus — is not stored again, and each of its matches is
	// kept once.
	Key string `json:"-"`
}

// KeepTelemetryRecords stores matched records with their matches and counts
// them as matched per source, all in one transaction, and returns how many
// records it stored of each source. A record whose effect key
// (TelemetryRecord.Key) is already stored is not stored or counted again:
// the unique index on the key makes a batch delivered twice, by one worker
// or by two, store each record once; its matches are added to the stored
// record, each (record, indicator) once.
func (db *DB) KeepTelemetryRecords(ctx context.Context, recs []TelemetryRecord) (map[string]int64, error) {
	var counts map[string]int64
	err := db.InTx(ctx, func(tx *Tx) error {
		counts = map[string]int64{}
		for _, r := range recs {
			var key any
			if r.Key != "" {
				key = r.Key
			}
			var id int64
			err := tx.QueryRow(ctx, `INSERT INTO telemetry_records(source_id, src, dst, src_port, dst_port, proto, start_at, end_at, bytes, packets,
				tcp_flags, direction, exporter, received_at, expires_at, effect_key) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT(effect_key) DO NOTHING RETURNING id`, r.Source, r.Src, r.Dst, r.SrcPort, r.DstPort, r.Proto, Micros(r.Start), Micros(r.End),
				r.Bytes, r.Packets, r.TCPFlags, r.Direction, r.Exporter, Micros(r.Received), Micros(r.Expires), key).Scan(&id)
			switch {
			case err == nil:
				counts[r.Source]++
			case errors.Is(err, sql.ErrNoRows) && r.Key != "":
				// Kept before: its matches go to the record stored.
				if err := tx.QueryRow(ctx, "SELECT id FROM telemetry_records WHERE effect_key = ?", r.Key).Scan(&id); err != nil {
					return fmt.Errorf("keep matched record: the one kept before: %w", err)
				}
			default:
				return fmt.Errorf("keep matched record: %w", err)
			}
			for _, ind := range r.Indicators {
				if _, err := tx.Exec(ctx, "INSERT INTO telemetry_record_matches(record_id, indicator) VALUES(?, ?) ON CONFLICT(record_id, indicator) DO NOTHING",
					id, ind); err != nil {
					return fmt.Errorf("keep matched record: its match with %s: %w", ind, err)
				}
			}
		}
		for src, n := range counts {
			if err := addTelemetryCount(ctx, tx, src, "matched", n); err != nil {
				return err
			}
		}
		return nil
	})
	return counts, err
}

// ExpiredTelemetryRecords returns, by source, the ids of up to limit kept
// records whose retention has run out at now, lowest first.
func (db *DB) ExpiredTelemetryRecords(ctx context.Context, now time.Time, limit int) (map[string][]int64, error) {
	rows, err := db.Query(ctx, "SELECT id, source_id FROM telemetry_records WHERE expires_at <= ? ORDER BY id LIMIT ?", Micros(now), limit)
	if err != nil {
		return nil, fmt.Errorf("expired records: %w", err)
	}
	defer rows.Close()
	out := map[string][]int64{}
	for rows.Next() {
		var id int64
		var src string
		if err := rows.Scan(&id, &src); err != nil {
			return nil, fmt.Errorf("expired records: %w", err)
		}
		out[src] = append(out[src], id)
	}
	return out, rows.Err()
}

// DeleteTelemetryRecords deletes kept records of a source and counts them as
// deleted, in one transaction.
func (db *DB) DeleteTelemetryRecords(ctx context.Context, source string, ids []int64) error {
	err := db.InTx(ctx, func(tx *Tx) error {
		for i := 0; i < len(ids); i += 500 {
			part := ids[i:min(i+500, len(ids))]
			args := make([]any, len(part))
			for j, id := range part {
				args[j] = id
			}
			in := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(part)), ", ") + ")"
			if _, err := tx.Exec(ctx, "DELETE FROM telemetry_record_matches WHERE record_id IN "+in, args...); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "DELETE FROM telemetry_records WHERE id IN "+in, args...); err != nil {
				return err
			}
		}
		return addTelemetryCount(ctx, tx, source, "deleted", int64(len(ids)))
	})
	if err != nil {
		return fmt.Errorf("expire records of %s: %w", source, err)
	}
	return nil
}

// TelemetryRecords returns, newest first, up to limit kept records of a
// source that v may read (policy.TelemetryRecordFilter), each with the
// indicators it matched. Reading them needs more than the filter: the
// caller asks policy.MayReadRecords first.
func (db *DB) TelemetryRecords(ctx context.Context, v policy.Viewer, source string, limit int) ([]TelemetryRecord, error) {
	cond, args := policy.TelemetryRecordFilter(v)
	rows, err := db.Query(ctx, `SELECT id, source_id, src, dst, src_port, dst_port, proto, start_at, end_at, bytes, packets, tcp_flags, direction,
		exporter, received_at, expires_at FROM telemetry_records WHERE source_id = ? AND `+cond+` ORDER BY id DESC LIMIT ?`,
		append(append([]any{source}, args...), limit)...)
	if err != nil {
		return nil, fmt.Errorf("records of %s: %w", source, err)
	}
	defer rows.Close()
	var out []TelemetryRecord
	at := map[int64]int{}
	for rows.Next() {
		var r TelemetryRecord
		var s, e, rc, x int64
		if err := rows.Scan(&r.ID, &r.Source, &r.Src, &r.Dst, &r.SrcPort, &r.DstPort, &r.Proto, &s, &e, &r.Bytes, &r.Packets, &r.TCPFlags,
			&r.Direction, &r.Exporter, &rc, &x); err != nil {
			return nil, fmt.Errorf("records of %s: %w", source, err)
		}
		r.Start, r.End, r.Received, r.Expires = FromMicros(s), FromMicros(e), FromMicros(rc), FromMicros(x)
		r.Indicators = []string{}
		at[r.ID] = len(out)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("records of %s: %w", source, err)
	}
	rows.Close()
	for i := 0; i < len(out); i += 500 {
		part := out[i:min(i+500, len(out))]
		ids := make([]any, len(part))
		for j, r := range part {
			ids[j] = r.ID
		}
		ms, err := db.Query(ctx, "SELECT record_id, indicator FROM telemetry_record_matches WHERE record_id IN ("+
			strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")+") ORDER BY record_id, indicator", ids...)
		if err != nil {
			return nil, fmt.Errorf("records of %s: matches: %w", source, err)
		}
		for ms.Next() {
			var id int64
			var ind string
			if err := ms.Scan(&id, &ind); err != nil {
				ms.Close()
				return nil, fmt.Errorf("records of %s: matches: %w", source, err)
			}
			out[at[id]].Indicators = append(out[at[id]].Indicators, ind)
		}
		ms.Close()
		if err := ms.Err(); err != nil {
			return nil, fmt.Errorf("records of %s: matches: %w", source, err)
		}
	}
	return out, nil
}
