package web

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"renkei/internal/cases"
	"renkei/internal/consult"
	"renkei/internal/problem"
)

// TestCaseAndConsultProblemsInTheUsersLanguage posts refused case actions,
// consultations and replies, in Japanese (Accept-Language) and in English
// (the language switch), and looks for each problem said in that language,
// where the page has always shown the error.
func TestCaseAndConsultProblemsInTheUsersLanguage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	jaCenter, jaWater := e.as("center-analyst"), e.as("water-analyst")
	jaCenter.lang, jaWater.lang = "ja", "ja"
	enCenter, enWater := e.as("center-analyst"), e.as("water-analyst")
	enCenter.get("/?lang=en")
	enWater.get("/?lang=en")
	enCenter.get("/")
	enWater.get("/")

	st, loc, body := jaCenter.post("/cases", url.Values{"title": {"Phishing wave"}, "severity": {"high"}})
	if st != http.StatusSeeOther || !strings.HasPrefix(loc, "/cases/") {
		t.Fatalf("open case: %d %q\n%s", st, loc, body)
	}
	casePage := strings.TrimSuffix(loc, "?ok=opened")
	jaWater.get("/consult")
	st, loc, body = jaWater.post("/consult", url.Values{"kind": {"consultation"}, "subject": {"VPN logs"}, "body": {"Who reads them?"}})
	if st != http.StatusSeeOther || !strings.HasPrefix(loc, "/consult/") {
		t.Fatalf("ask: %d %q\n%s", st, loc, body)
	}
	consultPage := strings.TrimSuffix(loc, "?ok=asked")
	st, loc, body = jaWater.post("/consult", url.Values{"kind": {"consultation"}, "subject": {"Closed one"}, "body": {"x"}})
	if st != http.StatusSeeOther {
		t.Fatalf("ask: %d\n%s", st, body)
	}
	closedPage := strings.TrimSuffix(loc, "?ok=asked")
	jaWater.get(closedPage)
	if st, _, body := jaWater.post(closedPage+"/reply", url.Values{"kind": {"close"}}); st != http.StatusSeeOther {
		t.Fatalf("close: %d\n%s", st, body)
	}

	tests := []struct {
		name     string
		c        *client
		page     string // visited first, for its CSRF token
		path     string
		form     url.Values
		want     []string
		alertBox bool // the page's alert box, not the ask form's field error
	}{
		{"open case: no title, bad severity, ja", jaCenter, "/cases", "/cases", url.Values{"severity": {"apocalyptic"}},
			[]string{"重大度「apocalyptic」は選べる値（低、中、高、緊急）のいずれでもありません。"}, true},
		{"open case: bad severity, en", enCenter, "/cases", "/cases", url.Values{"title": {"x"}, "severity": {"apocalyptic"}},
			[]string{`Severity "apocalyptic" is not one of Low, Medium, High, Critical.`}, true},
		{"case: bad severity and unknown assignee, ja", jaCenter, casePage, casePage + "/act", url.Values{"severity": {"apocalyptic"}, "assignee": {"nobody"}},
			[]string{"重大度「apocalyptic」は選べる値（低、中、高、緊急）のいずれでもありません。利用者「nobody」は存在しません。"}, true},
		{"case: bad severity and unknown assignee, en", enCenter, casePage, casePage + "/act", url.Values{"severity": {"apocalyptic"}, "assignee": {"nobody"}},
			[]string{`Severity "apocalyptic" is not one of Low, Medium, High, Critical. There is no user "nobody".`}, true},
		{"case: assignee outside the center, ja", jaCenter, casePage, casePage + "/act", url.Values{"assignee": {"water-analyst"}},
			[]string{"「water-analyst」は統括室の利用者ではないため、担当者にできません。"}, true},
		{"case: bad status, en", enCenter, casePage, casePage + "/act", url.Values{"status": {"done"}},
			[]string{`Status "done" is not one of New, Investigating, Responding, Resolved, Closed.`}, true},
		{"case: nothing to do, ja", jaCenter, casePage, casePage + "/act", url.Values{"note": {"  "}},
			[]string{"変更する内容がありません。"}, true},
		{"case: nothing to do, en", enCenter, casePage, casePage + "/act", url.Values{},
			[]string{"Nothing to do: give a status, severity, assignee, note or link."}, true},
		{"case: note too long, ja", jaCenter, casePage, casePage + "/act", url.Values{"note": {strings.Repeat("x", 64<<10+1)}},
			[]string{"メモは64 KiBまでです。"}, true},
		{"consultation: empty, ja", jaWater, "/consult", "/consult", url.Values{"kind": {"gossip"}},
			[]string{"種別「gossip」は選べる値（相談、支援要請）のいずれでもありません。件名を入力してください。内容を入力してください。"}, false},
		{"consultation: empty, en", enWater, "/consult", "/consult", url.Values{"kind": {"consultation"}, "body": {"x"}},
			[]string{"The subject is required."}, false},
		{"consultation: subject too long, ja", jaWater, "/consult", "/consult", url.Values{"subject": {strings.Repeat("長", 200)}, "body": {"x"}},
			[]string{"件名は500バイトまでです。"}, false},
		{"reply: unknown kind, ja", jaWater, consultPage, consultPage + "/reply", url.Values{"kind": {"shout"}, "body": {"x"}},
			[]string{"返信の種別「shout」は選べる値（回答、質問、引き継ぎ、引き継ぎへの同意、引き継ぎの辞退、終了）のいずれでもありません。"}, true},
		{"reply: unknown kind, en", enWater, consultPage, consultPage + "/reply", url.Values{"kind": {"shout"}, "body": {"x"}},
			[]string{`Reply kind "shout" is not one of Answer, Question, Hand-off, Consent to hand-off, Hand-off declined, Close.`}, true},
		{"reply: no body, ja", jaWater, consultPage, consultPage + "/reply", url.Values{"kind": {"question"}},
			[]string{"内容を入力してください。"}, true},
		{"reply: hand-off to nobody, ja", jaCenter, consultPage, consultPage + "/reply", url.Values{"kind": {"handoff"}, "to": {"Nobody"}},
			[]string{"引き継ぎ先の組織「Nobody」は存在しません。"}, true},
		{"reply: hand-off to an organization not designated, en", enCenter, consultPage, consultPage + "/reply", url.Values{"kind": {"handoff"}, "to": {e.power.Name}},
			[]string{e.power.Name + " is not designated to handle this kind of request; a request can be handed only to the center or a designated organization."}, true},
		{"reply: consent with nothing pending, ja", jaWater, consultPage, consultPage + "/reply", url.Values{"kind": {"consent"}},
			[]string{"同意を待っている引き継ぎはありません。"}, true},
		{"reply: hand-off to the handler, en", enCenter, consultPage, consultPage + "/reply", url.Values{"kind": {"handoff"}, "to": {e.center.Name}},
			[]string{e.center.Name + " handles this request already."}, true},
		{"reply: closed, ja", jaWater, closedPage, closedPage + "/reply", url.Values{"kind": {"question"}, "body": {"again"}},
			[]string{"この依頼は終了しているため、返信できません。"}, true},
		{"reply: closed, en", enWater, closedPage, closedPage + "/reply", url.Values{"kind": {"question"}, "body": {"again"}},
			[]string{"This request is closed: it takes no more replies."}, true},
	}
	// What the API says; it must not reach the console.
	apiWords := regexp.MustCompile(`severity: "|status: "|assignee: |: is required|subject or body|kind: "|handoff: |invalid (case|request)|nothing to do: give|request \d+ is closed|case \d+:`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.c.get(tt.page)
			st, _, raw := tt.c.post(tt.path, tt.form)
			body := html.UnescapeString(raw)
			if st != http.StatusBadRequest {
				t.Fatalf("status %d, want 400\n%s", st, body)
			}
			shown := errorShown(body, tt.alertBox)
			for _, w := range tt.want {
				if !strings.Contains(shown, w) {
					t.Errorf("the error shown is %q, want it to contain %q", shown, w)
				}
			}
			if apiWords.MatchString(shown) {
				t.Errorf("the error shown is the API's message: %q", shown)
			}
			if strings.Contains(body, missingMark) || strings.Contains(body, "%!") {
				t.Errorf("a missing key or a bad argument: %s", shown)
			}
		})
	}
}

// errorShown is the text of the page's error paragraph: the alert box of a
// case or a consultation, or the field error above the ask form.
func errorShown(body string, alertBox bool) string {
	start := `<p class="field-error" role="alert">`
	if alertBox {
		start = `<p class="alert-box" role="alert">`
	}
	i := strings.Index(body, start)
	if i < 0 {
		return ""
	}
	rest := body[i+len(start):]
	return rest[:strings.Index(rest, "</p>")]
}

// TestTowerProblemCodesAreTranslated holds every problem code of cases and
// consultations to a text in each language, given the arguments it needs.
func TestTowerProblemCodesAreTranslated(t *testing.T) {
	t.Parallel()
	cats, err := loadCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range Languages {
		for _, code := range cases.ProblemCodes {
			p := problem.Problem{Code: code, Value: "v", Msg: "english"}
			if got := caseProblem(l, cats[l], p); got == p.Msg || strings.Contains(got, missingMark) || strings.Contains(got, "%!") {
				t.Errorf("%s: case problem %s says %q", l, code, got)
			}
		}
		for _, code := range consult.ProblemCodes {
			p := problem.Problem{Code: code, Value: "v", Msg: "english"}
			if got := consultProblem(l, cats[l], p); got == p.Msg || strings.Contains(got, missingMark) || strings.Contains(got, "%!") {
				t.Errorf("%s: consultation problem %s says %q", l, code, got)
			}
		}
	}
	if got := caseProblem("ja", cats["ja"], problem.Problem{Code: "severity.unknown", Value: "x"}); got != "重大度「x」は選べる値（低、中、高、緊急）のいずれでもありません。" {
		t.Errorf("severity.unknown in Japanese: %q", got)
	}
	if got := caseProblem("en", cats["en"], problem.Problem{Code: "some.new-code", Msg: "what the API says"}); got != "what the API says" {
		t.Errorf("an untranslated code: %q, want the English message", got)
	}
}
