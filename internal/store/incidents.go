package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"renkei/internal/policy"
)

// Incident reports and the critical-computer register (package incident
// keeps their rules): incidents, incident_reports with their
// report_attachments, the deadline of every report an incident owes in
// incident_deadlines, and critical_computers with their computer_notices.
// Which of them a reader lists is policy.IncidentFilter (the register:
// policy.ComputerFilter).

// Incident is one incident of one organization. Its JSON is the API's.
//
// Incidents, reports and attachments are numbered in sequences over every
// organization's: two row ids of one member would tell it how many the
// others filed in between. Each has a PublicID (128 random bits in hex, set
// when it is stored), the only id of it that leaves the hub: in the API,
// the console, the command line, alerts and the audit log.
type Incident struct {
	ID         int64      `json:"-"` // the row id, never shown outside the hub
	PublicID   string     `json:"id"`
	OrgID      string     `json:"org_id"`
	Title      string     `json:"title"`
	Category   string     `json:"category"`
	DetectedAt time.Time  `json:"detected_at"`
	AwareAt    time.Time  `json:"aware_at"`
	TLP        policy.TLP `json:"-"`
	CreatedBy  int64      `json:"-"`
	Created    time.Time  `json:"created"`
	Closed     time.Time  `json:"closed,omitzero"`

	Reports   []Report   `json:"reports,omitempty"`   // filled by package incident's Get
	Deadlines []Deadline `json:"deadlines,omitempty"` // filled by its Get and List
}

// TLPLabel is the incident's TLP as people write it.
func (i Incident) TLPLabel() string { return i.TLP.Label() }

// Report is one filed report.
type Report struct {
	ID               int64              `json:"-"` // the row id, never shown outside the hub
	PublicID         string             `json:"id"`
	IncidentID       int64              `json:"-"`
	IncidentPublicID string             `json:"incident"`
	OrgID            string             `json:"org_id"`
	UserID           int64              `json:"-"`
	Type             string             `json:"type"`
	Stage            string             `json:"stage"`
	WhatHappened     string             `json:"what_happened"`
	SystemsAffected  string             `json:"systems_affected,omitempty"`
	ComputerID       int64              `json:"-"`                           // the critical computer's row id, never shown outside the hub
	Computer         string             `json:"critical_computer,omitempty"` // its public id, read, not stored
	ServiceImpact    string             `json:"service_impact,omitempty"`
	CurrentStatus    string             `json:"current_status"`
	Indicators       []string           `json:"indicators,omitempty"`
	Details          ReportDetails      `json:"details"`
	Consent          policy.Consent     `json:"-"`
	STIXStatus       string             `json:"stix_status,omitempty"`
	STIXStored       int                `json:"stix_stored"`
	STIXFailed       int                `json:"stix_failed"`
	STIXErrors       []string           `json:"stix_errors,omitempty"` // why objects were refused, when filed; not stored
	Filed            time.Time          `json:"filed"`
	Attachments      []ReportAttachment `json:"attachments,omitempty"`
}

// ReportDetails are the fields of the unified reporting formats for DDoS
// and ransomware incidents; the ones that do not apply stay empty. They are
// stored as JSON.
type ReportDetails struct {
	// DDoS
	PeakBPS         int64    `json:"peak_bps,omitempty"`
	PeakPPS         int64    `json:"peak_pps,omitempty"`
	AttackVectors   []string `json:"attack_vectors,omitempty"`
	DurationMinutes int      `json:"duration_minutes,omitempty"`
	TargetServices  []string `json:"target_services,omitempty"`
	// Ransomware
	Family           string `json:"family,omitempty"`
	InitialAccess    string `json:"initial_access,omitempty"`
	EncryptedHosts   int    `json:"encrypted_hosts,omitempty"`
	DataExfiltrated  *bool  `json:"data_exfiltrated,omitempty"`
	RansomDemanded   *bool  `json:"ransom_demanded,omitempty"`
	BackupsAvailable *bool  `json:"backups_available,omitempty"`
	LeakSite         string `json:"leak_site,omitempty"`
}

// ReportAttachment is a stored attachment; Data is only filled when one is
// read by itself.
type ReportAttachment struct {
	ID          int64  `json:"-"` // the row id, never shown outside the hub
	PublicID    string `json:"id"`
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	Data        []byte `json:"-"`
}

// Deadline is one report an incident owes, with its own clock.
type Deadline struct {
	IncidentID       int64     `json:"-"`
	IncidentPublicID string    `json:"incident"`
	Type             string    `json:"type"`
	Stage            string    `json:"stage"`
	Due              time.Time `json:"due"`
	MetBy            int64     `json:"-"`                // the row id of the report that met it
	MetByPublicID    string    `json:"met_by,omitempty"` // its public id
	Met              time.Time `json:"met,omitzero"`
}

// Overdue reports whether the report is still owed after its deadline.
func (d Deadline) Overdue(now time.Time) bool { return d.Met.IsZero() && now.After(d.Due) }

// Late reports whether the report was filed after its deadline.
func (d Deadline) Late() bool { return !d.Met.IsZero() && d.Met.After(d.Due) }

// OverdueDeadline is an owed report past its deadline, with its incident.
type OverdueDeadline struct {
	Deadline
	OrgID string
	Title string
}

// IncidentQuery selects incidents for Incidents.
type IncidentQuery struct {
	OrgID     string    // only this organization's
	OverdueAt time.Time // when set, only incidents with a report owed and past due at this time
	Limit     int
}

// FileReport stores a filed report in one transaction: when inc.ID is 0, a
// new incident first with the deadlines it owes (owed); then the report,
// the deadline it meets (its type and stage, if still unmet) and its
// attachments. It sets the ids of inc, r and r's attachments, and drops the
// attachments' data; a new incident, the report and its attachments get
// their public ids (NewPublicID) here. A failure stores nothing.
func (db *DB) FileReport(ctx context.Context, inc *Incident, owed []Deadline, r *Report) error {
	ind, _ := json.Marshal(nonNilStrings(r.Indicators))
	det, _ := json.Marshal(r.Details)
	return db.InTx(ctx, func(tx *Tx) error {
		if inc.ID == 0 {
			if err := addIncident(ctx, tx, inc, owed); err != nil {
				return err
			}
		}
		r.IncidentID, r.IncidentPublicID, r.PublicID = inc.ID, inc.PublicID, NewPublicID()
		err := tx.QueryRow(ctx, `INSERT INTO incident_reports(incident_id, org_id, user_id, report_type, stage, what_happened, systems_affected,
			computer_id, service_impact, current_status, indicators, details, consent, filed_at, public_id) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			r.IncidentID, r.OrgID, r.UserID, r.Type, r.Stage, r.WhatHappened, r.SystemsAffected, r.ComputerID, r.ServiceImpact,
			r.CurrentStatus, string(ind), string(det), int(r.Consent), Micros(r.Filed), r.PublicID).Scan(&r.ID)
		if err != nil {
			return fmt.Errorf("add report: %w", err)
		}
		if _, err := tx.Exec(ctx, "UPDATE incident_deadlines SET met_by = ?, met_at = ? WHERE incident_id = ? AND report_type = ? AND stage = ? AND met_at = 0",
			r.ID, Micros(r.Filed), r.IncidentID, r.Type, r.Stage); err != nil {
			return fmt.Errorf("meet deadline: %w", err)
		}
		for i := range r.Attachments {
			a := &r.Attachments[i]
			a.PublicID = NewPublicID()
			if err := tx.QueryRow(ctx, "INSERT INTO report_attachments(report_id, name, content_type, size, sha256, data, public_id) VALUES(?, ?, ?, ?, ?, ?, ?) RETURNING id",
				r.ID, a.Name, a.ContentType, a.Size, a.SHA256, a.Data, a.PublicID).Scan(&a.ID); err != nil {
				return fmt.Errorf("add attachment %s: %w", a.Name, err)
			}
			a.Data = nil
		}
		return nil
	})
}

// addIncident stores a new incident and the deadlines it owes.
func addIncident(ctx context.Context, tx *Tx, inc *Incident, owed []Deadline) error {
	inc.PublicID = NewPublicID()
	err := tx.QueryRow(ctx, "INSERT INTO incidents(org_id, title, category, detected_at, aware_at, tlp, created_by, created_at, public_id) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
		inc.OrgID, inc.Title, inc.Category, Micros(inc.DetectedAt), Micros(inc.AwareAt), int(inc.TLP), inc.CreatedBy, Micros(inc.Created), inc.PublicID).Scan(&inc.ID)
	if err != nil {
		return fmt.Errorf("add incident: %w", err)
	}
	for _, d := range owed {
		if _, err := tx.Exec(ctx, "INSERT INTO incident_deadlines(incident_id, report_type, stage, due_at) VALUES(?, ?, ?, ?)",
			inc.ID, d.Type, d.Stage, Micros(d.Due)); err != nil {
			return fmt.Errorf("add deadline %s/%s: %w", d.Type, d.Stage, err)
		}
	}
	return nil
}

// SetReportSTIX records what became of the STIX objects report r carried:
// its intake status id and how many objects were stored and refused.
func (db *DB) SetReportSTIX(ctx context.Context, r Report) error {
	if _, err := db.Exec(ctx, "UPDATE incident_reports SET stix_status = ?, stix_stored = ?, stix_failed = ? WHERE id = ?",
		r.STIXStatus, r.STIXStored, r.STIXFailed, r.ID); err != nil {
		return fmt.Errorf("report %d: STIX status: %w", r.ID, err)
	}
	return nil
}

const incidentCols = "i.id, i.public_id, i.org_id, i.title, i.category, i.detected_at, i.aware_at, i.tlp, i.created_by, i.created_at, i.closed_at"

func scanIncident(row interface{ Scan(...any) error }) (Incident, error) {
	var i Incident
	var det, aw, cr, cl int64
	var tlp int
	err := row.Scan(&i.ID, &i.PublicID, &i.OrgID, &i.Title, &i.Category, &det, &aw, &tlp, &i.CreatedBy, &cr, &cl)
	i.DetectedAt, i.AwareAt, i.Created, i.Closed, i.TLP = FromMicros(det), FromMicros(aw), FromMicros(cr), FromMicros(cl), policy.TLP(tlp)
	return i, err
}

// Incident returns the incident of public id id, without its reports and
// deadlines, if v may read it (policy.IncidentFilter); ErrNotFound otherwise,
// so that ids do not reveal other members' incidents. Anything that is not
// a public id (a row id above all) is not found.
func (db *DB) Incident(ctx context.Context, v policy.Viewer, id string) (Incident, error) {
	if !ValidPublicID(id) {
		return Incident{}, fmt.Errorf("incident %q: %w", id, ErrNotFound)
	}
	cond, args := policy.IncidentFilter(v, "i.org_id")
	i, err := scanIncident(db.QueryRow(ctx, "SELECT "+incidentCols+" FROM incidents i WHERE i.public_id = ? AND "+cond, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return i, fmt.Errorf("incident %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return i, fmt.Errorf("incident %s: %w", id, err)
	}
	return i, nil
}

// Incidents lists the incidents v may read (policy.IncidentFilter) that q
// selects, newest first, each with its deadlines. q.Limit must be set.
func (db *DB) Incidents(ctx context.Context, v policy.Viewer, q IncidentQuery) ([]Incident, error) {
	cond, args := policy.IncidentFilter(v, "i.org_id")
	sqlq := "SELECT " + incidentCols + " FROM incidents i WHERE " + cond
	if q.OrgID != "" {
		sqlq += " AND i.org_id = ?"
		args = append(args, q.OrgID)
	}
	if !q.OverdueAt.IsZero() {
		sqlq += " AND EXISTS (SELECT 1 FROM incident_deadlines d WHERE d.incident_id = i.id AND d.met_at = 0 AND d.due_at < ?)"
		args = append(args, Micros(q.OverdueAt))
	}
	sqlq += " ORDER BY i.id DESC LIMIT ?"
	args = append(args, q.Limit)
	out, err := queryAll(ctx, db, "list incidents", scanIncident, sqlq, args...)
	if err != nil || len(out) == 0 {
		return out, err
	}
	// The deadlines of the whole page in one query.
	ids := make([]int64, len(out))
	at := map[int64]int{}
	for k, i := range out {
		ids[k], at[i.ID] = i.ID, k
	}
	dls, err := db.IncidentDeadlines(ctx, ids...)
	if err != nil {
		return nil, err
	}
	for _, d := range dls {
		k := at[d.IncidentID]
		out[k].Deadlines = append(out[k].Deadlines, d)
	}
	return out, nil
}

// IncidentDeadlines returns the deadlines of the incidents ids, by due time
// and report type.
func (db *DB) IncidentDeadlines(ctx context.Context, ids ...int64) ([]Deadline, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := db.Query(ctx, `SELECT d.incident_id, i.public_id, d.report_type, d.stage, d.due_at, d.met_by, COALESCE(r.public_id, ''), d.met_at
		FROM incident_deadlines d JOIN incidents i ON i.id = d.incident_id LEFT JOIN incident_reports r ON r.id = d.met_by
		WHERE d.incident_id IN (?`+strings.Repeat(", ?", len(ids)-1)+") ORDER BY d.due_at, d.report_type", pkArgs(ids)...)
	if err != nil {
		return nil, fmt.Errorf("deadlines: %w", err)
	}
	defer rows.Close()
	var out []Deadline
	for rows.Next() {
		var d Deadline
		var due, met int64
		if err := rows.Scan(&d.IncidentID, &d.IncidentPublicID, &d.Type, &d.Stage, &due, &d.MetBy, &d.MetByPublicID, &met); err != nil {
			return nil, fmt.Errorf("deadlines: %w", err)
		}
		d.Due, d.Met = FromMicros(due), FromMicros(met)
		out = append(out, d)
	}
	return out, rows.Err()
}

// IncidentReports returns the reports filed for incident id, in order, each
// with its attachments (without their data).
func (db *DB) IncidentReports(ctx context.Context, id int64) ([]Report, error) {
	rows, err := db.Query(ctx, `SELECT r.id, r.public_id, r.incident_id, i.public_id, r.org_id, r.user_id, r.report_type, r.stage, r.what_happened,
		r.systems_affected, r.computer_id, COALESCE((SELECT c.public_id FROM critical_computers c WHERE c.id = r.computer_id), ''),
		r.service_impact, r.current_status, r.indicators, r.details, r.consent, r.stix_status, r.stix_stored,
		r.stix_failed, r.filed_at FROM incident_reports r JOIN incidents i ON i.id = r.incident_id WHERE r.incident_id = ? ORDER BY r.id`, id)
	if err != nil {
		return nil, fmt.Errorf("reports of incident %d: %w", id, err)
	}
	var out []Report
	for rows.Next() {
		var r Report
		var ind, det string
		var cons int
		var filed int64
		if err := rows.Scan(&r.ID, &r.PublicID, &r.IncidentID, &r.IncidentPublicID, &r.OrgID, &r.UserID, &r.Type, &r.Stage, &r.WhatHappened, &r.SystemsAffected, &r.ComputerID, &r.Computer,
			&r.ServiceImpact, &r.CurrentStatus, &ind, &det, &cons, &r.STIXStatus, &r.STIXStored, &r.STIXFailed, &filed); err != nil {
			rows.Close()
			return nil, fmt.Errorf("reports of incident %d: %w", id, err)
		}
		json.Unmarshal([]byte(ind), &r.Indicators)
		json.Unmarshal([]byte(det), &r.Details)
		r.Consent, r.Filed = policy.Consent(cons), FromMicros(filed)
		out = append(out, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reports of incident %d: %w", id, err)
	}
	for k := range out {
		if out[k].Attachments, err = db.reportAttachments(ctx, out[k].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (db *DB) reportAttachments(ctx context.Context, reportID int64) ([]ReportAttachment, error) {
	rows, err := db.Query(ctx, "SELECT id, public_id, name, content_type, size, sha256 FROM report_attachments WHERE report_id = ? ORDER BY id", reportID)
	if err != nil {
		return nil, fmt.Errorf("attachments of report %d: %w", reportID, err)
	}
	defer rows.Close()
	var out []ReportAttachment
	for rows.Next() {
		var a ReportAttachment
		if err := rows.Scan(&a.ID, &a.PublicID, &a.Name, &a.ContentType, &a.Size, &a.SHA256); err != nil {
			return nil, fmt.Errorf("attachments of report %d: %w", reportID, err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// ReportAttachment returns the attachment of public id id with its data if
// v may read its report (policy.IncidentFilter); ErrNotFound otherwise, and
// for anything that is not a public id (a row id above all).
func (db *DB) ReportAttachment(ctx context.Context, v policy.Viewer, id string) (ReportAttachment, error) {
	var a ReportAttachment
	if !ValidPublicID(id) {
		return a, fmt.Errorf("attachment %q: %w", id, ErrNotFound)
	}
	cond, args := policy.IncidentFilter(v, "r.org_id")
	err := db.QueryRow(ctx, "SELECT a.id, a.public_id, a.name, a.content_type, a.size, a.sha256, a.data FROM report_attachments a JOIN incident_reports r ON r.id = a.report_id WHERE a.public_id = ? AND "+cond,
		append([]any{id}, args...)...).Scan(&a.ID, &a.PublicID, &a.Name, &a.ContentType, &a.Size, &a.SHA256, &a.Data)
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("attachment %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return a, fmt.Errorf("attachment %s: %w", id, err)
	}
	return a, nil
}

// OverdueDeadlines lists the deadlines of the incidents v may read
// (policy.IncidentFilter) that are past and unmet at now, by due time.
func (db *DB) OverdueDeadlines(ctx context.Context, v policy.Viewer, now time.Time) ([]OverdueDeadline, error) {
	cond, args := policy.IncidentFilter(v, "i.org_id")
	rows, err := db.Query(ctx, `SELECT d.incident_id, i.public_id, d.report_type, d.stage, d.due_at, d.met_by, d.met_at, i.org_id, i.title
		FROM incident_deadlines d JOIN incidents i ON i.id = d.incident_id WHERE d.met_at = 0 AND d.due_at < ? AND `+cond+` ORDER BY d.due_at`,
		append([]any{Micros(now)}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("overdue reports: %w", err)
	}
	defer rows.Close()
	var out []OverdueDeadline
	for rows.Next() {
		var o OverdueDeadline
		var due, met int64
		if err := rows.Scan(&o.IncidentID, &o.IncidentPublicID, &o.Type, &o.Stage, &due, &o.MetBy, &met, &o.OrgID, &o.Title); err != nil {
			return nil, fmt.Errorf("overdue reports: %w", err)
		}
		o.Due, o.Met = FromMicros(due), FromMicros(met)
		out = append(out, o)
	}
	return out, rows.Err()
}

// ClaimOverdueAlert marks deadline d as alerted overdue and reports whether
// this call did it, so that concurrent runs never alert it twice.
func (db *DB) ClaimOverdueAlert(ctx context.Context, d Deadline) (bool, error) {
	res, err := db.Exec(ctx, "UPDATE incident_deadlines SET overdue_alerted = 1 WHERE incident_id = ? AND report_type = ? AND stage = ? AND overdue_alerted = 0",
		d.IncidentID, d.Type, d.Stage)
	if err != nil {
		return false, fmt.Errorf("claim overdue alert of incident %d %s/%s: %w", d.IncidentID, d.Type, d.Stage, err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// Computer is a registered critical computer (特定重要電子計算機) with the
// notices to its ministry. Its JSON is the API's.
type Computer struct {
	ID int64 `json:"-"` // the row id: a sequence over every organization's computers, never shown outside the hub
	// PublicID is the computer's id outside the hub (API, console, CLI,
	// reports that name it): 128 random bits in hex (NewPublicID).
	PublicID   string           `json:"id"`
	OrgID      string           `json:"org_id"`
	OrgName    string           `json:"org_name,omitempty"`
	Sector     string           `json:"sector,omitempty"`
	Name       string           `json:"name"`
	Function   string           `json:"function"`
	Location   string           `json:"location,omitempty"`
	Vendor     string           `json:"vendor,omitempty"`
	Product    string           `json:"product,omitempty"`
	Ministry   string           `json:"ministry"`
	Registered time.Time        `json:"registered"`
	Updated    time.Time        `json:"updated"`
	Retired    time.Time        `json:"retired,omitzero"`
	Notices    []ComputerNotice `json:"notices,omitempty"` // filled by Computer
}

// ComputerNotice is one notice to the ministry: the registration, a change
// or a retirement.
type ComputerNotice struct {
	Kind     string    `json:"kind"` // register | change | retire
	Change   string    `json:"change"`
	Ministry string    `json:"ministry"`
	UserID   int64     `json:"-"`
	At       time.Time `json:"at"`
}

// RegisterComputer stores a new critical computer with its registration
// notice, in one transaction, and returns its row id and public id.
func (db *DB) RegisterComputer(ctx context.Context, cc Computer, n ComputerNotice) (int64, string, error) {
	var id int64
	if cc.PublicID == "" {
		cc.PublicID = NewPublicID()
	}
	err := db.InTx(ctx, func(tx *Tx) error {
		if err := tx.QueryRow(ctx, "INSERT INTO critical_computers(public_id, org_id, name, function, location, vendor, product, ministry, registered_at, updated_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
			cc.PublicID, cc.OrgID, cc.Name, cc.Function, cc.Location, cc.Vendor, cc.Product, cc.Ministry, Micros(cc.Registered), Micros(cc.Updated)).Scan(&id); err != nil {
			return fmt.Errorf("register critical computer: %w", err)
		}
		return addComputerNotice(ctx, tx, id, n)
	})
	return id, cc.PublicID, err
}

// ChangeComputer stores the new fields of critical computer cc.ID of
// organization cc.OrgID with the notice of the change, in one transaction.
func (db *DB) ChangeComputer(ctx context.Context, cc Computer, n ComputerNotice) error {
	return db.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, "UPDATE critical_computers SET name = ?, function = ?, location = ?, vendor = ?, product = ?, ministry = ?, updated_at = ?, retired_at = ? WHERE id = ? AND org_id = ?",
			cc.Name, cc.Function, cc.Location, cc.Vendor, cc.Product, cc.Ministry, Micros(cc.Updated), Micros(cc.Retired), cc.ID, cc.OrgID); err != nil {
			return fmt.Errorf("change critical computer %d: %w", cc.ID, err)
		}
		return addComputerNotice(ctx, tx, cc.ID, n)
	})
}

func addComputerNotice(ctx context.Context, tx *Tx, id int64, n ComputerNotice) error {
	if _, err := tx.Exec(ctx, "INSERT INTO computer_notices(computer_id, kind, change, ministry, user_id, at) VALUES(?, ?, ?, ?, ?, ?)",
		id, n.Kind, n.Change, n.Ministry, n.UserID, Micros(n.At)); err != nil {
		return fmt.Errorf("critical computer %d: notice: %w", id, err)
	}
	return nil
}

const computerCols = `c.id, c.public_id, c.org_id, o.name, o.sector, c.name, c.function, c.location, c.vendor, c.product, c.ministry, c.registered_at, c.updated_at, c.retired_at`

func scanComputer(row interface{ Scan(...any) error }) (Computer, error) {
	var cc Computer
	var reg, upd, ret int64
	err := row.Scan(&cc.ID, &cc.PublicID, &cc.OrgID, &cc.OrgName, &cc.Sector, &cc.Name, &cc.Function, &cc.Location, &cc.Vendor, &cc.Product, &cc.Ministry, &reg, &upd, &ret)
	cc.Registered, cc.Updated, cc.Retired = FromMicros(reg), FromMicros(upd), FromMicros(ret)
	return cc, err
}

// Computer returns the critical computer of public id id with its notices
// if v may read it (policy.ComputerFilter); ErrNotFound otherwise, and for
// anything that is not a public id (a row id).
func (db *DB) Computer(ctx context.Context, v policy.Viewer, id string) (Computer, error) {
	if !ValidPublicID(id) {
		return Computer{}, fmt.Errorf("critical computer %q: %w", id, ErrNotFound)
	}
	cond, args := policy.ComputerFilter(v, "c.org_id")
	cc, err := scanComputer(db.QueryRow(ctx, "SELECT "+computerCols+" FROM critical_computers c JOIN orgs o ON o.id = c.org_id WHERE c.public_id = ? AND "+cond, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return cc, fmt.Errorf("critical computer %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return cc, fmt.Errorf("critical computer %s: %w", id, err)
	}
	rows, err := db.Query(ctx, "SELECT kind, change, ministry, user_id, at FROM computer_notices WHERE computer_id = ? ORDER BY id", cc.ID)
	if err != nil {
		return cc, fmt.Errorf("critical computer %s: notices: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var n ComputerNotice
		var at int64
		if err := rows.Scan(&n.Kind, &n.Change, &n.Ministry, &n.UserID, &at); err != nil {
			return cc, fmt.Errorf("critical computer %s: notices: %w", id, err)
		}
		n.At = FromMicros(at)
		cc.Notices = append(cc.Notices, n)
	}
	return cc, rows.Err()
}

// Computers lists the register v may read (policy.ComputerFilter), of one
// sector or all when sector is "", retired ones too when withRetired,
// by sector, organization and name; without notices.
func (db *DB) Computers(ctx context.Context, v policy.Viewer, sector string, withRetired bool) ([]Computer, error) {
	cond, args := policy.ComputerFilter(v, "c.org_id")
	q := "SELECT " + computerCols + " FROM critical_computers c JOIN orgs o ON o.id = c.org_id WHERE " + cond
	if sector != "" {
		q += " AND o.sector = ?"
		args = append(args, SectorKey(sector))
	}
	if !withRetired {
		q += " AND c.retired_at = 0"
	}
	return queryAll(ctx, db, "list critical computers", scanComputer, q+" ORDER BY o.sector, o.name, c.name, c.id", args...)
}
