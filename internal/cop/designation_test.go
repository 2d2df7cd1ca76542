package cop_test

import (
	"context"
	"strings"
	"testing"

	"renkei/internal/cop"
	"renkei/internal/hub"
	"renkei/internal/hubtest"
	"renkei/internal/incident"
	"renkei/internal/store/storetest"
)

// TestDesignatedOperatorsWithoutRegisterAreShown: an organization is
// designated with a business type of the maintained list, which names its
// ministry (an unknown type, a designation without a type and the center's
// are refused); the center's picture names the designated operators with no
// critical computer registered until they register one; a member's picture
// names none.
func TestDesignatedOperatorsWithoutRegisterAreShown(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			th := hubtest.New(t, kind, hubtest.WithAudit())
			th.Org("Kanto Electric", "operator", "energy")
			th.Org("Suido Water", "operator", "water")
			th.User("kanshi", th.Center().ID, "analyst")
			th.User("denki", "Kanto Electric", "analyst")
			admin := th.Caller("admin")
			for _, d := range []struct {
				org  string
				des  hub.Designation
				want string
			}{
				{"Kanto Electric", hub.Designation{Designated: true, BusinessType: "nuclear-fusion"}, "not one of"},
				{"Kanto Electric", hub.Designation{Designated: true}, "needs its business type"},
				{th.Center().ID, hub.Designation{Designated: true, BusinessType: "electricity"}, "never a designated operator"},
			} {
				if _, err := th.Hub.ChangeOrg(ctx, admin, d.org, hub.OrgChange{Designation: &d.des}); err == nil || !strings.Contains(err.Error(), d.want) {
					t.Errorf("designate %s %+v: %v, want %q", d.org, d.des, err, d.want)
				}
			}
			o, err := th.Hub.ChangeOrg(ctx, admin, "Kanto Electric", hub.OrgChange{Designation: &hub.Designation{Designated: true, BusinessType: "electricity"}})
			if err != nil || !o.Designated || o.BusinessType != "electricity" || o.Ministry != "meti" {
				t.Fatalf("designate: %+v %v", o, err)
			}
			if o, _ := th.DB.Org(ctx, "Kanto Electric"); !o.Designated || o.Ministry != "meti" {
				t.Fatalf("stored: %+v", o)
			}
			picture := func(login string) cop.Figures {
				t.Helper()
				f, err := cop.Compute(ctx, th.DB, th.Now, th.ViewerOf(login), cop.Window(th.Now, 7))
				if err != nil {
					t.Fatal(err)
				}
				return f
			}
			if f := picture("kanshi"); f.DesignatedWithoutRegister != 1 || len(f.Unregistered) != 1 || f.Unregistered[0] != "Kanto Electric" {
				t.Fatalf("center's picture: %d %q", f.DesignatedWithoutRegister, f.Unregistered)
			}
			if f := picture("denki"); f.DesignatedWithoutRegister != 0 || f.Unregistered != nil {
				t.Fatalf("a member's picture names designated operators: %d %q", f.DesignatedWithoutRegister, f.Unregistered)
			}
			if _, err := th.App.Incidents.Register(ctx, th.Caller("denki"), incident.Computer{Name: "EMS", Function: "grid", Ministry: "経済産業省"}); err != nil {
				t.Fatal(err)
			}
			if f := picture("kanshi"); f.DesignatedWithoutRegister != 0 || f.Unregistered != nil {
				t.Fatalf("after registering: %d %q", f.DesignatedWithoutRegister, f.Unregistered)
			}
		})
	}
}
