package api_test

import (
	"context"
	"strings"
	"testing"

	"renkei/internal/client"
	"renkei/internal/hubtest"
	"renkei/internal/store/storetest"
)

// vendorVEX is an OpenVEX document saying CVE-2026-99001 does not affect
// SecureGate, under an author string of the uploader's choosing.
const vendorVEX = `{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.org/vex/1", "author": "Example Networks PSIRT",
 "timestamp": "2099-01-01T00:00:00Z", "version": 1,
 "statements": [{"vulnerability": {"name": "CVE-2026-99001"}, "products": [{"@id": "cpe:2.3:o:example_networks:securegate:7.0.1:*:*:*:*:*:*:*"}],
  "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"}]}`

// TestVendorVEXOnlyForOwnProducts over the API: a vendor's VEX about a
// product it is not the registered supplier of is refused (403); the
// center maintains the register (members may not), each change logged
// before it takes effect; once registered, the vendor's statement applies
// and is shown as the publishing organization's.
func TestVendorVEXOnlyForOwnProducts(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			h := hubtest.New(t, kind, hubtest.WithAudit())
			now := h.Now.UTC()
			town := h.Org("Town", "local-government", "local-government")
			hosp := h.Org("Hospital", "medical", "medical")
			h.Org("Example Networks KK", "vendor", "it")
			h.Org("Rival KK", "vendor", "it")
			h.User("analyst", h.Center().Name, "analyst")
			h.User("town", "Town", "org-admin")
			h.User("psirt", "Example Networks KK", "analyst")
			h.User("rival", "Rival KK", "analyst")
			s := serve(t, h)
			if _, err := s.App.Relevance.Story5(ctx, town.ID, hosp.ID, now); err != nil {
				t.Fatal(err)
			}
			analyst, townAdmin, psirt, rival := s.as("analyst"), s.as("town"), s.as("psirt"), s.as("rival")
			vex := client.PublicationRequest{Kind: "vex", Product: "SecureGate", Data: []byte(vendorVEX)}
			if _, err := rival.Publish(ctx, vex); status(err) != 403 || !strings.Contains(description(err), "cpe:example_networks:securegate") {
				t.Fatalf("another vendor's VEX: %v, want 403", err)
			}
			if _, err := psirt.Publish(ctx, vex); status(err) != 403 {
				t.Fatalf("an unregistered supplier's VEX: %v, want 403", err)
			}
			entry := client.SupplierRequest{Org: "Example Networks KK", Name: "SecureGate", CPE: "example_networks:securegate"}
			if _, err := townAdmin.AddSupplier(ctx, entry); status(err) != 403 {
				t.Fatalf("a member registered a supplier: %v", err)
			}
			if _, err := analyst.AddSupplier(ctx, client.SupplierRequest{Org: "Example Networks KK"}); status(err) != 400 {
				t.Fatalf("an entry without a product: %v", err)
			}
			before, _ := h.Audit.Size(ctx)
			sp, err := analyst.AddSupplier(ctx, entry)
			if err != nil {
				t.Fatalf("register: %v", err)
			}
			if after := waitSize(t, h.Audit, before+1); after != before+1 {
				t.Fatalf("audit log grew by %d, want 1", after-before)
			}
			if l, err := townAdmin.Suppliers(ctx, ""); err != nil || len(l) != 1 {
				t.Fatalf("list: %v %+v", err, l)
			}
			if _, err := rival.Publish(ctx, vex); status(err) != 403 {
				t.Fatalf("another vendor's VEX after registration: %v", err)
			}
			if _, err := psirt.Publish(ctx, vex); err != nil {
				t.Fatalf("the supplier's VEX: %v", err)
			}
			fs, err := townAdmin.AffectingUs(ctx, true)
			if err != nil || len(fs) != 1 {
				t.Fatalf("affecting us: %v %+v", err, fs)
			}
			if by := fs[0].SuppressedBy; by == nil || by.Author != "Example Networks KK" {
				t.Fatalf("suppressed by %+v, want the publishing organization", fs[0])
			}
			if err := townAdmin.RemoveSupplier(ctx, sp.PublicID); status(err) != 403 {
				t.Fatalf("a member removed an entry: %v", err)
			}
			if err := analyst.RemoveSupplier(ctx, sp.PublicID); err != nil {
				t.Fatalf("remove: %v", err)
			}
			if err := analyst.RemoveSupplier(ctx, sp.PublicID); status(err) != 404 {
				t.Fatalf("remove again: %v", err)
			}
		})
	}
}
