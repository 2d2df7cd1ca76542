package audit

import (
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// NewHandler serves a log directory read-only as C2SP tlog-tiles:
// GET /checkpoint, /tile/<L>/<N>[.p/<W>] and /tile/entries/<N>[.p/<W>].
// Nothing else in the directory (Tessera's private .state, sequence hints) is
// reachable. Mount it under any prefix with http.StripPrefix.
func NewHandler(dir string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "read-only log: use GET", http.StatusMethodNotAllowed)
			return
		}
		p := path.Clean("/" + r.URL.Path)
		switch {
		case p == "/checkpoint":
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Header().Set("Cache-Control", "no-cache")
		case strings.HasPrefix(p, "/tile/") && !strings.Contains(p, "/."):
			w.Header().Set("Content-Type", "application/octet-stream")
			if strings.Contains(p, ".p/") {
				// A partial tile may later be replaced by the full one.
				w.Header().Set("Cache-Control", "max-age=60")
			} else {
				w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
			}
		default:
			http.NotFound(w, r)
			return
		}
		f := filepath.Join(dir, filepath.FromSlash(p))
		st, err := os.Stat(f)
		if err != nil || !st.Mode().IsRegular() {
			http.NotFound(w, r)
			return
		}
		http.ServeFile(w, r, f)
	})
}
