package server_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"renkei/internal/audit"
	"renkei/internal/client"
	"renkei/internal/hub"
	"renkei/internal/store/storetest"
)

// TestAdminChangesLogTheSameActionAtEveryDoor (issue 18 point 5): renaming,
// disabling, enabling and deleting organizations and groups, changing a
// user's role, disabling and enabling a user, and giving and taking back
// register-assets, done once through the REST API and once through the
// console, land the same audit actions with the same kind of change; an
// analyst is refused organizations and groups, an organization's
// administrator another organization's users, at both doors, and nothing is
// logged for a refusal.
func TestAdminChangesLogTheSameActionAtEveryDoor(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newDoorsEnv(t, kind)
			ctx := context.Background()
			db := e.s.App.Store
			now := time.Now().UTC()
			other, err := hub.AddOrg(ctx, db, "Other Co", "operator", "water", now)
			if err != nil {
				t.Fatal(err)
			}
			power, err := db.Org(ctx, "Power Co")
			if err != nil {
				t.Fatal(err)
			}
			users := map[string]string{} // login → public id
			for _, u := range []struct{ login, org, role string }{
				{"alice", power.ID, "viewer"}, {"bob", power.ID, "viewer"},
				{"power-admin", power.ID, "org-admin"}, {"other-admin", other.ID, "org-admin"},
			} {
				nu, err := hub.AddUser(ctx, db, u.login, u.org, u.role, doorsPassword, now)
				if err != nil {
					t.Fatal(err)
				}
				users[u.login] = nu.PublicID
				if e.tokens[u.login], _, err = hub.CreateToken(ctx, db, u.login, "", 0, false, now); err != nil {
					t.Fatal(err)
				}
			}
			var empty []string
			for _, name := range []string{"Spare A", "Spare B"} {
				o, err := hub.AddOrg(ctx, db, name, "sme", "", now)
				if err != nil {
					t.Fatal(err)
				}
				empty = append(empty, o.ID)
			}
			api := func(login string) *client.Client { return &client.Client{Hub: e.base, Token: e.tokens[login]} }
			root, console := api("root"), e.session("root")
			var groups []string
			for _, name := range []string{"Energy A", "Energy B"} {
				g, err := root.AddGroup(ctx, client.GroupRequest{Name: name, Members: []string{power.ID}})
				if err != nil {
					t.Fatal(err)
				}
				groups = append(groups, g.ID)
			}
			must := func(what string, err error) {
				t.Helper()
				if err != nil {
					t.Fatalf("API %s: %v", what, err)
				}
			}
			form := func(path string, v url.Values) {
				t.Helper()
				if code, body := console.post(path, v); code != http.StatusSeeOther {
					t.Fatalf("console %s: %d %.400s", path, code, body)
				}
			}
			name, sector, yes, no := "Power Co (renamed)", "energy", true, false

			// The same acts through each door, in the same order (the entries
			// of each door are compared below).
			_, err = root.ChangeOrg(ctx, power.ID, client.OrgChange{Name: &name, Sector: &sector})
			must("rename", err)
			form("/admin/orgs/"+power.ID+"/change", url.Values{"name": {"Power Co"}, "sector": {"energy"}})
			_, err = root.ChangeOrg(ctx, other.ID, client.OrgChange{Disabled: &yes})
			must("disable org", err)
			form("/admin/orgs/"+other.ID+"/disable", url.Values{})
			_, err = root.ChangeOrg(ctx, other.ID, client.OrgChange{Disabled: &no})
			must("enable org", err)
			form("/admin/orgs/"+other.ID+"/enable", url.Values{})
			must("delete org", root.DeleteOrg(ctx, empty[0]))
			form("/admin/orgs/"+empty[1]+"/delete", url.Values{})
			members := []string{power.ID, other.ID}
			_, err = root.ChangeGroup(ctx, groups[0], client.GroupChange{Name: "Energy ISAC", Members: &members})
			must("change group", err)
			form("/admin/groups/"+groups[1]+"/change", url.Values{"name": {"Energy ISAC 2"}, "member_orgs": members})
			must("delete group", root.DeleteGroup(ctx, groups[0]))
			form("/admin/groups/"+groups[1]+"/delete", url.Values{})
			_, err = root.SetUserCapability(ctx, users["alice"], "register-assets", true)
			must("grant", err)
			form("/admin/users/"+users["bob"]+"/grant", url.Values{"capability": {"register-assets"}})
			_, err = root.SetUserCapability(ctx, users["alice"], "register-assets", false)
			must("revoke", err)
			form("/admin/users/"+users["bob"]+"/revoke", url.Values{"capability": {"register-assets"}})
			_, err = root.SetUserRole(ctx, users["alice"], "analyst")
			must("role", err)
			form("/admin/users/"+users["bob"]+"/role", url.Values{"role": {"analyst"}})
			_, err = root.SetUserDisabled(ctx, users["alice"], true)
			must("disable user", err)
			form("/admin/users/"+users["bob"]+"/disable", url.Values{})
			_, err = root.SetUserDisabled(ctx, users["alice"], false)
			must("enable user", err)
			form("/admin/users/"+users["bob"]+"/enable", url.Values{})

			// What each door changed.
			if o, _ := db.Org(ctx, power.ID); o.Name != "Power Co" {
				t.Errorf("Power Co after renaming through the API and back through the console: %q", o.Name)
			}
			if _, err := db.Org(ctx, empty[1]); err == nil {
				t.Error("the organization deleted through the console is still there")
			}
			for _, login := range []string{"alice", "bob"} {
				u, _ := db.UserByLogin(ctx, login)
				if u.Role != "analyst" || u.Disabled || len(u.Capabilities) > 0 {
					t.Errorf("%s: role %s, disabled %v, capabilities %v; want an enabled analyst with none", login, u.Role, u.Disabled, u.Capabilities)
				}
			}

			// Refusals, at both doors, before anything is logged.
			powerAdmin, otherAdmin := api("power-admin"), api("other-admin")
			refused := func(door string, err error) {
				t.Helper()
				var ae *client.APIError
				if !errors.As(err, &ae) || ae.Status != http.StatusForbidden {
					t.Errorf("%s: %v, want 403", door, err)
				}
			}
			_, err = api("power").ChangeOrg(ctx, power.ID, client.OrgChange{Name: &name})
			refused("an analyst renaming an organization through the API", err)
			refused("an organization administrator deleting a group through the API", powerAdmin.DeleteGroup(ctx, "Energy ISAC 2"))
			_, err = otherAdmin.SetUserRole(ctx, users["alice"], "viewer")
			refused("another organization's administrator changing a role through the API", err)
			_, err = otherAdmin.SetUserCapability(ctx, users["alice"], "register-assets", true)
			refused("another organization's administrator giving a capability through the API", err)
			_, err = powerAdmin.SetUserRole(ctx, users["alice"], "admin")
			refused("an organization administrator making a hub administrator through the API", err)
			for _, c := range []struct{ login, path string }{
				{"power", "/admin/orgs/" + power.ID + "/change"},
				{"power", "/admin/orgs/" + other.ID + "/disable"},
				{"power-admin", "/admin/groups/" + groups[1] + "/delete"},
				{"other-admin", "/admin/users/" + users["alice"] + "/role"},
				{"other-admin", "/admin/users/" + users["alice"] + "/disable"},
				{"other-admin", "/admin/users/" + users["alice"] + "/grant"},
			} {
				if code, _ := e.session(c.login).post(c.path, url.Values{"name": {"x"}, "role": {"viewer"}, "capability": {"register-assets"}}); code != http.StatusForbidden && code != http.StatusNotFound {
					t.Errorf("console %s by %s: %d, want refused", c.path, c.login, code)
				}
			}
			// An organization's administrator gives its own viewer the right
			// to register connection points, as the hub administrator does.
			carol, err := hub.AddUser(ctx, db, "carol", power.ID, "viewer", doorsPassword, now)
			if err != nil {
				t.Fatal(err)
			}
			if u, err := powerAdmin.SetUserCapability(ctx, carol.PublicID, "register-assets", true); err != nil || !slices.Equal(u.Capabilities, []string{"register-assets"}) {
				t.Errorf("an organization administrator giving its viewer register-assets: %v %v", u.Capabilities, err)
			}

			// The console offers the forms to whom may use them.
			if _, page := console.get("/admin"); !strings.Contains(page, "/admin/orgs/"+power.ID+"/change") || !strings.Contains(page, "/admin/users/"+users["alice"]+"/role") {
				t.Error("the hub administrator's page has no form to change an organization or a user's role")
			}
			if _, page := e.session("power-admin").get("/admin"); !strings.Contains(page, "/admin/users/"+carol.PublicID+"/revoke") || strings.Contains(page, "/admin/orgs/"+power.ID+"/change") {
				t.Error("the organization administrator's page: want its viewer's capability form and no organization form")
			}

			logged := map[string][]string{} // door → action and change, in order
			for _, en := range e.entries() {
				switch en.Action {
				case audit.ActionOrgChange, audit.ActionOrgDelete, audit.ActionGroupChange, audit.ActionGroupDelete, audit.ActionRoleChange:
				default:
					continue
				}
				if en.User != "root" {
					if en.User != "power-admin" || en.Detail["change"] != "capability-give" {
						t.Errorf("%s logged %s (%v), a refusal or an act nobody made here", en.User, en.Action, en.Detail)
					}
					continue
				}
				if en.Detail["change"] == "create" {
					continue
				}
				logged[en.Detail["via"]] = append(logged[en.Detail["via"]], en.Action+" "+en.Detail["change"]+" "+en.Detail["disabled"])
			}
			if len(logged) != 2 {
				t.Fatalf("entries by door: %v, want the API's and the console's", logged)
			}
			var doors [][]string
			for _, acts := range logged {
				doors = append(doors, acts)
			}
			if !slices.Equal(doors[0], doors[1]) || len(doors[0]) != 11 {
				t.Errorf("one act, two actions:\n%v\n%v", doors[0], doors[1])
			}
		})
	}
}
