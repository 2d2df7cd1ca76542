package cli

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"renkei/internal/i18n"

	"github.com/spf13/cobra"
)

// TestCLIErrorsInEachLanguage: a refusal is printed on one line, the
// capability's detail kept as it was, then what it means in the language the
// rule chooses (--lang, RENKEI_LANG, the locale, else Japanese).
func TestCLIErrorsInEachLanguage(t *testing.T) {
	data := []string{"--data", t.TempDir()}
	if code, _, stderr := run(t, "", append([]string{"org", "list"}, data...)...); code != 0 {
		t.Fatalf("bootstrap: %s", stderr)
	}
	show := append([]string{"case", "show", "999", "--as", "admin"}, data...)
	for _, tt := range []struct {
		name, want string
		args       []string
		env        map[string]string
	}{
		{"--lang ja", "ja", []string{"--lang", "ja"}, nil},
		{"--lang en", "en", []string{"--lang", "en"}, map[string]string{"LANG": "ja_JP.UTF-8"}},
		{"RENKEI_LANG", "en", nil, map[string]string{"RENKEI_LANG": "en", "LANG": "ja_JP.UTF-8"}},
		{"Japanese locale", "ja", nil, map[string]string{"RENKEI_LANG": "", "LC_ALL": "", "LC_MESSAGES": "", "LANG": "ja_JP.UTF-8"}},
		{"C locale", "en", nil, map[string]string{"RENKEI_LANG": "", "LC_ALL": "C", "LANG": "ja_JP.UTF-8"}},
		{"nothing set", "ja", nil, map[string]string{"RENKEI_LANG": "", "LC_ALL": "", "LC_MESSAGES": "", "LANG": ""}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			code, out, stderr := run(t, "", append(show, tt.args...)...)
			lead := i18n.Text(tt.want, "cli.refused.notfound")
			if code != 1 || out != "" || strings.Count(stderr, "\n") != 1 ||
				!strings.HasPrefix(stderr, "renkei: show: ") || !strings.Contains(stderr, "not found") || !strings.HasSuffix(stderr, " — "+lead+"\n") {
				t.Errorf("exit %d, stderr %q; want one line ending in %q", code, stderr, lead)
			}
		})
	}
}

// TestMessagesToPeopleComeFromTheCatalog reads the package's source: no
// message meant for a person is written in English in the code. A string
// literal given to fmt.Fprint*, fmt.Errorf, errors.New or an exitError's msg
// may hold format verbs, punctuation, command and flag names ("renkei hunt
// --package"), words in capitals (table headers naming fields) and
// key=value fields of a machine line or JSON keys, and nothing else; the words go through
// the catalog (g.say, g.tell, refuse with i18n.M). An error that wraps
// another (%w) keeps its English context, saying what was being done.
func TestMessagesToPeopleComeFromTheCatalog(t *testing.T) {
	t.Parallel()
	names := map[string]bool{"renkei": true}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, n := range append([]string{c.Name()}, c.Aliases...) {
			for _, w := range strings.Split(n, "-") {
				names[w] = true
			}
		}
		for _, s := range c.Commands() {
			walk(s)
		}
	}
	walk(newRoot(&globals{}))
	allowed := regexp.MustCompile(`%(?:\[\d+\])?[-+# 0]*\d*(?:\.\d+)?[a-zA-Z%]|--[a-z][a-z-]*|\b[a-z_]+=|"[a-z_]+":|\b[A-Z][A-Z0-9_-]*\b`)
	word := regexp.MustCompile(`[A-Za-z]{2,}`)
	english := func(lit string) string {
		for _, w := range word.FindAllString(allowed.ReplaceAllString(lit, " "), -1) {
			if !names[strings.ToLower(w)] {
				return w
			}
		}
		return ""
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			var args []ast.Expr
			switch n := n.(type) {
			case *ast.CallExpr:
				sel, ok := n.Fun.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				pkg, _ := sel.X.(*ast.Ident)
				switch {
				case pkg == nil:
				case pkg.Name == "fmt" && strings.HasPrefix(sel.Sel.Name, "Fprint"):
					args = n.Args[1:]
				case pkg.Name == "fmt" && sel.Sel.Name == "Errorf", pkg.Name == "errors" && sel.Sel.Name == "New":
					args = n.Args
				}
			case *ast.CompositeLit:
				if id, ok := n.Type.(*ast.Ident); ok && id.Name == "exitError" {
					for _, e := range n.Elts {
						if kv, ok := e.(*ast.KeyValueExpr); ok {
							args = append(args, kv.Value)
						}
					}
				}
			}
			for _, a := range args {
				ast.Inspect(a, func(n ast.Node) bool {
					if _, call := n.(*ast.CallExpr); call {
						return false // a call's own arguments are its business (i18n.M's key, a value's formatting)
					}
					lit, ok := n.(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						return true
					}
					s, _ := strconv.Unquote(lit.Value)
					checked++
					if strings.Contains(s, "%w") {
						return true
					}
					if w := english(s); w != "" {
						t.Errorf("%s: %q is English written in the code (%q): say it through the catalog (i18n.M)", fset.Position(lit.Pos()), s, w)
					}
					return true
				})
			}
			return true
		})
	}
	if checked < 50 {
		t.Fatalf("only %d literals checked: is the package's source beside the test?", checked)
	}
}
