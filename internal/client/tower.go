package client

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"renkei/internal/advisory"
	"renkei/internal/cases"
	"renkei/internal/consult"
	"renkei/internal/cop"
	"renkei/internal/incident"
	"renkei/internal/store"
	"renkei/internal/warninglist"
)

// Objects and the command tower's records: incident reports and their
// deadlines, critical computers, cases, advisories, consultations and the
// common operating picture. The records are the capabilities' own types,
// which the API writes as they are.

// ObjectPage is one page of a search of objects, each as the hub presents
// it to the caller.
type ObjectPage struct {
	Objects []json.RawMessage `json:"objects"`
	More    bool              `json:"more"`
	Cursor  string            `json:"cursor,omitempty"`
}

// ObjectQuery searches the objects the caller may see.
type ObjectQuery struct {
	Search string // q: words in names, descriptions and patterns
	Type   string
	TLP    string // clear, green, amber, amber+strict, red
	Limit  int
	Cursor string
}

// Sightings sums up the sightings of an object the caller may see: how
// many sighting objects, the sum of their counts, and when first and last.
type Sightings struct {
	Sightings int64  `json:"sightings"`
	Count     int64  `json:"count"`
	FirstSeen string `json:"first_seen,omitempty"`
	LastSeen  string `json:"last_seen,omitempty"`
}

// ObjectWithSightings is one object as the hub presents it, its TLP and
// its sightings.
type ObjectWithSightings struct {
	Object    json.RawMessage `json:"object"`
	TLP       string          `json:"tlp"`
	Sightings Sightings       `json:"sightings"`
	// WarninglistHits are the warninglists that hold the indicator's values
	// (also in the object, under Renkei's extension).
	WarninglistHits []warninglist.ValueHit `json:"warninglist_hits,omitempty"`
}

// Objects searches the objects the caller may see, newest first.
func (c *Client) Objects(ctx context.Context, q ObjectQuery) (ObjectPage, error) {
	v := url.Values{}
	for k, s := range map[string]string{"q": q.Search, "type": q.Type, "tlp": q.TLP, "cursor": q.Cursor} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	var p ObjectPage
	err := c.do(ctx, http.MethodGet, withQuery("/api/v1/objects", v), nil, &p)
	return p, err
}

// Object reads one object with its sightings.
func (c *Client) Object(ctx context.Context, id string) (ObjectWithSightings, error) {
	var o ObjectWithSightings
	err := c.do(ctx, http.MethodGet, "/api/v1/objects/"+url.PathEscape(id), nil, &o)
	return o, err
}

// Submit posts a STIX bundle to the members' collection and returns its status.
func (c *Client) Submit(ctx context.Context, bundle any) (store.Status, error) {
	var st store.Status
	err := c.do(ctx, http.MethodPost, "/api/v1/objects", bundle, &st)
	return st, err
}

// Deadline is one deadline of an incident, with whether it has passed
// (Overdue, now) and whether what it asked came after it (Late).
type Deadline struct {
	incident.Deadline
	Overdue bool `json:"overdue"`
	Late    bool `json:"late"`
}

// Incident is an incident as the API returns it: its TLP by label and its
// deadlines.
type Incident struct {
	incident.Incident
	TLP       string     `json:"tlp"`
	Deadlines []Deadline `json:"deadlines"`
}

// FiledReport is the answer to a report filed: the report and its incident.
type FiledReport struct {
	Report   incident.Report `json:"report"`
	Incident Incident        `json:"incident"`
}

// IncidentQuery filters incidents: only overdue ones, one organization's.
type IncidentQuery struct {
	Overdue bool
	Org     string
}

// Incidents lists the incidents the caller may see.
func (c *Client) Incidents(ctx context.Context, q IncidentQuery) ([]Incident, error) {
	v := url.Values{}
	if q.Overdue {
		v.Set("overdue", "1")
	}
	if q.Org != "" {
		v.Set("org", q.Org)
	}
	var out struct {
		Incidents []Incident `json:"incidents"`
	}
	err := c.do(ctx, http.MethodGet, withQuery("/api/v1/reports", v), nil, &out)
	return out.Incidents, err
}

// FileReport files an incident report (a first report, an update or a final one).
func (c *Client) FileReport(ctx context.Context, f incident.Filing) (FiledReport, error) {
	var out FiledReport
	err := c.do(ctx, http.MethodPost, "/api/v1/reports", f, &out)
	return out, err
}

// Incident reads one incident, named by its public id, with its reports and
// deadlines.
func (c *Client) Incident(ctx context.Context, id string) (Incident, error) {
	var out Incident
	err := c.do(ctx, http.MethodGet, "/api/v1/reports/"+url.PathEscape(id), nil, &out)
	return out, err
}

// Attachment downloads an attachment of a report, named by its public id.
func (c *Client) Attachment(ctx context.Context, id string) ([]byte, error) {
	return c.send(ctx, http.MethodGet, "/api/v1/attachments/"+url.PathEscape(id), nil)
}

// ComputerChange is a change to a critical computer: its new description,
// what changed, or its retirement.
type ComputerChange struct {
	incident.Computer
	Change string `json:"change"`
	Retire bool   `json:"retire"`
}

// Computers lists the critical computers the caller may see.
func (c *Client) Computers(ctx context.Context, sector string, retired bool) ([]incident.Computer, error) {
	v := url.Values{}
	if sector != "" {
		v.Set("sector", sector)
	}
	if retired {
		v.Set("retired", "1")
	}
	var out struct {
		Computers []incident.Computer `json:"computers"`
	}
	err := c.do(ctx, http.MethodGet, withQuery("/api/v1/computers", v), nil, &out)
	return out.Computers, err
}

// RegisterComputer registers a critical computer.
func (c *Client) RegisterComputer(ctx context.Context, cc incident.Computer) (incident.Computer, error) {
	var out incident.Computer
	err := c.do(ctx, http.MethodPost, "/api/v1/computers", cc, &out)
	return out, err
}

// ChangeComputer records a change to a critical computer.
func (c *Client) ChangeComputer(ctx context.Context, id string, ch ComputerChange) (incident.Computer, error) {
	var out incident.Computer
	err := c.do(ctx, http.MethodPost, "/api/v1/computers/"+url.PathEscape(id)+"/changes", ch, &out)
	return out, err
}

// CaseQuery filters cases.
type CaseQuery struct {
	Status, Assignee, Source string
	Open                     bool
}

// Cases lists the cases the caller may see.
func (c *Client) Cases(ctx context.Context, q CaseQuery) ([]cases.Case, error) {
	v := url.Values{}
	for k, s := range map[string]string{"status": q.Status, "assignee": q.Assignee, "source": q.Source} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if q.Open {
		v.Set("open", "1")
	}
	var out struct {
		Cases []cases.Case `json:"cases"`
	}
	err := c.do(ctx, http.MethodGet, withQuery("/api/v1/cases", v), nil, &out)
	return out.Cases, err
}

// OpenCase opens a case.
func (c *Client) OpenCase(ctx context.Context, k cases.Case) (cases.Case, error) {
	var out cases.Case
	err := c.do(ctx, http.MethodPost, "/api/v1/cases", k, &out)
	return out, err
}

// Case reads one case, named by its public id.
func (c *Client) Case(ctx context.Context, id string) (cases.Case, error) {
	var out cases.Case
	err := c.do(ctx, http.MethodGet, "/api/v1/cases/"+url.PathEscape(id), nil, &out)
	return out, err
}

// ActOnCase changes a case (status, severity, assignee, a note, a link).
func (c *Client) ActOnCase(ctx context.Context, id string, a cases.Act) (cases.Case, error) {
	var out cases.Case
	err := c.do(ctx, http.MethodPost, "/api/v1/cases/"+url.PathEscape(id)+"/actions", a, &out)
	return out, err
}

// AddCaseTask adds a task to a case.
func (c *Client) AddCaseTask(ctx context.Context, id string, t cases.NewTask) (cases.Task, error) {
	var out cases.Task
	err := c.do(ctx, http.MethodPost, "/api/v1/cases/"+url.PathEscape(id)+"/tasks", t, &out)
	return out, err
}

// SetCaseTask marks a task of a case done or open, or changes its assignee
// or due date.
func (c *Client) SetCaseTask(ctx context.Context, id, task string, ch cases.TaskChange) (cases.Task, error) {
	var out cases.Task
	err := c.do(ctx, http.MethodPatch, "/api/v1/cases/"+url.PathEscape(id)+"/tasks/"+url.PathEscape(task), ch, &out)
	return out, err
}

// CaseTemplates lists the case templates: shipped with Renkei and the center's.
func (c *Client) CaseTemplates(ctx context.Context) ([]cases.Template, error) {
	var out struct {
		Templates []cases.Template `json:"templates"`
	}
	err := c.do(ctx, http.MethodGet, "/api/v1/case-templates", nil, &out)
	return out.Templates, err
}

// PutCaseTemplate adds or replaces one of the center's case templates,
// given as its JSON.
func (c *Client) PutCaseTemplate(ctx context.Context, name string, body json.RawMessage) (cases.Template, error) {
	var out cases.Template
	err := c.do(ctx, http.MethodPut, "/api/v1/case-templates/"+url.PathEscape(name), body, &out)
	return out, err
}

// AdvisoryWithTargets is an advisory and where it stands with each target.
type AdvisoryWithTargets struct {
	Advisory advisory.Advisory `json:"advisory"`
	Targets  []advisory.Target `json:"targets"`
}

// Evidence completes a request with what was done.
type Evidence struct {
	Evidence string `json:"evidence"`
}

// Advisories lists the advisories and requests the caller may see; kind ""
// lists every kind.
func (c *Client) Advisories(ctx context.Context, kind string, open bool) ([]advisory.Advisory, error) {
	v := url.Values{}
	if kind != "" {
		v.Set("kind", kind)
	}
	if open {
		v.Set("open", "1")
	}
	var out struct {
		Advisories []advisory.Advisory `json:"advisories"`
	}
	err := c.do(ctx, http.MethodGet, withQuery("/api/v1/advisories", v), nil, &out)
	return out.Advisories, err
}

// PublishAdvisory issues an advisory, a correction request or a supplier request.
func (c *Client) PublishAdvisory(ctx context.Context, a advisory.Advisory) (advisory.Advisory, error) {
	var out advisory.Advisory
	err := c.do(ctx, http.MethodPost, "/api/v1/advisories", a, &out)
	return out, err
}

// Advisory reads one advisory, named by its public id, with its targets.
func (c *Client) Advisory(ctx context.Context, id string) (AdvisoryWithTargets, error) {
	var out AdvisoryWithTargets
	err := c.do(ctx, http.MethodGet, "/api/v1/advisories/"+url.PathEscape(id), nil, &out)
	return out, err
}

// AcknowledgeAdvisory acknowledges an advisory for the caller's organization.
func (c *Client) AcknowledgeAdvisory(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodPost, "/api/v1/advisories/"+url.PathEscape(id)+"/ack", nil, nil)
}

// CompleteAdvisory completes a request with evidence of what was done.
func (c *Client) CompleteAdvisory(ctx context.Context, id string, evidence string) error {
	return c.do(ctx, http.MethodPost, "/api/v1/advisories/"+url.PathEscape(id)+"/complete", Evidence{evidence}, nil)
}

// ConsultationRequest asks the center (or a designated handler) a question.
type ConsultationRequest struct {
	Kind    string `json:"kind"`
	Subject string `json:"subject"`
	Body    string `json:"body"`
	Handler string `json:"handler,omitempty"`
}

// ConsultationReply answers a consultation, or hands it to another (To).
type ConsultationReply struct {
	Kind string `json:"kind"`
	Body string `json:"body"`
	To   string `json:"to,omitempty"`
}

// HandlerRequest designates (or withdraws) an organization as the handler
// of a consultation topic; Org is a name or an id.
type HandlerRequest struct {
	Topic string `json:"topic"`
	Org   string `json:"org"`
}

// Consultations lists the consultations the caller may see; status "" lists all.
func (c *Client) Consultations(ctx context.Context, status string) ([]consult.Request, error) {
	v := url.Values{}
	if status != "" {
		v.Set("status", status)
	}
	var out struct {
		Consultations []consult.Request `json:"consultations"`
	}
	err := c.do(ctx, http.MethodGet, withQuery("/api/v1/consultations", v), nil, &out)
	return out.Consultations, err
}

// AskConsultation asks a question.
func (c *Client) AskConsultation(ctx context.Context, r ConsultationRequest) (consult.Request, error) {
	var out consult.Request
	err := c.do(ctx, http.MethodPost, "/api/v1/consultations", r, &out)
	return out, err
}

// Consultation reads one consultation, named by its public id, with its
// messages.
func (c *Client) Consultation(ctx context.Context, id string) (consult.Request, error) {
	var out consult.Request
	err := c.do(ctx, http.MethodGet, "/api/v1/consultations/"+url.PathEscape(id), nil, &out)
	return out, err
}

// ReplyConsultation replies to a consultation.
func (c *Client) ReplyConsultation(ctx context.Context, id string, r ConsultationReply) (consult.Request, error) {
	var out consult.Request
	err := c.do(ctx, http.MethodPost, "/api/v1/consultations/"+url.PathEscape(id)+"/replies", r, &out)
	return out, err
}

// ConsultationHandlers lists the designated handlers; topic "" lists all.
func (c *Client) ConsultationHandlers(ctx context.Context, topic string) ([]consult.Handler, error) {
	v := url.Values{}
	if topic != "" {
		v.Set("topic", topic)
	}
	var out struct {
		Handlers []consult.Handler `json:"handlers"`
	}
	err := c.do(ctx, http.MethodGet, withQuery("/api/v1/consultations/handlers", v), nil, &out)
	return out.Handlers, err
}

// DesignateHandler designates an organization as a topic's handler (the center).
func (c *Client) DesignateHandler(ctx context.Context, r HandlerRequest) (consult.Handler, error) {
	var out struct {
		Handler consult.Handler `json:"handler"`
	}
	err := c.do(ctx, http.MethodPost, "/api/v1/consultations/handlers", r, &out)
	return out.Handler, err
}

// RevokeHandler withdraws a designation (the center).
func (c *Client) RevokeHandler(ctx context.Context, r HandlerRequest) error {
	return c.do(ctx, http.MethodPost, "/api/v1/consultations/handlers/revoke", r, nil)
}

// COP reads the common operating picture over the last days (0: the hub's default).
func (c *Client) COP(ctx context.Context, days int) (cop.Figures, error) {
	v := url.Values{}
	if days > 0 {
		v.Set("days", strconv.Itoa(days))
	}
	var f cop.Figures
	err := c.do(ctx, http.MethodGet, withQuery("/api/v1/cop", v), nil, &f)
	return f, err
}

// COPCSV copies the common operating picture as CSV to w.
func (c *Client) COPCSV(ctx context.Context, days int, w io.Writer) error {
	v := url.Values{"format": {"csv"}}
	if days > 0 {
		v.Set("days", strconv.Itoa(days))
	}
	data, err := c.send(ctx, http.MethodGet, withQuery("/api/v1/cop", v), nil)
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}
