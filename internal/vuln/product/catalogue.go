package product

// The catalogue that ships with Renkei. Product names are those CISA's
// Known Exploited Vulnerabilities catalogue (KEV) and the vendors use; the
// KEV rows below are cited by CVE id, so that each name can be checked
// against the catalogue (cisagov/kev-data) or the vendor's bulletin. What a
// KEV row writes around a name needs no entry: rows naming several products
// are split, abbreviations in parentheses are names, trailing words
// ("Software", "Appliances", "SSL-VPN") are ignored (see Resolve).
//
// To extend it: add the product under its current vendor and name, each
// former or other name as an Alias with its source, CPE names only as a
// source gives them (a JVN advisory, the NVD dictionary), and a family key
// where a source names the family instead of the product. TestCatalogueCited
// refuses an alias, CPE or vendor name without a source.
//
// Checked on 2026-12-07: every quotation of a KEV row below was compared by
// program with the row of that CVE in ../shared/corpora/cisa-kev (45
// quotations; one misquote fixed, and Citrix's bulletin CTX561482, cited from
// memory, replaced by the KEV rows that show both names).
//
// Unverified, and marked so in their Source ("unverified: …"): the NVD CPE
// names (nvd) and the vendors' own pages cited for "Palo Alto", "Check
// Point Software", "FortiGate", Cisco "Secure Client" and "ISE". On
// 2026-12-07 they were looked for offline in ../shared/corpora: it holds
// no NVD, JVN or CSAF data (its only CPE names are in SPDX and CycloneDX
// examples of other vendors), and KEV (2025.08.25) writes none of the five
// names — it says "Palo Alto Networks", "Check Point", "Cisco AnyConnect
// Secure Mobility Client" and "Cisco Identity Services Engine" without
// "ISE"; "FortiGate" appears only as CVE-2018-13374 cites it. They stay
// unverified until checked against the NVD dictionary and the vendors'
// pages.

const (
	kev = "CISA KEV "
	// nvd cites the NVD CPE dictionary, whose names JVN's advisories use.
	nvd = "unverified: NVD CPE dictionary (no NVD or JVN data in ../shared/corpora to check it against)"
)

var vendors = []Vendor{
	{Name: "Palo Alto Networks", Aliases: []Alias{{Name: "Palo Alto", Source: "unverified: the company's short name (paloaltonetworks.com: \"Palo Alto Networks\")"}}},
	{Name: "Barracuda Networks", Aliases: []Alias{{Name: "Barracuda", Source: kev + "CVE-2023-2868: \"Barracuda Email Security Gateway (ESG) appliance\""}}},
	{Name: "Array Networks"},
	{Name: "Check Point", Aliases: []Alias{{Name: "Check Point Software", Source: "unverified: Check Point Software Technologies Ltd. (checkpoint.com)"}}},
	{Name: "Progress", Aliases: []Alias{{Name: "Kemp", Source: kev + "CVE-2024-1212: vendorProject Progress, product \"Kemp LoadMaster\""}}},
	{Name: "Citrix", Aliases: []Alias{{Name: "NetScaler", Source: kev + "CVE-2023-3519 (vendorProject Citrix): \"Citrix NetScaler ADC and NetScaler Gateway\""}}},
}

// Families, by the key of their entry.
const (
	zyxelFirewalls = "cpe:zyxel:multiple_firewalls"
	drayTekVigor   = "cpe:draytek:multiple_vigor_routers"
)

var catalogue = []Product{
	// Ivanti bought Pulse Secure (2020) and MobileIron (2020); KEV lists
	// their products under Ivanti.
	{Vendor: "Ivanti", Name: "Connect Secure", Aliases: []Alias{
		{Name: "Pulse Connect Secure", Source: kev + "CVE-2023-46805: \"Ivanti Connect Secure (ICS, formerly known as Pulse Connect Secure)\"; CVE-2019-11510 lists it under Ivanti"},
		{Vendor: "Pulse Secure", Name: "Pulse Connect Secure", Source: kev + "CVE-2020-8218 (vendorProject Pulse Secure)"},
		{Name: "ICS", Source: kev + "CVE-2023-46805: \"Ivanti Connect Secure (ICS, …)\""},
	}, CPE: []Alias{
		{Vendor: "ivanti", Name: "connect_secure", Source: nvd},
		{Vendor: "pulsesecure", Name: "pulse_connect_secure", Source: nvd},
	}},
	{Vendor: "Ivanti", Name: "Policy Secure", Aliases: []Alias{
		{Name: "Pulse Policy Secure", Source: kev + "CVE-2019-11539: \"Pulse Connect Secure and Pulse Policy Secure\" under Ivanti; Ivanti renamed the Pulse products (CVE-2023-46805: \"Ivanti Policy Secure gateways\")"},
	}, CPE: []Alias{
		{Vendor: "ivanti", Name: "policy_secure", Source: nvd},
		{Vendor: "pulsesecure", Name: "pulse_policy_secure", Source: nvd},
	}},
	{Vendor: "Ivanti", Name: "ZTA Gateways", Aliases: []Alias{{Name: "ZTA Gateway", Source: kev + "CVE-2025-0282: \"Ivanti Connect Secure, Policy Secure, and ZTA Gateways\""}}},
	{Vendor: "Ivanti", Name: "Endpoint Manager Mobile", Aliases: []Alias{
		{Name: "EPMM", Source: kev + "CVE-2023-35078: \"Endpoint Manager Mobile (EPMM)\""},
		{Name: "MobileIron Core", Source: kev + "CVE-2023-35078: \"Ivanti Endpoint Manager Mobile (EPMM, previously branded MobileIron Core)\""},
	}},
	{Vendor: "Ivanti", Name: "Sentry", Aliases: []Alias{{Name: "MobileIron Sentry", Source: kev + "CVE-2023-38035: \"Ivanti Sentry, formerly known as MobileIron Sentry\""}}},
	{Vendor: "Ivanti", Name: "Cloud Services Appliance", Aliases: []Alias{{Name: "CSA", Source: kev + "CVE-2024-8963: \"Ivanti Cloud Services Appliance (CSA)\""}}},
	{Vendor: "Ivanti", Name: "Endpoint Manager", Aliases: []Alias{{Name: "EPM", Source: kev + "CVE-2024-29824: \"Endpoint Manager (EPM)\""}}},
	{Vendor: "Ivanti", Name: "Virtual Traffic Manager"},

	{Vendor: "Fortinet", Name: "FortiOS", Aliases: []Alias{
		{Name: "FortiGate", Source: "unverified: Fortinet: FortiOS is the operating system of FortiGate firewalls (docs.fortinet.com, \"FortiOS\"); " + kev + "CVE-2018-13374 (FortiOS) speaks of the LDAP server \"configured in FortiGate\""},
	}, CPE: []Alias{{Vendor: "fortinet", Name: "fortios", Source: nvd}}},
	{Vendor: "Fortinet", Name: "FortiProxy", CPE: []Alias{{Vendor: "fortinet", Name: "fortiproxy", Source: nvd}}},
	{Vendor: "Fortinet", Name: "FortiWeb"},
	{Vendor: "Fortinet", Name: "FortiADC"},
	{Vendor: "Fortinet", Name: "FortiManager"},
	{Vendor: "Fortinet", Name: "FortiClient EMS"},
	{Vendor: "Fortinet", Name: "FortiSwitchManager"},
	{Vendor: "Fortinet", Name: "FortiPAM"},

	{Vendor: "Palo Alto Networks", Name: "PAN-OS", CPE: []Alias{{Vendor: "paloaltonetworks", Name: "pan-os", Source: nvd}}},
	{Vendor: "Palo Alto Networks", Name: "Expedition"},

	// Citrix renamed Citrix ADC and Citrix Gateway back to NetScaler in 2023.
	{Vendor: "Citrix", Name: "NetScaler ADC", Aliases: []Alias{
		{Name: "Citrix ADC", Source: kev + "CVE-2020-8193: \"Citrix ADC, Citrix Gateway, and multiple Citrix SD-WAN WANOP appliance models\"; CVE-2023-3519 names the same appliance \"Citrix NetScaler ADC\". (Citrix's bulletin CTX561482, once cited for the rename, was not re-read against its text and is no longer cited.)"},
		{Name: "Application Delivery Controller", Source: kev + "CVE-2022-27518: \"Application Delivery Controller (ADC) and Gateway\""},
		{Name: "ADC", Source: kev + "CVE-2022-27518: \"Application Delivery Controller (ADC)\""},
	}},
	{Vendor: "Citrix", Name: "NetScaler Gateway", Aliases: []Alias{
		{Name: "Citrix Gateway", Source: kev + "CVE-2020-8193: \"Citrix ADC, Citrix Gateway\"; CVE-2023-3519 names it \"NetScaler Gateway\""},
		{Name: "Gateway", Source: kev + "CVE-2022-27518: \"Application Delivery Controller (ADC) and Gateway\"; CVE-2025-5777: \"NetScaler ADC and Gateway\" (Citrix's gateway)"},
	}},
	{Vendor: "Citrix", Name: "SD-WAN WANOP", Aliases: []Alias{{Name: "SD-WAN WANOP Appliance", Source: kev + "CVE-2019-19781: \"Application Delivery Controller (ADC), Gateway, and SD-WAN WANOP Appliance\""}}},
	{Vendor: "Citrix", Name: "StoreFront Server"},

	{Vendor: "Cisco", Name: "Adaptive Security Appliance", Aliases: []Alias{{Name: "ASA", Source: kev + "CVE-2020-3259: \"Adaptive Security Appliance (ASA)\""}},
		CPE: []Alias{{Vendor: "cisco", Name: "adaptive_security_appliance_software", Source: nvd}}},
	{Vendor: "Cisco", Name: "Firepower Threat Defense", Aliases: []Alias{{Name: "FTD", Source: kev + "CVE-2020-3259: \"Firepower Threat Defense (FTD)\""}},
		CPE: []Alias{{Vendor: "cisco", Name: "firepower_threat_defense", Source: nvd}}},
	{Vendor: "Cisco", Name: "IOS XE", Aliases: []Alias{{Name: "XE", Source: kev + "CVE-2018-0167: \"IOS, XR, and XE Software\" (Cisco IOS XE Software)"}},
		CPE: []Alias{{Vendor: "cisco", Name: "ios_xe", Source: nvd}}},
	{Vendor: "Cisco", Name: "IOS XR", Aliases: []Alias{{Name: "XR", Source: kev + "CVE-2018-0167: \"IOS, XR, and XE Software\" (Cisco IOS XR Software)"}},
		CPE: []Alias{{Vendor: "cisco", Name: "ios_xr", Source: nvd}}},
	{Vendor: "Cisco", Name: "IOS", CPE: []Alias{{Vendor: "cisco", Name: "ios", Source: nvd}}},
	{Vendor: "Cisco", Name: "AnyConnect Secure Mobility Client", Aliases: []Alias{
		{Name: "AnyConnect", Source: kev + "CVE-2020-3153: \"Cisco AnyConnect Secure Mobility Client\""},
		{Name: "Secure Client", Source: "unverified: Cisco: \"Cisco Secure Client (including AnyConnect)\" (cisco.com product page)"},
	}},
	{Vendor: "Cisco", Name: "Small Business RV340", Aliases: []Alias{{Name: "RV340", Source: kev + "CVE-2022-20699: \"Small Business RV160, RV260, RV340, and RV345 Series Routers\""}}},
	{Vendor: "Cisco", Name: "Small Business RV345", Aliases: []Alias{{Name: "RV345", Source: kev + "CVE-2022-20699"}}},
	{Vendor: "Cisco", Name: "Small Business RV160", Aliases: []Alias{{Name: "RV160", Source: kev + "CVE-2022-20699"}}},
	{Vendor: "Cisco", Name: "Small Business RV260", Aliases: []Alias{{Name: "RV260", Source: kev + "CVE-2022-20699"}}},
	{Vendor: "Cisco", Name: "Small Business RV320", Aliases: []Alias{{Name: "RV320", Source: kev + "CVE-2019-1652: \"Small Business RV320 and RV325 Dual Gigabit WAN VPN Routers\""}}},
	{Vendor: "Cisco", Name: "Small Business RV325", Aliases: []Alias{{Name: "RV325", Source: kev + "CVE-2019-1652"}}},
	{Vendor: "Cisco", Name: "Identity Services Engine", Aliases: []Alias{{Name: "ISE", Source: "unverified: Cisco Identity Services Engine (ISE), cisco.com; " + kev + "CVE-2025-20337 names \"Cisco Identity Services Engine\", without \"ISE\""}}},

	{Vendor: "Juniper", Name: "Junos OS", Aliases: []Alias{
		{Name: "Junos", Source: kev + "CVE-2023-36845: \"Juniper Junos OS on EX Series and SRX Series\""},
		{Name: "SRX", Source: kev + "CVE-2023-36846: \"Juniper Junos OS on SRX Series\""},
	}, CPE: []Alias{{Vendor: "juniper", Name: "junos", Source: nvd}}},

	{Vendor: "SonicWall", Name: "SMA 100", Aliases: []Alias{
		{Name: "SSLVPN SMA100", Source: kev + "CVE-2021-20016: \"SonicWall SSLVPN SMA100\""},
	}},
	{Vendor: "SonicWall", Name: "SMA 1000"},
	{Vendor: "SonicWall", Name: "SonicOS", CPE: []Alias{{Vendor: "sonicwall", Name: "sonicos", Source: nvd}}},
	{Vendor: "SonicWall", Name: "Email Security"},
	{Vendor: "SonicWall", Name: "Secure Remote Access", Aliases: []Alias{{Name: "SRA", Source: kev + "CVE-2021-20028: \"SonicWall Secure Remote Access (SRA)\""}}},

	{Vendor: "Sophos", Name: "Firewall", Aliases: []Alias{
		{Name: "XG Firewall", Source: kev + "CVE-2020-15069: \"Sophos XG Firewall\"; Sophos renamed XG Firewall to Sophos Firewall (SFOS v18.5)"},
		{Name: "SFOS", Source: kev + "CVE-2020-12271: \"Sophos Firewall operating system (SFOS)\""},
	}},
	{Vendor: "Sophos", Name: "SG UTM"},
	{Vendor: "Sophos", Name: "Web Appliance"},
	{Vendor: "Sophos", Name: "CyberoamOS", Aliases: []Alias{{Name: "CROS", Source: kev + "CVE-2020-29574: \"CyberoamOS (CROS)\""}}},

	{Vendor: "Zyxel", Name: "Multiple Firewalls", Family: true, Aliases: []Alias{{Name: "firewalls", Source: kev + "CVE-2024-11667: \"Multiple Zyxel firewalls\""}}},
	{Vendor: "Zyxel", Name: "USG FLEX", Families: []string{zyxelFirewalls}},
	{Vendor: "Zyxel", Name: "ATP", Families: []string{zyxelFirewalls}},
	{Vendor: "Zyxel", Name: "ZyWALL", Families: []string{zyxelFirewalls}, Aliases: []Alias{{Name: "USG", Source: kev + "CVE-2023-28771: \"Zyxel ATP, USG FLEX, VPN, and ZyWALL/USG firewalls\""}}},
	{Vendor: "Zyxel", Name: "VPN", Families: []string{zyxelFirewalls}},

	{Vendor: "F5", Name: "BIG-IP"},
	{Vendor: "F5", Name: "BIG-IQ Centralized Management"},
	{Vendor: "Check Point", Name: "Quantum Security Gateway", Aliases: []Alias{{Name: "Security Gateway", Source: kev + "CVE-2024-24919: \"Check Point Quantum Security Gateways\""}}},
	{Vendor: "WatchGuard", Name: "Firebox"},
	{Vendor: "WatchGuard", Name: "XTM"},
	{Vendor: "MikroTik", Name: "RouterOS", CPE: []Alias{{Vendor: "mikrotik", Name: "routeros", Source: nvd}}},

	{Vendor: "DrayTek", Name: "Multiple Vigor Routers", Family: true, Aliases: []Alias{{Name: "Vigor Routers", Source: kev + "CVE-2024-12987: \"DrayTek Vigor Routers\""}}},
	{Vendor: "DrayTek", Name: "Vigor2960", Families: []string{drayTekVigor}, Aliases: []Alias{{Name: "Vigor 2960", Source: kev + "CVE-2020-15415: \"DrayTek Vigor3900, Vigor2960, and Vigor300B devices\""}}},
	{Vendor: "DrayTek", Name: "Vigor3900", Families: []string{drayTekVigor}},
	{Vendor: "DrayTek", Name: "Vigor300B", Families: []string{drayTekVigor}},
	{Vendor: "DrayTek", Name: "VigorConnect"},

	{Vendor: "Array Networks", Name: "ArrayOS AG", Aliases: []Alias{
		{Name: "AG", Source: kev + "CVE-2023-28461: \"Array Networks AG and vxAG ArrayOS\""},
		{Name: "vxAG", Source: kev + "CVE-2023-28461"},
	}},
	{Vendor: "BeyondTrust", Name: "Privileged Remote Access", Aliases: []Alias{{Name: "PRA", Source: kev + "CVE-2024-12356: \"Privileged Remote Access (PRA)\""}}},
	{Vendor: "BeyondTrust", Name: "Remote Support", Aliases: []Alias{{Name: "RS", Source: kev + "CVE-2024-12356: \"Remote Support (RS)\""}}},
	{Vendor: "ConnectWise", Name: "ScreenConnect"},
	{Vendor: "Kaseya", Name: "VSA", Aliases: []Alias{{Name: "Virtual System/Server Administrator", Source: kev + "CVE-2021-30116: \"Kaseya Virtual System/Server Administrator (VSA)\""}}},
	{Vendor: "SimpleHelp", Name: "SimpleHelp"},
	{Vendor: "TeamViewer", Name: "TeamViewer", Aliases: []Alias{{Name: "Desktop", Source: kev + "CVE-2019-18988: vendorProject TeamViewer, product \"Desktop\""}}},
	{Vendor: "Barracuda Networks", Name: "Email Security Gateway", Aliases: []Alias{{Name: "ESG", Source: kev + "CVE-2023-2868: \"Email Security Gateway (ESG) Appliance\""}}},
	{Vendor: "Progress", Name: "Kemp LoadMaster", Aliases: []Alias{{Name: "LoadMaster", Source: kev + "CVE-2024-1212: \"Progress Kemp LoadMaster\""}}},
	{Vendor: "Microsoft", Name: "Forefront Threat Management Gateway", Aliases: []Alias{{Name: "TMG", Source: kev + "CVE-2011-1889: \"Forefront Threat Management Gateway (TMG)\""}}},
	{Vendor: "Symantec", Name: "Messaging Gateway"},
	{Vendor: "VMware", Name: "SD-WAN Edge"},
	{Vendor: "FatPipe", Name: "WARP"},
	{Vendor: "FatPipe", Name: "IPVPN"},
	{Vendor: "FatPipe", Name: "MPVPN"},

	// Named in the descriptions of KEV's vendor-wide rows (product
	// "Multiple Products"): "Apple iOS, iPadOS, and macOS contain …"
	// (CVE-2025-31201), "… tvOS, watchOS, and visionOS" (CVE-2024-23225),
	// "Safari WebKit" (CVE-2024-23222).
	{Vendor: "Apple", Name: "iOS"},
	{Vendor: "Apple", Name: "iPadOS"},
	{Vendor: "Apple", Name: "macOS"},
	{Vendor: "Apple", Name: "tvOS"},
	{Vendor: "Apple", Name: "watchOS"},
	{Vendor: "Apple", Name: "visionOS"},
	{Vendor: "Apple", Name: "Safari"},
}
