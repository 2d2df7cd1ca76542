package version

import "errors"

// alpineComparator orders Alpine (apk) versions exactly as apk-tools'
// src/version.c does: digit runs (a run after "." with leading zeros sorts
// as a fraction, so 1.01 < 1.1), an optional lower-case letter, suffixes
// _alpha < _beta < _pre < _rc < (none) < _cvs < _svn < _git < _hg < _p,
// each optionally numbered, then the package revision "-rN".
//
// It is written out here because the served Go port mis-orders pre-release
// suffixes after a ".0" component (it says 2.0_rc1 > 2.0).
type alpineComparator struct{}

func (alpineComparator) Ecosystem() string { return Alpine }

// apk token types, in the order apk-tools declares them; the order matters
// for the final comparison of two versions that differ in length.
const (
	apkInvalid = iota - 1
	apkDigitOrZero
	apkDigit
	apkLetter
	apkSuffix
	apkSuffixNo
	apkRevisionNo
	apkEnd
)

var (
	apkPreSuffixes  = []string{"alpha", "beta", "pre", "rc"}
	apkPostSuffixes = []string{"cvs", "svn", "git", "hg", "p"}
)

func isLower(c byte) bool { return c >= 'a' && c <= 'z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// apkNextToken decides the type of the next token from its first byte and
// consumes separators, as next_token() in apk-tools.
func apkNextToken(t int, s string) (int, string) {
	n := apkInvalid
	switch {
	case s == "":
		n = apkEnd
	case (t == apkDigit || t == apkDigitOrZero) && isLower(s[0]):
		n = apkLetter
	case t == apkLetter && isDigit(s[0]):
		n = apkDigit
	case t == apkSuffix && isDigit(s[0]):
		n = apkSuffixNo
	default:
		switch s[0] {
		case '.':
			n = apkDigitOrZero
		case '_':
			n = apkSuffix
		case '-':
			if len(s) > 1 && s[1] == 'r' {
				n = apkRevisionNo
				s = s[1:]
			}
		}
		s = s[1:]
	}
	if n < t {
		if !((n == apkDigitOrZero && t == apkDigit) ||
			(n == apkSuffix && t == apkSuffixNo) ||
			(n == apkDigit && t == apkLetter)) {
			n = apkInvalid
		}
	}
	return n, s
}

// apkGetToken reads the value of a token of type t and returns it with the
// type of the following token, as get_token() in apk-tools.
func apkGetToken(t int, s string) (v, nt int, rest string) {
	if s == "" {
		return 0, apkEnd, s
	}
	i := 0
	next := apkInvalid
	switch t {
	case apkDigitOrZero:
		if s[0] == '0' {
			// Leading zeros: the value is minus the count of extra zeros,
			// so that "1.001" < "1.01" < "1.1".
			for i+1 < len(s) && s[i+1] == '0' {
				i++
			}
			next = apkDigit
			v = -i
			break
		}
		fallthrough
	case apkDigit, apkSuffixNo, apkRevisionNo:
		for i < len(s) && isDigit(s[i]) {
			v = v*10 + int(s[i]-'0')
			i++
		}
		if i >= 18 {
			return 0, apkInvalid, s
		}
	case apkLetter:
		v = int(s[0])
		i = 1
	case apkSuffix:
		found := false
		for k, suf := range apkPreSuffixes {
			if len(s) >= len(suf) && s[:len(suf)] == suf {
				v, i, found = k-len(apkPreSuffixes), len(suf), true
				break
			}
		}
		if !found {
			for k, suf := range apkPostSuffixes {
				if len(s) >= len(suf) && s[:len(suf)] == suf {
					v, i, found = k, len(suf), true
					break
				}
			}
		}
		if !found {
			return 0, apkInvalid, s
		}
	default:
		return 0, apkInvalid, s
	}
	s = s[i:]
	switch {
	case s == "":
		return v, apkEnd, s
	case next != apkInvalid:
		return v, next, s
	}
	nt, s = apkNextToken(t, s)
	return v, nt, s
}

func validAPK(v string) bool {
	if v == "" {
		return false
	}
	t, s := apkDigit, v
	for t != apkEnd && t != apkInvalid {
		_, t, s = apkGetToken(t, s)
	}
	return t == apkEnd
}

func compareAPK(a, b string) int {
	at, bt := apkDigit, apkDigit
	av, bv := 0, 0
	for at == bt && at != apkEnd && at != apkInvalid && av == bv {
		av, at, a = apkGetToken(at, a)
		bv, bt, b = apkGetToken(bt, b)
	}
	switch {
	case av < bv:
		return -1
	case av > bv:
		return 1
	case at == bt:
		return 0
	}
	// Equal so far: the longer version is newer unless what follows is a
	// pre-release suffix.
	if at == apkSuffix {
		if v, _, _ := apkGetToken(at, a); v < 0 {
			return -1
		}
	}
	if bt == apkSuffix {
		if v, _, _ := apkGetToken(bt, b); v < 0 {
			return 1
		}
	}
	switch {
	case at > bt:
		return -1
	case bt > at:
		return 1
	}
	return 0
}

func (alpineComparator) Compare(a, b string) (int, error) {
	parse := func(v string) (string, error) {
		if !validAPK(v) {
			return "", errors.New("not an apk version")
		}
		return v, nil
	}
	return compareParsed(Alpine, a, b, parse, compareAPK)
}

func (alpineComparator) Valid(v string) bool { return validAPK(v) }
