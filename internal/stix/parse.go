package stix

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-json-experiment/json/jsontext"
)

// reservedProperties MUST NOT be used on any object (STIX 2.1 section 3.1 and the
// common schema): they are kept for future versions of the specification.
var reservedProperties = map[string]bool{"severity": true, "action": true, "username": true, "phone_numbers": true}

type member struct {
	name string
	val  []byte // slice of the input, the exact bytes of the value
}

type namedTime struct {
	name string
	t    time.Time
}

// checker carries one Parse call's state.
type checker struct {
	obj      *Object
	opt      Options
	members  []member
	defanged bool
	current  string
	times    []namedTime
	timeBuf  [8]namedTime
}

func (c *checker) has(name string) bool { return c.value(name) != nil }

func (c *checker) value(name string) []byte {
	for _, m := range c.members {
		if m.name == name {
			return m.val
		}
	}
	return nil
}

func (c *checker) string(name string) (string, bool) {
	v := c.value(name)
	if v == nil {
		return "", false
	}
	return jsonString(v)
}

func (c *checker) setTime(name string, t time.Time) { c.times = append(c.times, namedTime{name, t}) }

func (c *checker) time(name string) (time.Time, bool) {
	for _, nt := range c.times {
		if nt.name == name {
			return nt.t, true
		}
	}
	return time.Time{}, false
}

// knownNames interns the property names of the specification, so that splitting an
// object does not allocate a string per property. Built once, never changed.
var knownNames = func() map[string]string {
	m := map[string]string{}
	for _, n := range append(append([]string{}, sdoCommon...), scoCommon...) {
		m[n] = n
	}
	for _, s := range specs {
		for n := range s.props {
			m[n] = n
		}
	}
	return m
}()

// pooledDecoder lets Parse reuse a decoder's state between calls; a sync.Pool is
// safe for concurrent use and holds no data between Parse calls that matters.
type pooledDecoder struct {
	buf bytes.Buffer
	dec jsontext.Decoder
}

var decoderPool = sync.Pool{New: func() any { return new(pooledDecoder) }}

// splitMembers checks that data is exactly one JSON object (valid UTF-8, no duplicate
// names) and returns its top-level members, whose values alias data.
func splitMembers(data []byte) ([]member, error) {
	pd := decoderPool.Get().(*pooledDecoder)
	defer func() {
		// Drop the references to data so the pool does not keep it alive.
		pd.buf = bytes.Buffer{}
		pd.dec.Reset(&pd.buf)
		decoderPool.Put(pd)
	}()
	pd.buf = *bytes.NewBuffer(data)
	dec := &pd.dec
	dec.Reset(&pd.buf)
	tok, err := dec.ReadToken()
	if err != nil {
		return nil, err
	}
	if tok.Kind() != '{' {
		return nil, fmt.Errorf("a STIX object must be a JSON object, not %s", kindName(bytes.TrimLeft(data, " \t\r\n")))
	}
	members := make([]member, 0, 16)
	for dec.PeekKind() != '}' {
		quoted, err := dec.ReadValue()
		if err != nil {
			return nil, err
		}
		name, ok := knownNames[string(quoted[1:len(quoted)-1])]
		if !ok {
			unq, err := jsontext.AppendUnquote(nil, quoted)
			if err != nil {
				return nil, err
			}
			name = string(unq)
		}
		val, err := dec.ReadValue()
		if err != nil {
			return nil, err
		}
		end := dec.InputOffset()
		members = append(members, member{name: name, val: data[end-int64(len(val)) : end : end]})
	}
	if _, err := dec.ReadToken(); err != nil {
		return nil, err
	}
	if _, err := dec.ReadToken(); err != io.EOF {
		return nil, fmt.Errorf("unexpected data after the object at offset %d", dec.InputOffset())
	}
	return members, nil
}

// Parse decodes and validates one STIX 2.1 object. It returns a *ValidationError
// naming the object and the property for anything the specification forbids; the
// first problem found is reported.
func Parse(data []byte, opt Options) (*Object, error) {
	if opt.MaxObjectBytes > 0 && len(data) > opt.MaxObjectBytes {
		id, typ := guessID(data)
		return nil, &ValidationError{ID: id, Type: typ, Msg: fmt.Sprintf("object is %d bytes, over the limit of %d", len(data), opt.MaxObjectBytes)}
	}
	members, err := splitMembers(data)
	if err != nil {
		id, typ := guessID(data)
		return nil, &ValidationError{ID: id, Type: typ, Msg: "invalid JSON: " + strings.TrimPrefix(err.Error(), "jsontext: ")}
	}
	c := &checker{obj: &Object{}, opt: opt, members: members}
	c.times = c.timeBuf[:0]
	if err := c.parse(); err != nil {
		return nil, err
	}
	c.obj.Raw = compactJSON(make([]byte, 0, len(data)), data)
	return c.obj, nil
}

// guessID looks for an "id": "<type>--<uuid>" member in data that could not be
// parsed, so that the error can still name the object.
func guessID(data []byte) (id, typ string) {
	for off := 0; ; {
		k := bytes.Index(data[off:], []byte(`"id"`))
		if k < 0 {
			return "", ""
		}
		i := skipWS(data, off+k+4)
		off += k + 4
		if i >= len(data) || data[i] != ':' {
			continue
		}
		i = skipWS(data, i+1)
		if i >= len(data) || data[i] != '"' {
			continue
		}
		j := bytes.IndexByte(data[i+1:], '"')
		if j < 0 || j > 300 {
			continue
		}
		s := string(data[i+1 : i+1+j])
		if t, ok := validIdentifier(s); ok {
			return s, t
		}
	}
}

func (c *checker) fail(field, msg string) error {
	return &ValidationError{ID: c.obj.ID, Type: c.obj.Type, Field: field, Msg: msg}
}

// parse checks the object's members against STIX 2.1 and the type's
// specification, filling c.obj as it goes: first the type and id, which name
// the object in every later error, then each member, then what the object as
// a whole must hold.
func (c *checker) parse() error {
	if err := c.identify(); err != nil {
		return err
	}
	spec := specs[c.obj.Type]
	if err := c.decideKind(spec); err != nil {
		return err
	}
	for _, m := range c.members {
		if err := c.checkMember(m, spec); err != nil {
			return err
		}
	}
	if err := c.checkRequired(spec); err != nil {
		return err
	}
	if err := c.checkVersionAndTimes(); err != nil {
		return err
	}
	if spec != nil && spec.check != nil {
		if field, msg := spec.check(c); msg != "" {
			return c.fail(field, msg)
		}
	}
	if sub, msg := checkSelectors(c); msg != "" {
		return c.fail("granular_markings"+sub, msg)
	}
	return nil
}

// identify checks and sets the object's type and id: a valid type name, and
// an id of that type with an RFC 4122 UUID.
func (c *checker) identify() error {
	o := c.obj
	typ, ok := c.string("type")
	if !ok {
		if c.has("type") {
			return c.fail("type", "must be a string")
		}
		return c.fail("type", "is required")
	}
	o.Type = typ
	if id, ok := c.string("id"); ok {
		o.ID = id
	}
	if !validTypeName(typ) {
		return c.fail("type", strconv.Quote(typ)+" is not a valid type name (3-250 characters of a-z, 0-9 and hyphen, starting with a letter)")
	}
	if !c.has("id") {
		return c.fail("id", "is required")
	}
	if o.ID == "" {
		return c.fail("id", "must be a string")
	}
	idType, ok := validIdentifier(o.ID)
	if !ok {
		return c.fail("id", `must be "<type>--<RFC 4122 UUID>"`)
	}
	if idType != typ {
		return c.fail("id", "prefix "+strconv.Quote(idType)+" does not match type "+strconv.Quote(typ))
	}
	return nil
}

// decideKind sets the object's kind: its specification's, or for a type the
// specification does not know, what customKind decides.
func (c *checker) decideKind(spec *typeSpec) error {
	o := c.obj
	if spec != nil {
		o.Kind = spec.kind
	} else {
		kind, err := c.customKind()
		if err != nil {
			return err
		}
		o.Kind, o.Custom = kind, true
	}
	if o.Kind == KindSCO {
		c.defanged = string(c.value("defanged")) == "true"
	}
	return nil
}

// checkMember checks one member — its name, then its value by the common
// property's check, the type's, or the generic one — and indexes it.
func (c *checker) checkMember(m member, spec *typeSpec) error {
	c.current = m.name
	if reservedProperties[m.name] {
		return c.fail(m.name, "is reserved by the STIX specification and must not be used")
	}
	if !validPropertyName(m.name) {
		return c.fail(m.name, "is not a valid property name (3-250 characters of a-z, A-Z, 0-9 and _)")
	}
	check := c.commonCheck(m.name)
	if check == nil && spec != nil {
		check = spec.props[m.name]
	}
	if check == nil {
		if strings.HasSuffix(m.name, "_ref") || strings.HasSuffix(m.name, "_refs") {
			check = genericRef(m.name)
		} else {
			check = anything
		}
	}
	if sub, msg := check(c, m.val); msg != "" {
		return c.fail(m.name+sub, msg)
	}
	return c.index(m, spec)
}

// checkRequired fails on the first property the object's kind or type
// requires that it lacks.
func (c *checker) checkRequired(spec *typeSpec) error {
	for _, r := range c.commonRequired() {
		if !c.has(r) {
			return c.fail(r, "is required")
		}
	}
	if spec != nil {
		for _, r := range spec.required {
			if !c.has(r) {
				return c.fail(r, "is required")
			}
		}
	}
	return nil
}

// checkVersionAndTimes checks spec_version (an SCO may omit it: 2.1) and,
// outside SCOs, that modified (created when absent) is not before created.
func (c *checker) checkVersionAndTimes() error {
	o := c.obj
	switch {
	case o.SpecVersion == "" && o.Kind == KindSCO:
		o.SpecVersion = "2.1" // SCOs may omit spec_version; it then defaults to 2.1
	case o.SpecVersion != "2.1":
		return c.fail("spec_version", `must be "2.1", not `+strconv.Quote(o.SpecVersion))
	}
	if o.Kind != KindSCO {
		if !c.has("modified") {
			o.Modified = o.Created
		}
		if o.Modified.Before(o.Created) {
			return c.fail("modified", "must not be earlier than created")
		}
	}
	return nil
}

// customKind decides what a type unknown to the specification is. STIX 2.1 allows a
// new type when an extension-definition declares it (extension_type new-sdo, new-sco or
// new-sro), and still accepts the deprecated custom objects of section 11, whose type
// starts with "x-": those with created are SDO-like, the others SCO-like.
func (c *checker) customKind() (Kind, error) {
	if ext := c.value("extensions"); ext != nil {
		var kind Kind
		eachMember(ext, func(_ string, ev []byte) (string, string) {
			if len(ev) > 0 && ev[0] == '{' {
				et, _ := jsonString(objectFields(ev, "extension_type")[0])
				switch et {
				case "new-sdo":
					kind = KindSDO
				case "new-sco":
					kind = KindSCO
				case "new-sro":
					kind = KindSRO
				}
			}
			return "", ""
		})
		if kind != "" {
			return kind, nil
		}
	}
	if strings.HasPrefix(c.obj.Type, "x-") {
		if c.has("created") {
			return KindSDO, nil
		}
		return KindSCO, nil
	}
	return "", c.fail("type", strconv.Quote(c.obj.Type)+" is not a STIX 2.1 type; a custom type must start with x- or be declared by an extension-definition (extension_type new-sdo, new-sco or new-sro)")
}

func (c *checker) commonRequired() []string {
	switch {
	case c.obj.Kind == KindSCO:
		return nil
	case c.obj.Type == "marking-definition":
		return []string{"spec_version", "created"}
	}
	return []string{"spec_version", "created", "modified"}
}

var (
	markingRefs = refs("marking-definition")
	identityRef = ref("identity")
	confidence  = integer(0, 100)
)

// commonCheck returns the check of a common property of the object's kind, or nil.
func (c *checker) commonCheck(name string) propCheck {
	switch name {
	case "type", "id":
		return anything // checked above
	case "spec_version":
		return isString
	case "object_marking_refs":
		return markingRefs
	case "granular_markings":
		return isGranularMarkings
	case "extensions":
		return isExtensions
	}
	if c.obj.Kind == KindSCO {
		if name == "defanged" {
			return isBool
		}
		return nil
	}
	switch name {
	case "created", "modified":
		return isMillis
	case "created_by_ref":
		return identityRef
	case "revoked":
		return isBool
	case "labels":
		return isStringList
	case "confidence":
		return confidence
	case "lang":
		return isLanguageTag
	case "external_references":
		return isExternalReferences
	}
	return nil
}

// index copies a validated member into the Object fields Renkei indexes:
// the common properties, then the name and the type's own indexed ones.
func (c *checker) index(m member, spec *typeSpec) error {
	c.indexCommon(m)
	if spec == nil {
		if m.name == "name" {
			c.obj.Name, _ = jsonString(m.val)
		}
		return nil
	}
	if m.name == spec.nameProp {
		if v, ok := jsonString(m.val); ok {
			c.obj.Name = v
		}
	}
	if _, known := spec.props[m.name]; known {
		c.indexTyped(m)
	}
	return nil
}

// indexCommon copies a common property (spec_version and the markings for
// every kind; the others outside SCOs).
func (c *checker) indexCommon(m member) {
	o := c.obj
	s := func() string { v, _ := jsonString(m.val); return v }
	t := func() time.Time { v, _ := c.time(m.name); return v }
	list := func() []string { l, _ := stringList(m.val); return l }
	common := o.Kind != KindSCO
	switch {
	case m.name == "spec_version":
		o.SpecVersion = s()
	case m.name == "object_marking_refs":
		o.ObjectMarkingRefs = list()
	case common && m.name == "created":
		o.Created = t()
	case common && m.name == "modified":
		o.Modified = t()
	case common && m.name == "created_by_ref":
		o.CreatedByRef = s()
	case common && m.name == "revoked":
		o.Revoked = string(m.val) == "true"
	case common && m.name == "labels":
		o.Labels = list()
	case common && m.name == "confidence":
		n, _ := strconv.Atoi(string(m.val))
		o.Confidence = &n
	}
}

// indexTyped copies a property of the object's type that Renkei indexes.
func (c *checker) indexTyped(m member) {
	o := c.obj
	s := func() string { v, _ := jsonString(m.val); return v }
	t := func() time.Time { v, _ := c.time(m.name); return v }
	list := func() []string { l, _ := stringList(m.val); return l }
	switch m.name {
	case "pattern":
		o.Pattern = s()
	case "pattern_type":
		o.PatternType = s()
	case "valid_from":
		o.ValidFrom = t()
	case "valid_until":
		o.ValidUntil = t()
	case "sighting_of_ref":
		o.SightingOfRef = s()
	case "where_sighted_refs":
		o.WhereSightedRefs = list()
	case "first_seen":
		o.FirstSeen = t()
	case "last_seen":
		o.LastSeen = t()
	case "count":
		o.Count, _ = strconv.Atoi(string(m.val))
	case "source_ref":
		o.SourceRef = s()
	case "target_ref":
		o.TargetRef = s()
	case "relationship_type":
		o.RelationshipType = s()
	case "object_refs":
		o.ObjectRefs = list()
	}
}
