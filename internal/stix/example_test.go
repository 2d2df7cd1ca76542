package stix_test

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"renkei/internal/stix"
)

func ExampleParse() {
	raw := []byte(`{"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
		"created":"2026-04-01T00:00:00.000Z","modified":"2026-04-01T00:00:00.000Z",
		"pattern":"[ipv4-addr:value = '198.51.100.1']","pattern_type":"stix",
		"valid_from":"2026-04-01T00:00:00Z","valid_until":"2026-03-01T00:00:00Z"}`)
	_, err := stix.Parse(raw, stix.Options{})
	fmt.Println(err)
	// Output: object indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f: valid_until: must be later than valid_from
}

func ExampleBundleReader() {
	body := `{"type":"bundle","id":"bundle--5330e3e3-8f58-4d21-9f4b-793a054c0d33","objects":[
		{"type":"identity","spec_version":"2.1","id":"identity--f431f809-377b-45e0-aa1c-6a4751cae5ff",
		 "created":"2026-04-01T00:00:00.000Z","modified":"2026-04-01T00:00:00.000Z","name":"Example Power Co."},
		{"type":"ipv4-addr","id":"ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4","value":"198.51.100.300"}]}`
	br := stix.NewBundleReader(strings.NewReader(body), 1<<20)
	for {
		raw, i, err := br.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var ee *stix.ElementError
		if errors.As(err, &ee) {
			fmt.Println(i, err)
			continue
		}
		if err != nil {
			fmt.Println("bundle:", err)
			return
		}
		obj, err := stix.Parse(raw, stix.Options{})
		if err != nil {
			fmt.Println(i, err)
			continue
		}
		fmt.Println(i, obj.Type, obj.Name)
	}
	fmt.Println(br.BundleID())
	// Output:
	// 0 identity Example Power Co.
	// 1 object ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4: value: "198.51.100.300" is not an IPv4 address or CIDR block
	// bundle--5330e3e3-8f58-4d21-9f4b-793a054c0d33
}

func ExampleDeterministicSCOID() {
	fmt.Println(stix.DeterministicSCOID("ipv4-addr", map[string]any{"value": "198.51.100.3"}))
	// Output: ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4
}
