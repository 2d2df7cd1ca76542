package vuln

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"renkei/internal/corpora"
	"renkei/internal/vuln/advisory"
)

// EdgeRegister is a register of the 40 edge, VPN and remote-access
// products that KEV (catalogVersion 2025.08.25) names most often, written
// as an administrator types them: vendor, product, version. Names lists,
// by hand, the KEV rows (vendorProject | product, as KEV writes them) that
// name the product: the answer the catalogue must reproduce.
var EdgeRegister = []struct {
	Vendor, Product, Version string
	Names                    []string
}{
	{"Cisco", "IOS", "15.9", []string{"Cisco|IOS and IOS XE Software", "Cisco|IOS software", "Cisco|IOS Software", "Cisco|IOS and IOS XE", "Cisco|IOS Software and Cisco IOS XE Software", "Cisco|IOS, XR, and XE Software", "Cisco|IOS", "Cisco|IOS, IOS XR, and IOS XE"}},
	{"Cisco", "IOS XE", "17.9.4", []string{"Cisco|IOS and IOS XE Software", "Cisco|IOS and IOS XE", "Cisco|IOS Software and Cisco IOS XE Software", "Cisco|IOS XE Software", "Cisco|IOS, XR, and XE Software", "Cisco|Cisco IOS XE Web UI", "Cisco|IOS XE Web UI", "Cisco|IOS, IOS XR, and IOS XE"}},
	{"Ivanti", "Connect Secure", "22.7", []string{"Ivanti|Pulse Connect Secure", "Pulse Secure|Pulse Connect Secure", "Ivanti|Connect Secure, Policy Secure, and ZTA Gateways", "Ivanti|Connect Secure and Policy Secure", "Ivanti|Connect Secure, Policy Secure, and Neurons", "Ivanti|Pulse Connect Secure and Pulse Policy Secure"}},
	{"Fortinet", "FortiOS", "7.2.3", []string{"Fortinet|FortiOS", "Fortinet|FortiOS and FortiProxy", "Fortinet|FortiOS and FortiProxy SSL-VPN", "Fortinet|FortiOS and FortiADC"}},
	{"Cisco", "ASA", "9.16.4", []string{"Cisco|Adaptive Security Appliance (ASA) and Firepower Threat Defense (FTD)", "Cisco|Adaptive Security Appliance (ASA)", "Cisco|Adaptive Security Appliance and Firepower Threat Defense"}},
	{"Citrix", "NetScaler ADC", "13.1", []string{"Citrix|NetScaler ADC and NetScaler Gateway", "Citrix|Application Delivery Controller (ADC), Gateway, and SD-WAN WANOP Appliance", "Citrix|NetScaler ADC and Gateway", "Citrix|Application Delivery Controller (ADC) and Gateway"}},
	{"Citrix", "NetScaler Gateway", "13.1", []string{"Citrix|NetScaler ADC and NetScaler Gateway", "Citrix|Application Delivery Controller (ADC), Gateway, and SD-WAN WANOP Appliance", "Citrix|NetScaler ADC and Gateway", "Citrix|Application Delivery Controller (ADC) and Gateway"}},
	{"Palo Alto", "PAN-OS", "10.2.9", []string{"Palo Alto Networks|PAN-OS"}},
	{"Cisco", "IOS XR", "7.9.2", []string{"Cisco|IOS XR", "Cisco|IOS, XR, and XE Software", "Cisco|IOS, IOS XR, and IOS XE"}},
	{"Cisco", "Firepower Threat Defense", "7.2", []string{"Cisco|Adaptive Security Appliance (ASA) and Firepower Threat Defense (FTD)", "Cisco|Adaptive Security Appliance and Firepower Threat Defense"}},
	{"Juniper", "Junos", "21.4R3", []string{"Juniper|Junos OS"}},
	{"Ivanti", "Policy Secure", "22.7", []string{"Ivanti|Connect Secure, Policy Secure, and ZTA Gateways", "Ivanti|Connect Secure and Policy Secure", "Ivanti|Connect Secure, Policy Secure, and Neurons", "Ivanti|Pulse Connect Secure and Pulse Policy Secure"}},
	{"SonicWall", "SMA 100", "10.2.1", []string{"SonicWall|SMA100 Appliances", "SonicWall|SMA100", "SonicWall|SMA 100 Appliances", "SonicWall|SSLVPN SMA100"}},
	{"F5", "BIG-IP", "16.1.3", []string{"F5|BIG-IP", "F5|BIG-IP Configuration Utility", "F5|BIG-IP Traffic Management Microkernel", "F5|BIG-IP and BIG-IQ Centralized Management"}},
	{"Fortinet", "FortiProxy", "7.2.1", []string{"Fortinet|FortiOS and FortiProxy", "Fortinet|FortiOS and FortiProxy SSL-VPN"}},
	{"Cisco", "RV340", "1.0.03.29", []string{"Cisco|Small Business RV160, RV260, RV340, and RV345 Series Routers"}},
	{"Zyxel", "USG FLEX 100", "5.36", []string{"Zyxel|Multiple Firewalls"}},
	{"Ivanti", "EPMM", "11.10", []string{"Ivanti|Endpoint Manager Mobile (EPMM)", "Ivanti|Endpoint Manager Mobile (EPMM) and MobileIron Core"}},
	{"Sophos", "Firewall", "19.5", []string{"Sophos|Firewall", "Sophos|XG Firewall", "Sophos|SFOS"}},
	{"Ivanti", "CSA", "4.6", []string{"Ivanti|Cloud Services Appliance (CSA)", "Ivanti|Cloud Services Appliance"}},
	{"Citrix", "SD-WAN WANOP", "11.4", []string{"Citrix|Application Delivery Controller (ADC), Gateway, and SD-WAN WANOP Appliance"}},
	{"SonicWall", "SonicOS", "7.0.1", []string{"SonicWall|SonicOS"}},
	{"SonicWall", "Email Security", "10.0.9", []string{"SonicWall|SonicWall Email Security"}},
	{"DrayTek", "Vigor2960", "1.5.1", []string{"DrayTek|Multiple Vigor Routers", "DrayTek|Vigor Routers"}},
	{"Kaseya", "VSA", "9.5", []string{"Kaseya|Virtual System/Server Administrator (VSA)"}},
	{"Cisco", "AnyConnect", "4.10", []string{"Cisco|AnyConnect Secure"}},
	{"WatchGuard", "Firebox", "12.8", []string{"WatchGuard|Firebox and XTM", "WatchGuard|Firebox and XTM Appliances"}},
	{"MikroTik", "RouterOS", "6.49", []string{"MikroTik|RouterOS"}},
	{"BeyondTrust", "Remote Support", "24.1", []string{"BeyondTrust|Privileged Remote Access (PRA) and Remote Support (RS)"}},
	{"BeyondTrust", "Privileged Remote Access", "24.1", []string{"BeyondTrust|Privileged Remote Access (PRA) and Remote Support (RS)"}},
	{"ConnectWise", "ScreenConnect", "23.9", []string{"ConnectWise|ScreenConnect"}},
	{"Cisco", "RV320", "1.5.1", []string{"Cisco|Small Business RV320 and RV325 Dual Gigabit WAN VPN Routers", "Cisco|Small Business RV320 and RV325 Routers"}},
	{"Fortinet", "FortiWeb", "7.0.2", []string{"Fortinet|FortiWeb"}},
	{"Fortinet", "FortiADC", "7.1", []string{"Fortinet|FortiOS and FortiADC"}},
	{"SonicWall", "SMA 1000", "12.4", []string{"SonicWall|SMA1000 Appliances"}},
	{"Check Point", "Quantum Security Gateway", "R81.20", []string{"Check Point|Quantum Security Gateways"}},
	{"Array Networks", "AG", "9.4", []string{"Array Networks|AG/vxAG ArrayOS"}},
	{"SimpleHelp", "SimpleHelp", "5.5", []string{"SimpleHelp|SimpleHelp"}},
	{"Barracuda", "Email Security Gateway", "9.2", []string{"Barracuda Networks|Email Security Gateway (ESG) Appliance"}},
	{"Ivanti", "Sentry", "9.18", []string{"Ivanti|Sentry"}},
}

// NamedInDescription lists, by hand, the KEV rows (by CVE) whose product
// field names no product ("Multiple Products", "MobileIron Multiple
// Products") and whose description names a product of EdgeRegister (by
// its vendor|product there), as the row writes it:
//
//   - CVE-2024-23113: "Fortinet FortiOS, FortiPAM, FortiProxy, and FortiWeb contain …"
//   - CVE-2022-40684: "Fortinet FortiOS, FortiProxy, and FortiSwitchManager contain …"
//   - CVE-2020-15505: "Ivanti MobileIron's Core & Connector, Sentry, and Monitor and
//     Reporting Database (RDB) products contain …" (MobileIron Core is EPMM and
//     MobileIron Sentry is Ivanti Sentry, per KEV's CVE-2023-35078 and CVE-2023-38035)
//
// CVE-2020-29583 ("Zyxel firewalls (ATP, USG, VM) …") does not name USG FLEX.
var NamedInDescription = map[string][]string{
	"Fortinet|FortiOS":    {"CVE-2024-23113", "CVE-2022-40684"},
	"Fortinet|FortiProxy": {"CVE-2024-23113", "CVE-2022-40684"},
	"Fortinet|FortiWeb":   {"CVE-2024-23113"},
	"Ivanti|EPMM":         {"CVE-2020-15505"},
	"Ivanti|Sentry":       {"CVE-2020-15505"},
}

// KEVRegisterFigure plays the whole KEV catalogue against EdgeRegister and
// returns how many KEV rows name a registered product, how many of those
// reach it, and the (device, row) pairs matched that the row does not name.
func KEVRegisterFigure(t testing.TB) (named, alerted int, missed, wrong []string) {
	set, err := advisory.LoadFile(corpora.Path(t, "cisa-kev/known_exploited_vulnerabilities.json"))
	if err != nil {
		t.Fatal(err)
	}
	e := New()
	var ts []Target
	for i, d := range EdgeRegister {
		ts = append(ts, TargetFromDevice(Device{Org: "town-hall", ID: fmt.Sprint("cp-", i), Vendor: d.Vendor, Product: d.Product, Version: d.Version}))
	}
	e.AddTargets(ts)
	hits := e.AddSet(set)
	got := map[string]bool{} // asset|CVE
	for _, h := range hits {
		f, ok := e.HitFinding(h)
		if !ok || f.Suppressed() {
			continue
		}
		got[h.Target.Asset+"|"+h.Vulnerability] = true
	}
	names := func(i int, row advisory.KEV) bool {
		r := strings.TrimSpace(row.VendorProject) + "|" + strings.TrimSpace(row.Product)
		if slices.Contains(NamedInDescription[EdgeRegister[i].Vendor+"|"+EdgeRegister[i].Product], row.CVE) {
			return true
		}
		for _, n := range EdgeRegister[i].Names {
			if n == r {
				return true
			}
		}
		return false
	}
	var cves []string
	for cve := range set.KEV {
		cves = append(cves, cve)
	}
	sort.Strings(cves)
	for _, cve := range cves {
		row := set.KEV[cve]
		rowNamed := false
		rowAlerted := true
		for i, d := range EdgeRegister {
			asset := fmt.Sprint("cp-", i)
			switch n, g := names(i, row), got[asset+"|"+cve]; {
			case n && !g:
				rowAlerted = false
				missed = append(missed, fmt.Sprintf("%s %s %s: %s (%s | %s)", d.Vendor, d.Product, d.Version, cve, row.VendorProject, row.Product))
			case g && !n:
				wrong = append(wrong, fmt.Sprintf("%s %s %s: %s (%s | %s)", d.Vendor, d.Product, d.Version, cve, row.VendorProject, row.Product))
			}
			rowNamed = rowNamed || names(i, row)
		}
		if rowNamed {
			named++
			if rowAlerted {
				alerted++
			}
		}
	}
	return named, alerted, missed, wrong
}

// TestKEVRowsReachTheEdgeProductsTheyName: with the whole KEV catalogue and
// a register of the 40 edge/VPN/remote-access products KEV names most,
// typed as administrators type them, every row that names a registered
// product alerts it (target 100%), and no device is alerted for a row that
// does not name it (target 0). Figures: go test ./internal/vuln -run
// TestKEVRowsReachTheEdgeProductsTheyName -v
func TestKEVRowsReachTheEdgeProductsTheyName(t *testing.T) {
	if len(EdgeRegister) != 40 {
		t.Fatalf("the register has %d products, want 40", len(EdgeRegister))
	}
	named, alerted, missed, wrong := KEVRegisterFigure(t)
	t.Logf("KEV rows naming a registered product: %d; alerted: %d (%.1f%%); alerts for products not named: %d",
		named, alerted, 100*float64(alerted)/float64(max(named, 1)), len(wrong))
	for _, m := range missed {
		t.Errorf("missed: %s", m)
	}
	for _, w := range wrong {
		t.Errorf("alerted, not named: %s", w)
	}
	if named < 150 {
		t.Errorf("only %d KEV rows name a registered product; the register or the corpus changed", named)
	}
}
