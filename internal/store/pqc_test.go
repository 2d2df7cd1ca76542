package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"renkei/internal/policy"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// TestPQCFiltersMatchDecisions: random organizations' crypto assets,
// endpoints and plan steps are listed through the store for random
// viewers of every role, seat and token, on each store, and each listing
// holds exactly the records policy.MayReadPQC allows.
func TestPQCFiltersMatchDecisions(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			db := storetest.Open(t, kind)
			r := rand.New(rand.NewPCG(16, 50))
			var orgs []string
			for i := range 5 {
				orgs = append(orgs, fmt.Sprintf("identity--pqc-o%d", i))
			}
			now := time.Now()
			owner := map[string]string{}
			for i := range 40 {
				org := orgs[r.IntN(len(orgs))]
				switch i % 3 {
				case 0:
					as := []store.PQCAsset{{Body: []byte(`{"type":"algorithm","name":"RSA"}`), Created: now}}
					if err := db.ReplacePQCAssets(ctx, org, "manual", "", as); err != nil {
						t.Fatal(err)
					}
					owner["asset "+as[0].PublicID] = org
				case 1:
					e := store.PQCEndpoint{OrgID: org, Address: fmt.Sprintf("h%d.example:443", i), Protocol: "tls", Created: now}
					if err := db.AddPQCEndpoint(ctx, &e); err != nil {
						t.Fatal(err)
					}
					owner["endpoint "+e.PublicID] = org
				case 2:
					s := store.PQCStep{OrgID: org, Title: "step", Status: "planned", Created: now, Updated: now}
					if err := db.AddPQCStep(ctx, &s); err != nil {
						t.Fatal(err)
					}
					owner["step "+s.PublicID] = org
				}
			}
			for _, v := range recordViewers(r, append([]string{"identity--pqc-center", "identity--pqc-committee"}, orgs...)) {
				got := map[string]bool{}
				as, err := db.PQCAssets(ctx, v)
				if err != nil {
					t.Fatal(err)
				}
				for _, a := range as {
					got["asset "+a.PublicID] = true
				}
				es, err := db.PQCEndpoints(ctx, v)
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range es {
					got["endpoint "+e.PublicID] = true
				}
				ss, err := db.PQCSteps(ctx, v)
				if err != nil {
					t.Fatal(err)
				}
				for _, s := range ss {
					got["step "+s.PublicID] = true
				}
				for rec, org := range owner {
					if want := policy.MayReadPQC(v, org); got[rec] != want {
						t.Fatalf("%s of %s: %s of %s listed %v, decided %v", v.Role, v.OrgID, rec, org, got[rec], want)
					}
				}
			}
		})
	}
}
