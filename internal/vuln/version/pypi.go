package version

import (
	pep440 "github.com/aquasecurity/go-pep440-version"
)

// pep440Comparator orders Python package versions by PEP 440: an epoch
// ("1!2.0") outranks everything, then the release segments with implicit
// zeros, then 1.0.dev1 < 1.0a1 < 1.0b1 < 1.0rc1 < 1.0 < 1.0.post1, and a
// local version label ("+ubuntu1") sorts after the same public version.
type pep440Comparator struct{}

func (pep440Comparator) Ecosystem() string { return PyPI }

func (pep440Comparator) Compare(a, b string) (int, error) {
	return compareParsed(PyPI, a, b, pep440.Parse, func(x, y pep440.Version) int { return x.Compare(y) })
}

func (pep440Comparator) Valid(v string) bool { _, err := pep440.Parse(v); return err == nil }
