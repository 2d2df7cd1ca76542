package cli

// What the administrative commands share; each command has its own file
// (org.go, group.go, user.go, token.go, backup.go).

import (
	"context"
	"fmt"
	"os/user"

	"renkei/internal/app"
	"renkei/internal/auth"
	"renkei/internal/hub"
	"renkei/internal/incident"
)

// operator is who an act on the command line is recorded as in the audit
// log: the local account that ran it, for the center. The policy sees it as
// the hub itself (auth.System, policy.System): whoever runs the command line
// on the hub's machine holds its store.
func operator(h *hub.Hub) auth.Caller {
	name := "unknown"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	return auth.System("cli:"+name, h.Center())
}

// withActor runs fn with the application on this machine's store and audit
// log and the caller of the command: the user login names (--as), or this
// machine's operator when login is empty.
func (g *globals) withActor(ctx context.Context, login string, fn func(*app.App, auth.Caller) error) error {
	return g.withApp(ctx, func(a *app.App) error {
		if login == "" {
			return fn(a, operator(a.Hub))
		}
		c, err := incident.Caller(ctx, a.Store, login)
		if err != nil {
			return fmt.Errorf("--as %s: %w", login, err)
		}
		return fn(a, c)
	})
}
