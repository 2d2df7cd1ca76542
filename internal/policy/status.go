package policy

// SeesStatus reports whether v may read a TAXII status resource, which
// lists the ids of the objects one POST stored or refused: only the user
// who posted does. No role reads another user's status, not even the hub
// administrator: the ids of RED and AMBER+STRICT objects it may not see
// would show there.
func SeesStatus(v Viewer, poster int64) bool {
	return !v.Anonymous() && v.UserID == poster
}

// Cached reports whether a response carrying an object of this TLP may be
// kept by caches (browsers, proxies): not for AMBER+STRICT and RED, whose
// every reading is logged and which must not outlive the response.
func Cached(t TLP) bool { return t < AmberStrict }
