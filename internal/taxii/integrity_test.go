package taxii_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"renkei/internal/hub"
	"renkei/internal/policy"
	"renkei/internal/stix"
	"renkei/internal/store/storetest"
)

// Tests of the integrity of what members submit: who may version an object,
// what a refused version tells, who an object names as its creator, and the
// definitions the hub serves itself (issue 11).

// addUser adds a user with a token to e.
func (e *env) addUser(login, org, role string) {
	e.t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	if _, err := hub.AddUser(ctx, e.h.DB, login, org, role, "", now); err != nil {
		e.t.Fatal(err)
	}
	tok, _, err := hub.CreateToken(ctx, e.h.DB, login, "", 0, false, now)
	if err != nil {
		e.t.Fatal(err)
	}
	e.tokens[login] = tok
}

// post posts objs as user and returns the status.
func (e *env) post(t *testing.T, user string, objs ...any) map[string]any {
	t.Helper()
	r := e.do("POST", objectsPath, user, bundle(objs...))
	if r.code != 202 {
		t.Fatalf("POST as %s: %d %s", user, r.code, r.body)
	}
	return r.json(t)
}

// detail returns the message of the status entry for id in the given list
// ("successes" or "failures"), and whether there is one.
func detail(st map[string]any, list, id string) (string, bool) {
	l, _ := st[list].([]any)
	for _, d := range l {
		m := d.(map[string]any)
		if m["id"] == id {
			msg, _ := m["message"].(string)
			return msg, true
		}
	}
	return "", false
}

// latest returns the object as user reads it by id (404 gives nil).
func (e *env) latest(t *testing.T, user, id string) map[string]any {
	t.Helper()
	r := e.do("GET", objectsPath+id+"/", user, nil)
	if r.code == 404 {
		return nil
	}
	if r.code != 200 {
		t.Fatalf("GET %s as %s: %d %s", id, user, r.code, r.body)
	}
	objs := r.json(t)["objects"].([]any)
	if len(objs) != 1 {
		t.Fatalf("GET %s as %s: %d objects", id, user, len(objs))
	}
	return objs[0].(map[string]any)
}

func indID(i int) string { return fmt.Sprintf("indicator--00000000-0000-4000-8000-%012d", i) }

// TestOnlyAuthorWritesNewVersions: another member can neither post a newer
// version of an object under its author's name (8.8.8.8 into every member's
// blocklist), nor hide it from its author with a RED version, nor revoke it;
// the author can still delete it. The hub administrator may moderate, and
// that is logged before it takes effect.
func TestOnlyAuthorWritesNewVersions(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := setup(t, kind)
			e.addUser("hubadmin", e.h.Center().Name, "admin")
			base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
			id := indID(1100)
			orig := ind(1100, policy.Green, base)
			if st := e.post(t, "power", orig); st["success_count"].(float64) != 1 {
				t.Fatalf("author's first version: %v", st)
			}
			power, _ := e.h.DB.Org(context.Background(), "Power Co")

			hijack := ind(1100, policy.Green, base.Add(time.Hour))
			hijack["pattern"] = "[ipv4-addr:value = '8.8.8.8']"
			hijack["created_by_ref"] = power.ID
			hide := ind(1100, policy.Red, base.Add(2*time.Hour))
			revoke := ind(1100, policy.Green, base.Add(3*time.Hour))
			revoke["revoked"] = true
			for name, v := range map[string]map[string]any{"8.8.8.8 under the author's name": hijack, "RED version hiding it": hide, "revocation": revoke} {
				st := e.post(t, "water", v)
				msg, failed := detail(st, "failures", id)
				if !failed || st["success_count"].(float64) != 0 || !strings.Contains(msg, "only its author") {
					t.Errorf("%s by another member: %v", name, st)
				}
			}
			for _, who := range []string{"power", "water", "center"} {
				got := e.latest(t, who, id)
				if got == nil || got["pattern"] != orig["pattern"] || got["modified"] != orig["modified"] || got["revoked"] == true {
					t.Errorf("%s reads %v, want the author's version", who, got)
				}
			}
			all := e.do("GET", objectsPath+id+"/versions/", "power", nil).json(t)["versions"].([]any)
			if len(all) != 1 {
				t.Errorf("versions after refused posts: %v", all)
			}

			// The hub administrator moderates: logged first, stored under
			// the author, who can still read and delete it.
			before, _ := e.h.Audit.Size(context.Background())
			mod := ind(1100, policy.Green, base.Add(4*time.Hour))
			mod["revoked"] = true
			st := e.post(t, "hubadmin", mod)
			if msg, ok := detail(st, "successes", id); !ok || !strings.Contains(msg, "moderating") {
				t.Fatalf("moderation by the hub administrator: %v", st)
			}
			if after, _ := e.h.Audit.Size(context.Background()); after != before+1 {
				t.Errorf("moderation must be one audit entry: log went from %d to %d", before, after)
			}
			if got := e.latest(t, "power", id); got == nil || got["revoked"] != true {
				t.Errorf("the author reads the moderated version: %v", got)
			}
			if r := e.do("DELETE", objectsPath+id+"/", "water", nil); r.code != 403 {
				t.Errorf("another member deleting: %d", r.code)
			}
			if r := e.do("DELETE", objectsPath+id+"/", "power", nil); r.code != 200 {
				t.Errorf("the author deleting its moderated object: %d %s", r.code, r.body)
			}

			// Without the audit log, moderation does not take effect.
			e.post(t, "power", ind(1101, policy.Green, base))
			e.h.Audit.Close()
			st = e.post(t, "hubadmin", ind(1101, policy.Red, base.Add(time.Hour)))
			if _, failed := detail(st, "failures", indID(1101)); !failed {
				t.Errorf("moderation without the audit log: %v", st)
			}
			if got := e.latest(t, "power", indID(1101)); got == nil || got["modified"] != stix.FormatTime(base) {
				t.Errorf("unlogged moderation took effect: %v", got)
			}
		})
	}
}

// TestNoVersionOracle: posting a version of an id one cannot read tells
// nothing of the versions stored under it: the answer is the same sentence
// whatever versions exist and whatever modified was posted. Inside the
// author organization, a user who may not read the newest (RED) version reads
// the latest version it may see, so reading back tells it nothing either.
func TestNoVersionOracle(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := setup(t, kind)
			e.addUser("power2", "Power Co", "analyst")
			base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
			// 1200: one AMBER+STRICT version water cannot read; 1201: a
			// GREEN version water can read and a newer hidden one; 1202:
			// a single GREEN version.
			e.post(t, "power", ind(1200, policy.AmberStrict, base.Add(5*time.Hour)),
				ind(1201, policy.Green, base), ind(1201, policy.Red, base.Add(5*time.Hour)), ind(1202, policy.Green, base))
			var answers []string
			for _, i := range []int{1200, 1201, 1202} {
				for _, h := range []int{1, 5, 9} { // older, same, newer than the hidden version
					st := e.post(t, "water", ind(i, policy.Green, base.Add(time.Duration(h)*time.Hour)))
					msg, failed := detail(st, "failures", indID(i))
					if !failed {
						t.Fatalf("water's version of %s at +%dh was not refused: %v", indID(i), h, st)
					}
					answers = append(answers, msg)
					if got := e.latest(t, "water", indID(i)); i == 1200 && got != nil {
						t.Fatalf("water reads %v", got)
					}
				}
			}
			for _, a := range answers {
				if a != answers[0] {
					t.Fatalf("the answers differ, so they tell something about what is stored:\n%q\n%q", answers[0], a)
				}
			}
			if strings.Contains(answers[0], "Power") || strings.Contains(answers[0], "2026") {
				t.Fatalf("the answer names the author or a version: %q", answers[0])
			}

			// power2 cannot read power's RED version of 1201. It posts an
			// older version and reads it back as the latest it may see.
			if st := e.post(t, "power2", ind(1201, policy.Amber, base.Add(time.Hour))); st["success_count"].(float64) != 1 {
				t.Fatalf("a version by the author organization: %v", st)
			}
			if got := e.latest(t, "power2", indID(1201)); got == nil || got["modified"] != stix.FormatTime(base.Add(time.Hour)) {
				t.Fatalf("power2 reads back %v, want its own version (the latest it may see)", got)
			}
			vs := e.do("GET", objectsPath+indID(1201)+"/versions/", "power2", nil).json(t)["versions"].([]any)
			if len(vs) != 2 {
				t.Fatalf("power2 sees versions %v, want the two it may read", vs)
			}
			// The RED version's submitter still gets the RED one as latest.
			if got := e.latest(t, "power", indID(1201)); got == nil || got["modified"] != stix.FormatTime(base.Add(5*time.Hour)) {
				t.Fatalf("power reads %v", got)
			}
			// Water, a member, gets the latest GREEN version: the older one.
			if got := e.latest(t, "water", indID(1201)); got == nil || got["modified"] != stix.FormatTime(base) {
				t.Fatalf("water reads %v", got)
			}
			first := e.do("GET", objectsPath+indID(1201)+"/?match[version]=first", "power2", nil).json(t)["objects"].([]any)
			if len(first) != 1 || first[0].(map[string]any)["modified"] != stix.FormatTime(base) {
				t.Fatalf("first version for power2: %v", first)
			}
		})
	}
}

// TestCreatedByRefIsSubmitter: an object cannot name another organization as
// its creator; the hub sets the submitter's identity and says so in the
// status, and every reader (the console included) sees the submitter.
func TestCreatedByRefIsSubmitter(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := setup(t, kind)
			ctx := context.Background()
			power, _ := e.h.DB.Org(ctx, "Power Co")
			water, _ := e.h.DB.Org(ctx, "Water Co")
			base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
			forged := ind(1300, policy.Green, base)
			forged["created_by_ref"] = power.ID
			own := ind(1301, policy.Green, base)
			own["created_by_ref"] = water.ID
			st := e.post(t, "water", forged, own)
			msg, ok := detail(st, "successes", indID(1300))
			if !ok || !strings.Contains(msg, power.ID) || !strings.Contains(msg, water.ID) {
				t.Fatalf("the status must say created_by_ref was replaced: %v", st)
			}
			if msg, _ := detail(st, "successes", indID(1301)); msg != "" {
				t.Errorf("an object naming its submitter needs no note: %q", msg)
			}
			for _, who := range []string{"power", "water", "center"} {
				for _, id := range []string{indID(1300), indID(1301)} {
					if got := e.latest(t, who, id); got == nil || got["created_by_ref"] != water.ID {
						t.Errorf("%s reads %s as created by %v, want the submitter %s", who, id, got["created_by_ref"], water.ID)
					}
				}
			}
		})
	}
}

// TestOfficialMarkingsCannotBeRedefined: no member stores anything under the
// TLP 1.0 or 2.0 marking-definition ids; a copy of the official definition
// is accepted without being stored, and every reader gets the official one.
func TestOfficialMarkingsCannotBeRedefined(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := setup(t, kind)
			forged := map[string]any{"type": "marking-definition", "spec_version": "2.1", "id": policy.MarkingRed,
				"created": "2022-10-01T00:00:00.000Z", "name": "TLP:CLEAR",
				"extensions": map[string]any{policy.TLP2Extension: map[string]any{"extension_type": "property-extension", "tlp_2_0": "clear"}}}
			forged1 := map[string]any{"type": "marking-definition", "spec_version": "2.1", "id": policy.MarkingTLP1Amber,
				"created": "2017-01-20T00:00:00.000Z", "definition_type": "tlp", "name": "TLP:AMBER", "definition": map[string]any{"tlp": "amber"},
				"description": "anyone may share this"}
			forged1["name"] = "TLP:AMBER (relaxed)"
			official := map[string]any{"type": "marking-definition", "spec_version": "2.1", "id": policy.MarkingAmber,
				"created": "2022-10-01T00:00:00.000Z", "name": "TLP:AMBER",
				"extensions": map[string]any{policy.TLP2Extension: map[string]any{"extension_type": "property-extension", "tlp_2_0": "amber"}}}
			for _, who := range []string{"water", "center"} {
				st := e.post(t, who, forged, forged1, official)
				for _, id := range []string{policy.MarkingRed, policy.MarkingTLP1Amber} {
					if msg, failed := detail(st, "failures", id); !failed || !strings.Contains(msg, "cannot be redefined") {
						t.Errorf("%s redefining %s: %v", who, id, st)
					}
				}
				if msg, ok := detail(st, "successes", policy.MarkingAmber); !ok || !strings.Contains(msg, "official") {
					t.Errorf("%s sending the official TLP:AMBER: %v", who, st)
				}
			}
			for _, who := range []string{"power", "water", "center"} {
				got := e.latest(t, who, policy.MarkingRed)
				if got == nil || got["name"] != "TLP:RED" || fmt.Sprint(got["extensions"]) != fmt.Sprint(map[string]any{policy.TLP2Extension: map[string]any{"extension_type": "property-extension", "tlp_2_0": "red"}}) {
					t.Errorf("%s is served %v for TLP:RED's id", who, got)
				}
			}
			for _, id := range []string{policy.MarkingRed, policy.MarkingTLP1Amber, policy.MarkingAmber} {
				n, err := e.h.DB.MarkingDefined(context.Background(), id)
				if err != nil || n {
					t.Errorf("%s stored: %v %v", id, n, err)
				}
			}
			r := e.do("GET", objectsPath+"?match[type]=marking-definition", "power", nil)
			if strings.Contains(string(r.body), "TLP:CLEAR") {
				t.Errorf("a listing serves a forged marking: %s", r.body)
			}
		})
	}
}

// TestHubServesReferencedDefinitions: every reference in what the hub serves
// resolves: the official TLP markings, the organizations' identities
// (created_by_ref), and Renkei's extension definition, each valid STIX.
func TestHubServesReferencedDefinitions(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := setup(t, kind)
			ctx := context.Background()
			power, _ := e.h.DB.Org(ctx, "Power Co")
			base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
			o := ind(1400, policy.Green, base)
			o["created_by_ref"] = power.ID
			o["extensions"] = map[string]any{hub.Extension: hub.Distribution{ExtensionType: "property-extension", Consent: "everyone"}}
			e.post(t, "power", o)
			got := e.latest(t, "water", indID(1400))
			if got == nil {
				t.Fatal("water cannot read the GREEN indicator")
			}
			refs := []string{got["created_by_ref"].(string), hub.Extension, e.h.Center().ID}
			for _, m := range got["object_marking_refs"].([]any) {
				refs = append(refs, m.(string))
			}
			refs = append(refs, policy.MarkingClear, policy.MarkingGreen, policy.MarkingAmber, policy.MarkingAmberStrict, policy.MarkingRed,
				policy.MarkingTLP1White, policy.MarkingTLP1Green, policy.MarkingTLP1Amber, policy.MarkingTLP1Red)
			for _, id := range refs {
				def := e.latest(t, "water", id)
				if def == nil || def["id"] != id {
					t.Errorf("%s is not served: %v", id, def)
					continue
				}
				raw, _ := json.Marshal(def)
				if _, err := stix.Parse(raw, stix.Options{}); err != nil {
					t.Errorf("%s is served as invalid STIX: %v", id, err)
				}
				if vs := e.do("GET", objectsPath+id+"/versions/", "water", nil); vs.code != 200 {
					t.Errorf("versions of %s: %d", id, vs.code)
				}
			}
			if def := e.latest(t, "water", power.ID); def["name"] != "Power Co" || def["identity_class"] != "organization" {
				t.Errorf("power's identity: %v", def)
			}
			if def := e.latest(t, "water", hub.Extension); def["created_by_ref"] != e.h.Center().ID {
				t.Errorf("the extension definition's creator: %v", def)
			}
			// The public collection: anonymous readers resolve the center's
			// identity and the markings, not the members' identities.
			pub := "/taxii2/api/collections/" + hub.PublicCollection + "/objects/"
			for id, want := range map[string]int{e.h.Center().ID: 200, policy.MarkingClear: 200, hub.Extension: 200, power.ID: 404} {
				if r := e.do("GET", pub+url.PathEscape(id)+"/", "", nil); r.code != want {
					t.Errorf("anonymous GET %s: %d, want %d", id, r.code, want)
				}
			}
			// Nobody stores an object under an organization's identity or
			// Renkei's extension definition.
			fake := map[string]any{"type": "identity", "spec_version": "2.1", "id": power.ID, "created": stix.FormatTime(base),
				"modified": stix.FormatTime(base), "name": "Power Co (official account)", "identity_class": "organization"}
			ext := map[string]any{"type": "extension-definition", "spec_version": "2.1", "id": hub.Extension, "created": stix.FormatTime(base),
				"modified": stix.FormatTime(base), "created_by_ref": power.ID, "name": "x", "schema": "x", "version": "2", "extension_types": []string{"property-extension"}}
			st := e.post(t, "power", fake, ext)
			if st["failure_count"].(float64) != 2 {
				t.Errorf("objects under served ids: %v", st)
			}
		})
	}
}

// TestSCOCopiesKeptPerSubmitter: two members post the same address (one SCO
// id) into one collection, each under its own marking and as its own
// creator. Each reads its own copy back through TAXII; a member deleting
// the address deletes its own copy only, and the other's stays.
func TestSCOCopiesKeptPerSubmitter(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := setup(t, kind)
			ctx := context.Background()
			power, _ := e.h.DB.Org(ctx, "Power Co")
			water, _ := e.h.DB.Org(ctx, "Water Co")
			id := stix.DeterministicSCOID("ipv4-addr", map[string]any{"value": "198.51.100.9"})
			sco := func(by, marking string) map[string]any {
				return map[string]any{"type": "ipv4-addr", "spec_version": "2.1", "id": id, "value": "198.51.100.9",
					"created_by_ref": by, "object_marking_refs": []string{marking}}
			}
			for _, p := range []struct {
				user string
				obj  map[string]any
			}{{"power", sco(power.ID, policy.MarkingAmberStrict)}, {"water", sco(water.ID, policy.MarkingGreen)}} {
				if st := e.post(t, p.user, p.obj); st["success_count"].(float64) != 1 {
					t.Fatalf("%s posts the address: %v", p.user, st)
				}
			}
			// creators reads the copies user may read: creator → marking.
			creators := func(user string) map[string]string {
				t.Helper()
				r := e.do("GET", objectsPath+id+"/", user, nil)
				out := map[string]string{}
				if r.code == 404 {
					return out
				}
				objs, _ := r.json(t)["objects"].([]any)
				for _, o := range objs {
					m := o.(map[string]any)
					by, _ := m["created_by_ref"].(string)
					refs, _ := m["object_marking_refs"].([]any)
					if len(refs) != 1 {
						t.Fatalf("%s reads %v", user, m)
					}
					out[by] = refs[0].(string)
				}
				return out
			}
			if got := creators("water"); len(got) != 1 || got[water.ID] != policy.MarkingGreen {
				t.Errorf("water reads back %v, want its own GREEN copy", got)
			}
			if got := creators("power"); len(got) != 2 || got[power.ID] != policy.MarkingAmberStrict || got[water.ID] != policy.MarkingGreen {
				t.Errorf("power reads back %v, want its own AMBER+STRICT copy and water's GREEN one", got)
			}
			if r := e.do("DELETE", objectsPath+id+"/", "power", nil); r.code != 200 {
				t.Fatalf("power deletes its copy: %d %s", r.code, r.body)
			}
			if got := creators("power"); len(got) != 1 || got[water.ID] != policy.MarkingGreen {
				t.Errorf("after power deleted its copy, power reads %v, want water's only", got)
			}
			if got := creators("center"); len(got) != 1 || got[water.ID] != policy.MarkingGreen {
				t.Errorf("after power deleted its copy, the center reads %v, want water's only", got)
			}
		})
	}
}
