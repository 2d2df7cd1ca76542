package version

import "testing"

// fuzzComparator checks the properties every ecosystem ordering must have
// on arbitrary input: Valid and Compare agree, no panic, Compare is
// reflexive and antisymmetric, and a range over valid versions evaluates.
func fuzzComparator(f *testing.F, eco string, seeds ...string) {
	c, err := For(eco)
	if err != nil {
		f.Fatal(err)
	}
	for i := range seeds {
		f.Add(seeds[i], seeds[(i+1)%len(seeds)])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		va, vb := c.Valid(a), c.Valid(b)
		got, err := c.Compare(a, b)
		if (err == nil) != (va && vb) {
			t.Fatalf("Valid(%q)=%v Valid(%q)=%v but Compare err=%v", a, va, b, vb, err)
		}
		if err != nil {
			return
		}
		if self, _ := c.Compare(a, a); self != 0 {
			t.Fatalf("Compare(%q, itself) = %d", a, self)
		}
		if back, _ := c.Compare(b, a); back != -got {
			t.Fatalf("Compare(%q,%q)=%d but reverse=%d", a, b, got, back)
		}
		if _, err := (Range{Type: "ECOSYSTEM", Events: []Event{{Introduced: a}, {Fixed: b}}}).Contains(c, a); err != nil {
			t.Fatalf("range over valid versions: %v", err)
		}
	})
}

func FuzzSemVer(f *testing.F) {
	fuzzComparator(f, SemVer, "1.0.0", "1.0.0-alpha.1", "v2.3.4+build.7", "0.0.0-0")
}
func FuzzGo(f *testing.F) {
	fuzzComparator(f, Go, "v1.2.3", "0.0.0-20220314234659-1baeb1ce4c0b", "v2.0.0+incompatible", "go1.21rc2")
}
func FuzzNPM(f *testing.F) { fuzzComparator(f, NPM, "1.2.3", "1.2.3-beta.1", "=v1.0.0", "1.0.0+x") }
func FuzzPEP440(f *testing.F) {
	fuzzComparator(f, PyPI, "1!2.0.post1.dev3", "1.0a1", "1.0+local.7", "2.0rc1")
}
func FuzzMaven(f *testing.F) {
	fuzzComparator(f, Maven, "1.0-SNAPSHOT", "1.0.Final", "2.17.1-sp1", "1.0-alpha-1")
}
func FuzzDebian(f *testing.F) {
	fuzzComparator(f, Debian, "1:2.30-1", "1.0~rc1", "1.1.1n-0+deb11u5", "2.34-0ubuntu3.2")
}
func FuzzRPM(f *testing.F) {
	fuzzComparator(f, RPM, "1:1.0-1", "1.0~rc1-1", "1.0^git1-1.el9", "3.0.7-16.el9_2")
}
func FuzzAlpine(f *testing.F) {
	fuzzComparator(f, Alpine, "1.0_alpha1", "1.0_p1-r3", "3.1.4-r5", "1.01a_rc2_p3")
}
func FuzzNuGet(f *testing.F) {
	fuzzComparator(f, NuGet, "1.0.0.1", "1.0.0-Beta.2", "01.02+meta", "4.0")
}
func FuzzRubyGems(f *testing.F) {
	fuzzComparator(f, RubyGems, "6.1.0.rc1", "1.0.a", "1.10", "2.0.0.pre.3")
}
