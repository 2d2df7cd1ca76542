package web

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"renkei/internal/auth"
	"renkei/internal/federation"
	"renkei/internal/hub"
	"renkei/internal/policy"
)

// TestFederationPageShowsAgreementsToTheCenterAndCommittee: the partners
// page shows each partner with its agreement (the consenting organizations
// by name) to the center's analysts and to the hub administrator, who may
// also synchronize; a member neither finds it in the menu nor opens it.
func TestFederationPageShowsAgreementsToTheCenterAndCommittee(t *testing.T) {
	e := newEnv(t, Options{})
	_, err := e.app.Federation.Add(context.Background(), auth.System("cli:test", e.center), federation.NewPartner{
		Name: "cert-x", Kind: "taxii", URL: "https://taxii.example.org/api1/", Secret: "env:CERT_X_TOKEN", Direction: "pull",
		Collections: []string{hub.MembersCollection}, Agreement: policy.Agreement{TLPMax: policy.Amber, AmberRecipient: true, Orgs: []string{e.power.ID}}})
	if err != nil {
		t.Fatal(err)
	}
	st, body := e.as("center-analyst").get("/federation")
	if st != http.StatusOK || !strings.Contains(body, "cert-x") || !strings.Contains(body, "北電力株式会社") || !strings.Contains(body, "TLP:AMBER") {
		t.Fatalf("center analyst: %d\n%s", st, body)
	}
	if strings.Contains(body, "/federation/cert-x/sync") {
		t.Error("a center analyst is offered to synchronize")
	}
	if _, body := e.as("admin").get("/federation"); !strings.Contains(body, "/federation/cert-x/sync") {
		t.Error("the hub administrator is not offered to synchronize")
	}
	c := e.as("power-admin")
	if st, _ := c.get("/federation"); st != http.StatusForbidden {
		t.Errorf("a member's administrator opened the partners page: %d", st)
	}
	if _, body := c.get("/"); strings.Contains(body, `href="/federation"`) {
		t.Error("a member's menu offers the partners page")
	}
}
