package product

import (
	"encoding/json"
	"os"
	"slices"
	"testing"

	"renkei/internal/corpora"
)

// TestVendorWideRowsNameWhatTheirDescriptionStates: a KEV row whose product
// is "Multiple Products" (or "Multiple Routers", …) names the products its
// description's subject lists, as written — never more. Each case is the
// row's own text in the catalogue (cisagov/kev-data, 2025.08.25).
func TestVendorWideRowsNameWhatTheirDescriptionStates(t *testing.T) {
	for _, c := range []struct {
		cve, vendor, desc string
		want              []string
	}{
		{"CVE-2024-23113", "Fortinet", "Fortinet FortiOS, FortiPAM, FortiProxy, and FortiWeb contain a format string vulnerability that allows a remote, unauthenticated attacker to execute arbitrary code or commands via specially crafted requests.",
			[]string{"FortiOS", "FortiPAM", "FortiProxy", "FortiWeb"}},
		{"CVE-2022-40684", "Fortinet", "Fortinet FortiOS, FortiProxy, and FortiSwitchManager contain an authentication bypass vulnerability that could allow an unauthenticated attacker to perform operations on the administrative interface via specially crafted HTTP or HTTPS requests.",
			[]string{"FortiOS", "FortiProxy", "FortiSwitchManager"}},
		{"CVE-2020-29583", "Zyxel", "Zyxel firewalls (ATP, USG, VM) and AP Controllers (NXC2500 and NXC5500) contain a use of hard-coded credentials vulnerability in an undocumented account (\"zyfwp\") with an unchangeable password.",
			[]string{"ATP", "USG", "VM", "NXC2500", "NXC5500"}},
		{"CVE-2023-25717", "Ruckus Wireless", "Ruckus Wireless Access Point (AP) software contains an unspecified vulnerability in the web services component. If the web services component is enabled on the AP, an attacker can perform cross-site request forgery (CSRF) or remote code execution (RCE). This vulnerability impacts Ruckus ZoneDirector, SmartZone, and Solo APs.",
			[]string{"Access Point (AP) software", "ZoneDirector", "SmartZone", "Solo APs"}},
		{"CVE-2018-19320", "GIGABYTE", "The GDrv low-level driver in GIGABYTE App Center, AORUS Graphics Engine, XTREME Gaming Engine, and OC GURU II exposes ring0 memcpy-like functionality that could allow a local attacker to take complete control of the affected system.",
			[]string{"App Center", "AORUS Graphics Engine", "XTREME Gaming Engine", "OC GURU II"}},
		{"CVE-2020-3950", "VMware", "VMware Fusion, Remote Console (VMRC) for Mac, and Horizon Client for Mac contain a privilege escalation vulnerability due to improper use of setuid binaries that allows attackers to escalate privileges to root.",
			[]string{"Fusion", "Remote Console (VMRC) for Mac", "Horizon Client for Mac"}},
		{"CVE-2019-3929", "Crestron", "Multiple Crestron products are vulnerable to command injection via the file_transfer.cgi HTTP endpoint. A remote, unauthenticated attacker can use this vulnerability to execute operating system commands as root.",
			nil},
		{"CVE-2020-2555", "Oracle", "Multiple Oracle products contain a remote code execution vulnerability that allows an unauthenticated attacker with network access via T3 or HTTP to takeover the affected system. Impacted Oracle products: Oracle Coherence in Fusion Middleware, Oracle Utilities Framework, Oracle Retail Assortment Planning, Oracle Commerce, Oracle Communications Diameter Signaling Router (DSR).",
			[]string{"Coherence in Fusion Middleware", "Utilities Framework", "Retail Assortment Planning", "Commerce", "Communications Diameter Signaling Router (DSR)"}},
	} {
		if got := Named(c.vendor, c.desc); !slices.Equal(got, c.want) {
			t.Errorf("%s: named %q, want %q", c.cve, got, c.want)
		}
	}
	fortios := Default().Resolve("Fortinet", "FortiOS")[0]
	var named []*Product
	for _, n := range Named("Fortinet", "Fortinet FortiOS, FortiPAM, FortiProxy, and FortiWeb contain a format string vulnerability") {
		named = append(named, Default().Resolve("Fortinet", n)...)
	}
	if !slices.Contains(named, fortios) {
		t.Errorf("CVE-2024-23113 does not reach FortiOS through the catalogue: %v", named)
	}
	for _, p := range Default().Resolve("Zyxel", "USG") {
		if p.Name == "USG FLEX" || p.Name == "VPN" {
			t.Errorf("the row's \"USG\" is read as %s: more than it states", p.Name)
		}
	}
}

// kevRow is the part of a KEV row these tests read.
type kevRow struct {
	CVE         string `json:"cveID"`
	Vendor      string `json:"vendorProject"`
	Product     string `json:"product"`
	Description string `json:"shortDescription"`
}

// TestVendorWideKEVRowsResolve counts, in the whole KEV catalogue, the
// vendor-wide rows, those whose description names products, and those that
// reach a product of the catalogue. Figure: go test ./internal/vuln/product
// -run TestVendorWideKEVRowsResolve -v
func TestVendorWideKEVRowsResolve(t *testing.T) {
	b, err := os.ReadFile(corpora.Path(t, "cisa-kev/known_exploited_vulnerabilities.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cat struct {
		Vulnerabilities []kevRow `json:"vulnerabilities"`
	}
	if err := json.Unmarshal(b, &cat); err != nil {
		t.Fatal(err)
	}
	var wide, multipleProducts, naming, resolving, mpNaming, mpResolving int
	for _, r := range cat.Vulnerabilities {
		if !VendorWide(r.Product) {
			continue
		}
		wide++
		mp := r.Product == "Multiple Products"
		if mp {
			multipleProducts++
		}
		names := Named(r.Vendor, r.Description)
		var ps []*Product
		for _, n := range names {
			ps = append(ps, Default().Resolve(r.Vendor, n)...)
		}
		if len(names) > 0 {
			naming++
			if mp {
				mpNaming++
			}
		}
		if len(ps) > 0 {
			resolving++
			if mp {
				mpResolving++
			}
			t.Logf("%s %s | %s: %d named, catalogue products %v", r.CVE, r.Vendor, r.Product, len(names), titles(ps))
		}
	}
	t.Logf("vendor-wide KEV rows: %d (\"Multiple Products\": %d); naming products in their description: %d (%d); reaching catalogue products: %d (%d)",
		wide, multipleProducts, naming, mpNaming, resolving, mpResolving)
	if multipleProducts == 0 || mpNaming == 0 {
		t.Errorf("no \"Multiple Products\" row names a product: the corpus or Named changed")
	}
}
