package app

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// capabilities are the packages that keep one kind of record or run one
// kind of work for people, built once by New (docs/architecture.md).
var capabilities = []string{"advisory", "approval", "cases", "consult", "cop", "exportgate", "federation", "huntpkg", "incident", "oversight", "pqc", "relevance", "retention", "signin", "telemetry"}

// stixIntake are the capabilities that put STIX objects into the store
// through the hub (hub.Submit, its extension and collections): they alone
// may import package hub.
var stixIntake = map[string]bool{"incident": true, "telemetry": true}

// notYet are capabilities still to be given narrow dependencies (issue 12):
// remove a name when its service no longer holds a *hub.Hub.
var notYet = map[string]bool{}

// doors may import app: they build the one App (cli, server), the demo data
// or the benchmark's hub with it (demo, bench), or the tests' fixture
// (hubtest). api and web receive it.
var doors = map[string]bool{"cli": true, "server": true, "demo": true, "bench": true, "hubtest": true, "api": true, "web": true}

// imports returns the renkei packages the non-test files of internal/dir import.
func imports(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, is := range file.Imports {
			p, _ := strconv.Unquote(is.Path.Value)
			if strings.HasPrefix(p, "renkei/internal/") {
				out = append(out, strings.TrimPrefix(p, "renkei/internal/"))
			}
		}
	}
	return out
}

// TestCapabilitiesDoNotImportTheHub: a capability takes its store, clock,
// audit recorder and alerts from app, not from the STIX intake; only the
// capabilities that submit STIX objects import package hub.
func TestCapabilitiesDoNotImportTheHub(t *testing.T) {
	for _, c := range capabilities {
		for _, p := range imports(t, c) {
			if p == "hub" && !stixIntake[c] && !notYet[c] {
				t.Errorf("capability %s imports package hub: give its Service the narrow dependency it needs (store, clock, recorder, alerts), set in app.New", c)
			}
			if p == "app" || p == "api" || p == "web" || p == "cli" || p == "server" {
				t.Errorf("capability %s imports package %s: dependencies point down (docs/architecture.md)", c, p)
			}
		}
	}
	for c := range notYet {
		found := false
		for _, p := range imports(t, c) {
			found = found || p == "hub"
		}
		if !found {
			t.Errorf("%s no longer imports hub: remove it from notYet", c)
		}
	}
}

// TestOnlyDoorsImportApp: the application value is built by cli and server
// and handed to api and web; nothing below them may reach for it, or it
// would become a service locator again.
func TestOnlyDoorsImportApp(t *testing.T) {
	entries, err := os.ReadDir("..")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() || doors[e.Name()] || e.Name() == "app" {
			continue
		}
		for _, p := range imports(t, e.Name()) {
			if p == "app" {
				t.Errorf("package %s imports app: only %v may", e.Name(), doors)
			}
		}
	}
}
