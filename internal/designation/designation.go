// Package designation keeps the maintained lists behind an organization's
// legal designation (issue 18.4): the critical-infrastructure sectors of the
// national action plan, the business types of the economic-security act's
// essential-infrastructure regime with their designating ministries, and
// the days within which a designated operator (特別社会基盤事業者) notifies a
// change of its critical-computer register. The lists are one versioned data
// file (designations.json) that names its sources and date and says what
// could not be verified; nothing here is regulatory text of Renkei's own.
// It holds no SQL and decides no access.
package designation

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
)

//go:embed designations.json
var embedded []byte

// Item is one entry of a list: its key (what is stored) and its names.
type Item struct {
	Key      string `json:"key"`
	JA       string `json:"ja"`
	EN       string `json:"en"`
	Ministry string `json:"ministry,omitempty"` // of a business type: its designating ministry's key
	Sector   string `json:"sector,omitempty"`   // of a business type: its action-plan sector's key
}

// List is a list with its source.
type List struct {
	Source     string `json:"source"`
	Unverified string `json:"unverified,omitempty"`
	Items      []Item `json:"items"`
}

// Lists are the data file.
type Lists struct {
	Version       string `json:"version"`
	Compiled      string `json:"compiled"`
	Note          string `json:"note"`
	Sectors       List   `json:"sectors"`
	BusinessTypes List   `json:"business_types"`
	Ministries    List   `json:"ministries"`
	Register      struct {
		ChangeDays int    `json:"change_days"`
		Unverified string `json:"unverified,omitempty"`
	} `json:"register"`
}

// Default returns the lists shipped with Renkei, read once.
var Default = sync.OnceValue(func() *Lists {
	l, err := Parse(embedded)
	if err != nil {
		panic("designation: embedded designations.json: " + err.Error())
	}
	return l
})

// Parse reads and checks a data file: keys unique per list, every business
// type naming a listed ministry and sector, a register deadline of 1 to 365
// days.
func Parse(b []byte) (*Lists, error) {
	var l Lists
	if err := json.Unmarshal(b, &l); err != nil {
		return nil, fmt.Errorf("designations: %w", err)
	}
	for name, list := range map[string]List{"sectors": l.Sectors, "business_types": l.BusinessTypes, "ministries": l.Ministries} {
		seen := map[string]bool{}
		for i, it := range list.Items {
			if it.Key == "" || seen[it.Key] || it.JA == "" || it.EN == "" {
				return nil, fmt.Errorf("designations: %s[%d]: missing or repeated key %q, or a name missing", name, i, it.Key)
			}
			seen[it.Key] = true
		}
		if list.Source == "" {
			return nil, fmt.Errorf("designations: %s: no source", name)
		}
	}
	for _, it := range l.BusinessTypes.Items {
		if _, ok := l.Ministries.Find(it.Ministry); !ok {
			return nil, fmt.Errorf("designations: business type %s: unknown ministry %q", it.Key, it.Ministry)
		}
		if _, ok := l.Sectors.Find(it.Sector); !ok {
			return nil, fmt.Errorf("designations: business type %s: unknown sector %q", it.Key, it.Sector)
		}
	}
	if l.Register.ChangeDays < 1 || l.Register.ChangeDays > 365 {
		return nil, fmt.Errorf("designations: register.change_days %d: want 1 to 365", l.Register.ChangeDays)
	}
	return &l, nil
}

// Find returns the item of key.
func (l List) Find(key string) (Item, bool) {
	i := slices.IndexFunc(l.Items, func(it Item) bool { return it.Key == key })
	if i < 0 {
		return Item{}, false
	}
	return l.Items[i], true
}

// Name is the item's name in lang.
func (it Item) Name(lang string) string {
	if lang == "ja" {
		return it.JA
	}
	return it.EN
}

// Keys returns the keys of the list, in order.
func (l List) Keys() []string {
	out := make([]string, len(l.Items))
	for i, it := range l.Items {
		out[i] = it.Key
	}
	return out
}
