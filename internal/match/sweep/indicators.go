package sweep

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"renkei/internal/match"
	"renkei/internal/stix"
)

// TLP 2.0 and TLP 1.0 (STIX 2.1 spec) marking-definition ids and their names.
var tlpByMarking = map[string]string{
	"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487": "clear",
	"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb": "green",
	"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421": "amber",
	"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003": "amber+strict",
	"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1": "red",
	"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": "clear", // TLP 1.0 white
	"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": "green",
	"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": "amber",
	"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": "red",
}

// TLPOf returns the TLP named by a list of object_marking_refs, or "".
func TLPOf(markings []string) string {
	for _, m := range markings {
		if t, ok := tlpByMarking[m]; ok {
			return t
		}
	}
	return ""
}

// LoadResult says what LoadIndicators read from one file.
type LoadResult struct {
	Format string // "list", "csv" or "stix"
	Values int    // values or STIX indicators added
	Bad    int    // lines or objects rejected
	Errors []error
}

// stixObject is the part of a STIX indicator the matcher needs.
type stixObject struct {
	Type        string   `json:"type"`
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Pattern     string   `json:"pattern"`
	PatternType string   `json:"pattern_type"`
	ValidFrom   string   `json:"valid_from"`
	ValidUntil  string   `json:"valid_until"`
	Modified    string   `json:"modified"`
	Revoked     bool     `json:"revoked"`
	Markings    []string `json:"object_marking_refs"`
}

// LoadIndicators reads indicators from r into b. A file starting with '{' or
// '[' is STIX: a bundle or TAXII envelope (streamed), a single object or an
// array of objects, of which the indicators with STIX patterns are taken. Anything
// else is a plain list or CSV (match.ParseList). Bad lines and objects are
// counted and described in the result; only an unreadable file is an error.
func LoadIndicators(b *match.Builder, name string, r io.Reader) (LoadResult, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	head, _ := br.Peek(512)
	trimmed := bytes.TrimLeft(head, " \t\r\n\ufeff")
	if len(trimmed) > 0 && trimmed[0] == '{' && bytes.Contains(head, []byte(`"objects"`)) {
		return loadBundle(b, name, br)
	}
	if len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') {
		data, err := io.ReadAll(br)
		if err != nil {
			return LoadResult{}, fmt.Errorf("%s: read: %w", name, err)
		}
		return loadSTIX(b, name, data)
	}
	res, err := match.ParseList(br, name, match.Indicator{ID: "list:" + filepath.Base(name)}, b)
	out := LoadResult{Format: "list", Values: res.Values, Bad: res.Bad}
	if strings.HasSuffix(strings.ToLower(name), ".csv") {
		out.Format = "csv"
	}
	for _, e := range res.Errors {
		out.Errors = append(out.Errors, e)
	}
	return out, err
}

// loadBundle streams a bundle or TAXII envelope one object at a time
// (stix.BundleReader), so a feed of any size loads in memory bounded by its
// largest object.
func loadBundle(b *match.Builder, name string, r io.Reader) (LoadResult, error) {
	res := LoadResult{Format: "stix"}
	br := stix.NewBundleReader(r, 0)
	bad := func(err error) {
		res.Bad++
		if len(res.Errors) < match.MaxListErrors {
			res.Errors = append(res.Errors, fmt.Errorf("%s: %w", name, err))
		}
	}
	for {
		raw, i, err := br.Next()
		if err == io.EOF {
			return res, nil
		}
		var ee *stix.ElementError
		if errors.As(err, &ee) {
			bad(err)
			continue
		}
		if err != nil {
			return res, fmt.Errorf("%s: %w", name, err)
		}
		ind, ok, err := indicatorOf(raw)
		if !ok {
			continue
		}
		if err == nil {
			err = b.AddSTIX(ind)
		}
		if err != nil {
			bad(fmt.Errorf("object %d: %w", i, err))
			continue
		}
		res.Values++
	}
}

func loadSTIX(b *match.Builder, name string, data []byte) (LoadResult, error) {
	res := LoadResult{Format: "stix"}
	var objs []json.RawMessage
	data = bytes.TrimLeft(data, " \t\r\n\ufeff")
	if data[0] == '[' {
		if err := json.Unmarshal(data, &objs); err != nil {
			return res, fmt.Errorf("%s: not a JSON array of STIX objects: %w", name, err)
		}
	} else {
		var env struct {
			Type    string            `json:"type"`
			Objects []json.RawMessage `json:"objects"`
		}
		if err := json.Unmarshal(data, &env); err != nil {
			return res, fmt.Errorf("%s: not a STIX bundle: %w", name, err)
		}
		objs = env.Objects
		if env.Objects == nil && env.Type != "" && env.Type != "bundle" {
			objs = []json.RawMessage{data}
		}
	}
	for i, raw := range objs {
		ind, ok, err := indicatorOf(raw)
		if !ok {
			continue
		}
		if err == nil {
			err = b.AddSTIX(ind)
		}
		if err != nil {
			res.Bad++
			if len(res.Errors) < match.MaxListErrors {
				res.Errors = append(res.Errors, fmt.Errorf("%s: object %d: %w", name, i, err))
			}
			continue
		}
		res.Values++
	}
	return res, nil
}

// indicatorOf decodes one STIX object; ok is false for objects that are not
// STIX-pattern indicators.
func indicatorOf(raw json.RawMessage) (match.Indicator, bool, error) {
	var o stixObject
	if err := json.Unmarshal(raw, &o); err != nil {
		return match.Indicator{}, true, fmt.Errorf("decode: %w", err)
	}
	if o.Type != "indicator" || o.PatternType != "" && o.PatternType != "stix" {
		return match.Indicator{}, false, nil
	}
	ind := match.Indicator{ID: o.ID, Pattern: o.Pattern, Revoked: o.Revoked, Markings: o.Markings, TLP: TLPOf(o.Markings)}
	var err error
	if o.ValidFrom != "" {
		if ind.ValidFrom, err = time.Parse(time.RFC3339Nano, o.ValidFrom); err != nil {
			return ind, true, fmt.Errorf("indicator %s: valid_from %q: %w", o.ID, o.ValidFrom, err)
		}
	}
	if o.ValidUntil != "" {
		if ind.ValidUntil, err = time.Parse(time.RFC3339Nano, o.ValidUntil); err != nil {
			return ind, true, fmt.Errorf("indicator %s: valid_until %q: %w", o.ID, o.ValidUntil, err)
		}
	}
	if o.Modified != "" {
		if ind.Modified, err = time.Parse(time.RFC3339Nano, o.Modified); err != nil {
			return ind, true, fmt.Errorf("indicator %s: modified %q: %w", o.ID, o.Modified, err)
		}
	}
	if o.Pattern == "" {
		return ind, true, fmt.Errorf("indicator %s: no pattern", o.ID)
	}
	return ind, true, nil
}
