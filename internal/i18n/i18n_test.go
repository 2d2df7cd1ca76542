package i18n

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// verb matches a formatting verb, with its explicit argument index if any.
var verb = regexp.MustCompile(`%(?:\[(\d+)\])?[-+# 0]*\d*(?:\.\d+)?([a-zA-Z%])`)

// params is how many parameters a text takes: its highest explicit index,
// else the number of its verbs.
func params(text string) int {
	n, highest := 0, 0
	for _, m := range verb.FindAllStringSubmatch(text, -1) {
		if m[2] == "%" {
			continue
		}
		n++
		if m[1] != "" {
			i, _ := strconv.Atoi(m[1])
			highest = max(highest, i)
		}
	}
	if highest > 0 {
		return highest
	}
	return n
}

// TestEveryKeyInBothLanguagesWithTheSameParameters: a key in one language
// is in every language, says something, and takes as many parameters.
func TestEveryKeyInBothLanguagesWithTheSameParameters(t *testing.T) {
	cats, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range Languages {
		for k, v := range cats[a] {
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s: key %q is empty", a, k)
			}
			for _, b := range Languages {
				w, ok := cats[b][k]
				switch {
				case !ok:
					t.Errorf("key %q is in %s but not in %s", k, a, b)
				case params(v) != params(w):
					t.Errorf("key %q takes %d parameters in %s, %d in %s", k, params(v), a, params(w), b)
				}
			}
		}
	}
}

// TestEveryMessageGetsItsParameters finds every i18n.M call in the code
// outside tests and checks its key against both catalogs: it exists, and
// the call supplies exactly the parameters its texts use. A key built from
// a literal prefix ("alert.advisory." + kind) is checked against every key
// with that prefix.
func TestEveryMessageGetsItsParameters(t *testing.T) {
	cats, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join("..", "..")
	fset := token.NewFileSet()
	calls := 0
	err = filepath.WalkDir(filepath.Join(root, "internal"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil || !strings.Contains(string(src), "M(") {
			return err
		}
		f, err := parser.ParseFile(fset, path, src, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || !isM(call.Fun) || len(call.Args) == 0 {
				return true
			}
			calls++
			pos := fset.Position(call.Pos())
			if call.Ellipsis.IsValid() {
				return true // a stored message rendered again: checked where raised
			}
			key, exact := literalKey(call.Args[0])
			if key == "" {
				t.Errorf("%s: i18n.M without a literal key", pos)
				return true
			}
			given := len(call.Args) - 1
			found := false
			for _, l := range Languages {
				for k, text := range cats[l] {
					if k != key && (exact || !strings.HasPrefix(k, key)) {
						continue
					}
					found = true
					if params(text) != given {
						t.Errorf("%s: %s takes %d parameters in %s; the call gives %d", pos, k, params(text), l, given)
					}
				}
			}
			if !found {
				t.Errorf("%s: no key %q in the catalogs", pos, key)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if calls == 0 {
		t.Fatal("found no i18n.M call: is the source tree beside the test?")
	}
}

func isM(fun ast.Expr) bool {
	switch f := fun.(type) {
	case *ast.SelectorExpr:
		x, ok := f.X.(*ast.Ident)
		return ok && x.Name == "i18n" && f.Sel.Name == "M"
	case *ast.Ident:
		return f.Name == "M"
	}
	return false
}

// literalKey is the key of a call: a string literal (exact), or the literal
// start of a concatenation (a prefix).
func literalKey(e ast.Expr) (key string, exact bool) {
	switch x := e.(type) {
	case *ast.BasicLit:
		s, err := strconv.Unquote(x.Value)
		if err != nil {
			return "", false
		}
		return s, true
	case *ast.BinaryExpr:
		if x.Op == token.ADD {
			k, _ := literalKey(x.X)
			return k, false
		}
	}
	return "", false
}

// TestMessagesRenderInTheReadersLanguage: a message, and the messages among
// its parameters, render in the language asked for; an unknown language is
// the default one.
func TestMessagesRenderInTheReadersLanguage(t *testing.T) {
	m := M("alert.vuln", Ref(M("alert.vuln.escalated")), Ref(M("alert.vuln.main.affected.device", Ref(M("vuln.kind.vpn")), "SecureGate (203.0.113.7)", "SecureGate at 203.0.113.7", "CVE-2026-1")), "", Ref(M("alert.vuln.more", "2")))
	for lang, want := range map[string]string{
		"ja": "既知の悪用に追加: VPN装置 SecureGate (203.0.113.7) に脆弱性 CVE-2026-1 ほか2件",
		"en": "Now known exploited: Your SecureGate at 203.0.113.7 is affected by CVE-2026-1, and 2 more",
		"fr": "既知の悪用に追加: VPN装置 SecureGate (203.0.113.7) に脆弱性 CVE-2026-1 ほか2件",
	} {
		if got := m.In(lang); got != want {
			t.Errorf("%s: %q\nwant %q", lang, got, want)
		}
	}
	if l, ok := Accept("en-US,en;q=0.9"); l != "en" || !ok {
		t.Errorf("Accept(en-US) = %s %v", l, ok)
	}
	if l, ok := Accept("fr"); l != "ja" || ok {
		t.Errorf("Accept(fr) = %s %v", l, ok)
	}
}
