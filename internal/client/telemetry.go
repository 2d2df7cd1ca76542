package client

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"renkei/internal/telemetry"
)

// Telemetry sources under the law's approvals, the records read for a
// stated purpose, the matches telemetry produced, and the exports devices
// poll.

// Unregistered counts the datagrams dropped from a sender that is no
// registered exporter.
type Unregistered struct {
	Sender    string    `json:"sender"`
	Datagrams int64     `json:"datagrams"`
	Last      time.Time `json:"last"`
}

// Source is a telemetry source as the API returns it, with its approval
// and whether collection is in force.
type Source struct {
	ID            string    `json:"id"`
	Name          string    `json:"name"`
	LegalBasis    string    `json:"legal_basis"`
	ApprovalRef   string    `json:"approval_ref"`
	Approval      *Approval `json:"approval,omitempty"`
	InForce       bool      `json:"in_force"`
	NotInForceWhy string    `json:"not_in_force_why,omitempty"`
	OperatorOrg   string    `json:"operator_org,omitempty"`
	Directions    []string  `json:"directions"`
	RetentionSecs int64     `json:"retention_seconds"`
	Pseudonymize  []string  `json:"pseudonymize,omitempty"`
	// PrefixPreserving: Crypto-PAn instead of keyed pseudonyms (C4).
	PrefixPreserving bool             `json:"prefix_preserving"`
	Counts           map[string]int64 `json:"counts"`
	// Exporters are ADDR or ADDR/DOMAIN; Unregistered the datagrams dropped per other sender.
	Exporters      []string       `json:"exporters"`
	Unregistered   []Unregistered `json:"unregistered"`
	Received       int64          `json:"received"`
	ReceivedPerSec float64        `json:"received_per_second_avg"`
	KeptPerSec     float64        `json:"kept_per_second_avg"`
	Created        time.Time      `json:"created"`
}

// SourceRequest registers a telemetry source (hub administrators);
// Retention is a duration such as "30d".
type SourceRequest struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	LegalBasis   string   `json:"legal_basis"`
	ApprovalRef  string   `json:"approval_ref"`
	OperatorOrg  string   `json:"operator_org,omitempty"`
	Directions   []string `json:"directions"`
	Retention    string   `json:"retention"`
	Pseudonymize []string `json:"pseudonymize,omitempty"`
	// PrefixPreserving asks for Crypto-PAn pseudonyms; the approval must require them.
	PrefixPreserving bool `json:"prefix_preserving,omitempty"`
}

// ExporterRequest names an exporter of a source: ADDR or ADDR/DOMAIN.
type ExporterRequest struct {
	Exporter string `json:"exporter"`
}

// SourceRecords are records of a source read for a purpose, and the audit
// log entry that read was recorded at.
type SourceRecords struct {
	Records    []telemetry.Record `json:"records"`
	AuditIndex uint64             `json:"audit_index"`
}

// TelemetryMatches are the sightings matching produced from telemetry, as
// the hub presents them, and the alerts raised.
type TelemetryMatches struct {
	Sightings []json.RawMessage `json:"sightings"`
	Alerts    []Alert           `json:"alerts"`
}

// Sources lists the telemetry sources.
func (c *Client) Sources(ctx context.Context) ([]Source, error) {
	var out struct {
		Sources []Source `json:"sources"`
	}
	err := c.do(ctx, http.MethodGet, "/api/v1/telemetry/sources", nil, &out)
	return out.Sources, err
}

// AddSource registers a telemetry source.
func (c *Client) AddSource(ctx context.Context, r SourceRequest) (Source, error) {
	var out Source
	err := c.do(ctx, http.MethodPost, "/api/v1/telemetry/sources", r, &out)
	return out, err
}

// AddExporter registers an exporter of a source.
func (c *Client) AddExporter(ctx context.Context, source, exporter string) (Source, error) {
	var out Source
	err := c.do(ctx, http.MethodPost, "/api/v1/telemetry/sources/"+url.PathEscape(source)+"/exporters", ExporterRequest{exporter}, &out)
	return out, err
}

// RemoveExporter removes an exporter of a source.
func (c *Client) RemoveExporter(ctx context.Context, source, exporter string) (Source, error) {
	var out Source
	err := c.do(ctx, http.MethodDelete, "/api/v1/telemetry/sources/"+url.PathEscape(source)+"/exporters?exporter="+url.QueryEscape(exporter), nil, &out)
	return out, err
}

// SourceRecords reads up to limit records of a source for purpose, under
// an approval in force; the read is logged first.
func (c *Client) SourceRecords(ctx context.Context, source, purpose string, limit int) (SourceRecords, error) {
	v := url.Values{"purpose": {purpose}}
	if limit > 0 {
		v.Set("limit", strconv.Itoa(limit))
	}
	var out SourceRecords
	err := c.do(ctx, http.MethodGet, withQuery("/api/v1/telemetry/sources/"+url.PathEscape(source)+"/records", v), nil, &out)
	return out, err
}

// TelemetryMatches reads up to limit sightings matching produced and their alerts.
func (c *Client) TelemetryMatches(ctx context.Context, limit int) (TelemetryMatches, error) {
	v := url.Values{}
	if limit > 0 {
		v.Set("limit", strconv.Itoa(limit))
	}
	var out TelemetryMatches
	err := c.do(ctx, http.MethodGet, withQuery("/api/v1/telemetry/matches", v), nil, &out)
	return out, err
}

// Export reads the indicators the caller may use in a device's format
// (edl, suricata, zeek, rpz, csv…), with a read-only token; zone names
// an RPZ zone ("" for the hub's default).
func (c *Client) Export(ctx context.Context, format, zone string) ([]byte, error) {
	v := url.Values{}
	if zone != "" {
		v.Set("zone", zone)
	}
	return c.send(ctx, http.MethodGet, withQuery("/api/v1/exports/"+url.PathEscape(format), v), nil)
}
