package version

import "testing"

func TestVersContains(t *testing.T) {
	cases := []struct {
		name, vers, v string
		want          bool
	}{
		{"inside interval", "vers:npm/>=1.0.0|<1.2.3", "1.1.0", true},
		{"upper bound excluded", "vers:npm/>=1.0.0|<1.2.3", "1.2.3", false},
		{"lower bound included", "vers:npm/>=1.0.0|<1.2.3", "1.0.0", true},
		{"not equal excluded", "vers:npm/>=1.0.0|!=1.1.0|<1.2.3", "1.1.0", false},
		{"two intervals", "vers:maven/>=2.0-beta9|<2.3.1|>=2.4|<2.12.2|>=2.13.0|<2.15.0", "2.14.1", true},
		{"between intervals", "vers:maven/>=2.0-beta9|<2.3.1|>=2.4|<2.12.2|>=2.13.0|<2.15.0", "2.12.4", false},
		{"single version", "vers:deb/1.2-3", "1.2-3", true},
		{"leading less than", "vers:pypi/<2.0", "1.9.post1", true},
		{"trailing greater than", "vers:gem/>6.1.0.rc1", "6.1.0", true},
		{"star", "vers:golang/*", "v1.2.3", true},
		{"generic inside", "vers:generic/>=2.9|<=4.1", "4.0", true},
		{"generic numeric not lexical", "vers:generic/>=2.9|<=4.1", "2.10", true},
		{"generic outside", "vers:generic/>=1.0|<=2.3", "2.4", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := VersContains(tc.vers, tc.v)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("VersContains(%q, %q) = %v", tc.vers, tc.v, got)
			}
		})
	}
	for _, bad := range []string{"npm/>=1.0.0", "vers:cobol/1", "vers:npm/>=x"} {
		if _, err := VersContains(bad, "1.0.0"); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func FuzzVersContains(f *testing.F) {
	f.Add("vers:npm/>=1.0.0|<1.2.3", "1.1.0")
	f.Add("vers:maven/>=2.0-beta9|<2.3.1|>=2.4|<2.12.2", "2.12.4")
	f.Add("vers:deb/1.2-3", "1:1.2-3")
	f.Fuzz(func(t *testing.T, vers, v string) {
		in, err := VersContains(vers, v)
		if err != nil && in {
			t.Fatalf("error %v with in=true", err)
		}
	})
}
