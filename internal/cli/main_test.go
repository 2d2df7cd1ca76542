package cli

import (
	"os"
	"testing"
)

// asRenkei, set to 1 in a process's environment, makes this test binary
// the renkei command, so that a test runs commands as processes of their
// own without building the command first (asProcess).
const asRenkei = "RENKEI_TEST_AS_RENKEI"

// TestMain runs the package's tests with messages to people in English
// (RENKEI_LANG=en), whatever the machine's locale, so that a test reading a
// message reads the same text everywhere; a test of the language rule sets
// its own environment (TestCLIErrorsInEachLanguage). Under asRenkei it is
// the renkei command instead.
func TestMain(m *testing.M) {
	if os.Getenv(asRenkei) == "1" {
		os.Exit(Main(os.Args[1:]))
	}
	os.Setenv("RENKEI_LANG", "en")
	os.Exit(m.Run())
}
