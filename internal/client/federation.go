package client

import (
	"context"
	"net/http"
	"net/url"

	"renkei/internal/policy"
	"renkei/internal/store"
)

// NewPartner is the body of POST /api/v1/partners: a federation partner and
// its sharing agreement (internal/federation). Secret says where the hub
// reads the partner's token or key at each synchronization, env:NAME or
// file:PATH; the secret itself is never sent to the hub's API.
type NewPartner struct {
	Name            string           `json:"name"`
	Kind            string           `json:"kind"` // taxii, misp or feed
	URL             string           `json:"url"`
	Secret          string           `json:"secret,omitempty"`
	Direction       string           `json:"direction"` // pull, push or both
	Collections     []string         `json:"collections,omitempty"`
	LocalCollection string           `json:"local_collection,omitempty"`
	Format          string           `json:"format,omitempty"` // a feed's: csv, text or misp
	ScheduleSeconds int64            `json:"schedule_seconds,omitempty"`
	HubID           string           `json:"hub_id,omitempty"`
	Agreement       policy.Agreement `json:"agreement"`
}

// Partners is the answer of GET /api/v1/partners.
type Partners struct {
	Partners []store.Partner `json:"partners"`
}

// SyncResult is what one synchronization with a partner moved: the
// answer of POST /api/v1/partners/{name}/sync.
type SyncResult struct {
	Partner string                 `json:"partner"`
	Run     string                 `json:"run"`
	In      int64                  `json:"in"`      // objects stored
	Out     int64                  `json:"out"`     // objects the partner accepted
	Refused int64                  `json:"refused"` // objects refused on the way in or out, each in Failures
	Errors  []string               `json:"errors,omitempty"`
	Refusal []store.PartnerFailure `json:"refusals,omitempty"`
}

// Partners lists the hub's partners, their agreements and their state.
func (c *Client) Partners(ctx context.Context) ([]store.Partner, error) {
	var out Partners
	err := c.do(ctx, http.MethodGet, "/api/v1/partners", nil, &out)
	return out.Partners, err
}

// AddPartner adds a partner with its agreement and returns it.
func (c *Client) AddPartner(ctx context.Context, p NewPartner) (store.Partner, error) {
	var out store.Partner
	err := c.do(ctx, http.MethodPost, "/api/v1/partners", p, &out)
	return out, err
}

// SyncPartner runs one pull and push with a partner now.
func (c *Client) SyncPartner(ctx context.Context, name string) (SyncResult, error) {
	var out SyncResult
	err := c.do(ctx, http.MethodPost, "/api/v1/partners/"+url.PathEscape(name)+"/sync", nil, &out)
	return out, err
}
