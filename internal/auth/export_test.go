package auth

// HashSlots is how many Argon2id computations may run at once.
func HashSlots() int { return cap(hashSlots) }

// HashesPeak is the most Argon2id computations that ran at once so far;
// HashesDone how many ran in all.
func HashesPeak() int64 { return hashing.peak.Load() }
func HashesDone() int64 { return hashing.done.Load() }
