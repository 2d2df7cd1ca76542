package telemetry_test

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"renkei/internal/approval"
	"renkei/internal/flow"
	"renkei/internal/pseudonym"
	"renkei/internal/store/storetest"
	"renkei/internal/telemetry"
)

// chosen are the addresses an attacker injects flows to: 64 hosts of one
// member-internal /26, each talking to an indicator's address so that the
// records are kept and readable.
func chosen() []netip.Addr {
	var out []netip.Addr
	for i := range 64 {
		out = append(out, netip.AddrFrom4([4]byte{198, 51, 100, byte(128 + i)}))
	}
	return out
}

// pseudonymsOf ingests flows from the indicator's address to every chosen
// address into a source at the env's current time, has them matched, and
// returns what a handler reads back: the pseudonym of each chosen address.
func pseudonymsOf(t *testing.T, e *env, source string) map[netip.Addr]netip.Addr {
	t.Helper()
	ctx := context.Background()
	var recs []flow.Record
	for i, a := range chosen() {
		recs = append(recs, rec("203.0.113.77", a.String(), 443, uint16(20000+i), *e.now))
	}
	if _, err := e.p.Ingest(ctx, source, recs); err != nil {
		t.Fatal(err)
	}
	e.drain(t)
	got, _, err := e.svc.Access(ctx, e.callers["handler"], source, "C4 linkage check", 1000)
	if err != nil {
		t.Fatal(err)
	}
	out := map[netip.Addr]netip.Addr{}
	for _, r := range got {
		if !r.Start.Equal(*e.now) {
			continue // an earlier period's records
		}
		out[chosen()[r.DstPort-20000]] = netip.MustParseAddr(r.Dst)
	}
	if len(out) != 64 {
		t.Fatalf("%s: %d pseudonyms read back, want 64", source, len(out))
	}
	return out
}

// commonPrefix is the number of leading bits a and b share.
func commonPrefix(a, b netip.Addr) int {
	x, y := a.As16(), b.As16()
	for i := range 16 {
		if d := x[i] ^ y[i]; d != 0 {
			n := 0
			for d&0x80 == 0 {
				d <<= 1
				n++
			}
			return 8*i + n
		}
	}
	return 128
}

// TestC4NoChosenPlaintextLinkage injects flows to chosen addresses into one
// source and reads their pseudonyms back, as an attacker who can send
// traffic and see results could; then shows that the pseudonyms of the same
// addresses in another source, and in the same source's next retention
// period, share nothing with them — with keyed pseudonyms, and with
// prefix-preserving ones where an approval requires them.
func TestC4NoChosenPlaintextLinkage(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		for _, prefixPreserving := range []bool{false, true} {
			name := kind + "/keyed"
			if prefixPreserving {
				name = kind + "/prefix-preserving"
			}
			t.Run(name, func(t *testing.T) {
				e := setup(t, kind)
				ctx := context.Background()
				e.indicator(t, "center", "[ipv4-addr:value = '203.0.113.77']")
				ref := "approval-" + itoa(e.approval.ID)
				if prefixPreserving {
					ref = e.approve(t, "Kanto Electric border routers", true)
				}
				for _, id := range []string{"kanto-a", "kanto-b"} {
					if err := e.addSource(ctx, telemetry.Source{ID: id, LegalBasis: telemetry.BasisAgreement, ApprovalRef: ref,
						Retention: 24 * time.Hour, Pseudonymize: []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24")}, PrefixPreserving: prefixPreserving, Created: *e.now}); err != nil {
						t.Fatal(err)
					}
				}
				a := pseudonymsOf(t, e, "kanto-a")
				b := pseudonymsOf(t, e, "kanto-b")
				*e.now = e.now.Add(24 * time.Hour) // the next retention period of kanto-a
				next := pseudonymsOf(t, e, "kanto-a")
				known := map[netip.Addr]bool{}
				for _, p := range a {
					known[p] = true
					if !prefixPreserving && !pseudonym.AddrPrefix.Contains(p) {
						t.Fatalf("keyed pseudonym %s is outside %s", p, pseudonym.AddrPrefix)
					}
				}
				for what, other := range map[string]map[netip.Addr]netip.Addr{"another source": b, "another period": next} {
					for addr, p := range other {
						if known[p] {
							t.Fatalf("%s: the pseudonym %s of %s was learnt by injection into kanto-a", what, p, addr)
						}
						if prefixPreserving {
							continue
						}
						// Keyed pseudonyms share the fixed 100::/64 and nothing else.
						if n := commonPrefix(p, a[addr]); n >= 64+24 {
							t.Fatalf("%s: pseudonyms of %s share %d bits", what, addr, n)
						}
					}
					if prefixPreserving {
						// The 64 chosen hosts share a /26; so do their pseudonyms
						// within one source and period, but the prefix learnt in
						// kanto-a must not be the prefix in the other.
						first := chosen()[0]
						if n := commonPrefix(a[first], other[first]); n >= 96+16 {
							t.Fatalf("%s: the pseudonymized /26 shares %d bits with the one learnt by injection", what, n-96)
						}
					}
				}
				if !prefixPreserving {
					// No prefix survives keyed pseudonyms: two hosts of one /26
					// give pseudonyms that share only the fixed prefix.
					x, y := a[chosen()[0]], a[chosen()[1]]
					if n := commonPrefix(x, y); n >= 64+24 {
						t.Fatalf("keyed pseudonyms %s and %s of one subnet share %d bits", x, y, n)
					}
				}
			})
		}
	}
}

// approve files and grants a collection approval whose target says what it
// is for, and returns its reference.
func (e *env) approve(t *testing.T, target string, prefixPreserving bool) string {
	t.Helper()
	ctx := context.Background()
	as := e.a.Approvals
	a, err := as.File(ctx, e.callers["handler"], approval.Request{Kind: approval.KindCollectionAgreement, LegalBasis: "operator agreement 2026-9",
		Target: target, Justification: "C2 detection", ValidFrom: e.now.Add(-time.Hour), ValidUntil: e.now.Add(30 * 24 * time.Hour),
		PrefixPreserving: prefixPreserving}, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := as.Decide(ctx, e.callers["overseer"], a.ID, true, "proportionate"); err != nil {
		t.Fatal(err)
	}
	return "approval-" + itoa(a.ID)
}

// TestC4KeysDeletedWithData shows that a retention period's key is kept while
// records pseudonymized under it may exist, and deleted — logged first — once
// they have all expired.
func TestC4KeysDeletedWithData(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := setup(t, kind)
			ctx := context.Background()
			e.indicator(t, "center", "[ipv4-addr:value = '203.0.113.88']")
			at := *e.now
			if _, err := e.p.Ingest(ctx, "power-border", []flow.Record{rec("203.0.113.88", "198.51.100.200", 443, 1, at)}); err != nil {
				t.Fatal(err)
			}
			e.drain(t)
			keys, err := telemetry.KeyPeriods(ctx, e.h.DB, "power-border")
			if err != nil || len(keys) != 1 {
				t.Fatalf("one key for the period of the record: %v %v", keys, err)
			}
			src, _ := telemetry.GetSource(ctx, e.h.DB, "power-border")
			if keys[0].Period != telemetry.Period(&src, at) || keys[0].Expires.Before(at.Add(src.Retention)) {
				t.Fatalf("key %+v must outlive the record (kept until %s)", keys[0], at.Add(src.Retention))
			}
			if n, err := e.svc.Expire(ctx, at.Add(src.Retention+time.Second)); err != nil || n != 1 {
				t.Fatalf("the record expires: %d %v", n, err)
			}
			if keys, _ := telemetry.KeyPeriods(ctx, e.h.DB, "power-border"); len(keys) != 1 {
				t.Fatalf("records made later in the same period may still exist; the key must stay: %v", keys)
			}
			before, _ := e.h.Audit.Size(ctx)
			if _, err := e.svc.Expire(ctx, keys[0].Expires); err != nil {
				t.Fatal(err)
			}
			if keys, _ := telemetry.KeyPeriods(ctx, e.h.DB, "power-border"); len(keys) != 0 {
				t.Fatalf("the key of a period whose data has expired is still stored: %v", keys)
			}
			waitSize(t, e.h.Audit, before+1)
			var n int
			if err := e.h.DB.QueryRow(ctx, "SELECT COUNT(*) FROM telemetry_keys").Scan(&n); err != nil || n != 0 {
				t.Fatalf("keys left: %d %v", n, err)
			}
			if v, _ := e.h.DB.Setting(ctx, "pseudonym_key"); v != "" {
				t.Fatal("a hub-wide pseudonymization key is stored")
			}
		})
	}
}

// TestC4PrefixPreservingOnlyWhereApproved: a source set to prefix-preserving
// pseudonyms is refused unless the approval in force for it grants them in
// its prefix_preserving field — the word "prefix-preserving" in the
// approval's text grants nothing — and keeps prefixes once one does.
func TestC4PrefixPreservingOnlyWhereApproved(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := setup(t, kind)
			ctx := context.Background()
			worded := e.approve(t, "Kanto border routers; prefix-preserving pseudonyms required to compare subnets", false)
			granted := e.approve(t, "Kanto border routers", true)
			for _, src := range []struct{ id, ref string }{{"kanto-base", "approval-" + itoa(e.approval.ID)}, {"kanto-worded", worded}, {"kanto-granted", granted}} {
				if err := e.addSource(ctx, telemetry.Source{ID: src.id, LegalBasis: telemetry.BasisAgreement, ApprovalRef: src.ref,
					Retention: time.Hour, Pseudonymize: []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24")}, PrefixPreserving: true, Created: *e.now}); err != nil {
					t.Fatal(err)
				}
			}
			for _, id := range []string{"kanto-base", "kanto-worded"} {
				res, err := e.p.Ingest(ctx, id, []flow.Record{rec("203.0.113.9", "198.51.100.1", 443, 1, *e.now)})
				if !errors.Is(err, telemetry.ErrPrefixNotApproved) || res.Counts[telemetry.ReasonPrefixNotApproved] != 1 {
					t.Fatalf("%s: prefix-preserving pseudonyms without an approval granting them: %v %v", id, res.Counts, err)
				}
				if !strings.Contains(err.Error(), "--prefix-preserving") {
					t.Fatalf("the error must say how to ask for them: %v", err)
				}
			}
			res, err := e.p.Ingest(ctx, "kanto-granted", []flow.Record{rec("203.0.113.9", "198.51.100.1", 443, 1, *e.now)})
			if err != nil || res.Kept != 1 {
				t.Fatalf("under an approval granting prefix preservation: %v %v", res.Counts, err)
			}
			a, err := e.a.Approvals.Get(ctx, granted)
			if err != nil || !a.PrefixPreserving {
				t.Fatalf("the approval does not show the grant: %+v %v", a, err)
			}
		})
	}
}
