package hub

import (
	"bytes"
	"encoding/json"

	"renkei/internal/stix"
	"renkei/internal/store"
)

// hitsProperty is the property of Renkei's extension that carries the
// warninglist hits of an object's values, as the hub sees them when it
// serves the object. It is the hub's, never the submitter's: what a
// submitter wrote under it is dropped.
const hitsProperty = "warninglist_hits"

// annotate puts the warninglist hits of o's values into Renkei's property
// extension of raw (o as presented), adding the extension when o has none,
// and drops a hits property the submitter wrote. An object without hits, and
// without such a property, is returned as it is.
func (h *Hub) annotate(o store.Object, raw json.RawMessage) json.RawMessage {
	var hits json.RawMessage
	if h.WarninglistHits != nil {
		hits = h.WarninglistHits(o)
	}
	if hits == nil && !bytes.Contains(raw, []byte(hitsProperty)) {
		return raw
	}
	if hits != nil && !bytes.Contains(raw, []byte(`"extensions"`)) {
		if out, ok := appendHitsExtension(raw, hits); ok {
			return out
		}
	}
	return annotateExtensions(raw, hits)
}

// appendHitsExtension is annotate for an object without extensions, the
// most common case of a hit: the extension holding the hits is appended as
// the object's last member, exactly as the general path writes it
// (TestAnnotateFastPathWritesWhatTheGeneralPathWrites), without decoding the
// object and writing every member again. ok is false when raw does not end
// an object with members.
func appendHitsExtension(raw, hits json.RawMessage) (json.RawMessage, bool) {
	end := len(bytes.TrimRight(raw, " \t\r\n")) - 1
	if end < 1 || raw[end] != '}' || len(bytes.TrimSpace(raw[1:end])) == 0 || raw[0] != '{' {
		return nil, false
	}
	out := make([]byte, 0, end+len(hits)+len(Extension)+90)
	out = append(out, bytes.TrimRight(raw[:end], " \t\r\n")...)
	out = append(out, `,"extensions":{"`+Extension+`":{"extension_type":"property-extension","`+hitsProperty+`":`...)
	out = append(out, hits...)
	out = append(out, "}}}"...)
	return out, true
}

// annotateExtensions is annotate through the object's extensions decoded.
func annotateExtensions(raw, hits json.RawMessage) json.RawMessage {
	var obj struct {
		Extensions map[string]json.RawMessage `json:"extensions"`
	}
	if json.Unmarshal(raw, &obj) != nil {
		return raw
	}
	ext := map[string]json.RawMessage{}
	if e, ok := obj.Extensions[Extension]; ok {
		if json.Unmarshal(e, &ext) != nil {
			return raw
		}
	}
	if hits == nil {
		if _, ok := ext[hitsProperty]; !ok {
			return raw
		}
		delete(ext, hitsProperty)
	} else {
		ext[hitsProperty] = hits
	}
	if _, ok := ext["extension_type"]; !ok {
		ext["extension_type"] = json.RawMessage(`"property-extension"`)
	}
	if obj.Extensions == nil {
		obj.Extensions = map[string]json.RawMessage{}
	}
	if len(ext) == 1 { // only extension_type is left: the extension said nothing else
		delete(obj.Extensions, Extension)
	} else {
		b, _ := json.Marshal(ext)
		obj.Extensions[Extension] = b
	}
	out, err := stix.SetProperty(raw, "extensions", obj.Extensions)
	if len(obj.Extensions) == 0 {
		out, err = stix.DeleteProperty(raw, "extensions")
	}
	if err != nil {
		return raw
	}
	return out
}
