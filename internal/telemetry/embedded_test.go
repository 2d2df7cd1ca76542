package telemetry_test

import (
	"context"
	"math/rand/v2"
	"net/netip"
	"testing"

	"renkei/internal/flow"
	"renkei/internal/store/storetest"
	"renkei/internal/telemetry"
)

// embeddings writes an IPv4 address v4 into an IPv6 address in every form
// C3 must see through; noise fills the bits each form leaves free. For
// Teredo, v4 is the client and server the server. want is what the address
// must be judged by: for Teredo the client only, never the server.
var embeddings = []struct {
	name  string
	embed func(v4, server [4]byte, noise [16]byte) netip.Addr
	// teredo is set for the form that carries two IPv4 addresses (the
	// client's, which the address is judged by, and the server's, which it
	// is not).
	teredo bool
}{
	{"nat64 64:ff9b::/96", func(v4, _ [4]byte, _ [16]byte) netip.Addr {
		return netip.AddrFrom16([16]byte{0, 0x64, 0xff, 0x9b, 12: v4[0], v4[1], v4[2], v4[3]})
	}, false},
	{"nat64 local-use 64:ff9b:1::/48 (RFC 6052 /48 layout)", func(v4, _ [4]byte, _ [16]byte) netip.Addr {
		return netip.AddrFrom16([16]byte{0, 0x64, 0xff, 0x9b, 0, 1, v4[0], v4[1], 0, v4[2], v4[3]})
	}, false},
	{"nat64 local-use 64:ff9b:1::a.b.c.d", func(v4, _ [4]byte, _ [16]byte) netip.Addr {
		return netip.AddrFrom16([16]byte{0, 0x64, 0xff, 0x9b, 0, 1, 12: v4[0], v4[1], v4[2], v4[3]})
	}, false},
	{"6to4 2002::/16", func(v4, _ [4]byte, n [16]byte) netip.Addr {
		return netip.AddrFrom16([16]byte{0x20, 0x02, v4[0], v4[1], v4[2], v4[3], n[6], n[7], n[8], n[9], n[10], n[11], n[12], n[13], n[14], n[15]})
	}, false},
	{"ipv4-compatible ::a.b.c.d", func(v4, _ [4]byte, _ [16]byte) netip.Addr {
		return netip.AddrFrom16([16]byte{12: v4[0], v4[1], v4[2], v4[3]})
	}, false},
	{"ipv4-mapped ::ffff:a.b.c.d", func(v4, _ [4]byte, _ [16]byte) netip.Addr {
		return netip.AddrFrom16([16]byte{10: 0xff, 0xff, v4[0], v4[1], v4[2], v4[3]})
	}, false},
	{"ipv4-translated ::ffff:0:a.b.c.d", func(v4, _ [4]byte, _ [16]byte) netip.Addr {
		return netip.AddrFrom16([16]byte{8: 0xff, 0xff, 0, 0, v4[0], v4[1], v4[2], v4[3]})
	}, false},
	{"teredo 2001::/32", func(v4, server [4]byte, n [16]byte) netip.Addr {
		return netip.AddrFrom16([16]byte{0x20, 0x01, 0, 0, server[0], server[1], server[2], server[3], n[8], n[9], n[10], n[11], ^v4[0], ^v4[1], ^v4[2], ^v4[3]})
	}, true},
	{"isatap ::5efe:a.b.c.d under a foreign /64", func(v4, _ [4]byte, n [16]byte) netip.Addr {
		return netip.AddrFrom16([16]byte{0x24, 0x00, 0xcb, 0, n[4], n[5], n[6], n[7], n[8] & 0x02, 0, 0x5e, 0xfe, v4[0], v4[1], v4[2], v4[3]})
	}, false},
}

// randomV4 returns a domestic address half the time, else any address.
func randomV4(r *rand.Rand) [4]byte {
	var b [4]byte
	if r.IntN(2) == 0 {
		p := domestic[r.IntN(2)].Addr().As4() // the IPv4 ranges of the test list
		b = [4]byte{p[0], p[1], p[2], byte(r.IntN(256))}
	} else {
		x := r.Uint32()
		b = [4]byte{byte(x >> 24), byte(x >> 16), byte(x >> 8), byte(x)}
	}
	return b
}

// TestC3EmbeddedIPv4 generates addresses in every IPv4-in-IPv6 embedding and
// checks each is judged by the IPv4 address inside it, so that a
// domestic→domestic flow cannot pass as anything else by being written in
// IPv6; then shows such a flow is dropped by the pipeline on each store.
func TestC3EmbeddedIPv4(t *testing.T) {
	t.Parallel()
	r := telemetry.NewRanges("v", domestic)
	rng := rand.New(rand.NewPCG(21, 5))
	for _, em := range embeddings {
		t.Run(em.name, func(t *testing.T) {
			for range 5000 {
				v4, server := randomV4(rng), randomV4(rng)
				var noise [16]byte
				for i := range noise {
					noise[i] = byte(rng.Uint32())
				}
				a := em.embed(v4, server, noise)
				want := r.Domestic(netip.AddrFrom4(v4))
				if got := r.Domestic(a); got != want {
					t.Fatalf("%s (embedding %v, server %v): domestic %v, want %v", a, netip.AddrFrom4(v4), netip.AddrFrom4(server), got, want)
				}
				other := netip.MustParseAddr("192.0.2.77") // a native domestic address
				if want && r.Classify(other, a) != telemetry.DomesticToDomestic {
					t.Fatalf("192.0.2.77 → %s: %s, want domestic-domestic", a, r.Classify(other, a))
				}
			}
		})
	}
	for _, s := range []string{"64:ff9b:1:c000:2ff:a00::", "64:ff9b:0:1::c000:20a", "64:ff9b:1:1:0:0:c000:20a"} {
		if got := r.Classify(netip.MustParseAddr(s), netip.MustParseAddr("203.0.113.1")); got != telemetry.Unclassifiable {
			t.Errorf("%s follows no layout of its prefix: %s, want unclassifiable", s, got)
		}
	}
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			e := setup(t, kind)
			at := *e.now
			res, err := e.p.Ingest(context.Background(), "power-border", []flow.Record{
				rec("192.0.2.10", "2002:c633:6407::1", 50000, 443, at),          // to 198.51.100.7 over 6to4
				rec("64:ff9b::c000:20a", "198.51.100.7", 50000, 443, at),        // from 192.0.2.10 through NAT64
				rec("2001:0:cb00:7101::3fff:fdf5", "192.0.2.10", 3544, 443, at), // Teredo client 192.0.2.10
				rec("64:ff9b:1:c000:2ff:a00::", "192.0.2.10", 1, 2, at),         // no layout of 64:ff9b:1::/48
				rec("203.0.113.9", "2002:c000:20a::1", 443, 50000, at),          // foreign → 192.0.2.10 over 6to4: kept
			})
			if err != nil {
				t.Fatal(err)
			}
			if res.Counts["dropped:domestic-domestic"] != 3 || res.Counts[telemetry.ReasonUnclassifiable] != 1 || res.Counts["kept"] != 1 {
				t.Fatalf("counts %v: domestic flows in IPv6 dress must be dropped, unreadable ones refused", res.Counts)
			}
			stored, err := telemetry.GetCounts(context.Background(), e.h.DB, "power-border")
			if err != nil || stored[telemetry.ReasonUnclassifiable] != 1 || stored["dropped:domestic-domestic"] != 3 {
				t.Fatalf("stored counts %v %v", stored, err)
			}
		})
	}
}

// TestC3TeredoJudgedByClient: a Teredo address is where its client is, at
// the public IPv4 address in its last 32 bits; the server it names is not on
// the path of its traffic. A foreign client named with a domestic server is
// foreign (a flow from a foreign host to it is foreign→foreign and is not
// kept under an operator agreement), and a domestic client named with a
// foreign server is domestic.
func TestC3TeredoJudgedByClient(t *testing.T) {
	t.Parallel()
	r := telemetry.NewRanges("v", domestic)
	teredo := func(server, client string) netip.Addr {
		s, c := netip.MustParseAddr(server).As4(), netip.MustParseAddr(client).As4()
		return netip.AddrFrom16([16]byte{0x20, 0x01, 0, 0, s[0], s[1], s[2], s[3], 0x80, 0, 0xf2, 0x27, ^c[0], ^c[1], ^c[2], ^c[3]})
	}
	for _, c := range []struct {
		server, client string
		want           bool
	}{
		{"192.0.2.1", "203.0.113.9", false},   // domestic server, foreign client
		{"203.0.113.1", "192.0.2.10", true},   // foreign server, domestic client
		{"192.0.2.1", "198.51.100.7", true},   // both domestic
		{"203.0.113.1", "203.0.113.9", false}, // both foreign
	} {
		a := teredo(c.server, c.client)
		if got := r.Domestic(a); got != c.want {
			t.Errorf("Teredo %s (server %s, client %s): domestic %v, want %v", a, c.server, c.client, got, c.want)
		}
	}
	foreign := netip.MustParseAddr("203.0.113.50")
	if d := r.Classify(foreign, teredo("192.0.2.1", "203.0.113.9")); d != telemetry.ForeignToForeign {
		t.Errorf("foreign host → Teredo client 203.0.113.9 behind domestic server: %s, want foreign-foreign", d)
	}
}

// FuzzC3Classify builds IPv6 addresses from random bits in every embedding
// (and as raw bits): classifying never panics, an embedded domestic IPv4
// address always makes the address domestic, and an IPv4-mapped address is
// judged as its IPv4 address.
func FuzzC3Classify(f *testing.F) {
	f.Add(uint8(0), uint32(0xc000020a), uint32(0x08080808), uint64(0), uint64(0))
	f.Add(uint8(7), uint32(0xc633640a), uint32(0xc0000201), uint64(1<<63), uint64(0xffff))
	f.Add(uint8(255), uint32(0), uint32(0), uint64(0x0064ff9b00010000), uint64(0x00ff000000000000))
	r := telemetry.NewRanges("v", domestic)
	f.Fuzz(func(t *testing.T, kind uint8, v4, server uint32, hi, lo uint64) {
		var noise [16]byte
		for i := range 8 {
			noise[i], noise[8+i] = byte(hi>>(56-8*i)), byte(lo>>(56-8*i))
		}
		raw := netip.AddrFrom16(noise)
		_ = r.Classify(raw, raw) // any bits at all
		if raw.Is4In6() && r.Domestic(raw) != r.Domestic(raw.Unmap()) {
			t.Fatalf("%s is judged apart from its IPv4 address", raw)
		}
		b := [4]byte{byte(v4 >> 24), byte(v4 >> 16), byte(v4 >> 8), byte(v4)}
		s := [4]byte{byte(server >> 24), byte(server >> 16), byte(server >> 8), byte(server)}
		em := embeddings[int(kind)%len(embeddings)]
		a := em.embed(b, s, noise)
		want := r.Domestic(netip.AddrFrom4(b)) // for Teredo the client's, whatever the server's
		if got := r.Domestic(a); got != want {
			t.Fatalf("%s (%s of %v): domestic %v, want %v", a, em.name, netip.AddrFrom4(b), got, want)
		}
		if d := r.Classify(a, netip.MustParseAddr("198.51.100.1")); want && d != telemetry.DomesticToDomestic {
			t.Fatalf("%s → 198.51.100.1: %s, want domestic-domestic", a, d)
		}
	})
}
