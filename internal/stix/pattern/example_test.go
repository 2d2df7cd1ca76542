package pattern_test

import (
	"errors"
	"fmt"

	"renkei/internal/stix/pattern"
)

func ExampleParse() {
	p, err := pattern.Parse("[ipv4-addr:value = '198.51.100.0/24' OR domain-name:value = 'evil.example'] REPEATS 2 TIMES")
	if err != nil {
		panic(err)
	}
	for _, c := range p.Comparisons() {
		fmt.Println(c.Path, c.Op, c.Value.Str)
	}
	fmt.Println(p)
	// Output:
	// ipv4-addr:value = 198.51.100.0/24
	// domain-name:value = evil.example
	// [ipv4-addr:value = '198.51.100.0/24' OR domain-name:value = 'evil.example'] REPEATS 2 TIMES
}

func ExampleSyntaxError() {
	src := "[file:hashes.'SHA-256' = 'f00']"
	_, err := pattern.Parse(src)
	fmt.Println(err)
	var se *pattern.SyntaxError
	if errors.As(err, &se) {
		fmt.Println(se.Caret(src))
	}
	// Output:
	// pattern: offset 25: 'f00' is not a valid SHA-256 hash
	// [file:hashes.'SHA-256' = 'f00']
	//                          ^ 'f00' is not a valid SHA-256 hash
}

func ExampleEvaluate() {
	p := pattern.MustParse("[ipv4-addr:value ISSUBSET '198.51.100.0/24']")
	obs := pattern.Observed{Type: "ipv4-addr", Fields: map[string][]pattern.Value{
		"value": {{Kind: pattern.KindString, Str: "198.51.100.7"}},
	}}
	fmt.Println(pattern.Evaluate(p, obs))
	// Output: true
}
