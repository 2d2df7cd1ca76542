// Package jst is Japan Standard Time, the zone in which Renkei states legal
// deadlines, JST calendar days (digests, the common operating picture,
// fiscal and calendar years) and the times people type without a zone.
//
// Japan has observed no daylight saving time since 1951, so the zone is a
// fixed UTC+9 rather than Asia/Tokyo from a tz database the host may lack.
// Nothing else belongs here.
package jst

import "time"

// Zone is Japan Standard Time (UTC+9).
var Zone = time.FixedZone("JST", 9*60*60)
