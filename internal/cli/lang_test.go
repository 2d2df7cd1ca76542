package cli

import (
	"strings"
	"testing"

	"renkei/internal/i18n"
)

// TestCLIErrorsInEachLanguage: a refusal is printed on one line, the
// capability's detail kept as it was, then what it means in the language the
// rule chooses (--lang, RENKEI_LANG, the locale, else Japanese).
func TestCLIErrorsInEachLanguage(t *testing.T) {
	data := []string{"--data", t.TempDir()}
	if code, _, stderr := run(t, "", append([]string{"org", "list"}, data...)...); code != 0 {
		t.Fatalf("bootstrap: %s", stderr)
	}
	show := append([]string{"case", "show", "999", "--as", "admin"}, data...)
	for _, tt := range []struct {
		name, want string
		args       []string
		env        map[string]string
	}{
		{"--lang ja", "ja", []string{"--lang", "ja"}, nil},
		{"--lang en", "en", []string{"--lang", "en"}, map[string]string{"LANG": "ja_JP.UTF-8"}},
		{"RENKEI_LANG", "en", nil, map[string]string{"RENKEI_LANG": "en", "LANG": "ja_JP.UTF-8"}},
		{"Japanese locale", "ja", nil, map[string]string{"RENKEI_LANG": "", "LC_ALL": "", "LC_MESSAGES": "", "LANG": "ja_JP.UTF-8"}},
		{"C locale", "en", nil, map[string]string{"RENKEI_LANG": "", "LC_ALL": "C", "LANG": "ja_JP.UTF-8"}},
		{"nothing set", "ja", nil, map[string]string{"RENKEI_LANG": "", "LC_ALL": "", "LC_MESSAGES": "", "LANG": ""}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			code, out, stderr := run(t, "", append(show, tt.args...)...)
			lead := i18n.Text(tt.want, "cli.refused.notfound")
			if code != 1 || out != "" || strings.Count(stderr, "\n") != 1 ||
				!strings.HasPrefix(stderr, "renkei: show: ") || !strings.Contains(stderr, "not found") || !strings.HasSuffix(stderr, " — "+lead+"\n") {
				t.Errorf("exit %d, stderr %q; want one line ending in %q", code, stderr, lead)
			}
		})
	}
}
