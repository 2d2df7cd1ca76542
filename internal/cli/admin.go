package cli

// What the administrative commands share; each command has its own file
// (org.go, group.go, user.go, token.go, backup.go).

import (
	"os/user"

	"renkei/internal/auth"
	"renkei/internal/hub"
	"renkei/internal/store"
)

// operator is who an act on the command line is recorded as in the audit
// log: the local account that ran it, for the center.
func operator(h *hub.Hub) auth.Caller {
	name := "unknown"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	return auth.Caller{User: store.User{Login: "cli:" + name, Role: "system"}, Org: h.Center()}
}
