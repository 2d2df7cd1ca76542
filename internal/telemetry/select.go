// Package telemetry is the communications-information pipeline of the hub,
// under the rules of the Active Cyber Defense law as DESIGN.md sets them out:
//
//   - C6: a source runs only while its approval is in force;
//   - C1, C2: right after acquisition, Select keeps only the mechanical fields
//     of an explicit allow-list and discards the rest before anything else
//     (a person, a log, the stream) can see it;
//   - C3: each record is classified against a versioned list of domestic
//     ranges, and records whose direction the source's legal basis does not
//     cover are dropped and counted;
//   - C4: member-internal addresses are pseudonymized where set, under a key
//     of the source and retention period that is deleted with the data;
//   - C5: what is kept expires by the source's retention, and every deletion
//     is counted and logged;
//   - C7: every human access is logged before release.
//
// Selected records travel over the bus to matcher workers; matches become
// sightings and alerts through the hub. This package must never hold a
// payload byte, log a record, or decide who may read intelligence.
package telemetry

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/gaissmai/bart"

	"renkei/internal/approval"
	"renkei/internal/flow"
)

// Direction is where a record's traffic goes, as seen from the domestic ranges.
type Direction string

const (
	ForeignToDomestic  Direction = "foreign-domestic"
	DomesticToForeign  Direction = "domestic-foreign"
	ForeignToForeign   Direction = "foreign-foreign" // transit
	DomesticToDomestic Direction = "domestic-domestic"
	// Unclassifiable is the class of a record with an address in an IPv4/IPv6
	// translation prefix whose IPv4 address cannot be read unambiguously (see
	// embedded.go). No source allows it: such records are refused and counted.
	Unclassifiable Direction = "unclassifiable"
)

// Directions lists every direction.
var Directions = []Direction{ForeignToDomestic, DomesticToForeign, ForeignToForeign, DomesticToDomestic}

// Legal bases of a source, and the directions each covers by default.
const (
	BasisAgreement = "agreement" // acquisition under an agreement with an operator
	BasisCommittee = "committee" // acquisition approved by the oversight committee
)

// ApprovalKinds are the kind of approval each legal basis needs (rule C6):
// collection under an operator agreement rests on an approval of the
// agreement, collection without consent on the committee's approval. An
// access and neutralization measure never gates collection.
var ApprovalKinds = map[string]string{
	BasisAgreement: approval.KindCollectionAgreement,
	BasisCommittee: approval.KindCollectionCommittee,
}

// DefaultDirections are what each legal basis covers unless the source says
// less: an operator agreement covers communications between abroad and Japan;
// a committee approval covers transit between foreign addresses. Purely
// domestic communications are covered by neither and are always dropped.
var DefaultDirections = map[string][]Direction{
	BasisAgreement: {ForeignToDomestic, DomesticToForeign},
	BasisCommittee: {ForeignToForeign},
}

// Ranges is one version of the list of domestic address ranges.
type Ranges struct {
	Version string
	table   bart.Lite
	n       int
}

// NewRanges compiles a list of prefixes.
func NewRanges(version string, prefixes []netip.Prefix) *Ranges {
	r := &Ranges{Version: version}
	for _, p := range prefixes {
		r.table.Insert(p.Masked())
		r.n++
	}
	return r
}

// Len is the number of prefixes in the list.
func (r *Ranges) Len() int { return r.n }

// Domestic reports whether a is in a domestic range or embeds an IPv4
// address that is (NAT64, 6to4, IPv4-compatible, IPv4-mapped, Teredo, ISATAP:
// see embedded.go). An address whose embedded IPv4 cannot be told is not.
func (r *Ranges) Domestic(a netip.Addr) bool {
	d, _ := r.domestic(a)
	return d
}

// Classify returns the direction of traffic from src to dst, each address
// judged by the IPv4 address it embeds, if any; Unclassifiable when an
// address lies in a translation prefix in a form that cannot be read.
func (r *Ranges) Classify(src, dst netip.Addr) Direction {
	s, sok := r.domestic(src)
	d, dok := r.domestic(dst)
	switch {
	case !sok || !dok:
		return Unclassifiable
	case s && d:
		return DomesticToDomestic
	case s:
		return DomesticToForeign
	case d:
		return ForeignToDomestic
	}
	return ForeignToForeign
}

// Selected is a flow record after automatic selection (rules C1 and C2): the
// explicit allow-list of mechanical information — addresses, ports, protocol,
// times, byte and packet counts, TCP flags, direction, and the exporter and
// source it came from. Nothing else exists in it to be kept. Adding a field
// here needs a rule approved by the committee (and TestC2FieldAllowList fails
// until the list in that test is changed with it).
type Selected struct {
	Source    string     `json:"source"`
	Src       netip.Addr `json:"src"`
	Dst       netip.Addr `json:"dst"`
	SrcPort   uint16     `json:"src_port"`
	DstPort   uint16     `json:"dst_port"`
	Proto     uint8      `json:"proto"`
	Start     time.Time  `json:"start"`
	End       time.Time  `json:"end"`
	Bytes     uint64     `json:"bytes"`
	Packets   uint64     `json:"packets"`
	TCPFlags  uint8      `json:"tcp_flags"`
	Direction Direction  `json:"direction"`
	Exporter  string     `json:"exporter"`
}

// Select copies the allowed fields of r, and only them (C1, C2).
func Select(source string, r *flow.Record, dir Direction) Selected {
	exp := ""
	if r.Exporter.IsValid() {
		exp = r.Exporter.Addr().String()
	}
	return Selected{Source: source, Src: r.SrcAddr, Dst: r.DstAddr, SrcPort: r.SrcPort, DstPort: r.DstPort, Proto: r.Proto,
		Start: r.Start.UTC(), End: r.End.UTC(), Bytes: r.Bytes, Packets: r.Packets, TCPFlags: r.TCPFlags, Direction: dir, Exporter: exp}
}

// ParseDirections reads "foreign-domestic,domestic-foreign".
func ParseDirections(s string) ([]Direction, error) {
	var out []Direction
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		ok := false
		for _, d := range Directions {
			if string(d) == p {
				ok = true
			}
		}
		if !ok {
			return nil, fmt.Errorf("direction %q: want foreign-domestic, domestic-foreign or foreign-foreign", p)
		}
		if Direction(p) == DomesticToDomestic {
			return nil, fmt.Errorf("direction domestic-domestic: purely domestic communications are outside every legal basis")
		}
		out = append(out, Direction(p))
	}
	return out, nil
}
