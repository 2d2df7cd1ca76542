package cli

import (
	"os"
	"testing"
)

// TestMain runs the package's tests with messages to people in English
// (RENKEI_LANG=en), whatever the machine's locale, so that a test reading a
// message reads the same text everywhere; a test of the language rule sets
// its own environment (TestCLIErrorsInEachLanguage).
func TestMain(m *testing.M) {
	os.Setenv("RENKEI_LANG", "en")
	os.Exit(m.Run())
}
