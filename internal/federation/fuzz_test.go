package federation

import (
	"encoding/json"
	"testing"

	"renkei/internal/policy"
)

// FuzzProvenance: what a partner sends is read and rewritten by
// provenanceOf, withProvenance and withTLP before the hub's intake sees
// it. None may panic; a rewritten object is JSON, carries the provenance
// and the TLP marking set, and keeps its other properties.
func FuzzProvenance(f *testing.F) {
	f.Add([]byte(`{"type":"indicator","id":"indicator--1","object_marking_refs":["` + policy.MarkingGreen + `","marking-definition--x"]}`))
	f.Add([]byte(`{"type":"indicator","extensions":{"` + Extension + `":{"partner":"p","origin_hub":"h"}}}`))
	f.Add([]byte(`{"extensions":null,"object_marking_refs":null}`))
	f.Add([]byte(`{"extensions":[1],"object_marking_refs":"x"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		prov := provenanceOf(raw)
		out, err := withProvenance(raw, Provenance{Partner: "p1", Pull: "r1", OriginHub: prov.OriginHub})
		if err != nil {
			return
		}
		if !json.Valid(out) {
			t.Fatalf("withProvenance gave invalid JSON: %s", out)
		}
		if got := provenanceOf(out); got.Partner != "p1" || got.Pull != "r1" || got.OriginHub != prov.OriginHub {
			t.Fatalf("provenance after rewriting is %+v", got)
		}
		marked, err := withTLP(out, policy.Amber)
		if err != nil {
			return
		}
		var o map[string]json.RawMessage // exact keys: encoding/json's struct fields match any case
		var refs []string
		if err := json.Unmarshal(marked, &o); err != nil || json.Unmarshal(o["object_marking_refs"], &refs) != nil {
			t.Fatalf("withTLP gave %s: %v", marked, err)
		}
		if tlp, found := policy.TLPFromMarkings(refs); !found || tlp != policy.Amber {
			t.Fatalf("withTLP(amber) left markings %v", refs)
		}
		if provenanceOf(marked).Partner != "p1" {
			t.Fatal("withTLP lost the provenance")
		}
	})
}
