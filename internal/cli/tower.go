package cli

// The command tower's daily work: incident reports, the critical-computer
// register, cases, advisories and requests, consultations, the operating
// picture. Each command acts as the user named by --as, with that user's
// role and organization, exactly as the API would for that user's token.
// This file holds what those commands share; each command has its own file
// (report.go, computer.go, case.go, advisory.go, consult.go, cop.go, notify.go).

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"renkei/internal/app"
	"renkei/internal/auth"
	"renkei/internal/hub"
	"renkei/internal/i18n"
	"renkei/internal/incident"
	"renkei/internal/jst"
	"renkei/internal/policy"
)

// towerSession is what a tower command works with.
type towerSession struct {
	h      *hub.Hub
	app    *app.App // the command's capabilities, built once
	caller auth.Caller
	viewer policy.Viewer
}

// tower opens the store and the hub and acts as login.
func (g *globals) tower(ctx context.Context, login string) (*towerSession, func(), error) {
	if login == "" {
		return nil, nil, refuse(i18n.M("cli.as_required"))
	}
	db, err := g.openStore(ctx)
	if err != nil {
		return nil, nil, err
	}
	a, err := app.New(ctx, app.Deps{Store: db})
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	h := a.Hub
	c, err := incident.Caller(ctx, db, login)
	if err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("--as %s: %w", login, err)
	}
	v, err := h.Viewer(ctx, c)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return &towerSession{h: h, app: a, caller: c, viewer: v}, func() { db.Close() }, nil
}

// towerRun runs do as the user login names (--as) and closes the session
// after: the one body every tower command shares.
func (g *globals) towerRun(cmd *cobra.Command, login string, do func(ts *towerSession) error) error {
	ts, done, err := g.tower(cmd.Context(), login)
	if err != nil {
		return err
	}
	defer done()
	return do(ts)
}

// towerJSON runs get as the user login names and prints what it returns as
// JSON.
func (g *globals) towerJSON(cmd *cobra.Command, login string, get func(ts *towerSession) (any, error)) error {
	return g.towerRun(cmd, login, func(ts *towerSession) error {
		v, err := get(ts)
		if err != nil {
			return err
		}
		return printJSON(g.stdout, v)
	})
}

func jstTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(jst.Zone).Format("2006-01-02 15:04 JST")
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// parseJST reads RFC 3339, or a date and time without zone taken as JST.
func parseJST(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	for _, f := range []string{"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(f, s, jst.Zone); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, refuse(i18n.M("cli.not_a_time", s))
}
