package api_test

import (
	"errors"
	"net/http/httptest"
	"testing"

	"renkei/internal/api"
	"renkei/internal/app"
	"renkei/internal/client"
	"renkei/internal/hubtest"
)

// served is a hub of internal/hubtest served by the REST API over real
// HTTP, called through the typed client as each of its users: the fixture
// of the tests about what the API does. Tests about the wire itself
// (malformed bodies, headers, status codes for bad input) build their
// requests by hand.
type served struct {
	*hubtest.Hub
	App    *app.App // the services the API serves
	URL    string
	tokens map[string]string
}

// serve serves h's REST API until the test ends.
func serve(t *testing.T, h *hubtest.Hub) *served {
	t.Helper()
	a := h.App
	srv := httptest.NewServer((&api.Server{App: a, MaxBody: 1 << 20}).Handler())
	t.Cleanup(srv.Close)
	return &served{Hub: h, App: a, URL: srv.URL, tokens: map[string]string{}}
}

// as is the typed client of login, with a token made on first use.
func (s *served) as(login string) *client.Client {
	if s.tokens[login] == "" {
		s.tokens[login] = s.Token(login)
	}
	return &client.Client{Hub: s.URL, Token: s.tokens[login]}
}

// status is the HTTP status a call through the client got: the refusal's,
// 0 for another error, 200 for none.
func status(err error) int {
	var ae *client.APIError
	switch {
	case err == nil:
		return 200
	case errors.As(err, &ae):
		return ae.Status
	}
	return 0
}

// description is the hub's sentence of a refusal, "" for none.
func description(err error) string {
	var ae *client.APIError
	if errors.As(err, &ae) {
		return ae.Body.Description
	}
	return ""
}
