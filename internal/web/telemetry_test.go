package web

import (
	"context"
	"encoding/json"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"renkei/internal/approval"
	"renkei/internal/auth"
	"renkei/internal/store/storetest"
	"renkei/internal/telemetry"
)

// withTelemetry registers a source under an approval the committee decided,
// gives it counts, and has a real matcher handle one batch in which an
// indicator of the power company meets Minato Water's address space.
func (e *env) withTelemetry(approve bool) (indicator string) {
	e.t.Helper()
	ctx := context.Background()
	e.withOverseer()
	a := e.fileApproval(approval.KindCollectionAgreement, false)
	if approve {
		o, _ := e.h.DB.UserByLogin(ctx, "iinkai")
		committee, _ := e.h.DB.CommitteeOrg(ctx)
		if _, err := e.app.Approvals.Decide(ctx, auth.Caller{User: o, Org: committee}, a.ID, true, "proportionate"); err != nil {
			e.t.Fatal(err)
		}
	}
	now := time.Now().UTC()
	if err := telemetry.AddSource(ctx, e.h.DB, telemetry.Source{ID: "power-border", Name: "Power Co border", LegalBasis: telemetry.BasisAgreement,
		ApprovalRef: "approval-" + jsonText(a.ID), Retention: 48 * time.Hour, Created: now.Add(-100 * time.Second)}); err != nil {
		e.t.Fatal(err)
	}
	if err := telemetry.AddCounts(ctx, e.h.DB, "power-border", telemetry.Counts{"kept": 700, "dropped:domestic-domestic": 300, "refused:odd-new-reason": 4}); err != nil {
		e.t.Fatal(err)
	}
	if err := telemetry.SaveRanges(ctx, e.h.DB, "t-1", []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}); err != nil {
		e.t.Fatal(err)
	}
	if err := telemetry.AddAddressSpace(ctx, e.h.DB, e.water.ID, netip.MustParsePrefix("192.0.2.0/25")); err != nil {
		e.t.Fatal(err)
	}
	indicator = submitIndicator(e.t, e.as("power-analyst"), "C2 server", "203.0.113.5", "green", nil)
	now = time.Now().UTC() // the indicator is valid from its submission
	w := &telemetry.Worker{Service: e.app.Telemetry}
	if err := w.Prepare(ctx); err != nil {
		e.t.Fatal(err)
	}
	batch, _ := json.Marshal([]telemetry.Selected{{Source: "power-border", Src: netip.MustParseAddr("203.0.113.5"), Dst: netip.MustParseAddr("192.0.2.10"),
		SrcPort: 443, DstPort: 51000, Proto: 6, Start: now, End: now.Add(time.Second), Bytes: 1200, Packets: 4, Direction: telemetry.ForeignToDomestic}})
	if err := w.Handle(ctx, batch); err != nil {
		e.t.Fatal(err)
	}
	return indicator
}

var rateRE = regexp.MustCompile(`id="throughput">\s*<dt>[^<]*</dt><dd>\d+</dd>\s*<dt>[^<]*</dt><dd>([0-9.]+) /s</dd>`)

func jsonText(v any) string { b, _ := json.Marshal(v); return string(b) }

func TestTelemetryConsole(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newEnvOn(t, kind, Options{})
			ind := e.withTelemetry(true)
			for _, lang := range Languages {
				t.Run(lang, func(t *testing.T) {
					as := func(login string) *client { c := e.as(login); c.lang = lang; return c }
					page := func(c *client, path string, want int) string {
						t.Helper()
						st, body := c.get(path)
						if st != want {
							t.Fatalf("GET %s: %d, want %d\n%s", path, st, want, body)
						}
						if i := strings.Index(body, missingMark); i >= 0 {
							t.Fatalf("GET %s shows a missing key: %s", path, body[i:min(len(body), i+80)])
						}
						return body
					}
					for _, c := range []struct {
						name, login       string
						sources, sighting bool
						alerts            bool
						sourcePage        int
					}{
						{"center analyst sees sources and the matcher's sighting", "center-analyst", true, true, false, 200},
						{"overseer sees sources, no intelligence", "iinkai", true, false, false, 200},
						{"author sees its sighting, not sources", "power-analyst", false, true, true, 403},
						{"member whose space was involved sees the sighting and its alert", "water-analyst", false, true, true, 403},
					} {
						t.Run(c.name, func(t *testing.T) {
							who := as(c.login)
							body := page(who, "/telemetry", 200)
							if got := strings.Contains(body, `id="sources"`); got != c.sources {
								t.Fatalf("sources table shown: %v, want %v", got, c.sources)
							}
							if got := strings.Contains(body, `href="/objects/`+ind+`"`); got != c.sighting {
								t.Fatalf("sighting shown: %v, want %v", got, c.sighting)
							}
							if got := strings.Contains(body, `id="match-alerts"`); got != c.alerts {
								t.Fatalf("alerts shown: %v, want %v", got, c.alerts)
							}
							if c.login == "iinkai" && strings.Contains(body, `id="h-sightings"`) {
								t.Fatal("the committee is shown intelligence content")
							}
							if !strings.Contains(body, `href="/telemetry"`) {
								t.Fatal("no navigation entry")
							}
							page(who, "/telemetry/sources/power-border", c.sourcePage)
						})
					}
					body := page(as("center-analyst"), "/telemetry/sources/power-border", 200)
					for _, want := range []string{`id="counts-chart"`, "<svg", ">700<", ">300<", ">4<", "odd-new-reason", `class="tag ok"`, "approval-", "48 h"} {
						if !strings.Contains(body, want) {
							t.Errorf("source page lacks %q", want)
						}
					}
					// 1004 received over about 100 s.
					if m := rateRE.FindStringSubmatch(body); m == nil {
						t.Error("no throughput")
					} else if r, _ := strconv.ParseFloat(m[1], 64); r < 8 || r > 10.04 {
						t.Errorf("throughput %v/s, want about 10/s", r)
					}
					if lang == "ja" && !strings.Contains(body, "事業者との協定") || lang == "en" && !strings.Contains(body, "Agreement with an operator") {
						t.Error("legal basis not shown in the page's language")
					}
					page(as("center-analyst"), "/telemetry/sources/nowhere", 404)

					body = page(as("water-analyst"), "/telemetry/exports", 200)
					for _, want := range []string{"/api/v1/exports/edl", "/api/v1/exports/rpz", "curl -fsS -u 'water-analyst:rk_…'", "config system external-resource",
						"External Dynamic List", `id="export-urls"`} {
						if !strings.Contains(body, want) {
							t.Errorf("exports page lacks %q", want)
						}
					}
				})
			}
		})
	}
}

func TestTelemetrySourceNotInForce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	e.withTelemetry(false)
	_, body := e.as("center-analyst").get("/telemetry/sources/power-border")
	if !strings.Contains(body, `<strong class="bad">`) || !strings.Contains(body, "not in force") {
		t.Fatalf("a source whose approval was never decided must show it is not in force:\n%s", body)
	}
}

// TestTelemetryHandlerReadsRecordsWithPurpose: only a designated handler may
// read kept records in the console, only with a purpose, and the page shows
// the audit log index recorded before the records.
func TestTelemetryHandlerReadsRecordsWithPurpose(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newEnvOn(t, kind, Options{})
			ind := e.withTelemetry(true)
			ctx := context.Background()
			analyst := e.as("center-analyst")
			if _, body := analyst.get("/telemetry/sources/power-border"); strings.Contains(body, `id="records-form"`) {
				t.Fatal("an analyst is offered the records")
			}
			if st, _, _ := analyst.post("/telemetry/sources/power-border/records", url.Values{"purpose": {"curious"}}); st != 403 {
				t.Fatalf("an analyst reads records: %d", st)
			}
			handler := e.as("center-handler")
			if _, body := handler.get("/telemetry/sources/power-border"); !strings.Contains(body, `id="records-form"`) {
				t.Fatal("the handler is not offered the records form")
			}
			st, _, body := handler.post("/telemetry/sources/power-border/records", url.Values{"purpose": {"  "}})
			if st != 400 || !strings.Contains(body, `aria-invalid="true"`) || strings.Contains(body, `id="records"`) {
				t.Fatalf("without a purpose: %d", st)
			}
			before, _ := e.h.Audit.Size(ctx)
			st, _, body = handler.post("/telemetry/sources/power-border/records", url.Values{"purpose": {"incident 2026-113"}})
			if st != 200 || !strings.Contains(body, `id="receipt"`) || !strings.Contains(body, "203.0.113.5:443") || !strings.Contains(body, ind) {
				t.Fatalf("with a purpose: %d\n%s", st, body)
			}
			m := receiptRE.FindStringSubmatch(body)
			if m == nil {
				t.Fatal("no receipt number")
			}
			if idx, _ := strconv.ParseUint(m[1], 10, 64); idx < before {
				t.Fatalf("receipt %d predates the access (log size was %d)", idx, before)
			}
			if i := strings.Index(body, missingMark); i >= 0 {
				t.Fatalf("missing key: %s", body[i:min(len(body), i+80)])
			}
			if st, _, _ := handler.post("/telemetry/sources/nowhere/records", url.Values{"purpose": {"x"}}); st != 404 {
				t.Fatalf("unknown source: %d", st)
			}
		})
	}
}

var receiptRE = regexp.MustCompile(`id="receipt">[^<]*?(\d+)[^<\d]*</p>`)
