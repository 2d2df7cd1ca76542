package stix

// Helpers that walk JSON which splitMembers has already found well-formed. They do no
// validation of their own and allocate nothing, which is what keeps Parse fast: the
// nested structures of STIX (external references, kill chain phases, markings,
// extensions, hashes) are read by these instead of by reflection.

// valueEnd returns the index just past the JSON value that starts at v[i].
func valueEnd(v []byte, i int) int {
	if i >= len(v) {
		return len(v)
	}
	switch v[i] {
	case '"':
		return endOfString(v, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(v); j++ {
			switch v[j] {
			case '"':
				j = endOfString(v, j) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return len(v)
	}
	j := i
	for j < len(v) {
		switch v[j] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return j
		}
		j++
	}
	return j
}

// eachMember calls fn for every member of the JSON object v, in order, with the
// decoded name and the raw value, and stops at the first non-empty result.
func eachMember(v []byte, fn func(name string, val []byte) (sub, msg string)) (string, string) {
	if len(v) == 0 || v[0] != '{' {
		return "", "must be an object, not " + kindName(v)
	}
	i := skipWS(v, 1)
	for i < len(v) && v[i] != '}' {
		if v[i] == ',' {
			i = skipWS(v, i+1)
		}
		j := endOfString(v, i)
		name, _ := jsonString(v[i:j])
		i = skipWS(v, j)
		i = skipWS(v, i+1) // ':'
		k := valueEnd(v, i)
		if sub, msg := fn(name, v[i:k]); msg != "" {
			return sub, msg
		}
		i = skipWS(v, k)
	}
	return "", ""
}

// eachElement calls fn for every element of the JSON array v.
func eachElement(v []byte, fn func(i int, val []byte) (sub, msg string)) (string, string) {
	if len(v) == 0 || v[0] != '[' {
		return "", "must be a list, not " + kindName(v)
	}
	i := skipWS(v, 1)
	n := 0
	for i < len(v) && v[i] != ']' {
		if v[i] == ',' {
			i = skipWS(v, i+1)
		}
		k := valueEnd(v, i)
		if sub, msg := fn(n, v[i:k]); msg != "" {
			return sub, msg
		}
		n++
		i = skipWS(v, k)
	}
	return "", ""
}

// objectFields returns the raw values of the wanted member names (at most 6) of
// object v, nil for absent ones.
func objectFields(v []byte, names ...string) (out [6][]byte) {
	eachMember(v, func(name string, val []byte) (string, string) {
		for i, n := range names {
			if n == name {
				out[i] = val
			}
		}
		return "", ""
	})
	return out
}
