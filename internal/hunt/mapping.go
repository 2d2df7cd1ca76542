package hunt

import (
	_ "embed"
	"fmt"
	"os"
	"strconv"

	"gopkg.in/yaml.v3"

	"renkei/internal/sigma"
)

//go:embed mapping.yaml
var defaultMapping []byte

// DefaultMappingYAML returns the embedded default mapping, for users who
// want to start their own from it.
func DefaultMappingYAML() []byte { return append([]byte(nil), defaultMapping...) }

// Mapping ties Sigma log sources to channels and event ids, and Sigma field
// names to the fields of each input.
type Mapping struct {
	Logsources   []Source            `yaml:"logsources"`
	Placeholders map[string][]string `yaml:"placeholders"`
	InputFields  map[string]string   `yaml:"input_fields"`
}

// Source is one way a Sigma log source shows up in the logs.
type Source struct {
	Match    map[string]string   `yaml:"match"`
	Channels []string            `yaml:"channels"`
	EventIDs []int               `yaml:"event_ids"`
	Where    map[string][]string `yaml:"where"`
	Fields   map[string]string   `yaml:"fields"`
}

// DefaultMapping parses the embedded mapping.
func DefaultMapping() *Mapping {
	m, err := ParseMapping(defaultMapping)
	if err != nil {
		panic("embedded mapping.yaml is invalid: " + err.Error())
	}
	return m
}

// LoadMapping reads a mapping file that replaces the default.
func LoadMapping(path string) (*Mapping, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read mapping: %w", err)
	}
	m, err := ParseMapping(data)
	if err != nil {
		return nil, fmt.Errorf("mapping %s: %w", path, err)
	}
	return m, nil
}

// ParseMapping parses mapping YAML, checking every entry.
func ParseMapping(data []byte) (*Mapping, error) {
	var m Mapping
	if err := yaml.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	for i, s := range m.Logsources {
		if len(s.Match) == 0 {
			return nil, fmt.Errorf("logsources[%d]: match is empty", i)
		}
		for k := range s.Match {
			if k != "product" && k != "category" && k != "service" {
				return nil, fmt.Errorf("logsources[%d]: match key %q is not product, category or service", i, k)
			}
		}
	}
	return &m, nil
}

// Resolve returns the entries that apply to a rule's log source.
func (m *Mapping) Resolve(ls sigma.Logsource) []Source {
	var out []Source
	for _, s := range m.Logsources {
		ok := true
		for k, v := range s.Match {
			var rv string
			switch k {
			case "product":
				rv = ls.Product
			case "category":
				rv = ls.Category
			case "service":
				rv = ls.Service
			}
			if rv != v {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		_, hasCat := s.Match["category"]
		_, hasSvc := s.Match["service"]
		if ls.Category != "" && !hasCat {
			continue
		}
		if ls.Service != "" && !hasSvc && !hasCat {
			continue
		}
		out = append(out, s)
	}
	return out
}

// Route gives the ruleset route of an entry.
func (s Source) Route() sigma.Route {
	r := sigma.Route{Channels: s.Channels}
	for _, id := range s.EventIDs {
		r.EventIDs = append(r.EventIDs, strconv.Itoa(id))
	}
	return r
}
