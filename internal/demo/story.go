package demo

import (
	"context"
	"fmt"
	"net/netip"
	"path/filepath"
	"time"

	"renkei/internal/advisory"
	"renkei/internal/app"
	"renkei/internal/approval"
	"renkei/internal/auth"
	"renkei/internal/bus"
	"renkei/internal/designation"
	"renkei/internal/flow"
	"renkei/internal/huntpkg"
	"renkei/internal/incident"
	"renkei/internal/relevance"
	"renkei/internal/store"
	"renkei/internal/telemetry"
)

// Story says what the later steps of the story produced.
type Story struct {
	Approval  int64
	FlowsKept int
	HuntRuns  int
	KEVAlerts int
	Incidents int
	Steps     []string
}

// demoRanges stand for Japan's address space in the demo: documentation
// ranges, so that nothing real is named. A real hub loads the RIR list
// (renkei telemetry ranges-import).
var demoRanges = []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("198.51.100.0/24"), netip.MustParsePrefix("2001:db8::/32")}

// FillStory plays the steps of the story that need the hub's own services
// (the audit log, the stream, the signing keys under dataDir) after Fill:
// step 3, flow data collected under an approved agreement matching the power
// company's C2 address, alerting the power company and the water utility
// whose address space was involved; step 4, a hunting package to the energy
// and water sectors, run by three members who report back.
func FillStory(ctx context.Context, db *store.DB, dataDir string, now time.Time) (Story, error) {
	var st Story
	al, err := app.OpenAudit(ctx, db, app.AuditConfig{DataDir: dataDir})
	if err != nil {
		return st, err
	}
	defer al.Close()
	caps, err := app.New(ctx, app.Deps{Store: db, Audit: al}) // the story's acts are logged
	if err != nil {
		return st, err
	}
	h := caps.Hub
	caller := func(login string) (c auth.Caller, err error) { return huntpkg.CallerOf(ctx, h.DB, login) }

	// Step 3: the committee approves collection under the operator agreement.
	handler, err := caller("handler")
	if err != nil {
		return st, err
	}
	overseer, err := caller("overseer")
	if err != nil {
		return st, err
	}
	as := caps.Approvals
	a, err := as.File(ctx, handler, approval.Request{Kind: approval.KindCollectionAgreement,
		LegalBasis: "関東電力との協定 2026-14 (operator agreement)", Target: "関東電力 国際回線の境界ルータ / Kanto Electric international border routers",
		Justification: "C2 infrastructure seen in the intrusion reported on TLP:AMBER", ValidFrom: now.Add(-time.Hour), ValidUntil: now.AddDate(0, 3, 0)}, false)
	if err != nil {
		return st, fmt.Errorf("story step 3: %w", err)
	}
	if _, err := as.Decide(ctx, overseer, a.ID, true, "必要かつ相当 / necessary and proportionate"); err != nil {
		return st, fmt.Errorf("story step 3: %w", err)
	}
	st.Approval = a.ID
	kanto, _ := h.DB.Org(ctx, orgs[0].name)
	water, _ := h.DB.Org(ctx, orgs[2].name)
	if err := telemetry.AddSource(ctx, h.DB, telemetry.Source{ID: "kanto-border", Name: "関東電力 境界 / Kanto border", LegalBasis: telemetry.BasisAgreement,
		ApprovalRef: fmt.Sprintf("approval-%d", a.ID), OperatorOrg: kanto.ID, Retention: 30 * 24 * time.Hour, Created: now}); err != nil {
		return st, err
	}
	if err := telemetry.SaveRanges(ctx, h.DB, "demo-documentation-ranges", demoRanges); err != nil {
		return st, err
	}
	if err := telemetry.AddAddressSpace(ctx, h.DB, water.ID, netip.MustParsePrefix("192.0.2.0/25")); err != nil {
		return st, err
	}
	b, err := bus.Open(ctx, bus.Options{Dir: filepath.Join(dataDir, "nats")})
	if err != nil {
		return st, err
	}
	defer b.Close()
	p, err := telemetry.NewPipeline(ctx, caps.Telemetry, b, nil)
	if err != nil {
		return st, err
	}
	var recs []flow.Record
	for i := range 12 {
		t := now.Add(-time.Duration(90-i) * time.Minute)
		recs = append(recs,
			flow.Record{SrcAddr: netip.MustParseAddr("203.0.113.45"), DstAddr: netip.MustParseAddr("192.0.2.10"), SrcPort: 443, DstPort: uint16(49152 + i),
				Proto: 6, Bytes: uint64(1800 + 40*i), Packets: 9, Start: t, End: t.Add(4 * time.Second), TCPFlags: 0x1b},
			// Purely domestic traffic: no legal basis covers it, so it is dropped and counted (C3).
			flow.Record{SrcAddr: netip.MustParseAddr("198.51.100.99"), DstAddr: netip.MustParseAddr("192.0.2.77"), SrcPort: 53, DstPort: 5353,
				Proto: 17, Bytes: 120, Packets: 1, Start: t, End: t},
		)
	}
	res, err := p.Ingest(ctx, "kanto-border", recs)
	if err != nil {
		return st, fmt.Errorf("story step 3: %w", err)
	}
	st.FlowsKept = res.Kept
	w := &telemetry.Worker{Service: caps.Telemetry, Bus: b}
	if err := w.Prepare(ctx); err != nil {
		return st, err
	}
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- w.Run(wctx) }()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if done, err := b.CaughtUp(ctx, telemetry.Stream, telemetry.Matchers); err == nil && done {
			break
		}
	}
	cancel()
	<-done
	// A designated handler looks at the matched records, for a stated purpose:
	// the access is in the audit log before the records are shown (C7), for
	// the committee to see in step 6.
	if _, _, err := caps.Telemetry.Access(ctx, handler, "kanto-border", "関東電力事案の影響範囲確認 / scope of the Kanto Electric intrusion", 50); err != nil {
		return st, fmt.Errorf("story step 3: handler access: %w", err)
	}
	st.Steps = append(st.Steps, fmt.Sprintf("3: approval %d in force; %d flow records kept, matches alerted Kanto Electric and the water utility; a handler's access was logged", a.ID, res.Kept))

	// Step 4: a hunting package to the energy and water sectors, run by three members.
	center, err := caller("center-analyst")
	if err != nil {
		return st, err
	}
	// The demo's addresses and names are documentation ones (RFC 5737,
	// RFC 2606), so that it names nothing real; the export gate keeps those
	// out of every sweep and export on a real hub. On the demo hub the
	// center switches the two documentation lists off, a logged change like
	// any other (renkei warninglists enable puts them back).
	for _, l := range []string{"renkei-documentation", "renkei-documentation-names"} {
		if err := caps.Exports.SetEnabled(ctx, center, l, false); err != nil {
			return st, fmt.Errorf("story step 4: warninglist %s: %w", l, err)
		}
	}
	var runners []auth.Caller
	for _, l := range []string{"kanto-analyst", "chubu-analyst", "water-analyst"} {
		c, err := caller(l)
		if err != nil {
			return st, err
		}
		runners = append(runners, c)
	}
	hr, err := caps.Hunting.Story(ctx, center, runners, 5000)
	if err != nil {
		return st, fmt.Errorf("story step 4: %w", err)
	}
	st.HuntRuns = len(hr.Runs)
	st.Steps = append(st.Steps, fmt.Sprintf("4: hunting package sent to energy and water; %d members ran it and reported back", len(hr.Runs)))

	// Step 4 (the operator's side): the water utility files its incident reports
	// with the deadline clocks running; the center opens a case, warns the
	// sector, and answers a consultation.
	ids, err := caps.Incidents.Demo(ctx, "water-analyst", "kanto-analyst")
	if err != nil {
		return st, fmt.Errorf("story step 4: reports: %w", err)
	}
	if len(ids) > 0 {
		if _, err := caps.Cases.Demo(ctx, "center-analyst", ids[0]); err != nil {
			return st, fmt.Errorf("story step 4: case: %w", err)
		}
	}
	vpn := relevance.StoryVuln(now) // step 5's vulnerability, which the advisory and the KEV alert both name
	if _, err := caps.Advisories.Demo(ctx, "center-analyst", []string{"water-analyst", "kanto-analyst"}, orgs[6].name,
		advisory.DemoVulnerability{CVE: vpn.CVE, Vendor: vpn.Vendor, Product: vpn.Product, Fixed: vpn.Fixed, Due: vpn.Due}); err != nil {
		return st, fmt.Errorf("story: advisories: %w", err)
	}
	if _, err := caps.Consult.Demo(ctx, "kanto-analyst", "center-analyst"); err != nil {
		return st, fmt.Errorf("story: consultation: %w", err)
	}
	st.Incidents = len(ids)
	st.Steps = append(st.Steps, fmt.Sprintf("4: the water utility filed %d incident reports with deadlines; the center opened a case, published advisories and answered a consultation", len(ids)))

	// The power company and the water utility are designated operators
	// (特別社会基盤事業者) and keep their critical-computer registers; the
	// transmission company is designated too and has registered nothing
	// yet, which the operating picture shows.
	if err := designateForDemo(ctx, h.DB, caps.Incidents); err != nil {
		return st, fmt.Errorf("story: designations: %w", err)
	}

	// Step 5: a KEV entry for the VPN appliance the town hall and the hospital registered.
	town, _ := h.DB.Org(ctx, orgs[4].name)
	hospital, _ := h.DB.Org(ctx, orgs[5].name)
	out, err := caps.Relevance.Story5(ctx, town.ID, hospital.ID, now)
	if err != nil {
		return st, fmt.Errorf("story step 5: %w", err)
	}
	st.KEVAlerts = out.Alerts
	st.Steps = append(st.Steps, fmt.Sprintf("5: a KEV entry for their VPN appliance alerted the town hall and the hospital (%d alerts, in Japanese)", out.Alerts))
	return st, nil
}

// designateForDemo designates the demo's power company, transmission
// company and water utility, and registers the power company's critical
// computers (the water utility's are registered by incident.Service.Demo).
func designateForDemo(ctx context.Context, db *store.DB, inc *incident.Service) error {
	for _, d := range []struct{ org, business string }{{orgs[0].name, "electricity"}, {orgs[1].name, "electricity"}, {orgs[2].name, "water"}} {
		o, err := db.Org(ctx, d.org)
		if err != nil {
			return err
		}
		bt, _ := designation.Default().BusinessTypes.Find(d.business)
		o.Designated, o.BusinessType, o.Ministry = true, bt.Key, bt.Ministry
		if err := db.UpdateOrg(ctx, o); err != nil {
			return err
		}
	}
	op, err := incident.Caller(ctx, db, "kanto-analyst")
	if err != nil {
		return err
	}
	for _, c := range []incident.Computer{
		{Name: "中央給電指令所 EMS / Central dispatch EMS", Function: "energy management of the grid", Location: "Kanto central load-dispatching office",
			Vendor: "Hitachi", Product: "EMS", Ministry: "経済産業省 / METI"},
		{Name: "変電所監視制御システム / Substation SCADA", Function: "substation supervision and control", Location: "Kanto substations",
			Vendor: "Toshiba", Product: "SCADA", Ministry: "経済産業省 / METI"},
	} {
		if _, err := inc.Register(ctx, op, c); err != nil {
			return err
		}
	}
	return nil
}
