// Package demo fills a new hub with realistic synthetic data — organizations
// across sectors and kinds, sharing groups, users, indicators at every TLP,
// sightings and the alerts they raise — so that a newcomer who opens the
// console sees a working hub. It plays the story of DESIGN.md as far as the
// capabilities that have landed allow.
//
// Every object goes in through hub.Submit, the same path members use. The data
// is made up: addresses come from documentation ranges (RFC 5737/3849) and
// domains end in .example.
package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"

	"renkei/internal/app"
	"renkei/internal/auth"
	"renkei/internal/hub"
	"renkei/internal/policy"
	"renkei/internal/stix"
	"renkei/internal/store"
)

// Account is a demo login.
type Account struct{ Login, Org, Role string }

// Result says what Fill made.
type Result struct {
	Orgs, Objects int
	Password      string // shared password of every demo account
	Accounts      []Account
}

type org struct{ name, kind, sector string }

var orgs = []org{
	{"関東電力 / Kanto Electric Power", "operator", "energy"},
	{"中部送電 / Chubu Transmission", "operator", "energy"},
	{"湾岸水道 / Bayside Water Utility", "operator", "water"},
	{"東都ガス / Toto Gas", "operator", "energy"},
	{"みなと市役所 / Minato City Hall", "local-government", "local-government"},
	{"北辰総合病院 / Hokushin General Hospital", "medical", "medical"},
	{"総務省 / Ministry of Internal Affairs", "government", "government"},
	{"さくら精密 / Sakura Precision (SME)", "sme", "manufacturing"},
	{"ネットワーク機器ベンダー / NetGear Works KK", "vendor", "it"},
	{"情報セキュリティ研究所 / Security Research Institute", "research", "research"},
	{"米国CISA連絡窓口 / US CISA liaison", "partner", "international"},
}

// Password is the demo accounts' password; the demo is for trying the hub,
// never for production.
const Password = "renkei-demo-2026"

// CommitteeName is the oversight committee's organization in the demo.
const CommitteeName = "サイバー通信情報監理委員会 (Cyber Communications Information Oversight Committee)"

// Fill adds the demo data to a bootstrapped store. It refuses a store that
// already has member organizations, so it never mixes with real data.
func Fill(ctx context.Context, db *store.DB, now time.Time) (Result, error) {
	var res Result
	existing, err := db.Orgs(ctx)
	if err != nil {
		return res, err
	}
	if len(existing) > 1 {
		return res, fmt.Errorf("demo: the store already has %d organizations; the demo fills only a new store", len(existing))
	}
	a, err := app.New(ctx, app.Deps{Store: db, Now: func() time.Time { return now }})
	if err != nil {
		return res, err
	}
	h := a.Hub
	ids := map[string]store.Org{}
	for _, o := range orgs {
		x, err := hub.AddOrg(ctx, db, o.name, o.kind, o.sector, now)
		if err != nil {
			return res, err
		}
		ids[o.name] = x
	}
	res.Orgs = len(orgs)
	groups := []struct {
		name    string
		members []string
	}{
		{"Energy ISAC", []string{orgs[0].name, orgs[1].name, orgs[3].name}},
		{"Water ISAC", []string{orgs[2].name}},
		{"Lifelines (energy + water)", []string{"Energy ISAC", "Water ISAC"}},
		{"Local government & medical", []string{orgs[4].name, orgs[5].name}},
	}
	for _, g := range groups {
		if _, err := hub.AddGroup(ctx, db, g.name, g.members, now); err != nil {
			return res, err
		}
	}
	users := []Account{
		{"center-analyst", h.Center().Name, "analyst"},
		{"kanto-analyst", orgs[0].name, "analyst"},
		{"kanto-admin", orgs[0].name, "org-admin"},
		{"chubu-analyst", orgs[1].name, "analyst"},
		{"water-analyst", orgs[2].name, "analyst"},
		{"minato-it", orgs[4].name, "viewer"},
		{"hospital-it", orgs[5].name, "viewer"},
		{"vendor-psirt", orgs[8].name, "reporter"},
		{"handler", h.Center().Name, "handler"},
	}
	callers := map[string]auth.Caller{}
	for _, u := range users {
		x, err := hub.AddUser(ctx, db, u.Login, u.Org, u.Role, Password, now)
		if err != nil {
			return res, err
		}
		o, _ := db.Org(ctx, x.OrgID)
		callers[u.Login] = auth.Caller{User: x, Org: o}
	}
	// The oversight committee has its own organization; its first member is
	// made as "renkei committee bootstrap" makes it, then given the demo's
	// password so that it can log in like the others.
	ov, _, err := hub.BootstrapCommittee(ctx, db, CommitteeName, "overseer", "demo", now)
	if err != nil {
		return res, fmt.Errorf("demo: the committee: %w", err)
	}
	if ov.PasswordHash, err = auth.HashPassword(Password); err != nil {
		return res, err
	}
	if err := db.UpdateUser(ctx, ov); err != nil {
		return res, err
	}
	users = append(users, Account{"overseer", CommitteeName, "overseer"})
	res.Orgs++
	res.Accounts, res.Password = users, Password
	col, err := db.Collection(ctx, hub.MembersCollection)
	if err != nil {
		return res, err
	}
	pub, err := db.Collection(ctx, hub.PublicCollection)
	if err != nil {
		return res, err
	}
	r := rand.New(rand.NewPCG(2026, 11))
	submit := func(c auth.Caller, coll store.Collection, objs ...map[string]any) ([]string, error) {
		body, _ := json.Marshal(map[string]any{"type": "bundle", "id": stix.NewID("bundle"), "objects": objs})
		st, err := h.Submit(ctx, c, coll, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		if st.Failure > 0 {
			for _, d := range st.Details {
				if d.Kind == "failure" {
					return nil, fmt.Errorf("demo object %s: %s", d.ID, d.Message)
				}
			}
		}
		res.Objects += st.Success
		var ids []string
		for _, o := range objs {
			ids = append(ids, o["id"].(string))
		}
		return ids, nil
	}
	ts := func(t time.Time) string { return stix.FormatTime(t) }

	// 1. The power company's intrusion indicators at TLP:AMBER to the Energy
	// ISAC, identity visible to the center only.
	kanto := callers["kanto-analyst"]
	var kantoInds []map[string]any
	for i, p := range []struct{ name, pattern string }{
		{"C2 server seen in the intrusion", "[ipv4-addr:value = '203.0.113.45']"},
		{"Staging network", "[ipv4-addr:value = '198.51.100.0/24']"},
		{"Phishing domain", "[domain-name:value = 'kanto-denryoku-login.example']"},
		{"Loader hash", "[file:hashes.'SHA-256' = '5f2b8e0c4f7a6d1e9b3c2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d']"},
		{"Beacon URL", "[url:value = 'https://cdn-update.example/api/v2/beacon']"},
	} {
		t := now.Add(-time.Duration(72-i) * time.Hour)
		kantoInds = append(kantoInds, indicator(p.name, p.pattern, policy.Amber, t, kanto.Org.ID,
			hub.Distribution{ExtensionType: "property-extension", RecipientGroups: []string{"Energy ISAC"}, Consent: "center"}))
	}
	kantoIDs, err := submit(kanto, col, kantoInds...)
	if err != nil {
		return res, err
	}

	// 2. The center republishes a sanitized TLP:GREEN version to all members,
	// linked to an ATT&CK technique.
	center := callers["center-analyst"]
	ap := map[string]any{"type": "attack-pattern", "spec_version": "2.1", "id": stix.NewID("attack-pattern"),
		"created": ts(now.Add(-48 * time.Hour)), "modified": ts(now.Add(-48 * time.Hour)), "name": "Application Layer Protocol: Web Protocols",
		"external_references": []map[string]any{{"source_name": "mitre-attack", "external_id": "T1071.001"}},
		"object_marking_refs": []string{policy.MarkingClear}}
	green := indicator("C2 infrastructure targeting the energy sector", "[ipv4-addr:value = '203.0.113.45'] OR [domain-name:value = 'kanto-denryoku-login.example']",
		policy.Green, now.Add(-47*time.Hour), center.Org.ID, hub.Distribution{})
	rel := map[string]any{"type": "relationship", "spec_version": "2.1", "id": stix.NewID("relationship"), "created": ts(now.Add(-47 * time.Hour)),
		"modified": ts(now.Add(-47 * time.Hour)), "relationship_type": "indicates", "source_ref": green["id"], "target_ref": ap["id"],
		"object_marking_refs": []string{policy.MarkingGreen}}
	if _, err := submit(center, col, ap, green, rel); err != nil {
		return res, err
	}
	if _, err := submit(center, pub, indicator("Mass-scanning source (public)", "[ipv4-addr:value = '192.0.2.66']", policy.Clear, now.Add(-30*time.Hour), center.Org.ID, hub.Distribution{})); err != nil {
		return res, err
	}

	// Indicators at every TLP from several members.
	tlps := []policy.TLP{policy.Clear, policy.Green, policy.Amber, policy.AmberStrict, policy.Red}
	authors := []string{"chubu-analyst", "water-analyst", "center-analyst", "kanto-analyst"}
	for i := range 40 {
		c := callers[authors[i%len(authors)]]
		tlp := tlps[r.IntN(len(tlps))]
		var p string
		switch i % 4 {
		case 0:
			p = fmt.Sprintf("[ipv4-addr:value = '198.51.100.%d']", 1+r.IntN(250))
		case 1:
			p = fmt.Sprintf("[domain-name:value = 'update-%d.badcdn.example']", r.IntN(1000))
		case 2:
			p = fmt.Sprintf("[ipv6-addr:value = '2001:db8:%x::/48']", r.IntN(0xffff))
		default:
			p = fmt.Sprintf("[url:value = 'http://203.0.113.%d/payload.bin']", r.IntN(250))
		}
		d := hub.Distribution{ExtensionType: "property-extension", Consent: []string{"everyone", "center", "none"}[r.IntN(3)]}
		if tlp == policy.AmberStrict {
			d.RecipientGroups = []string{"Lifelines (energy + water)"}
		}
		if tlp == policy.Red {
			d.RecipientUsers = []string{"center-analyst"}
		}
		ind := indicator(fmt.Sprintf("Demo indicator %d", i+1), p, tlp, now.Add(-time.Duration(200-i*3)*time.Hour), c.Org.ID, d)
		if _, err := submit(c, col, ind); err != nil {
			return res, err
		}
	}

	// 3. Sightings of the power company's C2 indicator by the water utility and
	// the other power company: alerts reach Kanto Electric.
	for _, who := range []string{"water-analyst", "chubu-analyst"} {
		c := callers[who]
		if _, err := submit(c, col, sighting(kantoIDs[0], c.Org.ID, 3+r.IntN(20), now.Add(-20*time.Hour), now.Add(-2*time.Hour), policy.Amber)); err != nil {
			// The water utility is not in the Energy ISAC and cannot see the AMBER original:
			// it sights the center's GREEN republication instead.
			if _, err := submit(c, col, sighting(green["id"].(string), c.Org.ID, 5, now.Add(-20*time.Hour), now.Add(-1*time.Hour), policy.Green)); err != nil {
				return res, err
			}
		}
	}
	return res, nil
}

func indicator(name, pattern string, tlp policy.TLP, t time.Time, author string, d hub.Distribution) map[string]any {
	o := map[string]any{
		"type": "indicator", "spec_version": "2.1", "id": stix.NewID("indicator"),
		"created": stix.FormatTime(t), "modified": stix.FormatTime(t), "name": name,
		"indicator_types": []string{"malicious-activity"}, "pattern": pattern, "pattern_type": "stix",
		"valid_from": stix.FormatTime(t), "created_by_ref": author,
		"object_marking_refs": []string{tlp.MarkingID()},
	}
	if d.ExtensionType != "" {
		o["extensions"] = map[string]any{hub.Extension: d}
	}
	return o
}

func sighting(of, where string, count int, first, last time.Time, tlp policy.TLP) map[string]any {
	return map[string]any{
		"type": "sighting", "spec_version": "2.1", "id": stix.NewID("sighting"),
		"created": stix.FormatTime(last), "modified": stix.FormatTime(last), "sighting_of_ref": of,
		"where_sighted_refs": []string{where}, "count": count, "first_seen": stix.FormatTime(first), "last_seen": stix.FormatTime(last),
		"created_by_ref": where, "object_marking_refs": []string{tlp.MarkingID()},
		"extensions": map[string]any{hub.Extension: hub.Distribution{ExtensionType: "property-extension", Consent: "center"}},
	}
}
