package product

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzNamed: a KEV row's vendor and description come from outside the hub
// (a feed import). Reading the products a description names must never panic,
// and every name it gives is a non-empty piece of the description's text.
func FuzzNamed(f *testing.F) {
	f.Add("Apple", "Apple iOS, iPadOS, and macOS contain a use-after-free vulnerability.")
	f.Add("Zyxel", "Zyxel firewalls (ATP, USG, VM) contain an improper input validation vulnerability.")
	f.Add("Multiple", "Multiple Crestron products contain a vulnerability.")
	f.Add("Fortinet", "Impacted products: FortiOS, FortiProxy and FortiWeb.")
	f.Add("", "(((,,, and and impacts Impacted products:")
	f.Fuzz(func(t *testing.T, vendor, desc string) {
		for _, n := range Named(vendor, desc) {
			if strings.TrimSpace(n) == "" {
				t.Fatalf("Named(%q, %q) gave an empty name", vendor, desc)
			}
			if utf8.ValidString(desc) && !utf8.ValidString(n) {
				t.Fatalf("Named(%q, %q) gave invalid UTF-8 %q", vendor, desc, n)
			}
		}
	})
}
