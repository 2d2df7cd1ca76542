package pkgid

import "testing"

func TestKeys(t *testing.T) {
	cases := []struct {
		name string
		got  func() (Key, error)
		want Key
	}{
		{"pypi PEP 503 normalization", func() (Key, error) { p, err := ParsePURL("pkg:pypi/Django_REST.framework@3.1"); return p.Key, err }, "purl:pypi/django-rest-framework"},
		{"npm scope lower-cased", func() (Key, error) { p, err := ParsePURL("pkg:npm/%40Angular/Core@1.0.0"); return p.Key, err }, "purl:npm/@angular/core"},
		{"maven case kept", func() (Key, error) { p, err := ParsePURL("pkg:maven/org.Foo/Bar@1"); return p.Key, err }, "purl:maven/org.Foo/Bar"},
		{"osv maven", func() (Key, error) {
			p, err := FromOSV("Maven", "org.apache.logging.log4j:log4j-core")
			return p.Key, err
		}, "purl:maven/org.apache.logging.log4j/log4j-core"},
		{"osv go module path", func() (Key, error) { p, err := FromOSV("Go", "golang.org/x/net"); return p.Key, err }, "purl:golang/golang.org/x/net"},
		{"osv npm scoped", func() (Key, error) { p, err := FromOSV("npm", "@babel/traverse"); return p.Key, err }, "purl:npm/@babel/traverse"},
		{"osv debian release suffix", func() (Key, error) { p, err := FromOSV("Debian:12", "openssl"); return p.Key, err }, "purl:deb/debian/openssl"},
		{"cpe 2.3", func() (Key, error) {
			c, err := ParseCPE("cpe:2.3:o:fortinet:fortios:7.2.4:*:*:*:*:*:*:*")
			return c.Key, err
		}, "cpe:fortinet:fortios"},
		{"cpe 2.2", func() (Key, error) { c, err := ParseCPE("cpe:/a:trendmicro:serverprotect"); return c.Key, err }, "cpe:trendmicro:serverprotect"},
		{"cpe escaped colon", func() (Key, error) { c, err := ParseCPE(`cpe:2.3:a:foo\:bar:baz:1:*:*:*:*:*:*:*`); return c.Key, err }, "cpe:foo:bar:baz"},
		{"cpe wildcard vendor gives no key", func() (Key, error) { c, err := ParseCPE("cpe:2.3:a:*:openssl:1.0:*:*:*:*:*:*:*"); return c.Key, err }, ""},
		{"vendor product words", func() (Key, error) { return VendorProduct(" Palo Alto  Networks", "PAN-OS"), nil }, "cpe:palo_alto_networks:pan-os"},
		{"bom link", func() (Key, error) {
			k, _ := ParseBOMLink("urn:cdx:CBB2CD68-2857-43b8-a10b-e8c03d277d18/1#product-ABC")
			return k, nil
		}, "bomlink:cbb2cd68-2857-43b8-a10b-e8c03d277d18#product-ABC"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.got()
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	if _, err := FromOSV("Cobol", "x"); err == nil {
		t.Error("unknown ecosystem accepted")
	}
	if _, err := ParseCPE("cpe:9:a:b"); err == nil {
		t.Error("bad cpe accepted")
	}
}

func TestReleases(t *testing.T) {
	eco := []struct{ in, distro, release string }{
		{"Debian:12", "debian", "12"},
		{"Debian:11", "debian", "11"},
		{"Ubuntu:22.04:LTS", "ubuntu", "22.04"},
		{"Ubuntu:Pro:18.04:LTS", "ubuntu", "18.04"},
		{"Alpine:v3.18", "alpine", "3.18"},
		{"Debian", "", ""},
		{"npm", "", ""},
	}
	for _, c := range eco {
		d, r := ReleaseOfEcosystem(c.in)
		if d != c.distro || r != c.release {
			t.Errorf("ReleaseOfEcosystem(%q) = %q %q", c.in, d, r)
		}
	}
	q := []struct{ ns, q, distro, release string }{
		{"debian", "bookworm", "debian", "12"},
		{"debian", "debian-12", "debian", "12"},
		{"debian", "debian-12.5", "debian", "12"},
		{"ubuntu", "jammy", "ubuntu", "22.04"},
		{"ubuntu", "ubuntu-22.04", "ubuntu", "22.04"},
		{"alpine", "alpine-3.18.4", "alpine", "3.18"},
		{"alpine", "3.18", "alpine", "3.18"},
		{"debian", "sid", "", ""},
	}
	for _, c := range q {
		d, r := ReleaseOfQualifier(c.ns, c.q)
		if d != c.distro || r != c.release {
			t.Errorf("ReleaseOfQualifier(%q, %q) = %q %q", c.ns, c.q, d, r)
		}
	}
}
