package sigma

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Rule is one Sigma document: a detection rule, a correlation rule or a filter.
type Rule struct {
	Path        string // file it came from
	Doc         int    // 0-based document index inside the file
	ID          string
	Name        string // used by correlations to reference rules
	Title       string
	Status      string
	Level       string
	Description string
	Tags        []string
	Logsource   Logsource

	Detection   *Detection   // nil for correlations
	Correlation *Correlation // set for correlation rules
	Filter      *Filter      // set for filter rules
}

// Logsource is the log source a rule applies to.
type Logsource struct {
	Product  string
	Category string
	Service  string
}

// String gives product/category/service, with empty parts left out.
func (l Logsource) String() string {
	var parts []string
	for _, p := range []string{l.Product, l.Category, l.Service} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, "/")
}

// Detection holds the named searches and the condition(s) of a rule.
type Detection struct {
	Searches   map[string]*Search
	Order      []string    // search names in file order, for "them" and patterns
	Conditions []Condition // linked with OR
}

// Search is one search identifier: an OR of clauses, each an AND of items.
type Search struct {
	Name    string
	Line    int
	Clauses [][]*Item
}

// Item is one field (or keyword, Field "") with its modifiers and values.
type Item struct {
	Field     string
	Modifiers []string
	Values    []Value
	Line, Col int
}

// Value is a scalar from the rule. Null is set for YAML null.
type Value struct {
	S    string
	Null bool
	Num  bool // written as a YAML number
	Bool bool // written as a YAML boolean
}

// LoadError says why one rule (or a whole file) could not be loaded.
type LoadError struct {
	Path   string
	Doc    int // -1 when the file itself failed
	Line   int
	ID     string
	Title  string
	Reason string
}

func (e *LoadError) Error() string {
	var b strings.Builder
	b.WriteString(e.Path)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.ID != "" {
		fmt.Fprintf(&b, " (rule %s)", e.ID)
	}
	b.WriteString(": ")
	b.WriteString(e.Reason)
	return b.String()
}

// posError carries a line/column from the YAML node where a problem sits.
type posError struct {
	line, col int
	msg       string
}

func (e *posError) Error() string { return fmt.Sprintf("line %d col %d: %s", e.line, e.col, e.msg) }

func errAt(n *yaml.Node, format string, args ...any) error {
	return &posError{line: n.Line, col: n.Column, msg: fmt.Sprintf(format, args...)}
}

// ParseFile reads one YAML file holding one or more Sigma documents.
func ParseFile(path string) ([]*Rule, []*LoadError) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, []*LoadError{{Path: path, Doc: -1, Reason: fmt.Sprintf("read: %v", err)}}
	}
	return Parse(data, path)
}

// LoadPaths parses every .yml/.yaml file under the given files or folders
// (recursively), in a stable order. Nothing is dropped silently: each file or
// document that fails is returned as a LoadError.
func LoadPaths(paths []string) ([]*Rule, []*LoadError) {
	var files []string
	var errs []*LoadError
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			errs = append(errs, &LoadError{Path: p, Doc: -1, Reason: err.Error()})
			continue
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d os.DirEntry, err error) error {
			if err != nil {
				errs = append(errs, &LoadError{Path: path, Doc: -1, Reason: err.Error()})
				return nil
			}
			ext := strings.ToLower(filepath.Ext(path))
			if !d.IsDir() && (ext == ".yml" || ext == ".yaml") {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			errs = append(errs, &LoadError{Path: p, Doc: -1, Reason: err.Error()})
		}
	}
	sort.Strings(files)
	var rules []*Rule
	for _, f := range files {
		r, e := ParseFile(f)
		rules = append(rules, r...)
		errs = append(errs, e...)
	}
	return rules, errs
}

// Parse reads all YAML documents in data. Rule collections are supported:
// a document with "action: global" is merged into every following document
// until "action: reset"; "action: repeat" repeats the previous document with
// its own keys replacing the previous ones.
func Parse(data []byte, path string) (rules []*Rule, errs []*LoadError) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var global, previous *yaml.Node
	for doc := 0; ; doc++ {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			errs = append(errs, &LoadError{Path: path, Doc: doc, Reason: "yaml: " + err.Error()})
			break // the decoder cannot resynchronise after a syntax error
		}
		if len(n.Content) == 0 {
			continue
		}
		root := n.Content[0]
		if root.Kind != yaml.MappingNode {
			errs = append(errs, &LoadError{Path: path, Doc: doc, Line: root.Line, Reason: "document is not a mapping"})
			continue
		}
		switch scalarOf(mapGet(root, "action")) {
		case "global":
			global = withoutKey(root, "action")
			continue
		case "reset":
			global = nil
			continue
		case "repeat":
			if previous == nil {
				errs = append(errs, &LoadError{Path: path, Doc: doc, Line: root.Line, Reason: "action: repeat without a previous document"})
				continue
			}
			root = mergeMaps(previous, withoutKey(root, "action"))
		case "":
		default:
			a := mapGet(root, "action")
			errs = append(errs, &LoadError{Path: path, Doc: doc, Line: a.Line, Reason: fmt.Sprintf("unknown action %q", a.Value)})
			continue
		}
		previous = root
		if global != nil {
			root = mergeMaps(global, root)
		}
		r, err := parseRule(root)
		if err != nil {
			le := &LoadError{Path: path, Doc: doc, Reason: err.Error()}
			var pe *posError
			if errors.As(err, &pe) {
				le.Line = pe.line
			}
			if r != nil {
				le.ID, le.Title = r.ID, r.Title
			}
			errs = append(errs, le)
			continue
		}
		r.Path, r.Doc = path, doc
		rules = append(rules, r)
	}
	return rules, errs
}

func parseRule(root *yaml.Node) (*Rule, error) {
	r := &Rule{
		ID:          scalarOf(mapGet(root, "id")),
		Name:        scalarOf(mapGet(root, "name")),
		Title:       scalarOf(mapGet(root, "title")),
		Status:      scalarOf(mapGet(root, "status")),
		Level:       strings.ToLower(scalarOf(mapGet(root, "level"))),
		Description: scalarOf(mapGet(root, "description")),
	}
	if t := mapGet(root, "tags"); t != nil && t.Kind == yaml.SequenceNode {
		for _, c := range t.Content {
			r.Tags = append(r.Tags, c.Value)
		}
	}
	if ls := mapGet(root, "logsource"); ls != nil {
		r.Logsource = Logsource{
			Product:  strings.ToLower(scalarOf(mapGet(ls, "product"))),
			Category: strings.ToLower(scalarOf(mapGet(ls, "category"))),
			Service:  strings.ToLower(scalarOf(mapGet(ls, "service"))),
		}
	}
	if r.Title == "" {
		return r, errAt(root, "missing title")
	}
	if c := mapGet(root, "correlation"); c != nil {
		corr, err := parseCorrelation(c)
		if err != nil {
			return r, err
		}
		r.Correlation = corr
		return r, nil
	}
	if f := mapGet(root, "filter"); f != nil {
		flt, err := parseFilter(f)
		if err != nil {
			return r, err
		}
		r.Filter = flt
		return r, nil
	}
	det := mapGet(root, "detection")
	if det == nil {
		return r, errAt(root, "missing detection")
	}
	d, err := parseDetection(det)
	if err != nil {
		return r, err
	}
	r.Detection = d
	return r, nil
}

func parseDetection(det *yaml.Node) (*Detection, error) {
	if det.Kind != yaml.MappingNode {
		return nil, errAt(det, "detection must be a mapping")
	}
	d := &Detection{Searches: map[string]*Search{}}
	var condNode *yaml.Node
	for i := 0; i+1 < len(det.Content); i += 2 {
		k, v := det.Content[i], det.Content[i+1]
		switch k.Value {
		case "condition":
			condNode = v
			continue
		case "timeframe":
			continue // Sigma 1 aggregation window, only meaningful with correlations
		}
		s, err := parseSearch(k.Value, v)
		if err != nil {
			return nil, fmt.Errorf("search %q: %w", k.Value, err)
		}
		d.Searches[k.Value] = s
		d.Order = append(d.Order, k.Value)
	}
	if condNode == nil {
		return nil, errAt(det, "detection has no condition")
	}
	var conds []*yaml.Node
	switch condNode.Kind {
	case yaml.ScalarNode:
		conds = []*yaml.Node{condNode}
	case yaml.SequenceNode:
		conds = condNode.Content
	default:
		return nil, errAt(condNode, "condition must be a string or a list of strings")
	}
	for _, c := range conds {
		if c.Kind != yaml.ScalarNode {
			return nil, errAt(c, "condition must be a string")
		}
		cond, err := ParseCondition(c.Value)
		if err != nil {
			return nil, errAt(c, "condition %q: %v", c.Value, err)
		}
		if err := cond.check(d); err != nil {
			return nil, errAt(c, "condition %q: %v", c.Value, err)
		}
		d.Conditions = append(d.Conditions, cond)
	}
	return d, nil
}

func parseSearch(name string, v *yaml.Node) (*Search, error) {
	s := &Search{Name: name, Line: v.Line}
	switch v.Kind {
	case yaml.MappingNode:
		clause, err := parseMap(v)
		if err != nil {
			return nil, err
		}
		s.Clauses = append(s.Clauses, clause)
	case yaml.SequenceNode:
		var kw *Item
		for _, e := range v.Content {
			switch e.Kind {
			case yaml.MappingNode:
				clause, err := parseMap(e)
				if err != nil {
					return nil, err
				}
				s.Clauses = append(s.Clauses, clause)
			case yaml.ScalarNode:
				if kw == nil {
					kw = &Item{Line: e.Line, Col: e.Column}
					s.Clauses = append(s.Clauses, []*Item{kw})
				}
				kw.Values = append(kw.Values, scalarValue(e))
			default:
				return nil, errAt(e, "list element must be a string or a mapping")
			}
		}
	case yaml.ScalarNode:
		if v.Tag == "!!null" {
			return nil, errAt(v, "empty search")
		}
		s.Clauses = [][]*Item{{{Values: []Value{scalarValue(v)}, Line: v.Line, Col: v.Column}}}
	default:
		return nil, errAt(v, "search must be a mapping or a list")
	}
	return s, nil
}

func parseMap(m *yaml.Node) ([]*Item, error) {
	var items []*Item
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		parts := strings.Split(k.Value, "|")
		it := &Item{Field: parts[0], Line: k.Line, Col: k.Column}
		for _, mod := range parts[1:] {
			mod = strings.TrimSpace(mod)
			if mod == "" {
				return nil, errAt(k, "empty modifier in %q", k.Value)
			}
			it.Modifiers = append(it.Modifiers, mod)
		}
		switch v.Kind {
		case yaml.ScalarNode:
			it.Values = []Value{scalarValue(v)}
		case yaml.SequenceNode:
			if len(v.Content) == 0 {
				return nil, errAt(v, "field %q has an empty list of values", k.Value)
			}
			for _, e := range v.Content {
				if e.Kind != yaml.ScalarNode {
					return nil, errAt(e, "field %q: values must be scalars", k.Value)
				}
				it.Values = append(it.Values, scalarValue(e))
			}
		default:
			return nil, errAt(v, "field %q: value must be a scalar or a list", k.Value)
		}
		if err := checkModifiers(it); err != nil {
			return nil, errAt(k, "%v", err)
		}
		items = append(items, it)
	}
	return items, nil
}

func scalarValue(n *yaml.Node) Value {
	switch n.Tag {
	case "!!null":
		return Value{Null: true}
	case "!!int", "!!float":
		return Value{S: n.Value, Num: true}
	case "!!bool":
		return Value{S: strings.ToLower(n.Value), Bool: true}
	}
	return Value{S: n.Value}
}

// mapGet returns the value node for key in a mapping node, or nil.
func mapGet(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func scalarOf(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

func withoutKey(m *yaml.Node, key string) *yaml.Node {
	out := *m
	out.Content = nil
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value != key {
			out.Content = append(out.Content, m.Content[i], m.Content[i+1])
		}
	}
	return &out
}

// mergeMaps deep-merges mapping b over mapping a (b wins), as Sigma rule
// collections require.
func mergeMaps(a, b *yaml.Node) *yaml.Node {
	if a == nil || a.Kind != yaml.MappingNode || b.Kind != yaml.MappingNode {
		return b
	}
	out := *a
	out.Content = append([]*yaml.Node(nil), a.Content...)
	for i := 0; i+1 < len(b.Content); i += 2 {
		k, v := b.Content[i], b.Content[i+1]
		replaced := false
		for j := 0; j+1 < len(out.Content); j += 2 {
			if out.Content[j].Value == k.Value {
				out.Content[j+1] = mergeMaps(out.Content[j+1], v)
				replaced = true
				break
			}
		}
		if !replaced {
			out.Content = append(out.Content, k, v)
		}
	}
	return &out
}
