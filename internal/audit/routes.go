package audit

import (
	"net/http"
	"strings"
)

// Route says what one route of an HTTP door (the REST API, the console)
// gives the audit log. Each door keeps a table of its routes beside the code
// that registers them (internal/api/routes.go, internal/web/routes.go): every
// route is in it, every route that changes state names the action appended
// before the change takes effect, and TestEveryRouteAuthenticatedOrPublic and
// TestEveryStateChangingRouteAudited (internal/server) fail for a route that
// is registered without a line there.
type Route struct {
	// Public routes are served without authentication by design.
	Public bool
	// Action is appended before the route's act takes effect; "" for a
	// route that changes nothing (its reads of logged data, C7, are recorded
	// where the data is released).
	Action string
	// Inside says that the capability appends Action itself, with its
	// details, and does nothing when the log refuses. Otherwise the door
	// appends Action — with the route and the path — before the handler
	// runs, and answers 503 without running it when the log refuses.
	Inside bool
	// Or lists the other actions the capability may append instead of
	// Action, depending on what the request asks: publishing an advisory
	// appends notice.issue, a correction request demand.issue.
	Or []string
	// Unrefused says that the act takes effect even when the log refuses
	// Action: ending a session takes access away and is never refused. The
	// handler appends Action when it can and otherwise reports the failure to
	// the operator (slog); docs/audit.md states the exception.
	Unrefused bool
}

// Actions is every action the route may append: Action, then Or.
func (r Route) Actions() []string {
	if r.Action == "" {
		return r.Or
	}
	return append([]string{r.Action}, r.Or...)
}

// The lines of a route table.
var (
	// Read is a route that changes nothing.
	Read = Route{}
)

// AtDoor is a route whose act the door logs before calling its handler.
func AtDoor(action string) Route { return Route{Action: action} }

// InCapability is a route whose act the capability logs itself, first: as
// action, or as one of or when the request decides which.
func InCapability(action string, or ...string) Route {
	return Route{Action: action, Or: or, Inside: true}
}

// Unrefused is a route whose handler logs action when the log takes it and
// acts all the same when it does not (a logout): see Route.Unrefused.
func Unrefused(action string) Route { return Route{Action: action, Inside: true, Unrefused: true} }

// Public is a route served without authentication; action, when not "", is
// logged by the handler itself (a login).
func Public(action string) Route { return Route{Public: true, Action: action, Inside: action != ""} }

// ChangesState reports whether a request method may change state: anything
// but GET, HEAD and OPTIONS.
func ChangesState(method string) bool {
	return method != http.MethodGet && method != http.MethodHead && method != http.MethodOptions
}

// PatternMethod is the method of a ServeMux pattern ("POST /x" → "POST"),
// "" when the pattern takes every method.
func PatternMethod(pattern string) string {
	if m, _, ok := strings.Cut(pattern, " "); ok {
		return m
	}
	return ""
}

// Mux is an http.ServeMux that remembers the patterns registered on it, so
// that tests can hold each against its door's route table.
type Mux struct {
	*http.ServeMux
	Patterns []string
}

// NewMux returns an empty Mux.
func NewMux() *Mux { return &Mux{ServeMux: http.NewServeMux()} }

// Handle registers h for pattern.
func (m *Mux) Handle(pattern string, h http.Handler) {
	m.Patterns = append(m.Patterns, pattern)
	m.ServeMux.Handle(pattern, h)
}

// HandleFunc registers h for pattern.
func (m *Mux) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	m.Patterns = append(m.Patterns, pattern)
	m.ServeMux.HandleFunc(pattern, h)
}
