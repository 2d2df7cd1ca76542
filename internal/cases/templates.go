package cases

// Case templates (issue 18.7): per kind of incident, the first tasks of a
// case and the links to expect. The templates shipped with Renkei are data
// files in templates/ (embedded in the binary, versioned); the center adds
// its own, kept in the store as the JSON it gave. A case opened from a
// template gets its tasks, titled in the opener's language and due that many
// hours after the opening, and its page shows which of the expected links it
// still lacks.

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"renkei/internal/auth"
	"renkei/internal/incident"
	"renkei/internal/policy"
	"renkei/internal/problem"
	"renkei/internal/store"
)

// Template is a case template.
type Template struct {
	Name    string `json:"name"`    // [a-z0-9-], at most 40
	Version int    `json:"version"` // of a shipped template: raised at each change
	// Category is the kind of incident it is for (incident.Categories), or
	// "" for any.
	Category string            `json:"category,omitempty"`
	Title    map[string]string `json:"title"` // by language: "ja" required, "en"
	Severity string            `json:"severity,omitempty"`
	Tasks    []TemplateTask    `json:"tasks"`
	// Links are the kinds of link (LinkKinds) a case of this kind is
	// expected to have.
	Links []string `json:"links,omitempty"`
	// Shipped is true for a template shipped with Renkei, false for the
	// center's own. It is not read from the JSON.
	Shipped bool `json:"shipped"`
}

// TemplateTask is a task a template gives a new case.
type TemplateTask struct {
	Title map[string]string `json:"title"` // by language: "ja" required, "en"
	// DueHours, when above zero, makes the task due that many hours after
	// the case is opened.
	DueHours int `json:"due_hours,omitempty"`
	// Assignee "case" gives the task to the case's assignee; "" leaves it
	// unassigned.
	Assignee string `json:"assignee,omitempty"`
}

// Limits of a template.
const (
	maxTemplateBytes = 64 << 10
	maxTemplateTasks = 50
	maxTitleRunes    = 200
	maxDueHours      = 24 * 366
)

var templateName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)

//go:embed templates/*.json
var shippedFS embed.FS

// shipped are the templates shipped with Renkei, read once.
var shipped = func() []Template {
	ents, err := shippedFS.ReadDir("templates")
	if err != nil {
		panic(err)
	}
	var out []Template
	for _, e := range ents {
		b, err := shippedFS.ReadFile(path.Join("templates", e.Name()))
		if err != nil {
			panic(err)
		}
		t, err := ParseTemplate(b)
		if err != nil {
			panic(fmt.Sprintf("shipped case template %s: %v", e.Name(), err))
		}
		t.Shipped = true
		out = append(out, t)
	}
	return out
}()

// ParseTemplate reads a template from its JSON and checks it: a name, a
// version, a Japanese title, known category, severity and link kinds, at most
// 50 tasks each with a Japanese title and a due time within a year. Fields
// it does not know are refused, so that a misspelt one is not silently
// dropped. The problems are problem.Problems.
func ParseTemplate(b []byte) (Template, error) {
	var t Template
	if len(b) > maxTemplateBytes {
		return t, fmt.Errorf("case template: %w", problem.Problems{{Code: "template.invalid", Msg: "longer than 64 KiB"}})
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil {
		return t, fmt.Errorf("case template: %w", problem.Problems{{Code: "template.invalid", Msg: "not a template: " + err.Error()}})
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return t, fmt.Errorf("case template: %w", problem.Problems{{Code: "template.invalid", Msg: "not a template: more after its end"}})
	}
	t.Shipped = false
	var ps problem.Problems
	bad := func(field, msg string) {
		ps = append(ps, problem.Problem{Field: field, Code: "template.invalid", Msg: field + ": " + msg})
	}
	if !templateName.MatchString(t.Name) {
		bad("name", "want 1 to 40 of a-z, 0-9 and -, beginning with a letter or digit")
	}
	if t.Version < 0 {
		bad("version", "negative")
	}
	if t.Category != "" && !slices.Contains(incident.Categories, t.Category) {
		bad("category", fmt.Sprintf("%q is not one of %s", t.Category, strings.Join(incident.Categories, ", ")))
	}
	if t.Severity != "" && !slices.Contains(Severities, t.Severity) {
		bad("severity", fmt.Sprintf("%q is not one of %s", t.Severity, strings.Join(Severities, ", ")))
	}
	checkTitle := func(field string, m map[string]string) {
		if strings.TrimSpace(m["ja"]) == "" {
			bad(field, "a Japanese title (ja) is required")
		}
		for lang, s := range m {
			if lang != "ja" && lang != "en" {
				bad(field, fmt.Sprintf("language %q is not ja or en", lang))
			}
			if !utf8.ValidString(s) || utf8.RuneCountInString(s) > maxTitleRunes {
				bad(field, "at most 200 characters of UTF-8")
			}
		}
	}
	checkTitle("title", t.Title)
	if len(t.Tasks) > maxTemplateTasks {
		bad("tasks", "at most 50")
	}
	for i, k := range t.Tasks {
		f := fmt.Sprintf("tasks[%d]", i)
		checkTitle(f+".title", k.Title)
		if k.DueHours < 0 || k.DueHours > maxDueHours {
			bad(f+".due_hours", "between 0 and 8784")
		}
		if k.Assignee != "" && k.Assignee != "case" {
			bad(f+".assignee", `"case" or nothing`)
		}
	}
	for _, l := range t.Links {
		if !slices.Contains(LinkKinds, l) {
			bad("links", fmt.Sprintf("%q is not one of %s", l, strings.Join(LinkKinds, ", ")))
		}
	}
	if len(ps) > 0 {
		return t, fmt.Errorf("case template %s: %w", t.Name, ps)
	}
	return t, nil
}

// text is the title of m in lang, the Japanese one when it has none in lang.
func text(m map[string]string, lang string) string {
	if s := strings.TrimSpace(m[lang]); s != "" {
		return s
	}
	return strings.TrimSpace(m["ja"])
}

// TitleIn is the template's title in lang.
func (t Template) TitleIn(lang string) string { return text(t.Title, lang) }

// Templates returns the templates v may open cases from: those shipped with
// Renkei and the center's own, by name, to who works cases.
func (s *Service) Templates(ctx context.Context, v policy.Viewer) ([]Template, error) {
	if !policy.MayWorkCases(v) {
		return nil, fmt.Errorf("%w: only the center's analysts work cases", problem.ErrForbidden)
	}
	return s.templates(ctx)
}

func (s *Service) templates(ctx context.Context) ([]Template, error) {
	rows, err := s.DB.CaseTemplates(ctx)
	if err != nil {
		return nil, err
	}
	out := slices.Clone(shipped)
	for _, r := range rows {
		t, err := ParseTemplate([]byte(r.Body))
		if err != nil {
			return nil, fmt.Errorf("stored %w", err)
		}
		out = append(out, t)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// template returns the template named name; a problem when there is none.
func (s *Service) template(ctx context.Context, name string) (Template, *problem.Problem, error) {
	ts, err := s.templates(ctx)
	if err != nil {
		return Template{}, nil, err
	}
	for _, t := range ts {
		if t.Name == name {
			return t, nil, nil
		}
	}
	return Template{}, &problem.Problem{Field: "template", Code: "template.unknown", Value: name, Msg: fmt.Sprintf("template: no template %q", name)}, nil
}

// PutTemplate adds the center's template of the JSON b, or replaces the
// center's template of its name. A shipped template's name is refused: the
// center names its own variant differently.
func (s *Service) PutTemplate(ctx context.Context, c auth.Caller, b []byte) (Template, error) {
	if err := mayWork(c); err != nil {
		return Template{}, err
	}
	t, err := ParseTemplate(b)
	if err != nil {
		return t, err
	}
	if slices.ContainsFunc(shipped, func(x Template) bool { return x.Name == t.Name }) {
		return t, fmt.Errorf("case template %s: %w", t.Name, problem.Problems{{Field: "name", Code: "template.shipped", Value: t.Name,
			Msg: fmt.Sprintf("name: %q is a template shipped with Renkei; give yours another name", t.Name)}})
	}
	body, err := json.Marshal(t)
	if err != nil {
		return t, err
	}
	// Stored without its Shipped mark: ParseTemplate refuses no field it wrote.
	var m map[string]any
	_ = json.Unmarshal(body, &m)
	delete(m, "shipped")
	body, _ = json.Marshal(m)
	return t, s.DB.PutCaseTemplate(ctx, store.CaseTemplateRow{Name: t.Name, Body: string(body), CreatedBy: c.User.Login, Updated: s.now()})
}

// DeleteTemplate removes the center's template name. Shipped templates stay.
func (s *Service) DeleteTemplate(ctx context.Context, c auth.Caller, name string) error {
	if err := mayWork(c); err != nil {
		return err
	}
	return s.DB.DeleteCaseTemplate(ctx, name)
}

// fromTemplate fills a case opened from template t: its title and severity
// when not given, and its first tasks, titled in lang and due from now.
func fromTemplate(k *Case, t Template, lang string, now time.Time) []store.CaseTask {
	if strings.TrimSpace(k.Title) == "" {
		k.Title = t.TitleIn(lang)
	}
	if k.Severity == "" {
		k.Severity = t.Severity
	}
	var tasks []store.CaseTask
	for _, x := range t.Tasks {
		task := store.CaseTask{Title: text(x.Title, lang), Created: now}
		if x.DueHours > 0 {
			task.Due = now.Add(time.Duration(x.DueHours) * time.Hour)
		}
		if x.Assignee == "case" {
			task.Assignee = k.Assignee
		}
		tasks = append(tasks, task)
	}
	return tasks
}

// MissingLinks returns the kinds of link template t expects that case k
// does not have yet.
func MissingLinks(t Template, k Case) []string {
	var out []string
	for _, l := range t.Links {
		if !slices.ContainsFunc(k.Links, func(x Link) bool { return x.Kind == l }) {
			out = append(out, l)
		}
	}
	return out
}
