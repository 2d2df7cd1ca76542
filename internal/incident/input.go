package incident

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"renkei/internal/jst"
	"renkei/internal/policy"
	"renkei/internal/problem"
	"renkei/internal/store"
)

// Filing is a report as a member files it (the JSON of the API, of
// `renkei report file` and of the form). A filing without Incident opens a
// new incident owing the reports named in Duties; otherwise it is a
// follow-up of the incident of that public id.
type Filing struct {
	Incident         string          `json:"incident,omitempty"`
	Duties           []string        `json:"duties,omitempty"`
	Type             string          `json:"type"`
	Stage            string          `json:"stage"`
	Category         string          `json:"category,omitempty"`
	Title            string          `json:"title,omitempty"`
	WhatHappened     string          `json:"what_happened"`
	SystemsAffected  string          `json:"systems_affected,omitempty"`
	CriticalComputer string          `json:"critical_computer,omitempty"` // its public id
	ServiceImpact    string          `json:"service_impact,omitempty"`
	DetectedAt       string          `json:"detected_at,omitempty"`
	AwareAt          string          `json:"aware_at,omitempty"`
	CurrentStatus    string          `json:"current_status"`
	Indicators       []string        `json:"indicators,omitempty"`
	TLP              string          `json:"tlp,omitempty"`
	Consent          string          `json:"consent,omitempty"`
	Details          Details         `json:"details,omitempty"`
	STIX             json.RawMessage `json:"stix,omitempty"`
	Attachments      []AttachmentIn  `json:"attachments,omitempty"`
}

// Details are the fields of the unified reporting formats for DDoS and
// ransomware incidents; the ones that do not apply stay empty.
type Details = store.ReportDetails

// AttachmentIn is an attachment as filed: a name and base64 content.
type AttachmentIn struct {
	Name    string `json:"name"`
	Content string `json:"content_base64"`
}

// Attachment is a stored attachment; Data is only filled when one is read.
type Attachment = store.ReportAttachment

// Limits of a filing.
const (
	MaxAttachmentBytes = 10 << 20
	MaxAttachments     = 20
	maxText            = 64 << 10
)

// Categories are the kinds of incident, after the unified reporting formats.
var Categories = []string{"ddos", "ransomware", "intrusion", "data-breach", "malware", "other"}

// Statuses are what a reporter says of the incident now.
var Statuses = []string{"ongoing", "contained", "recovered", "under-investigation"}

// AllowedTypes are the attachment types accepted, by content sniffing
// (http.DetectContentType), never by the name the sender gave.
var AllowedTypes = []string{"application/pdf", "image/png", "image/jpeg", "image/gif", "text/plain; charset=utf-8", "application/zip"}

// parseTime reads RFC 3339, or "2006-01-02T15:04" / "2006-01-02 15:04"
// without a zone, which is taken as JST (what a Japanese form gives).
func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	for _, f := range []string{"2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02 15:04:05"} {
		if t, err := time.ParseInLocation(f, s, jst.Zone); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time (use RFC 3339 like 2026-11-20T09:30:00+09:00, or 2026-11-20 09:30 in JST)", s)
}

// checked is a filing after validation.
type checked struct {
	f           Filing
	detected    time.Time
	aware       time.Time
	tlp         policy.TLP
	consent     policy.Consent
	attachments []Attachment
}

// check validates a filing against the configuration at time now and
// returns every problem at once.
func (s *Service) check(f Filing, now time.Time) (checked, problem.Problems) {
	var errs problem.Problems
	c := checked{f: f}
	s.checkReport(f, &errs)
	if f.Incident == "" {
		s.checkNewIncident(&c, now, &errs)
	} else if f.Title != "" || f.Category != "" || f.DetectedAt != "" || len(f.Duties) > 0 || f.TLP != "" {
		errs.Add("incident", "", "a follow-up keeps the incident's title, category, times, TLP and duties; leave those out")
	}
	checkContent(&c, &errs)
	return c, errs
}

// checkText checks a free-text field: present when required, at most
// maxText bytes, valid UTF-8.
func checkText(errs *problem.Problems, field, v string, required bool) {
	switch {
	case required && strings.TrimSpace(v) == "":
		errs.Add(field, "required", "is required")
	case len(v) > maxText:
		errs.Add(field, "", "is %d bytes; at most %d are accepted", len(v), maxText)
	case !utf8.ValidString(v):
		errs.Add(field, "", "is not valid UTF-8")
	}
}

// checkReport checks what every report says: its type and stage, what
// happened, the status and the critical computer.
func (s *Service) checkReport(f Filing, errs *problem.Problems) {
	rt := s.Deadlines.Type(f.Type)
	if rt == nil {
		errs.Add("type", "choice", "%q is not a report type (want %s)", f.Type, strings.Join(s.Deadlines.TypeIDs(), ", "))
	} else if rt.Stage(f.Stage) == nil {
		names := make([]string, len(rt.Stages))
		for i, st := range rt.Stages {
			names[i] = st.Stage
		}
		errs.Add("stage", "choice", "%q is not a stage of %s (want %s)", f.Stage, f.Type, strings.Join(names, ", "))
	}
	checkText(errs, "what_happened", f.WhatHappened, true)
	checkText(errs, "systems_affected", f.SystemsAffected, false)
	checkText(errs, "service_impact", f.ServiceImpact, false)
	if !slices.Contains(Statuses, f.CurrentStatus) {
		errs.Add("current_status", "choice", "%q is not a status (want %s)", f.CurrentStatus, strings.Join(Statuses, ", "))
	}
}

// checkNewIncident checks what the first report of a new incident says of
// it: what it is, which reports it owes, when it began and its TLP.
func (s *Service) checkNewIncident(c *checked, now time.Time, errs *problem.Problems) {
	f := c.f
	checkText(errs, "title", f.Title, true)
	if !slices.Contains(Categories, f.Category) {
		errs.Add("category", "choice", "%q is not a category (want %s)", f.Category, strings.Join(Categories, ", "))
	}
	if f.Stage != "" && f.Stage != "initial" {
		errs.Add("stage", "", "a new incident starts with its initial report; file %q as a follow-up of the incident", f.Stage)
	}
	if len(f.Duties) == 0 {
		errs.Add("duties", "choice", "name the reports this incident owes (%s)", strings.Join(s.Deadlines.TypeIDs(), ", "))
	}
	for i, d := range f.Duties {
		if s.Deadlines.Type(d) == nil {
			errs.Add(fmt.Sprintf("duties[%d]", i), "", "%q is not a report type", d)
		}
	}
	if f.Type != "" && len(f.Duties) > 0 && !slices.Contains(f.Duties, f.Type) {
		errs.Add("type", "", "%s is not among the duties of the incident", f.Type)
	}
	checkTimes(c, now, errs)
	c.tlp = policy.Amber
	if f.TLP != "" {
		var err error
		if c.tlp, err = policy.ParseTLP(f.TLP); err != nil {
			errs.Add("tlp", "choice", "%v", err)
		}
	}
}

// checkTimes reads when a new incident was detected and when the reporter
// became aware of it (the detection, when not given): neither in the future
// (five minutes of clock skew allowed), awareness not before detection.
func checkTimes(c *checked, now time.Time, errs *problem.Problems) {
	f := c.f
	var err error
	if f.DetectedAt == "" {
		errs.Add("detected_at", "required", "is required")
	} else if c.detected, err = parseTime(f.DetectedAt); err != nil {
		errs.Add("detected_at", "time", "%v", err)
	} else if c.detected.After(now.Add(5 * time.Minute)) {
		errs.Add("detected_at", "future", "%s is in the future", c.detected.In(jst.Zone).Format("2006-01-02 15:04 MST"))
	}
	c.aware = c.detected
	if f.AwareAt == "" {
		return
	}
	if c.aware, err = parseTime(f.AwareAt); err != nil {
		errs.Add("aware_at", "time", "%v", err)
	} else if c.aware.After(now.Add(5 * time.Minute)) {
		errs.Add("aware_at", "future", "%s is in the future", c.aware.In(jst.Zone).Format("2006-01-02 15:04 MST"))
	} else if !c.detected.IsZero() && c.aware.Before(c.detected) {
		errs.Add("aware_at", "", "is before detected_at")
	}
}

// checkContent checks what a report carries beside its text: the consent to
// share, indicators, figures, a STIX bundle and attachments.
func checkContent(c *checked, errs *problem.Problems) {
	f := c.f
	c.consent = policy.ConsentCenter
	if f.Consent != "" {
		var err error
		if c.consent, err = policy.ParseConsent(f.Consent); err != nil {
			errs.Add("consent", "", "%v", err)
		}
	}
	for i, ind := range f.Indicators {
		if strings.TrimSpace(ind) == "" || len(ind) > 2048 || !utf8.ValidString(ind) {
			errs.Add(fmt.Sprintf("indicators[%d]", i), "", "must be a non-empty value of at most 2048 bytes")
		}
	}
	if f.Details.EncryptedHosts < 0 || f.Details.PeakBPS < 0 || f.Details.PeakPPS < 0 || f.Details.DurationMinutes < 0 {
		errs.Add("details", "", "counts and rates cannot be negative")
	}
	if len(f.STIX) > 0 && !bytes.Equal(bytes.TrimSpace(f.STIX), []byte("null")) {
		var b struct {
			Type    string                       `json:"type"`
			Objects []map[string]json.RawMessage `json:"objects"`
		}
		if err := json.Unmarshal(f.STIX, &b); err != nil || b.Type != "bundle" {
			errs.Add("stix", "", "must be a STIX 2.1 bundle of objects ({\"type\": \"bundle\", \"objects\": [{…}]})")
		} else if len(b.Objects) == 0 {
			errs.Add("stix", "", "the bundle has no objects")
		}
	}
	if len(f.Attachments) > MaxAttachments {
		errs.Add("attachments", "", "%d attachments; at most %d are accepted", len(f.Attachments), MaxAttachments)
	}
	for i, a := range f.Attachments {
		field := fmt.Sprintf("attachments[%d]", i)
		at, msg := checkAttachment(a)
		if msg != "" {
			errs.Add(field, attachmentCode(msg), "%s", msg)
			continue
		}
		c.attachments = append(c.attachments, at)
	}
}

// checkAttachment decodes one attachment and checks its size and its type,
// sniffed from its content.
func checkAttachment(a AttachmentIn) (Attachment, string) {
	name := strings.TrimSpace(a.Name)
	if name == "" || len(name) > 255 || strings.ContainsAny(name, "/\\\x00") || !utf8.ValidString(name) {
		return Attachment{}, "needs a file name of at most 255 bytes without '/' or '\\'"
	}
	if base64.StdEncoding.DecodedLen(len(a.Content)) > MaxAttachmentBytes+3 {
		return Attachment{}, fmt.Sprintf("%s is larger than the limit of %d MiB", name, MaxAttachmentBytes>>20)
	}
	data, err := base64.StdEncoding.DecodeString(a.Content)
	if err != nil {
		return Attachment{}, fmt.Sprintf("%s: content_base64 is not base64: %v", name, err)
	}
	return NewAttachment(name, data)
}

// NewAttachment checks raw attachment bytes (size limit, sniffed type) and
// returns the attachment, or a message saying what is wrong.
func NewAttachment(name string, data []byte) (Attachment, string) {
	if len(data) == 0 {
		return Attachment{}, name + " is empty"
	}
	if len(data) > MaxAttachmentBytes {
		return Attachment{}, fmt.Sprintf("%s is %d bytes, larger than the limit of %d MiB", name, len(data), MaxAttachmentBytes>>20)
	}
	ct := http.DetectContentType(data)
	if !slices.Contains(AllowedTypes, ct) {
		return Attachment{}, fmt.Sprintf("%s is %s, which is not accepted (PDF, PNG, JPEG, GIF, UTF-8 text or ZIP)", name, ct)
	}
	return Attachment{Name: name, ContentType: ct, Size: int64(len(data)), SHA256: sha256Hex(data), Data: data}, ""
}

// attachmentCode classifies an attachment problem for translation.
func attachmentCode(msg string) string {
	switch {
	case strings.Contains(msg, "larger than the limit"):
		return "too_large"
	case strings.Contains(msg, "is not accepted"):
		return "type"
	}
	return ""
}
