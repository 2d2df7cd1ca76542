package client

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"

	"renkei/internal/pqc"
	"renkei/internal/store"
)

// Post-quantum migration (docs/pqc.md): an organization's crypto inventory,
// its registered endpoints and the hub's probes of them, member-side scans
// reported back, its migration plan, the CBOM out, and the center's view.

// PQCImportRequest takes a CBOM into the inventory.
type PQCImportRequest struct {
	Name     string          `json:"name"`
	Document json.RawMessage `json:"document"`
}

// PQCImported says how many crypto assets a CBOM brought.
type PQCImported struct {
	Assets int `json:"assets"`
}

// PQCEndpointRequest registers an endpoint.
type PQCEndpointRequest struct {
	Address      string `json:"address"`
	Protocol     string `json:"protocol"`
	DataLifetime int    `json:"data_lifetime_years"`
}

// PQCProbeRequest asks the hub to probe a registered, confirmed endpoint.
type PQCProbeRequest struct {
	Address  string `json:"address"`
	Protocol string `json:"protocol,omitempty"`
}

// PQCLifetimeRequest marks a crypto asset's data lifetime.
type PQCLifetimeRequest struct {
	Years int `json:"data_lifetime_years"`
}

// PQCMilestonesRequest sets the government's target date (YYYY-MM-DD).
type PQCMilestonesRequest struct {
	Government string `json:"government"`
}

// PQCInventory lists the organization's crypto assets, classified and ranked.
func (c *Client) PQCInventory(ctx context.Context) ([]pqc.Asset, error) {
	var out struct {
		Assets []pqc.Asset `json:"assets"`
	}
	err := c.do(ctx, http.MethodGet, "/api/v1/pqc/assets", nil, &out)
	return out.Assets, err
}

// PQCAddAsset enters a crypto asset by hand.
func (c *Client) PQCAddAsset(ctx context.Context, a pqc.Asset) (pqc.Asset, error) {
	var out pqc.Asset
	err := c.do(ctx, http.MethodPost, "/api/v1/pqc/assets", a, &out)
	return out, err
}

// PQCSetDataLifetime marks how long the data asset id protects must stay confidential.
func (c *Client) PQCSetDataLifetime(ctx context.Context, id string, years int) error {
	return c.do(ctx, http.MethodPut, "/api/v1/pqc/assets/"+url.PathEscape(id)+"/data-lifetime", PQCLifetimeRequest{years}, nil)
}

// PQCImportCBOM takes a CycloneDX CBOM into the inventory.
func (c *Client) PQCImportCBOM(ctx context.Context, name string, document []byte) (PQCImported, error) {
	var out PQCImported
	err := c.do(ctx, http.MethodPost, "/api/v1/pqc/cbom", PQCImportRequest{Name: name, Document: document}, &out)
	return out, err
}

// PQCExportCBOM returns the inventory as a CycloneDX 1.6 CBOM.
func (c *Client) PQCExportCBOM(ctx context.Context) (json.RawMessage, error) {
	var out json.RawMessage
	err := c.do(ctx, http.MethodGet, "/api/v1/pqc/cbom", nil, &out)
	return out, err
}

// PQCEndpoints lists the organization's registered endpoints.
func (c *Client) PQCEndpoints(ctx context.Context) ([]store.PQCEndpoint, error) {
	var out struct {
		Endpoints []store.PQCEndpoint `json:"endpoints"`
	}
	err := c.do(ctx, http.MethodGet, "/api/v1/pqc/endpoints", nil, &out)
	return out.Endpoints, err
}

// PQCRegisterEndpoint registers an endpoint for probing.
func (c *Client) PQCRegisterEndpoint(ctx context.Context, r PQCEndpointRequest) (store.PQCEndpoint, error) {
	var out store.PQCEndpoint
	err := c.do(ctx, http.MethodPost, "/api/v1/pqc/endpoints", r, &out)
	return out, err
}

// PQCConfirmEndpoint confirms the organization owns endpoint id.
func (c *Client) PQCConfirmEndpoint(ctx context.Context, id string) (store.PQCEndpoint, error) {
	var out store.PQCEndpoint
	err := c.do(ctx, http.MethodPost, "/api/v1/pqc/endpoints/"+url.PathEscape(id)+"/confirm", struct{}{}, &out)
	return out, err
}

// PQCProbe has the hub probe a registered, confirmed endpoint.
func (c *Client) PQCProbe(ctx context.Context, r PQCProbeRequest) (pqc.Result, error) {
	var out pqc.Result
	err := c.do(ctx, http.MethodPost, "/api/v1/pqc/probes", r, &out)
	return out, err
}

// PQCReportScan reports a member-side scan to the hub.
func (c *Client) PQCReportScan(ctx context.Context, r pqc.Result) (PQCImported, error) {
	var out PQCImported
	err := c.do(ctx, http.MethodPost, "/api/v1/pqc/scans", r, &out)
	return out, err
}

// PQCPlan returns the organization's migration plan.
func (c *Client) PQCPlan(ctx context.Context) (pqc.Plan, error) {
	var out pqc.Plan
	err := c.do(ctx, http.MethodGet, "/api/v1/pqc/plan", nil, &out)
	return out, err
}

// PQCAddStep adds a step to the plan.
func (c *Client) PQCAddStep(ctx context.Context, r pqc.StepRequest) (pqc.Step, error) {
	var out pqc.Step
	err := c.do(ctx, http.MethodPost, "/api/v1/pqc/steps", r, &out)
	return out, err
}

// PQCUpdateStep changes a step.
func (c *Client) PQCUpdateStep(ctx context.Context, id string, r pqc.StepRequest) (pqc.Step, error) {
	var out pqc.Step
	err := c.do(ctx, http.MethodPatch, "/api/v1/pqc/steps/"+url.PathEscape(id), r, &out)
	return out, err
}

// PQCSectors returns the center's view of migration per sector and kind.
func (c *Client) PQCSectors(ctx context.Context) ([]pqc.Cell, error) {
	var out struct {
		Cells []pqc.Cell `json:"cells"`
	}
	err := c.do(ctx, http.MethodGet, "/api/v1/pqc/sectors", nil, &out)
	return out.Cells, err
}

// PQCSetMilestones sets the government's target date.
func (c *Client) PQCSetMilestones(ctx context.Context, government string) error {
	return c.do(ctx, http.MethodPut, "/api/v1/pqc/milestones", PQCMilestonesRequest{government}, nil)
}
