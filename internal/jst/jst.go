// Package jst is Japan Standard Time, the zone in which Renkei states legal
// deadlines, JST calendar days (digests, the common operating picture,
// fiscal and calendar years) and the times people type without a zone, and
// in which the console shows times unless a person chose another zone
// (ReaderZone).
//
// Japan has observed no daylight saving time since 1951, so the zone is a
// fixed UTC+9 rather than Asia/Tokyo from a tz database the host may lack.
// A zone a person chooses comes from the tz database built into the binary
// (time/tzdata), so it does not depend on the host either.
// Nothing else belongs here.
package jst

import (
	"fmt"
	"time"
	_ "time/tzdata" // the zones people may choose, whatever the host has
)

// Zone is Japan Standard Time (UTC+9).
var Zone = time.FixedZone("JST", 9*60*60)

// ReaderZone is the zone a person reads times in: Zone when name is empty
// (the default) or names Japan's zone, else the IANA zone name names
// ("UTC", "Europe/Paris"). A name the tz database does not know is an error.
func ReaderZone(name string) (*time.Location, error) {
	switch name {
	case "", "JST", "Asia/Tokyo", "Japan":
		return Zone, nil
	}
	z, err := time.LoadLocation(name)
	if err != nil || name == "Local" {
		return nil, fmt.Errorf("time zone %q: not an IANA zone name", name)
	}
	return z, nil
}
