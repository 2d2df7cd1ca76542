package api

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRefusalsAreMappedInOnePlace: outside api/problems.go and
// web/problems.go no handler of either door tests a kind of refusal
// (problem.ErrForbidden, problem.ErrNotFound) to choose an answer; it
// returns, or hands to s.refused, what the service said.
func TestRefusalsAreMappedInOnePlace(t *testing.T) {
	t.Parallel()
	for _, dir := range []string{".", filepath.Join("..", "web")} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") || filepath.Base(f) == "problems.go" {
				continue
			}
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for i, line := range strings.Split(string(src), "\n") {
				if strings.Contains(line, "problem.ErrForbidden") || strings.Contains(line, "errors.Is(err, problem.ErrNotFound)") {
					t.Errorf("%s:%d tests a refusal itself: %s", f, i+1, strings.TrimSpace(line))
				}
			}
		}
	}
}
