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
	f, ok := dateTimeFields(s)
	if !ok {
		return time.Time{}, errTimeFormat
	}
	nanos, err := fraction(s[19:len(s)-1], millis)
	if err != nil {
		return time.Time{}, err
	}
	return time.Date(f[0], time.Month(f[1]), f[2], f[3], f[4], f[5], nanos, time.UTC), nil
}

// dateTimeFields reads year, month, day, hour, minute and second from their
// fixed places in a timestamp whose separators were checked, and reports
// whether each is digits and in its range (a second of 60 is a leap second).
func dateTimeFields(s string) (f [6]int, ok bool) {
	for i, at := range [6][2]int{{0, 4}, {5, 2}, {8, 2}, {11, 2}, {14, 2}, {17, 2}} {
		v := 0
		for _, c := range []byte(s[at[0] : at[0]+at[1]]) {
			if c < '0' || c > '9' {
				return f, false
			}
			v = v*10 + int(c-'0')
		}
		f[i] = v
	}
	year, month, day, hour, minute, sec := f[0], f[1], f[2], f[3], f[4], f[5]
	if month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || sec > 60 {
		return f, false
	}
	return f, day <= daysIn(year, month)
}

// fraction reads the fraction of a second (".ddd…", or nothing) as
// nanoseconds, digits beyond the ninth ignored; with millis at least three
// digits are required.
func fraction(frac string, millis bool) (int, error) {
	if len(frac) == 0 {
		if millis {
			return 0, errTimeMillis
		}
		return 0, nil
	}
	if frac[0] != '.' || len(frac) < 2 {
		return 0, errTimeFormat
	}
	digits := frac[1:]
	nanos := 0
	for i, c := range []byte(digits) {
		if c < '0' || c > '9' {
			return 0, errTimeFormat
		}
		if i < 9 {
			nanos = nanos*10 + int(c-'0')
		}
	}
	for i := len(digits); i < 9; i++ {
		nanos *= 10
	}
	if millis && len(digits) < 3 {
		return 0, errTimeMillis
	}
	return nanos, nil
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
