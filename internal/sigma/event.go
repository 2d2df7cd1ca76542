package sigma

import (
	"strings"
	"sync"
)

// Fields gives every field name a rule refers to a small integer id, so that
// compiled rules index an event's values instead of hashing names. Names are
// matched without regard to case or spaces (fieldKey). Fields is filled while
// compiling and is read-only (and safe for concurrent use) once matching
// starts.
type Fields struct {
	mu    sync.RWMutex
	ids   map[string]int
	names []string
}

// NewFields returns an empty field table.
func NewFields() *Fields { return &Fields{ids: map[string]int{}} }

// fieldKey is how field names are compared: without regard to case or
// spaces. Some providers name event data with spaces (Windows Defender's
// "Threat Name", "Process Name", "Source Name"), while Sigma rules write
// them without (ThreatName, ProcessName, SourceName), as SigmaHQ's rules and
// regression checker expect.
func fieldKey(name string) string {
	if strings.IndexByte(name, ' ') >= 0 {
		name = strings.ReplaceAll(name, " ", "")
	}
	return strings.ToLower(name)
}

// ID returns the id of name, adding it if needed.
func (f *Fields) ID(name string) int {
	key := fieldKey(name)
	f.mu.Lock()
	defer f.mu.Unlock()
	if id, ok := f.ids[key]; ok {
		return id
	}
	id := len(f.names)
	f.ids[key] = id
	f.names = append(f.names, name)
	return id
}

// Lookup returns the id of name, or -1 if no rule refers to it.
func (f *Fields) Lookup(name string) int {
	f.mu.RLock()
	id, ok := f.ids[fieldKey(name)]
	f.mu.RUnlock()
	if !ok {
		return -1
	}
	return id
}

// Len is the number of known fields.
func (f *Fields) Len() int {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return len(f.names)
}

// Name returns the name registered for id.
func (f *Fields) Name(id int) string {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.names[id]
}

// Event is one log event flattened into a field table. An Event is reused
// for many log records by one worker (Reset between records); it is not safe
// for concurrent use.
type Event struct {
	fields *Fields
	cache  map[string]int // raw name -> id (or -1), local to this worker

	raw, low []string
	stamp    []uint32
	gen      uint32
	present  []int32

	extraName, extraRaw []string // fields no rule refers to
	extraLow            []string // filled lazily for keyword search

}

// NewEvent returns an empty event using the field table f.
func NewEvent(f *Fields) *Event {
	n := f.Len()
	return &Event{
		fields: f,
		cache:  map[string]int{},
		raw:    make([]string, n),
		low:    make([]string, n),
		stamp:  make([]uint32, n),
		gen:    1,
	}
}

// Reset forgets all values, keeping the allocated space.
func (e *Event) Reset() {
	e.gen++
	if e.gen == 0 { // wrapped: clear the stamps once
		clear(e.stamp)
		e.gen = 1
	}
	e.present = e.present[:0]
	e.extraName = e.extraName[:0]
	e.extraRaw = e.extraRaw[:0]
	e.extraLow = e.extraLow[:0]
}

// Set stores value under name. A name set twice keeps both values, joined by
// a newline (Windows events repeat unnamed Data elements).
func (e *Event) Set(name, value string) {
	id, ok := e.cache[name]
	if !ok {
		id = e.fields.Lookup(name)
		if len(e.cache) < 4096 {
			e.cache[name] = id
		}
	}
	if id < 0 || id >= len(e.raw) {
		e.extraName = append(e.extraName, name)
		e.extraRaw = append(e.extraRaw, value)
		return // no rule names this field: only keyword searches read it
	}
	if e.stamp[id] == e.gen {
		value = e.raw[id] + "\n" + value
	} else {
		e.stamp[id] = e.gen
		e.present = append(e.present, int32(id))
	}
	e.raw[id] = value
	e.low[id] = strings.ToLower(value)
}

// Get returns the value of a field by name.
func (e *Event) Get(name string) (string, bool) {
	if id := e.fields.Lookup(name); id >= 0 {
		if id < len(e.raw) && e.stamp[id] == e.gen {
			return e.raw[id], true
		}
		return "", false
	}
	key := fieldKey(name)
	for i, n := range e.extraName {
		if fieldKey(n) == key {
			return e.extraRaw[i], true
		}
	}
	return "", false
}

// Each calls fn for every field of the event, rule fields first.
func (e *Event) Each(fn func(name, value string)) {
	for _, id := range e.present {
		fn(e.fields.Name(int(id)), e.raw[id])
	}
	for i, n := range e.extraName {
		fn(n, e.extraRaw[i])
	}
}

func (e *Event) get(id int) (raw, low string, ok bool) {
	if e.stamp[id] != e.gen {
		return "", "", false
	}
	return e.raw[id], e.low[id], true
}

// appendText appends the lower-cased values of the fields in mask, each
// followed by a NUL, for the prefilter scan.
func (e *Event) appendText(b []byte, mask []bool, all bool) []byte {
	for _, id := range e.present {
		if all || mask[id] {
			b = append(b, e.low[id]...)
			b = append(b, 0)
		}
	}
	if all {
		e.lowerExtras()
		for _, v := range e.extraLow {
			b = append(b, v...)
			b = append(b, 0)
		}
	}
	return b
}

func (e *Event) lowerExtras() {
	if len(e.extraLow) != len(e.extraRaw) {
		e.extraLow = e.extraLow[:0]
		for _, v := range e.extraRaw {
			e.extraLow = append(e.extraLow, strings.ToLower(v))
		}
	}
}

// eachValue calls fn with every value (raw and lower-cased) until it returns true.
func (e *Event) eachValue(fn func(raw, low string) bool) bool {
	for _, id := range e.present {
		if fn(e.raw[id], e.low[id]) {
			return true
		}
	}
	e.lowerExtras()
	for i, v := range e.extraRaw {
		if fn(v, e.extraLow[i]) {
			return true
		}
	}
	return false
}
