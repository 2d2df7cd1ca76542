// Package corpora finds the public test corpora that tests and benchmarks read.
//
// The corpora live outside the project, in ../shared/corpora beside the module
// (or wherever RENKEI_CORPORA points). They are written by others and must never be
// copied into the tree. A test that needs one calls Path; when the corpus is missing
// the test is skipped with a message naming what is missing, except under CI
// (CI=true), where a missing corpus is a failure.
package corpora

import (
	"os"
	"path/filepath"
	"testing"
)

// Root returns the corpora directory, or "" if it cannot be found.
func Root() string {
	if d := os.Getenv("RENKEI_CORPORA"); d != "" {
		return d
	}
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			c := filepath.Join(dir, "..", "shared", "corpora")
			if st, err := os.Stat(c); err == nil && st.IsDir() {
				return c
			}
			return ""
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// Path returns the absolute path of rel inside the corpora, or skips tb
// (fails it under CI) when that file or folder is not there.
func Path(tb testing.TB, rel string) string {
	tb.Helper()
	root := Root()
	p := filepath.Join(root, rel)
	if root == "" {
		missing(tb, "the corpora folder ../shared/corpora (or RENKEI_CORPORA) is missing; needed: "+rel)
		return ""
	}
	if _, err := os.Stat(p); err != nil {
		missing(tb, "corpus file missing: "+p)
		return ""
	}
	return p
}

func missing(tb testing.TB, msg string) {
	tb.Helper()
	if os.Getenv("CI") == "true" {
		tb.Fatal(msg)
	}
	tb.Skip(msg)
}
