package exportgate

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"golang.org/x/net/publicsuffix"

	"renkei/internal/audit"
	"renkei/internal/auth"
	"renkei/internal/policy"
	"renkei/internal/problem"
)

// Thresholds are the gate's hostile-scope rules: how wide a range may be,
// and which public suffixes are refused as names. The hub keeps them as a
// setting (SetThresholds, renkei warninglists thresholds); the offline gate
// of renkei export and renkei sweep takes them from flags.
type Thresholds struct {
	// WidestIPv4 and WidestIPv6: a prefix this wide or wider is refused
	// (IPv4 /8 and IPv6 /32 by default: a whole regional allocation to one
	// provider).
	WidestIPv4 int `json:"widest_ipv4"`
	WidestIPv6 int `json:"widest_ipv6"`
	// PublicSuffixes says which names of the Public Suffix List are refused
	// as whole values: SuffixesAll (default: the ICANN section, co.jp, and
	// the private one, github.io, where anyone may register a name),
	// SuffixesICANN (the ICANN section only) or SuffixesNone. A name with no
	// dot (a top-level domain) is always refused.
	PublicSuffixes string `json:"public_suffixes"`
}

// Which public suffixes the gate refuses.
const (
	SuffixesAll   = "all"
	SuffixesICANN = "icann"
	SuffixesNone  = "none"
)

// DefaultThresholds are the thresholds of a hub that set none.
func DefaultThresholds() Thresholds {
	return Thresholds{WidestIPv4: WidestIPv4, WidestIPv6: WidestIPv6, PublicSuffixes: SuffixesAll}
}

// Check says what is wrong with t, as a field problem.
func (t Thresholds) Check() error {
	switch {
	case t.WidestIPv4 < 0 || t.WidestIPv4 > 31:
		return problem.Field("widest_ipv4", "an IPv4 prefix length of 0 to 31 (a /32 is one address)")
	case t.WidestIPv6 < 0 || t.WidestIPv6 > 127:
		return problem.Field("widest_ipv6", "an IPv6 prefix length of 0 to 127 (a /128 is one address)")
	}
	switch t.PublicSuffixes {
	case SuffixesAll, SuffixesICANN, SuffixesNone:
		return nil
	}
	return problem.Field("public_suffixes", "want all, icann or none")
}

// refusesSuffix reports whether name, a whole public suffix, is refused.
func (t Thresholds) refusesSuffix(name string) (bool, string) {
	ps, icann := publicsuffix.PublicSuffix(name)
	if ps != name {
		return false, ""
	}
	switch t.PublicSuffixes {
	case SuffixesNone:
		return false, ""
	case SuffixesICANN:
		return icann, "an ICANN public suffix"
	}
	if icann {
		return true, "a public suffix"
	}
	return true, "a private public suffix (anyone may register a name under it)"
}

// settingThresholds is the hub setting that holds the thresholds (JSON).
const settingThresholds = "export_gate_thresholds"

// Thresholds returns the hub's thresholds, the defaults where none is set.
func (s *Service) Thresholds(ctx context.Context) (Thresholds, error) {
	t := DefaultThresholds()
	v, err := s.DB.Setting(ctx, settingThresholds)
	if err != nil || v == "" {
		return t, err
	}
	if err := json.Unmarshal([]byte(v), &t); err != nil {
		return DefaultThresholds(), fmt.Errorf("export gate thresholds: %w", err)
	}
	return t, nil
}

// SetThresholds sets the hub's thresholds, logged first (policy.change).
// They are the center's: they decide what reaches every member.
func (s *Service) SetThresholds(ctx context.Context, c auth.Caller, t Thresholds) error {
	if !policy.MayManageWarninglists(c.Viewer()) {
		return fmt.Errorf("export gate thresholds: %w", problem.ErrForbidden)
	}
	if err := t.Check(); err != nil {
		return err
	}
	b, _ := json.Marshal(t)
	if err := s.record(ctx, c, audit.ActionPolicyChange, "export-gate:thresholds", map[string]string{
		"widest_ipv4": strconv.Itoa(t.WidestIPv4), "widest_ipv6": strconv.Itoa(t.WidestIPv6), "public_suffixes": t.PublicSuffixes}); err != nil {
		return err
	}
	return s.DB.SetSetting(ctx, settingThresholds, string(b))
}
