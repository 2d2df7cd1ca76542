package consult_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"renkei/internal/consult"
	"renkei/internal/hub"
	"renkei/internal/problem"
)

// TestConsultProblemsCarryCodes: a refused request or reply says why with a
// stable code per problem, for the console to translate, while its message
// stays the English the API and the CLI have always given.
func TestConsultProblemsCarryCodes(t *testing.T) {
	ctx := context.Background()
	h, cs := fixture(t, "sqlite", false, [][3]string{{"Minato City", "local-government", ""}}, [][2]string{{"kanshi", ""}, {"town", "Minato City"}})
	s := h.App.Consult
	open, err := s.Ask(ctx, cs["town"], "", "VPN logs", "Who reads them?", "")
	if err != nil {
		t.Fatal(err)
	}
	closed, err := s.Ask(ctx, cs["town"], "", "Done", "x", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Reply(ctx, cs["town"], closed.PublicID, "close", "", ""); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		do        func() error
		codes     []string
		values    []string
		wantError string
	}{
		{"ask: bad kind, nothing said, unknown handler", func() error {
			_, err := s.Ask(ctx, cs["town"], "gossip", " ", "", "Nobody")
			return err
		}, []string{"kind.unknown", "subject.required", "body.required", "handler.unknown"}, []string{"gossip", "", "", "Nobody"},
			`invalid request: kind: "gossip" is not one of consultation, support; subject: is required; body: is required; handler: no organization "Nobody"`},
		{"ask: subject too long", func() error {
			_, err := s.Ask(ctx, cs["town"], "", strings.Repeat("x", 501), "x", "")
			return err
		}, []string{"subject.too-long"}, []string{""}, `invalid request: subject or body: too long (500 bytes, 64 KiB)`},
		{"ask: body too long", func() error {
			_, err := s.Ask(ctx, cs["town"], "", "x", strings.Repeat("x", 64<<10+1), "")
			return err
		}, []string{"body.too-long"}, []string{""}, `invalid request: subject or body: too long (500 bytes, 64 KiB)`},
		{"reply: closed", func() error {
			_, err := s.Reply(ctx, cs["town"], closed.PublicID, "question", "again", "")
			return err
		}, []string{"request.closed"}, []string{""}, `request ` + closed.PublicID + ` is closed`},
		{"reply: unknown kind", func() error {
			_, err := s.Reply(ctx, cs["town"], open.PublicID, "shout", "x", "")
			return err
		}, []string{"reply.unknown"}, []string{"shout"}, `kind: "shout" is not answer, question, handoff, consent, decline or close`},
		{"reply: no body", func() error {
			_, err := s.Reply(ctx, cs["town"], open.PublicID, "question", " ", "")
			return err
		}, []string{"body.required"}, []string{""}, `body: is required`},
		{"reply: hand-off to nobody", func() error {
			_, err := s.Reply(ctx, cs["kanshi"], open.PublicID, "handoff", "", "Nobody")
			return err
		}, []string{"handoff.unknown"}, []string{"Nobody"}, `handoff: no organization "Nobody"`},
		{"reply: hand-off to the handler", func() error {
			_, err := s.Reply(ctx, cs["kanshi"], open.PublicID, "handoff", "", h.Center().ID)
			return err
		}, []string{"handoff.same"}, []string{h.Center().Name}, `handoff: ` + h.Center().Name + ` handles it already`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do()
			if err == nil || err.Error() != tt.wantError {
				t.Fatalf("err = %v\nwant  %s", err, tt.wantError)
			}
			var ps problem.Problems
			if !errors.As(err, &ps) {
				t.Fatalf("%v is not problem.Problems", err)
			}
			var codes, values []string
			for _, p := range ps {
				codes, values = append(codes, p.Code), append(values, p.Value)
				if !slices.Contains(consult.ProblemCodes, p.Code) {
					t.Errorf("code %q is not in ProblemCodes", p.Code)
				}
			}
			if !slices.Equal(codes, tt.codes) || !slices.Equal(values, tt.values) {
				t.Fatalf("codes %q values %q, want %q %q", codes, values, tt.codes, tt.values)
			}
		})
	}
	// Refusals that are not about the input keep their kind.
	if _, err := s.Reply(ctx, cs["town"], open.PublicID, "answer", "self-answer", ""); !errors.Is(err, hub.ErrForbidden) || errors.As(err, new(problem.Problems)) {
		t.Fatalf("the asker answered itself: %v", err)
	}
}
