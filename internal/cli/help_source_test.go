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
)

// flagDefinition names pflag's methods that define a flag; the last
// argument of each is the flag's usage.
var flagDefinition = regexp.MustCompile(`^(String|Bool|Int|Int8|Int16|Int32|Int64|Uint|Uint8|Uint16|Uint32|Uint64|Float32|Float64|Duration|StringSlice|StringArray|IntSlice|Int64Slice|Float64Slice|DurationSlice|BoolSlice|UintSlice|StringToString|StringToInt|StringToInt64|Count|IP|IPSlice|IPNet|IPMask|BytesHex|BytesBase64|Var|TextVar)(Var)?(P)?$`)

// TestHelpTextsComeFromTheCatalog reads the package's source: no command's
// Short, Long or Example and no flag's usage is written in the code. They
// are catalog texts under the command's help keys (help.go), or, for a flag
// that a helper defines alike on many commands, a message given to
// flagUsage; the code gives "" as each flag's usage.
func TestHelpTextsComeFromTheCatalog(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	flags := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") || name == "help.go" {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.KeyValueExpr: // cobra.Command{Short: …}
				if k, ok := n.Key.(*ast.Ident); ok && helpField(k.Name) {
					t.Errorf("%s: %s written in the code: give the command its catalog keys (%s)", fset.Position(n.Pos()), k.Name, "cli.help.<path>."+strings.ToLower(k.Name))
				}
			case *ast.AssignStmt: // cmd.Long = …, cmd.Example += …
				for _, l := range n.Lhs {
					if sel, ok := l.(*ast.SelectorExpr); ok && helpField(sel.Sel.Name) {
						t.Errorf("%s: %s set in the code: give the command its catalog keys", fset.Position(n.Pos()), sel.Sel.Name)
					}
				}
			case *ast.CallExpr: // fl.StringVar(&v, "name", def, usage)
				sel, ok := n.Fun.(*ast.SelectorExpr)
				if !ok || len(n.Args) < 3 {
					return true
				}
				m := flagDefinition.FindStringSubmatch(sel.Sel.Name)
				if m == nil {
					return true
				}
				at := 0 // where the flag's name is
				if m[2] != "" || m[1] == "Var" || m[1] == "TextVar" {
					at = 1
				}
				if lit, ok := n.Args[at].(*ast.BasicLit); !ok || lit.Kind != token.STRING {
					return true
				}
				flags++
				usage := n.Args[len(n.Args)-1]
				if lit, ok := usage.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					if s, _ := strconv.Unquote(lit.Value); s == "" {
						return true
					}
				}
				t.Errorf("%s: flag %s has its usage written in the code: give \"\" and the key cli.help.<path>.flag.%[2]s (or flagUsage)",
					fset.Position(usage.Pos()), n.Args[at].(*ast.BasicLit).Value)
			}
			return true
		})
	}
	if flags < 50 {
		t.Fatalf("only %d flag definitions read; has the way flags are defined changed?", flags)
	}
}

// helpField is whether a field of cobra.Command is one of its help texts.
func helpField(name string) bool { return name == "Short" || name == "Long" || name == "Example" }
