package hunt

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/Velocidex/ordereddict"

	"renkei/internal/sigma"
)

// Meta is what every match reports about its event, besides the rule.
type Meta struct {
	File     string
	Record   int64 // EventRecordID for Windows events, line or object number otherwise
	Time     string
	Computer string
	Channel  string
	EventID  string
}

// target receives the fields of one event, in the names rules use.
type target struct {
	ev      *sigma.Event
	meta    *Meta
	aliases map[string]string
}

func (t *target) set(name, value string) {
	if a, ok := t.aliases[name]; ok {
		name = a
	}
	switch name {
	case "Channel":
		t.meta.Channel = value
	case "EventID":
		t.meta.EventID = value
	case "Computer":
		t.meta.Computer = value
	case "EventRecordID":
		if n, err := strconv.ParseInt(value, 10, 64); err == nil {
			t.meta.Record = n
		}
	case "TimeCreated_SystemTime", "@timestamp", "timestamp", "ts":
		if t.meta.Time == "" {
			t.meta.Time = value
		}
	}
	t.ev.Set(name, value)
}

// object is the small interface shared by JSON maps and the EVTX parser's
// ordered dictionaries.
type object interface {
	keys() []string
	get(k string) any
}

type jsonObj map[string]any

func (o jsonObj) keys() []string {
	ks := make([]string, 0, len(o))
	for k := range o {
		ks = append(ks, k)
	}
	return ks
}
func (o jsonObj) get(k string) any { return o[k] }

type dictObj struct{ d *ordereddict.Dict }

func (o dictObj) keys() []string { return o.d.Keys() }
func (o dictObj) get(k string) any {
	v, _ := o.d.Get(k)
	return v
}

func asObject(v any) (object, bool) {
	switch x := v.(type) {
	case object:
		return x, true
	case map[string]any:
		return jsonObj(x), true
	case *ordereddict.Dict:
		if x == nil {
			return nil, false
		}
		return dictObj{x}, true
	}
	return nil, false
}

// scalar renders a leaf value the way the event shows it; ok is false for
// null and for containers.
func scalar(v any) (string, bool) {
	switch x := v.(type) {
	case nil, *ordereddict.Dict, map[string]any, []any:
		return "", false
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case bool:
		return strconv.FormatBool(x), true
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1e18 {
			return strconv.FormatInt(int64(x), 10), true
		}
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32), true
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return fmt.Sprint(x), true
	case []byte:
		return fmt.Sprintf("%X", x), true
	case fmt.Stringer:
		return x.String(), true
	}
	return "", false
}

// flattenWindowsEvent flattens an Event object (System, EventData, UserData)
// into Sigma's Windows field names: EventData and UserData leaves by their
// own name, System fields by name with attributes joined by '_'
// (Provider_Name, TimeCreated_SystemTime), as the Sigma specification says.
func flattenWindowsEvent(t *target, ev object) {
	if sys, ok := asObject(ev.get("System")); ok {
		for _, k := range sys.keys() {
			flattenSystem(t, k, sys.get(k))
		}
	}
	if ed := ev.get("EventData"); ed != nil {
		flattenEventData(t, ed)
	}
	if ud, ok := asObject(ev.get("UserData")); ok {
		flattenLeaves(t, ud)
	}
}

func flattenSystem(t *target, k string, v any) {
	if s, ok := scalar(v); ok {
		if k == "Keywords" {
			if n, ok := v.(uint64); ok {
				s = fmt.Sprintf("0x%x", n)
			}
		}
		t.set(k, s)
		return
	}
	o, ok := asObject(v)
	if !ok {
		return
	}
	for _, sk := range o.keys() {
		sv := o.get(sk)
		switch sk {
		case "#text", "Value":
			if s, ok := scalar(sv); ok {
				t.set(k, s)
			}
		case "#attributes":
			if a, ok := asObject(sv); ok {
				for _, ak := range a.keys() {
					flattenSystemAttr(t, k, ak, a.get(ak))
				}
			}
		default:
			flattenSystemAttr(t, k, sk, sv)
		}
	}
}

func flattenSystemAttr(t *target, k, ak string, v any) {
	if k == "TimeCreated" && ak == "SystemTime" {
		if f, ok := v.(float64); ok {
			sec, frac := math.Modf(f)
			t.set("TimeCreated_SystemTime", time.Unix(int64(sec), int64(frac*1e9)).Round(time.Microsecond).UTC().Format(time.RFC3339Nano))
			return
		}
	}
	if s, ok := scalar(v); ok {
		t.set(k+"_"+ak, s)
	}
}

func flattenEventData(t *target, ed any) {
	if s, ok := scalar(ed); ok {
		t.set("EventData", s)
		return
	}
	o, ok := asObject(ed)
	if !ok {
		return
	}
	for _, k := range o.keys() {
		v := o.get(k)
		switch k {
		case "#attributes", "xmlns":
			continue
		case "Data":
			flattenData(t, v)
			continue
		}
		setValue(t, k, v)
	}
}

// flattenData handles <Data> elements: named ones ({Name, Value} or
// {#attributes: {Name}, #text}) become fields, unnamed ones the field "Data".
func flattenData(t *target, v any) {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			flattenData(t, e)
		}
		return
	}
	if o, ok := asObject(v); ok {
		name := ""
		if n, ok := scalar(o.get("Name")); ok {
			name = n
		} else if a, ok := asObject(o.get("#attributes")); ok {
			name, _ = scalar(a.get("Name"))
		}
		val := o.get("Value")
		if val == nil {
			val = o.get("#text")
		}
		if name == "" {
			name = "Data"
		}
		if s, ok := scalar(val); ok {
			t.set(name, s)
		}
		return
	}
	if s, ok := scalar(v); ok {
		t.set("Data", s)
	}
}

func setValue(t *target, k string, v any) {
	if s, ok := scalar(v); ok {
		t.set(k, s)
		return
	}
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			setValue(t, k, e)
		}
		return
	}
	if o, ok := asObject(v); ok {
		if tx := o.get("#text"); tx != nil {
			setValue(t, k, tx)
			return
		}
		flattenLeaves(t, o)
	}
}

// flattenLeaves sets every leaf of a nested object under its own name
// (UserData and nested EventData).
func flattenLeaves(t *target, o object) {
	for _, k := range o.keys() {
		if k == "#attributes" || k == "xmlns" {
			continue
		}
		setValue(t, k, o.get(k))
	}
}

// flattenDotted sets every leaf under its dotted path (a.b.c), stripping the
// given prefixes, for Winlogbeat/ECS and plain JSON.
func flattenDotted(t *target, prefix string, v any, strip []string) {
	if s, ok := scalar(v); ok {
		name := prefix
		for _, p := range strip {
			if strings.HasPrefix(name, p) && len(name) > len(p) {
				name = name[len(p):]
				break
			}
		}
		t.set(name, s)
		return
	}
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			flattenDotted(t, prefix, e, strip)
		}
		return
	}
	o, ok := asObject(v)
	if !ok {
		return
	}
	for _, k := range o.keys() {
		p := k
		if prefix != "" {
			p = prefix + "." + k
		}
		flattenDotted(t, p, o.get(k), strip)
	}
}

// flattenJSON recognises the shape of one JSON event and flattens it.
func flattenJSON(t *target, v any) {
	o, ok := asObject(v)
	if !ok {
		setValue(t, "message", v)
		return
	}
	if ev, ok := asObject(o.get("Event")); ok && ev.get("System") != nil {
		flattenWindowsEvent(t, ev) // evtx_dump style
		return
	}
	if o.get("System") != nil && (o.get("EventData") != nil || o.get("UserData") != nil) {
		flattenWindowsEvent(t, o)
		return
	}
	if p, ok := scalar(o.get("_path")); ok { // Zeek JSON logs written with the path
		t.meta.Channel = "zeek:" + p
	}
	flattenDotted(t, "", v, []string{"winlog.event_data.", "winlog.user_data."})
}
