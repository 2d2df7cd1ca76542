package sbom

import (
	"path/filepath"
	"testing"

	"renkei/internal/vuln/advisory"
)

func TestFixtures(t *testing.T) {
	d, err := LoadFile(filepath.Join("testdata", "appliance.cdx.json"))
	if err != nil {
		t.Fatal(err)
	}
	if d.Product == nil || d.Product.CPEKey != "cpe:example_networks:securegate" || d.Product.Supplier != "Example Networks K.K." {
		t.Errorf("product %+v", d.Product)
	}
	rsa := d.Components[4]
	if rsa.Crypto == nil || rsa.Crypto.Primitive != "pke" || rsa.Crypto.ClassicalSecurityLevel != 112 || rsa.Crypto.OID == "" {
		t.Errorf("crypto %+v", rsa.Crypto)
	}
	if d.Components[0].Hashes[0].Algorithm != "SHA-256" || d.Components[0].Licenses[0] != "Apache-2.0" {
		t.Errorf("hashes/licenses %+v", d.Components[0])
	}
	if d.Components[2].Package.Distro != "bookworm" {
		t.Errorf("distro qualifier %+v", d.Components[2].Package)
	}

	x, err := LoadFile(filepath.Join("testdata", "appliance.cdx.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if x.Describe() != "CycloneDX 1.5 XML" || x.Vulnerabilities == nil || len(x.Vulnerabilities.Statements) != 1 {
		t.Fatalf("%s with %+v", x.Describe(), x.Vulnerabilities)
	}
	st := x.Vulnerabilities.Statements[0]
	if st.Status != advisory.StatusNotAffected || st.Product != "purl:maven/org.apache.logging.log4j/log4j-core" || st.Justification != "code_not_reachable" {
		t.Errorf("embedded VEX %+v", st)
	}

	s, err := LoadFile(filepath.Join("testdata", "tool.spdx"))
	if err != nil {
		t.Fatal(err)
	}
	if s.Product == nil || s.Product.Name != "gate-tool" || s.Product.CPEKey != "cpe:example_networks:gate-tool" || len(s.Components) != 2 {
		t.Errorf("SPDX product %+v", s.Product)
	}
}
