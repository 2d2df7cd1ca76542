package policy

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// decidedOutside lists the places outside this package, as "file:function",
// that may still touch a role or the center in a way
// TestAccessDecidedOnlyInPolicy would flag, each because it decides no
// access. Anything added here needs the same kind of reason.
var decidedOutside = map[string]string{
	// The one place a person's viewer is built from the authenticated caller.
	"auth/auth.go:Viewer": "builds the caller's policy.Viewer (policy.Person)",
	// Accounts made with a role, not access decided by one.
	"hub/admin.go:newUser":                "an overseer account starts pending until the committee confirms it",
	"hub/committee.go:ConfirmOverseer":    "the account to confirm must be an overseer's (what is confirmed; who confirms is policy.DecidesApprovals)",
	"hub/committee.go:RetireOverseer":     "the account to retire must be an overseer's (what is retired, not who retires)",
	"hub/committee.go:WithdrawRetirement": "the account named must be an overseer's (what is withdrawn; who withdraws is policy.DecidesApprovals and the proposer)",
}

// TestAccessDecidedOnlyInPolicy fails when code outside internal/policy
// (tests aside) decides access itself: compares a role, switches on one,
// lists roles, asks whether the caller's organization is the center, reads
// a viewer's IsCenter, or assembles a policy.Viewer by hand. Such code
// calls a policy function instead (MayRead, MayWrite, the per-kind
// decisions, InCenter, AdministersOrg…). Asking whether another
// organization is the center (where a request may be routed, who an
// advisory addresses) is not access and is not flagged.
func TestAccessDecidedOnlyInPolicy(t *testing.T) {
	fset := token.NewFileSet()
	var found []string
	used := map[string]bool{}
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("..", path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel == "policy" || d.Name() == "testdata" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		for _, decl := range f.Decls {
			fn, name := ast.Node(decl), "(package)"
			if fd, ok := decl.(*ast.FuncDecl); ok {
				name = fd.Name.Name
			}
			key := rel + ":" + name
			for _, why := range accessDecisions(fn) {
				if _, ok := decidedOutside[key]; ok {
					used[key] = true
					continue
				}
				found = append(found, fmt.Sprintf("%s: %s: %s", fset.Position(why.pos), name, why.what))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range found {
		t.Errorf("access decided outside policy: %s", f)
	}
	for key := range decidedOutside {
		if !used[key] {
			t.Errorf("decidedOutside lists %s, which no longer needs it: remove it", key)
		}
	}
}

type finding struct {
	pos  token.Pos
	what string
}

// accessDecisions returns what in n decides access by itself.
func accessDecisions(n ast.Node) []finding {
	var out []finding
	ast.Inspect(n, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.BinaryExpr:
			if (x.Op == token.EQL || x.Op == token.NEQ) && (roleish(x.X) || roleish(x.Y)) {
				out = append(out, finding{x.Pos(), "compares a role"})
			}
		case *ast.SwitchStmt:
			if x.Tag != nil && roleish(x.Tag) {
				out = append(out, finding{x.Pos(), "switches on a role"})
			}
		case *ast.CaseClause:
			if slices.ContainsFunc(x.List, isRoleConst) {
				out = append(out, finding{x.Pos(), "a case on a role"})
			}
		case *ast.CompositeLit:
			switch t := x.Type.(type) {
			case *ast.SelectorExpr:
				if isPolicy(t, "Viewer") && len(x.Elts) > 0 { // the zero Viewer is anonymous
					out = append(out, finding{x.Pos(), "assembles a policy.Viewer by hand"})
				}
			case *ast.ArrayType:
				if sel, ok := t.Elt.(*ast.SelectorExpr); ok && isPolicy(sel, "Role") {
					out = append(out, finding{x.Pos(), "lists roles"})
				}
			}
		case *ast.CallExpr:
			// caller.Org.IsCenter(), c.Org.IsCenter(): the caller's seat.
			if sel, ok := x.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "IsCenter" {
				if org, ok := sel.X.(*ast.SelectorExpr); ok && org.Sel.Name == "Org" {
					out = append(out, finding{x.Pos(), "asks whether the caller sits in the center"})
				}
			}
		case *ast.SelectorExpr:
			// v.IsCenter, req.viewer.IsCenter: a viewer's seat read directly.
			if x.Sel.Name == "IsCenter" && isViewer(x.X) {
				out = append(out, finding{x.Pos(), "reads a viewer's IsCenter"})
			}
		}
		return true
	})
	return out
}

// isViewer: an expression named v or viewer, or ending in .viewer / .Viewer.
func isViewer(e ast.Expr) bool {
	switch x := e.(type) {
	case *ast.Ident:
		return x.Name == "v" || strings.EqualFold(x.Name, "viewer")
	case *ast.SelectorExpr:
		return strings.EqualFold(x.Sel.Name, "viewer")
	}
	return false
}

func isPolicy(sel *ast.SelectorExpr, name string) bool {
	id, ok := sel.X.(*ast.Ident)
	return ok && id.Name == "policy" && sel.Sel.Name == name
}

// isRoleConst: policy.RoleAdmin, policy.RoleOverseer…
func isRoleConst(e ast.Expr) bool {
	sel, ok := e.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	id, ok := sel.X.(*ast.Ident)
	return ok && id.Name == "policy" && strings.HasPrefix(sel.Sel.Name, "Role") && len(sel.Sel.Name) > len("Role")
}

// roleish: a role constant, a conversion to policy.Role, a .Role field or a
// role() method.
func roleish(e ast.Expr) bool {
	switch x := e.(type) {
	case *ast.ParenExpr:
		return roleish(x.X)
	case *ast.SelectorExpr:
		return isRoleConst(x) || x.Sel.Name == "Role"
	case *ast.CallExpr:
		if sel, ok := x.Fun.(*ast.SelectorExpr); ok && (isPolicy(sel, "Role") || sel.Sel.Name == "role") {
			return true
		}
		if id, ok := x.Fun.(*ast.Ident); ok && id.Name == "role" {
			return true
		}
	}
	return false
}
