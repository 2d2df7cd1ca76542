package stix

import (
	"errors"
	"time"
)

// FormatTime renders t as a STIX timestamp: RFC 3339 in UTC with a literal "Z" and
// exactly millisecond precision, the precision the specification requires for created
// and modified. Sub-millisecond digits are truncated, not rounded, so that a version
// written by Renkei never appears to be later than the instant it stands for.
func FormatTime(t time.Time) string {
	return t.UTC().Truncate(time.Millisecond).Format("2006-01-02T15:04:05.000Z")
}

var (
	errTimeFormat = errors.New(`must be an RFC 3339 timestamp in UTC ending in "Z", like 2026-01-02T03:04:05.678Z`)
	errTimeMillis = errors.New("must be precise to the millisecond (at least 3 fractional digits), like 2026-01-02T03:04:05.678Z")
)

// parseTimestamp parses the STIX timestamp form YYYY-MM-DDTHH:MM:SS[.fraction]Z.
// It is stricter than time.RFC3339 on purpose: STIX forbids numeric offsets and a
// lower-case t or z. A leap second (":60") is accepted as the spec's schema allows and
// normalized to the next second. When millis is true at least three fractional digits
// are required (created, modified).
func parseTimestamp(s string, millis bool) (time.Time, error) {
	if len(s) < 20 || s[len(s)-1] != 'Z' || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return time.Time{}, errTimeFormat
	}
	num := func(i, n int) (int, bool) {
		v := 0
		for _, c := range []byte(s[i : i+n]) {
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	year, ok1 := num(0, 4)
	month, ok2 := num(5, 2)
	day, ok3 := num(8, 2)
	hour, ok4 := num(11, 2)
	minute, ok5 := num(14, 2)
	sec, ok6 := num(17, 2)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) {
		return time.Time{}, errTimeFormat
	}
	if month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || sec > 60 {
		return time.Time{}, errTimeFormat
	}
	if day > daysIn(year, month) {
		return time.Time{}, errTimeFormat
	}
	nanos := 0
	frac := s[19 : len(s)-1]
	if len(frac) > 0 {
		if frac[0] != '.' || len(frac) < 2 {
			return time.Time{}, errTimeFormat
		}
		digits := frac[1:]
		for i, c := range []byte(digits) {
			if c < '0' || c > '9' {
				return time.Time{}, errTimeFormat
			}
			if i < 9 {
				nanos = nanos*10 + int(c-'0')
			}
		}
		for i := len(digits); i < 9; i++ {
			nanos *= 10
		}
		if millis && len(digits) < 3 {
			return time.Time{}, errTimeMillis
		}
	} else if millis {
		return time.Time{}, errTimeMillis
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, nanos, time.UTC), nil
}

func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
