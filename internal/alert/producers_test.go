package alert_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"renkei/internal/alert"
)

// TestEveryAlertKindSpeaksFromTheCatalog finds every alert the code raises
// (each store.Alert literal with a Kind outside tests) and holds it to the
// rule that alerts are catalog messages: a TitleKey and BodyMsgs, never a
// Title or Body text (which would be one language, or two glued).
// TestEveryMessageGetsItsParameters (package i18n) checks each message's
// key and parameters against both catalogs, and each producer's own test
// renders what it raised in both languages (alerttest.InEveryLanguage).
func TestEveryAlertKindSpeaksFromTheCatalog(t *testing.T) {
	root := filepath.Join("..", "..")
	fset := token.NewFileSet()
	var kinds []string
	err := filepath.WalkDir(filepath.Join(root, "internal"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil || !strings.Contains(string(src), "store.Alert{") {
			return err
		}
		f, err := parser.ParseFile(fset, path, src, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.CompositeLit)
			if !ok {
				return true
			}
			if sel, ok := lit.Type.(*ast.SelectorExpr); !ok || sel.Sel.Name != "Alert" || sel.X.(*ast.Ident).Name != "store" {
				return true
			}
			fields := map[string]ast.Expr{}
			for _, e := range lit.Elts {
				if kv, ok := e.(*ast.KeyValueExpr); ok {
					fields[kv.Key.(*ast.Ident).Name] = kv.Value
				}
			}
			kindExpr, ok := fields["Kind"]
			if !ok {
				return true // not an alert being raised (an empty value)
			}
			kind := "?"
			if bl, ok := kindExpr.(*ast.BasicLit); ok {
				kind, _ = strconv.Unquote(bl.Value)
			} else if id, ok := kindExpr.(*ast.Ident); ok {
				kind = id.Name
			}
			kinds = append(kinds, kind)
			pos := fset.Position(lit.Pos())
			for _, must := range []string{"TitleKey", "TitleParams", "BodyMsgs"} {
				if _, ok := fields[must]; !ok {
					t.Errorf("%s: alert %s is raised without %s", pos, kind, must)
				}
			}
			for _, never := range []string{"Title", "Body"} {
				if _, ok := fields[never]; ok {
					t.Errorf("%s: alert %s is raised with a %s text, not a catalog message", pos, kind, never)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(kinds)
	kinds = slices.Compact(kinds)
	// Every producer: a kind missing here was removed or renamed, one
	// added here is new and needs its catalog messages.
	want := []string{"KindAlert", "KindSuppressionAlert", "advisory", "case", "consultation", "emergency-measure",
		"flow-match", "hunt-findings", "hunt-package", "incident-report", "report-overdue", "sighting"}
	if !slices.Equal(kinds, want) {
		t.Errorf("alert kinds raised: %q, want %q", kinds, want)
	}
	// The inbox filters by these kinds (alert.Kinds): the constants of
	// package relevance are its two vulnerability kinds.
	constants := map[string]string{"KindAlert": "vulnerability", "KindSuppressionAlert": "vulnerability-suppressed"}
	raised := slices.Clone(kinds)
	for i, k := range raised {
		if c, ok := constants[k]; ok {
			raised[i] = c
		}
	}
	slices.Sort(raised)
	if !slices.Equal(raised, alert.Kinds) {
		t.Errorf("alert kinds raised: %q, but the inbox filters by %q (alert.Kinds)", raised, alert.Kinds)
	}
}
