package warninglist

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// The MISP warninglist types.
const (
	TypeCIDR      = "cidr"
	TypeHostname  = "hostname"
	TypeString    = "string"
	TypeSubstring = "substring"
	TypeRegex     = "regex"
)

// Where a list comes from.
const (
	OriginBuiltin  = "builtin"  // embedded in the binary
	OriginImported = "imported" // loaded by renkei warninglists import
	OriginCenter   = "center"   // kept by the center, entry by entry
	OriginHub      = "hub"      // made from the store: the hub's and members' registered addresses
)

// What a hit on a list does to an export.
const (
	ActionRefuse = "refuse" // the value never reaches an export
	ActionWarn   = "warn"   // shown on the object; the export keeps it
)

// List is one warninglist. The JSON fields are MISP's; Origin and Action
// are Renkei's and are kept beside the list, not in its file.
type List struct {
	Name               string   `json:"name"`
	Description        string   `json:"description"`
	Version            int      `json:"version"`
	Type               string   `json:"type"`
	MatchingAttributes []string `json:"matching_attributes,omitempty"`
	List               []string `json:"list"`
	// References name the registries or documents the entries were taken
	// from (Renkei's own lists; MISP lists carry them in the description).
	References []string `json:"references,omitempty"`

	// ID names the list in Renkei: the directory of a MISP list
	// (lists/google/list.json is "google") or its file name without .json.
	// MISP's name is a title for people.
	ID     string `json:"-"`
	Origin string `json:"-"`
	Action string `json:"-"`
}

// IDFromPath is the ID of a list read from file p.
func IDFromPath(p string) string {
	if filepath.Base(p) == "list.json" {
		return filepath.Base(filepath.Dir(p))
	}
	return strings.TrimSuffix(filepath.Base(p), ".json")
}

// Parse reads one list in MISP's format and checks what MISP's schema
// requires: a name, a description, a version, a known type and a list.
func Parse(data []byte) (*List, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("warninglist: %w", err)
	}
	for _, k := range []string{"name", "description", "version", "type", "list"} {
		if _, ok := raw[k]; !ok {
			return nil, fmt.Errorf("warninglist: %q is required", k)
		}
	}
	var l List
	if err := json.Unmarshal(data, &l); err != nil {
		return nil, fmt.Errorf("warninglist: %w", err)
	}
	if err := l.Check(); err != nil {
		return nil, err
	}
	return &l, nil
}

// Check reports what makes l unusable.
func (l *List) Check() error {
	if strings.TrimSpace(l.Name) == "" {
		return errors.New("warninglist: empty name")
	}
	switch l.Type {
	case TypeCIDR, TypeHostname, TypeString, TypeSubstring, TypeRegex:
	default:
		return fmt.Errorf("warninglist %q: type %q: want cidr, hostname, string, substring or regex", l.Name, l.Type)
	}
	switch l.Action {
	case "", ActionRefuse, ActionWarn:
	default:
		return fmt.Errorf("warninglist %q: action %q: want refuse or warn", l.Name, l.Action)
	}
	return nil
}

// JSON is l in MISP's format, entries sorted, as stored and exported.
func (l *List) JSON() ([]byte, error) {
	c := *l
	c.List = slices.Clone(l.List)
	sort.Strings(c.List)
	return json.MarshalIndent(&c, "", "  ")
}

// ReadPath reads one list file, or every list in a directory tree (each
// *.json file, such as MISP's lists/NAME/list.json). Files that are not
// lists are reported in errs and skipped.
func ReadPath(path string) (lists []*List, errs []error, err error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, nil, fmt.Errorf("warninglists: %w", err)
	}
	read := func(p string) {
		data, err := os.ReadFile(p)
		if err != nil {
			errs = append(errs, err)
			return
		}
		l, err := Parse(data)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p, err))
			return
		}
		l.ID = IDFromPath(p)
		lists = append(lists, l)
	}
	if !fi.IsDir() {
		read(path)
		return lists, errs, nil
	}
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".json") && filepath.Base(p) != "schema.json" {
			read(p)
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("warninglists: %w", err)
	}
	sort.Slice(lists, func(i, j int) bool { return lists[i].ID < lists[j].ID })
	return lists, errs, nil
}
