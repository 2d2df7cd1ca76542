package bus

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
)

// Change notifications: a process that changed something another process
// keeps loaded (store.OnChange: the vulnerability engine of a running
// serve) says so on ChangeSubject with core NATS, at most once, and the
// others look at the store's change counter at once instead of at their
// next poll. Nothing is stored; the counter remains the truth, so a lost
// notification only delays.

// ChangeSubject is where changes of kind (store.ChangeVuln …) are announced.
func ChangeSubject(kind string) string { return "renkei.changed." + kind }

// Notify announces a change of kind and waits until the server has it.
func (b *Bus) Notify(kind string) error {
	return notify(b.nc, kind)
}

func notify(nc *nats.Conn, kind string) error {
	if err := nc.Publish(ChangeSubject(kind), nil); err != nil {
		return fmt.Errorf("announce change of %s: %w", kind, err)
	}
	if err := nc.FlushTimeout(2 * time.Second); err != nil {
		return fmt.Errorf("announce change of %s: %w", kind, err)
	}
	return nil
}

// OnChange calls fn for each change of kind announced by any process
// (this one included) until the bus is closed.
func (b *Bus) OnChange(kind string, fn func()) error {
	_, err := b.nc.Subscribe(ChangeSubject(kind), func(*nats.Msg) { fn() })
	if err != nil {
		return fmt.Errorf("listen for changes of %s: %w", kind, err)
	}
	return nil
}

// Announcer tells a hub's NATS of changes made by a process that is not
// on the bus otherwise (a CLI command).
type Announcer struct{ nc *nats.Conn }

// DialAnnouncer connects to the NATS at url, failing fast.
func DialAnnouncer(url string) (*Announcer, error) {
	nc, err := nats.Connect(url, nats.Name("renkei-cli"), nats.Timeout(2*time.Second), nats.NoReconnect())
	if err != nil {
		return nil, fmt.Errorf("connect to NATS at %s: %w", url, err)
	}
	return &Announcer{nc: nc}, nil
}

// Notify announces a change of kind.
func (a *Announcer) Notify(kind string) error { return notify(a.nc, kind) }

// Close closes the connection.
func (a *Announcer) Close() { a.nc.Close() }

// URLFile is where a running serve writes the URL its NATS is reached at,
// in its data directory, for the commands run on the same machine
// (WriteURL, ReadURL).
const URLFile = "nats-url"

// WriteURL records url in dir for ReadURL; an empty url or dir writes
// nothing.
func WriteURL(dir, url string) error {
	if url == "" || dir == "" {
		return nil
	}
	return os.WriteFile(filepath.Join(dir, URLFile), []byte(url+"\n"), 0o600)
}

// RemoveURL removes what WriteURL wrote.
func RemoveURL(dir string) { os.Remove(filepath.Join(dir, URLFile)) }

// ReadURL returns the URL a serve on dir recorded, or "".
func ReadURL(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, URLFile))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
