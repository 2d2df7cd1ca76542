package warninglist

import (
	"embed"
	"fmt"
	"net/netip"
	"path"
	"sort"
)

//go:embed lists/*.json
var builtinFS embed.FS

// Builtin returns the lists that ship with Renkei, parsed afresh (callers
// may keep or change them). Their content comes only from the registries
// and operator documents each list cites; a list's version goes up with
// every change of its entries.
func Builtin() []*List {
	ents, err := builtinFS.ReadDir("lists")
	if err != nil {
		panic(err) // embedded at build time
	}
	var out []*List
	for _, e := range ents {
		data, err := builtinFS.ReadFile(path.Join("lists", e.Name()))
		if err != nil {
			panic(err)
		}
		l, err := Parse(data)
		if err != nil {
			panic(fmt.Sprintf("built-in warninglist %s: %v", e.Name(), err))
		}
		l.ID, l.Origin, l.Action = IDFromPath(e.Name()), OriginBuiltin, ActionRefuse
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// RegisteredName is the name of the list made from the store: the hub's own
// addresses and every member's registered address space.
const RegisteredName = "renkei-registered-addresses"

// Registered is the list of the hub's and its members' registered
// addresses (prefixes that do not parse are left out). Blocking one would
// cut a member, or the hub itself, off from every other member.
func Registered(prefixes []string) *List {
	l := &List{ID: RegisteredName, Name: "Registered addresses of the hub and its members", Version: 1, Type: TypeCIDR, Origin: OriginHub, Action: ActionRefuse,
		Description:        "The hub's own addresses and the address space its members registered.",
		MatchingAttributes: []string{"ip-src", "ip-dst", "domain|ip"}}
	for _, p := range prefixes {
		if q, ok := parsePrefix(p); ok {
			l.List = append(l.List, q.String())
		} else if a, err := netip.ParseAddr(p); err == nil {
			l.List = append(l.List, a.String())
		}
	}
	sort.Strings(l.List)
	return l
}
