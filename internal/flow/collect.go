package flow

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"net"
	"net/netip"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// CollectOptions tune the UDP collector.
type CollectOptions struct {
	// Workers is the number of decoder goroutines (default 2). Each exporter
	// address always goes to the same worker, so its templates stay in one
	// Decoder and its datagrams keep their order.
	Workers int
	// RingSlots is the number of datagram buffers between the reader and the
	// decoders (default 8192). When all are in use the reader waits and the
	// socket buffer absorbs the burst.
	RingSlots int
	// ReadBuffer is the socket receive buffer asked for, in bytes (default 64 MiB).
	ReadBuffer int
	// DrainTimeout is how long, once stopped, the collector keeps reading
	// what the kernel already holds for it (default 200 ms).
	DrainTimeout time.Duration
	// MaxDrain bounds how long a stopped collector keeps reading at all,
	// for exporters that never go quiet (default 5 s).
	MaxDrain time.Duration
	// Admit, when set, is asked for every datagram before it is decoded;
	// a datagram it refuses is counted as Refused and never decoded, so
	// nothing of it (not even a template) reaches a Decoder or the sink.
	Admit func(from netip.AddrPort, datagram []byte) bool
}

func (o CollectOptions) withDefaults() CollectOptions {
	if o.Workers <= 0 {
		o.Workers = 2
	}
	if o.RingSlots <= 0 {
		o.RingSlots = 8192
	}
	if o.ReadBuffer <= 0 {
		o.ReadBuffer = 64 << 20
	}
	if o.DrainTimeout <= 0 {
		o.DrainTimeout = 200 * time.Millisecond
	}
	if o.MaxDrain <= 0 {
		o.MaxDrain = 5 * time.Second
	}
	return o
}

// CollectStats is what a collector run saw.
type CollectStats struct {
	Datagrams uint64 // datagrams read from the socket
	Records   uint64 // flow records passed to the sink
	Malformed uint64 // datagrams a decoder rejected (in whole or in part)
	Refused   uint64 // datagrams Admit refused (not decoded)
	// Dropped is the number of datagrams the kernel discarded because the
	// socket buffer was full during the run (Linux; 0 where unknown).
	Dropped uint64
	Decoder DecoderStats // summed over the workers
	// Problems holds the first few decode errors with their exporter.
	Problems []string
}

// Collector receives export datagrams on a UDP socket and turns them into
// Records. Its counters can be read while it runs.
type Collector struct {
	opts      CollectOptions
	datagrams atomic.Uint64
	records   atomic.Uint64
	malformed atomic.Uint64
	refused   atomic.Uint64
	// The socket of the run under way and the kernel's drop counter of it
	// when the run began (Dropped); dropped holds the count of a run over.
	mu          sync.Mutex
	conn        *net.UDPConn
	dropsBefore uint64
	dropped     uint64
}

// Dropped returns the datagrams the kernel discarded because the socket
// buffer was full, since the run began: read from the kernel while the
// run goes on (Linux; 0 where unknown), so that drops are seen as they
// happen and not only when the collector stops.
func (c *Collector) Dropped() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn == nil {
		return c.dropped
	}
	if after := socketDrops(c.conn); after >= c.dropsBefore {
		return after - c.dropsBefore
	}
	return 0
}

// NewCollector returns a collector with opts (zero values take defaults).
func NewCollector(opts CollectOptions) *Collector {
	return &Collector{opts: opts.withDefaults()}
}

// Counts returns the datagrams, records and malformed datagrams so far.
func (c *Collector) Counts() (datagrams, records, malformed uint64) {
	return c.datagrams.Load(), c.records.Load(), c.malformed.Load()
}

// ListenUDP opens the socket for a listen address "udp://HOST:PORT" (or
// "HOST:PORT") with a large receive buffer, so that bursts wait in the
// kernel rather than being lost.
func ListenUDP(listen string, readBuffer int) (*net.UDPConn, error) {
	addr := listen
	if u, err := url.Parse(listen); err == nil && u.Scheme != "" {
		if u.Scheme != "udp" {
			return nil, fmt.Errorf("listen address %q: scheme %q, want udp://HOST:PORT", listen, u.Scheme)
		}
		addr = u.Host
	}
	ua, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen address %q: %w", listen, err)
	}
	conn, err := net.ListenUDP("udp", ua)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	if readBuffer <= 0 {
		readBuffer = CollectOptions{}.withDefaults().ReadBuffer
	}
	setReadBuffer(conn, readBuffer)
	return conn, nil
}

type datagram struct {
	buf  []byte
	from netip.AddrPort
	at   time.Time
}

// Run reads datagrams from conn until ctx is done, then reads what the
// kernel still holds, decodes everything and returns after sink has been
// given every record. sink is called from a single goroutine, in batches;
// if it fails, the run stops and its error is returned.
func (c *Collector) Run(ctx context.Context, conn *net.UDPConn, sink func([]Record) error) (CollectStats, error) {
	o := c.opts
	var st CollectStats
	c.mu.Lock()
	c.conn, c.dropsBefore, c.dropped = conn, socketDrops(conn), 0
	c.mu.Unlock()

	free := make(chan *datagram, o.RingSlots)
	for range o.RingSlots {
		free <- &datagram{buf: make([]byte, 0, 1500)}
	}
	queues := make([]chan *datagram, o.Workers)
	for i := range queues {
		queues[i] = make(chan *datagram, o.RingSlots/o.Workers+1)
	}
	batches := make(chan []Record, 64)
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()

	// Reader: only copies datagrams into ring buffers and routes them.
	var readErr error
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		defer func() {
			for _, q := range queues {
				close(q)
			}
		}()
		seed := maphash.MakeSeed()
		scratch := make([]byte, 65536)
		// Once stopped, keep reading until the socket has been idle for
		// DrainTimeout (at most MaxDrain): what the kernel already holds was
		// received and must be written too.
		stop := context.AfterFunc(runCtx, func() { conn.SetReadDeadline(time.Now()) }) // wake a blocked read
		defer stop()
		var stoppedAt, deadline time.Time
		for {
			if runCtx.Err() != nil {
				if ctx.Err() == nil {
					return // the sink failed: stop at once
				}
				now := time.Now()
				if stoppedAt.IsZero() {
					stoppedAt = now
				}
				if now.Sub(stoppedAt) > o.MaxDrain {
					return // exporters never go quiet
				}
				deadline = now.Add(o.DrainTimeout)
				conn.SetReadDeadline(deadline)
			}
			n, from, err := conn.ReadFromUDPAddrPort(scratch)
			if err != nil {
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					if stoppedAt.IsZero() || time.Now().Before(deadline) {
						continue // woken by the stop itself: start draining
					}
					return // idle for DrainTimeout after the stop: all read
				}
				if runCtx.Err() == nil && !errors.Is(err, net.ErrClosed) {
					readErr = fmt.Errorf("read from socket: %w", err)
				}
				return
			}
			c.datagrams.Add(1)
			var d *datagram
			select {
			case d = <-free:
			case <-runCtx.Done():
				if ctx.Err() == nil { // sink failed: stop at once
					return
				}
				d = <-free // stopping: keep draining, decoders still run
			}
			d.buf = append(d.buf[:0], scratch[:n]...)
			d.from, d.at = from, time.Now()
			h := maphash.Comparable(seed, from.Addr())
			queues[h%uint64(len(queues))] <- d
		}
	}()

	// Decoders: one Decoder each; exporters are pinned to a worker.
	var wg sync.WaitGroup
	var mu sync.Mutex
	for i := range queues {
		wg.Add(1)
		go func(q chan *datagram) {
			defer wg.Done()
			dec := NewDecoder()
			for d := range q {
				if o.Admit != nil && !o.Admit(d.from, d.buf) {
					c.refused.Add(1)
					free <- d
					continue
				}
				recs, err := dec.Decode(nil, d.buf, d.from, d.at)
				if err != nil {
					c.malformed.Add(1)
					mu.Lock()
					if len(st.Problems) < maxProblems {
						st.Problems = append(st.Problems, fmt.Sprintf("from %v: %v", d.from, err))
					}
					mu.Unlock()
				}
				free <- d
				if len(recs) > 0 {
					batches <- recs
				}
			}
			mu.Lock()
			st.Decoder.Add(dec.Stats())
			mu.Unlock()
		}(queues[i])
	}
	go func() {
		wg.Wait()
		close(batches)
	}()

	// Sink: the single consumer.
	var sinkErr error
	for b := range batches {
		if sinkErr != nil {
			continue // keep receiving so the workers can finish
		}
		if err := sink(b); err != nil {
			sinkErr = fmt.Errorf("write records: %w", err)
			cancel()
			continue
		}
		c.records.Add(uint64(len(b)))
	}
	<-readerDone
	st.Datagrams, st.Records, st.Malformed = c.Counts()
	st.Refused = c.refused.Load()
	st.Dropped = c.Dropped()
	c.mu.Lock()
	c.conn, c.dropped = nil, st.Dropped
	c.mu.Unlock()
	if sinkErr != nil {
		return st, sinkErr
	}
	return st, readErr
}

// RefusedCount returns the datagrams Admit refused so far.
func (c *Collector) RefusedCount() uint64 { return c.refused.Load() }
