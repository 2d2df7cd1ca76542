package huntpkg_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"renkei/internal/corpora"
	"renkei/internal/huntpkg"
)

// sigmaHQWindows reads every SigmaHQ Windows rule file as package rule files.
func sigmaHQWindows(b *testing.B) []huntpkg.RuleFile {
	root := corpora.Path(b, "sigma/rules/windows")
	var out []huntpkg.RuleFile
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".yml") {
			y, _ := os.ReadFile(p)
			rel, _ := filepath.Rel(root, p)
			out = append(out, huntpkg.RuleFile{Name: rel, YAML: string(y)})
		}
		return nil
	})
	return out
}

// BenchmarkPublishSigmaHQWindows publishes a package of all SigmaHQ Windows
// rules (compile check, canonical form, signature, store, alerts).
func BenchmarkPublishSigmaHQWindows(b *testing.B) {
	rules := sigmaHQWindows(b)
	w := newWorld(b, "sqlite")
	b.ResetTimer()
	for range b.N {
		p, err := w.svc.Publish(context.Background(), w.callers["center"], huntpkg.PublishRequest{Title: "all windows", TLP: "green",
			Rules: rules, Scope: []huntpkg.ScopeEntry{{Kind: "all"}}, AllowUnloaded: true})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(p.Signed))/1e6, "MB-signed")
		b.ReportMetric(float64(p.RulesLoaded), "rules")
		b.ReportMetric(float64(len(p.NotLoaded)), "not-loaded")
	}
}

// BenchmarkVerifySigmaHQWindows is what a member pays before running: check
// the signature and the canonical form of that package.
func BenchmarkVerifySigmaHQWindows(b *testing.B) {
	rules := sigmaHQWindows(b)
	keys, err := huntpkg.LoadOrCreateKeys(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	p := samplePackage()
	p.Rules = rules
	signed, err := keys.Sign(p)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(signed)))
	b.ResetTimer()
	for range b.N {
		if _, err := huntpkg.Verify(signed, keys.VerifierKey); err != nil {
			b.Fatal(err)
		}
	}
}
