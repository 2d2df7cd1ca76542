package web

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"renkei/internal/hub"
	"renkei/internal/store/storetest"
)

// TestVendorVEXOnlyForOwnProducts in the console: members read the
// product–supplier register, only the center maintains it (refusals in the
// reader's language), and a vendor's VEX about a product it is not the
// registered supplier of is refused, in Japanese or English.
func TestVendorVEXOnlyForOwnProducts(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newEnvOn(t, kind, Options{})
			ctx := context.Background()
			if _, err := hub.AddOrg(ctx, e.h.DB, "Example Networks KK", "vendor", "it", time.Now()); err != nil {
				t.Fatal(err)
			}
			if _, err := hub.AddUser(ctx, e.h.DB, "psirt", "Example Networks KK", "analyst", testPassword, time.Now()); err != nil {
				t.Fatal(err)
			}
			center, power, psirt := e.as("center-analyst"), e.as("power-analyst"), e.as("psirt")
			if st, body := power.get("/vuln/suppliers"); st != 200 || strings.Contains(body, `id="add-supplier"`) || !strings.Contains(body, "製品の供給者") {
				t.Fatalf("a member's view of the register: %d\n%s", st, body)
			}
			entry := func() url.Values {
				return url.Values{"org": {"Example Networks KK"}, "name": {"SecureGate"}, "cpe": {"example_networks:securegate"}}
			}
			if st, _, _ := power.post("/vuln/suppliers", entry()); st != http.StatusForbidden {
				t.Fatalf("a member registered a supplier: %d", st)
			}
			if st, _, body := center.post("/vuln/suppliers", url.Values{"org": {"Example Networks KK"}}); st != http.StatusBadRequest || !strings.Contains(body, "CPE（vendor:product）かパッケージURLを入力してください。") {
				t.Fatalf("an entry without a product: %d\n%s", st, body)
			}
			publish := func(c *client) (int, string) {
				c.get("/vuln/vendors") // for its CSRF token
				var b bytes.Buffer
				mw := multipart.NewWriter(&b)
				for k, v := range map[string]string{"csrf": c.csrf, "kind": "vex", "product": "SecureGate"} {
					mw.WriteField(k, v)
				}
				fw, _ := mw.CreateFormFile("file", "vex.json")
				fw.Write([]byte(vendorVEX))
				mw.Close()
				req, _ := http.NewRequest("POST", e.srv.URL+"/vuln/vendors", &b)
				req.Header.Set("Content-Type", mw.FormDataContentType())
				res, err := c.c.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				var out bytes.Buffer
				out.ReadFrom(res.Body)
				return res.StatusCode, out.String()
			}
			if st, body := publish(psirt); st != http.StatusForbidden || !strings.Contains(body, "Example Networks KK は cpe:example_networks:securegate の供給者として登録されていません") {
				t.Fatalf("a VEX for a product not registered to the vendor: %d\n%s", st, body)
			}
			if st, _, body := center.post("/vuln/suppliers", entry()); st != 200 || !strings.Contains(body, "供給者を登録しました。") || !strings.Contains(body, "cpe:example_networks:securegate") {
				t.Fatalf("register: %d\n%s", st, body)
			}
			if st, body := publish(psirt); st != 200 || !strings.Contains(body, `id="vuln-message"`) {
				t.Fatalf("the supplier's VEX: %d\n%s", st, body)
			}
			center.lang = "en"
			if st, _, body := center.post("/vuln/suppliers", entry()); st != http.StatusBadRequest || !strings.Contains(body, "cpe:example_networks:securegate is registered already to a supplier") {
				t.Fatalf("a second entry for one product: %d\n%s", st, body)
			}
			sps, err := e.h.DB.VulnSuppliers(ctx, "")
			if err != nil || len(sps) != 1 {
				t.Fatalf("register: %v %+v", err, sps)
			}
			if st, loc, _ := center.post("/vuln/suppliers/"+sps[0].PublicID+"/delete", nil); st != http.StatusSeeOther || loc != "/vuln/suppliers?ok=removed" {
				t.Fatalf("remove: %d %q", st, loc)
			}
		})
	}
}

const vendorVEX = `{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.org/vex/1", "author": "Example Networks PSIRT",
 "timestamp": "2026-11-26T12:00:00Z", "version": 1,
 "statements": [{"vulnerability": {"name": "CVE-2026-99001"}, "products": [{"@id": "cpe:2.3:o:example_networks:securegate:7.0.1:*:*:*:*:*:*:*"}],
  "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"}]}`
