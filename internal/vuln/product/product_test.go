package product

import (
	"slices"
	"strings"
	"testing"

	"renkei/internal/vuln/pkgid"
)

func titles(ps []*Product) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Title())
	}
	return out
}

// TestCatalogueCited: every alias, CPE name and vendor alias says where it
// is attested; nothing in the catalogue is guessed.
func TestCatalogueCited(t *testing.T) {
	for _, v := range vendors {
		for _, a := range v.Aliases {
			if strings.TrimSpace(a.Source) == "" {
				t.Errorf("vendor %s: alias %q has no source", v.Name, a.Name)
			}
		}
	}
	keys := map[pkgid.Key]bool{}
	for _, p := range catalogue {
		if keys[p.Key()] {
			t.Errorf("%s: listed twice", p.Title())
		}
		keys[p.Key()] = true
		for _, a := range append(slices.Clone(p.Aliases), p.CPE...) {
			if strings.TrimSpace(a.Source) == "" {
				t.Errorf("%s: %q has no source", p.Title(), a.Name)
			}
		}
	}
	for _, p := range catalogue {
		for _, f := range p.Families {
			if fam := Default().byKey[pkgid.Key(f)]; fam == nil || !fam.Family {
				t.Errorf("%s: family %s is no family entry", p.Title(), f)
			}
		}
	}
}

// TestRenamedProductsResolveToTheirCurrentName: a former name, a former
// vendor or an abbreviation names the product under its current name.
func TestRenamedProductsResolveToTheirCurrentName(t *testing.T) {
	for _, c := range []struct{ vendor, product, want string }{
		{"Ivanti", "Pulse Connect Secure", "Ivanti Connect Secure"},
		{"Pulse Secure", "Pulse Connect Secure", "Ivanti Connect Secure"},
		{"Ivanti", "Connect Secure", "Ivanti Connect Secure"},
		{"Ivanti", "Ivanti Connect Secure", "Ivanti Connect Secure"},
		{"ivanti", "ICS", "Ivanti Connect Secure"},
		{"Citrix", "Citrix ADC", "Citrix NetScaler ADC"},
		{"Citrix", "Application Delivery Controller (ADC)", "Citrix NetScaler ADC"},
		{"Citrix", "NetScaler ADC", "Citrix NetScaler ADC"},
		{"NetScaler", "NetScaler Gateway", "Citrix NetScaler Gateway"},
		{"Citrix", "Citrix Gateway", "Citrix NetScaler Gateway"},
		{"Ivanti", "MobileIron Core", "Ivanti Endpoint Manager Mobile"},
		{"Sophos", "XG Firewall", "Sophos Firewall"},
		{"Palo Alto", "PAN-OS", "Palo Alto Networks PAN-OS"},
		{"Palo Alto Networks", "pan os", "Palo Alto Networks PAN-OS"},
		{"Fortinet", "FortiGate 60F", "Fortinet FortiOS"},
		{"Cisco", "ASA 5506-X", "Cisco Adaptive Security Appliance"},
		{"Cisco Systems", "IOS XE Software", "Cisco IOS XE"},
		{"SonicWall", "SMA100", "SonicWall SMA 100"},
		{"Check Point", "Quantum Security Gateways", "Check Point Quantum Security Gateway"},
	} {
		got := titles(Default().Resolve(c.vendor, c.product))
		if !slices.Equal(got, []string{c.want}) {
			t.Errorf("Resolve(%q, %q) = %q, want %q", c.vendor, c.product, got, c.want)
		}
	}
}

// TestRowNamingSeveralProductsNamesEach: "FortiOS and FortiProxy" names
// both (KEV CVE-2024-55591), "Connect Secure, Policy Secure, and ZTA
// Gateways" all three.
func TestRowNamingSeveralProductsNamesEach(t *testing.T) {
	for _, c := range []struct {
		vendor, product string
		want            []string
	}{
		{"Fortinet", "FortiOS and FortiProxy", []string{"Fortinet FortiOS", "Fortinet FortiProxy"}},
		{"Fortinet", "FortiOS and FortiProxy SSL-VPN", []string{"Fortinet FortiOS", "Fortinet FortiProxy"}},
		{"Ivanti", "Connect Secure, Policy Secure, and ZTA Gateways", []string{"Ivanti Connect Secure", "Ivanti Policy Secure", "Ivanti ZTA Gateways"}},
		{"Citrix", "NetScaler ADC and Gateway", []string{"Citrix NetScaler ADC", "Citrix NetScaler Gateway"}},
		{"Cisco", "IOS, XR, and XE Software", []string{"Cisco IOS", "Cisco IOS XR", "Cisco IOS XE"}},
		{"Cisco", "IOS Software and Cisco IOS XE Software", []string{"Cisco IOS", "Cisco IOS XE"}},
		{"BeyondTrust", "Privileged Remote Access (PRA) and Remote Support (RS)", []string{"BeyondTrust Privileged Remote Access", "BeyondTrust Remote Support"}},
	} {
		if got := titles(Default().Resolve(c.vendor, c.product)); !slices.Equal(got, c.want) {
			t.Errorf("Resolve(%q, %q) = %q, want %q", c.vendor, c.product, got, c.want)
		}
	}
}

// TestNoProductWithoutItsVendor: a name matches only under its vendor, and
// a name that merely begins like a product's is not that product.
func TestNoProductWithoutItsVendor(t *testing.T) {
	for _, c := range []struct{ vendor, product string }{
		{"", "Connect Secure"},
		{"Acme", "Gateway"},
		{"Acme", "FortiOS"},
		{"Citrix", "SD-WAN and NetScaler"}, // NetScaler SD-WAN, not the ADC
		{"Cisco", "IP Phones"},
		{"Cisco", "Small Business RV Series Routers"}, // the series, no model named
	} {
		if got := Default().Resolve(c.vendor, c.product); len(got) != 0 {
			t.Errorf("Resolve(%q, %q) = %q, want nothing", c.vendor, c.product, titles(got))
		}
	}
}

// TestFamilyRowNamesItsMembers: a device of a family carries the family's
// key, which a row naming the family ("Zyxel Multiple Firewalls") has.
func TestFamilyRowNamesItsMembers(t *testing.T) {
	dev := Default().Keys("Zyxel", "USG FLEX 100")
	row := Default().Keys("Zyxel", "Multiple Firewalls")
	if !slices.Contains(dev, zyxelFirewalls) || !slices.Contains(row, zyxelFirewalls) {
		t.Fatalf("device keys %v, row keys %v: want both to hold %s", dev, row, zyxelFirewalls)
	}
	if slices.Contains(Default().Keys("Zyxel", "NAS326"), zyxelFirewalls) {
		t.Fatal("a Zyxel NAS is no firewall")
	}
}

// TestCPEOfAFormerNameReachesTheProduct: JVN and NVD name Pulse Connect
// Secure cpe:/a:pulsesecure:pulse_connect_secure; that CPE names Ivanti
// Connect Secure, and the supplier of one is the supplier of the other.
func TestCPEOfAFormerNameReachesTheProduct(t *testing.T) {
	ks := Default().CPEKeys("cpe:pulsesecure:pulse_connect_secure")
	if !slices.Contains(ks, "cpe:ivanti:connect_secure") {
		t.Fatalf("CPEKeys = %v", ks)
	}
	eq := Default().Equivalent("cpe:ivanti:connect_secure")
	if !slices.Contains(eq, "cpe:pulsesecure:pulse_connect_secure") {
		t.Fatalf("Equivalent = %v", eq)
	}
}

// TestSuggestOffersCatalogueNames: what the console offers as one types.
func TestSuggestOffersCatalogueNames(t *testing.T) {
	got := titles(Default().Suggest("connect sec", 5))
	if !slices.Contains(got, "Ivanti Connect Secure") {
		t.Fatalf("Suggest = %q", got)
	}
	got = titles(Default().Suggest("pulse", 5)) // a former name finds the current one
	if !slices.Contains(got, "Ivanti Connect Secure") {
		t.Fatalf("Suggest(pulse) = %q", got)
	}
	for _, p := range Default().Suggest("", 0) {
		if p.Family {
			t.Fatalf("a family is offered as a product: %s", p.Title())
		}
	}
}
