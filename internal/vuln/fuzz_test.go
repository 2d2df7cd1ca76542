package vuln

import (
	"testing"

	"renkei/internal/vuln/advisory"
	"renkei/internal/vuln/pkgid"
	"renkei/internal/vuln/version"
)

// FuzzMatch evaluates arbitrary versions, events and vers ranges in every
// ecosystem: matching must never panic, and an affected finding's fixed
// version must be newer than the component's.
func FuzzMatch(f *testing.F) {
	f.Add(uint8(0), "2.14.1", "2.13.0", "2.15.0", "", "vers:maven/>=2.0|<2.3.1")
	f.Add(uint8(3), "1:1.0~rc1-1", "0", "1:1.0-1", "", "")
	f.Add(uint8(5), "1.0_rc1-r2", "1.0_alpha", "", "1.0_rc1-r2", "vers:apk/<1.0")
	ecos := []string{version.Maven, version.NPM, version.PyPI, version.Debian, version.RPM, version.Alpine, version.Go, version.NuGet, version.RubyGems, version.SemVer}
	f.Fuzz(func(t *testing.T, ecoIdx uint8, v, intro, fixed, last, vers string) {
		eco := ecos[int(ecoIdx)%len(ecos)]
		key := pkgid.Key("purl:x/y")
		e := New()
		e.AddTargets([]Target{{Asset: "a", Name: "y", Version: v, Ecosystem: eco, Keys: []pkgid.Key{key}}})
		af := advisory.Affected{Key: key, Ecosystem: eco}
		var events []version.Event
		for _, ev := range []version.Event{{Introduced: intro}, {Fixed: fixed}, {LastAffected: last}} {
			if ev.Introduced+ev.Fixed+ev.LastAffected != "" {
				events = append(events, ev)
			}
		}
		if len(events) > 0 {
			af.Ranges = []version.Range{{Type: "ECOSYSTEM", Events: events}}
		}
		if vers != "" {
			af.Vers = []string{vers}
		}
		e.AddAdvisory(advisory.Advisory{ID: "F-1", Affected: []advisory.Affected{af}})
		for _, fd := range e.Findings() {
			if fd.Status == StatusAffected && fd.FixedVersion != "" {
				if c, err := version.Compare(eco, fd.FixedVersion, v); err != nil || c <= 0 {
					t.Fatalf("fixed %q not newer than %q (%v)", fd.FixedVersion, v, err)
				}
			}
		}
	})
}
