package sigma

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

// Filter is a Sigma filter rule: a detection that removes events from the
// results of the rules it names (by id or name), for events of its log source.
//
// The specification's example ("Filter Administrator account ... start with
// adm_", condition: selection) describes the events to exclude, so a rule R
// with filter F matches when R matches and F's condition does not.
type Filter struct {
	Rules     []string
	Detection *Detection
}

func parseFilter(n *yaml.Node) (*Filter, error) {
	if n.Kind != yaml.MappingNode {
		return nil, errAt(n, "filter must be a mapping")
	}
	f := &Filter{}
	rules := mapGet(n, "rules")
	switch {
	case rules == nil:
		return nil, errAt(n, "filter has no rules")
	case rules.Kind == yaml.ScalarNode:
		f.Rules = []string{rules.Value}
	case rules.Kind == yaml.SequenceNode:
		for _, r := range rules.Content {
			f.Rules = append(f.Rules, r.Value)
		}
	default:
		return nil, errAt(rules, "filter rules must be a list")
	}
	det, err := parseDetection(withoutKey(n, "rules"))
	if err != nil {
		return nil, fmt.Errorf("filter: %w", err)
	}
	f.Detection = det
	return f, nil
}

// ApplyFilters returns rules with each filter folded into the detection of
// the rules it names: the rule's conditions become "(cond) and not (filter)".
// Filters naming rules that do not exist are reported as errors.
func ApplyFilters(rules []*Rule) []*LoadError {
	byRef := map[string][]*Rule{}
	for _, r := range rules {
		if r.Detection == nil {
			continue
		}
		if r.ID != "" {
			byRef[r.ID] = append(byRef[r.ID], r)
		}
		if r.Name != "" {
			byRef[r.Name] = append(byRef[r.Name], r)
		}
	}
	var errs []*LoadError
	for _, fr := range rules {
		if fr.Filter == nil {
			continue
		}
		for _, ref := range fr.Filter.Rules {
			targets := byRef[ref]
			if len(targets) == 0 {
				errs = append(errs, &LoadError{Path: fr.Path, Doc: fr.Doc, ID: fr.ID, Title: fr.Title,
					Reason: fmt.Sprintf("filter names rule %q, which is not loaded", ref)})
				continue
			}
			for _, t := range targets {
				addFilter(t, fr)
			}
		}
	}
	return errs
}

// addFilter renames the filter's searches into a private namespace of the
// target rule and rewrites its conditions.
func addFilter(t, fr *Rule) {
	prefix := fmt.Sprintf("__filter_%s_", fr.ID)
	rename := map[string]string{}
	for _, name := range fr.Filter.Detection.Order {
		s := *fr.Filter.Detection.Searches[name]
		s.Name = prefix + name
		rename[name] = s.Name
		t.Detection.Searches[s.Name] = &s
		t.Detection.Order = append(t.Detection.Order, s.Name)
	}
	var fc cond
	for _, c := range fr.Filter.Detection.Conditions {
		x := renameCond(c.root, rename, prefix)
		if fc == nil {
			fc = x
		} else {
			fc = condOr{fc, x}
		}
	}
	for i, c := range t.Detection.Conditions {
		t.Detection.Conditions[i] = Condition{Src: c.Src + " and not filter " + fr.ID, root: condAnd{c.root, condNot{fc}}}
	}
}

func renameCond(x cond, rename map[string]string, prefix string) cond {
	switch x := x.(type) {
	case condIdent:
		x.name = rename[x.name]
		return x
	case condOf:
		if x.pattern == "them" {
			x.pattern = prefix + "*"
		} else {
			x.pattern = prefix + x.pattern
		}
		return x
	case condAnd:
		return condAnd{renameCond(x.l, rename, prefix), renameCond(x.r, rename, prefix)}
	case condOr:
		return condOr{renameCond(x.l, rename, prefix), renameCond(x.r, rename, prefix)}
	case condNot:
		return condNot{renameCond(x.x, rename, prefix)}
	}
	return x
}
