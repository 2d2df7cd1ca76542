package bus

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// A Spool keeps, on disk and within a bound, the messages a stream did not
// take (its leader down, NATS unreachable), in the order they came, so that
// they are published again once it takes messages; a process that stops
// with messages in its spool publishes them when it starts again. A
// message is kept in one file until the stream acknowledged it. Each
// process has a spool of its own: two processes must not share one.
type Spool struct {
	dir string
	max int64

	mu    sync.Mutex
	next  uint64
	size  int64
	items []spooled // oldest first
}

type spooled struct {
	seq  uint64
	size int64
	n    int // what the message counts for its sender (records)
}

// ErrSpoolFull is returned by Put when the message would take the spool
// past its bound.
var ErrSpoolFull = errors.New("the spool of messages the stream did not take is full")

// OpenSpool opens the spool in dir (made if missing) holding at most
// maxBytes of messages, and finds the messages left there.
func OpenSpool(dir string, maxBytes int64) (*Spool, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("open the spool %s: %w", dir, err)
	}
	s := &Spool{dir: dir, max: maxBytes}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("open the spool %s: %w", dir, err)
	}
	for _, e := range ents {
		name, ok := strings.CutSuffix(e.Name(), ".msg")
		if !ok {
			os.Remove(filepath.Join(dir, e.Name())) // a write cut off by a crash
			continue
		}
		seq, err := strconv.ParseUint(name, 10, 64)
		if err != nil {
			continue
		}
		_, _, n, err := s.read(seq)
		if err != nil {
			return nil, err
		}
		info, err := e.Info()
		if err != nil {
			return nil, fmt.Errorf("open the spool %s: %w", dir, err)
		}
		s.items = append(s.items, spooled{seq: seq, size: info.Size(), n: n})
		s.size += info.Size()
		s.next = max(s.next, seq+1)
	}
	slices.SortFunc(s.items, func(a, b spooled) int { return cmp.Compare(a.seq, b.seq) })
	return s, nil
}

func (s *Spool) path(seq uint64) string {
	return filepath.Join(s.dir, fmt.Sprintf("%020d.msg", seq))
}

// Put keeps a message for subject that counts n for its sender; it is on
// disk when Put returns. A message that would take the spool past its
// bound is refused with ErrSpoolFull.
func (s *Spool) Put(subject string, data []byte, n int) error {
	body := make([]byte, 0, len(subject)+len(data)+24)
	body = append(body, subject...)
	body = append(body, '\n')
	body = strconv.AppendInt(body, int64(n), 10)
	body = append(body, '\n')
	body = append(body, data...)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.size+int64(len(body)) > s.max {
		return ErrSpoolFull
	}
	seq := s.next
	tmp := s.path(seq) + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("spool a message: %w", err)
	}
	_, err = f.Write(body)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, s.path(seq))
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("spool a message: %w", err)
	}
	s.next++
	s.size += int64(len(body))
	s.items = append(s.items, spooled{seq: seq, size: int64(len(body)), n: n})
	return nil
}

// Waiting reports whether any message waits.
func (s *Spool) Waiting() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.items) > 0
}

// Len returns how many messages wait and what they count.
func (s *Spool) Len() (messages, counted int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, it := range s.items {
		counted += it.n
	}
	return len(s.items), counted
}

func (s *Spool) read(seq uint64) (subject string, data []byte, n int, err error) {
	b, err := os.ReadFile(s.path(seq))
	if err != nil {
		return "", nil, 0, fmt.Errorf("read a spooled message: %w", err)
	}
	subject, rest, ok1 := strings.Cut(string(b), "\n")
	count, _, ok2 := strings.Cut(rest, "\n")
	n, err = strconv.Atoi(count)
	if !ok1 || !ok2 || err != nil {
		return "", nil, 0, fmt.Errorf("spooled message %s is not one", s.path(seq))
	}
	return subject, b[len(subject)+1+len(count)+1:], n, nil
}

// Resend publishes the waiting messages in order, each waiting at most
// wait for its acknowledgement, until one is not taken or none is left,
// and says of each message that left the spool whether the stream took it
// (err nil) or refused it for good (Refused(err)).
func (s *Spool) Resend(ctx context.Context, b *Bus, wait time.Duration, settled func(subject string, n int, err error)) error {
	for {
		s.mu.Lock()
		if len(s.items) == 0 {
			s.mu.Unlock()
			return nil
		}
		it := s.items[0]
		s.mu.Unlock()
		subject, data, n, err := s.read(it.seq)
		if err != nil {
			return err
		}
		pctx, cancel := context.WithTimeout(ctx, wait)
		err = b.Publish(pctx, subject, data)
		cancel()
		if err != nil && !Refused(err) {
			return err
		}
		if rerr := os.Remove(s.path(it.seq)); rerr != nil {
			return fmt.Errorf("remove a spooled message: %w", rerr)
		}
		s.mu.Lock()
		s.items = s.items[1:]
		s.size -= it.size
		s.mu.Unlock()
		settled(subject, n, err)
	}
}

// Refused reports whether err is the stream's refusal of a message for
// good (too large, over a limit of the stream), as opposed to the stream
// being out of reach for now (no leader, a timeout, NATS unreachable),
// after which the same message may be taken.
func Refused(err error) bool {
	if errors.Is(err, nats.ErrMaxPayload) {
		return true
	}
	var api *jetstream.APIError
	return errors.As(err, &api) && api.Code != 0 && api.Code != 503 && api.Code != 408
}
