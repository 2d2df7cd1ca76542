// Package bus carries streams of work between Renkei's stages over NATS
// JetStream: embedded in the process by default (no set-up, files under
// DATA/nats), or an external NATS cluster (--nats nats://…) so that
// `renkei worker` processes on other machines share the work in a queue.
//
// It moves bytes; it does not interpret them, and it must never carry
// anything that selection (rule C1) has not already cut down to mechanical
// information.
package bus

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Options say where the bus is.
type Options struct {
	URL string // external NATS; empty runs an embedded server
	Dir string // JetStream storage of the embedded server
	// Listen, for the embedded server, also accepts other processes on this
	// host:port (e.g. "127.0.0.1:4222"); empty keeps it in-process only.
	Listen string
	Log    *slog.Logger
	// AckWait is how long a consumer's message may go without an
	// acknowledgement, or a sign of progress, before the server hands it
	// to another worker (default 30 s). Consume signals progress every
	// third of it while a message is being handled.
	AckWait time.Duration
	// Replicas is how many servers of a NATS cluster keep each stream
	// (Stream). 0 chooses: 3 when the NATS connected to is part of a
	// cluster, 1 otherwise (the embedded server, a single NATS). A stream
	// that exists with another count is changed to this one.
	Replicas int
}

// Bus is a connection to JetStream.
type Bus struct {
	nc       *nats.Conn
	js       jetstream.JetStream
	srv      *server.Server
	ackWait  time.Duration
	replicas int
}

// Open connects to the bus, starting the embedded server when no URL is given.
func Open(ctx context.Context, o Options) (*Bus, error) {
	b := &Bus{ackWait: o.AckWait}
	if b.ackWait <= 0 {
		b.ackWait = 30 * time.Second
	}
	var err error
	if o.URL != "" {
		b.nc, err = nats.Connect(o.URL, nats.Name("renkei"), nats.MaxReconnects(-1))
		if err != nil {
			return nil, fmt.Errorf("connect to NATS at %s: %w", o.URL, err)
		}
	} else {
		if o.Dir == "" {
			return nil, errors.New("bus: an embedded server needs a storage directory")
		}
		opts := &server.Options{JetStream: true, StoreDir: o.Dir, DontListen: o.Listen == "", NoSigs: true, NoLog: true, ServerName: "renkei-embedded"}
		if o.Listen != "" {
			host, port, err := splitHostPort(o.Listen)
			if err != nil {
				return nil, err
			}
			if port == 0 {
				port = server.RANDOM_PORT
			}
			opts.Host, opts.Port = host, port
		}
		b.srv, err = server.NewServer(opts)
		if err != nil {
			return nil, fmt.Errorf("embedded NATS: %w", err)
		}
		b.srv.Start()
		if !b.srv.ReadyForConnections(10 * time.Second) {
			b.srv.Shutdown()
			return nil, errors.New("embedded NATS did not start within 10 s")
		}
		b.nc, err = nats.Connect("", nats.InProcessServer(b.srv), nats.Name("renkei"))
		if err != nil {
			b.srv.Shutdown()
			return nil, fmt.Errorf("connect to embedded NATS: %w", err)
		}
	}
	b.js, err = jetstream.New(b.nc)
	if err != nil {
		b.Close()
		return nil, err
	}
	b.replicas = o.Replicas
	if b.replicas <= 0 {
		b.replicas = 1
		if b.nc.ConnectedClusterName() != "" {
			b.replicas = 3
		}
	}
	return b, nil
}

// ClientURL is where other processes reach the embedded server ("" when it
// listens in-process only).
func (b *Bus) ClientURL() string {
	if b.srv == nil || b.srv.Addr() == nil {
		return ""
	}
	return b.srv.ClientURL()
}

// Stream makes sure a stream exists with these subjects, kept by Replicas
// servers; messages older than maxAge are dropped by the server (a bound,
// not the retention of records).
func (b *Bus) Stream(ctx context.Context, name string, subjects []string, maxAge time.Duration) error {
	_, err := b.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name: name, Subjects: subjects, Storage: jetstream.FileStorage, MaxAge: maxAge,
		Retention: jetstream.WorkQueuePolicy, Discard: jetstream.DiscardOld, Replicas: b.replicas,
	})
	if err != nil {
		return fmt.Errorf("stream %s with %d replicas (set the count with --stream-replicas): %w", name, b.replicas, err)
	}
	return nil
}

// Replicas returns how many servers keep each stream this bus makes.
func (b *Bus) Replicas() int { return b.replicas }

// Publish stores data on subject and returns once JetStream acknowledged it.
// The message is named by a digest of its subject and data, so that the
// same message published again within the stream's duplicate window (two
// minutes) — after an acknowledgement that was lost — is stored once.
func (b *Bus) Publish(ctx context.Context, subject string, data []byte) error {
	h := sha256.New()
	h.Write([]byte(subject))
	h.Write([]byte{0})
	h.Write(data)
	if _, err := b.js.Publish(ctx, subject, data, jetstream.WithMsgID(hex.EncodeToString(h.Sum(nil)))); err != nil {
		return fmt.Errorf("publish to %s: %w", subject, err)
	}
	return nil
}

// PublishAsync stores data without waiting; Flush waits for every pending ack.
func (b *Bus) PublishAsync(subject string, data []byte) error {
	_, err := b.js.PublishAsync(subject, data)
	return err
}

// Flush waits until every asynchronous publication was acknowledged.
func (b *Bus) Flush(ctx context.Context) error {
	select {
	case <-b.js.PublishAsyncComplete():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Work is handed one message at a time; returning nil acknowledges it, an
// error has it redelivered later. A message may be handed out more than once
// (its worker died, or lost its connection, before acknowledging it), so
// Work's effects must be idempotent; Delivery (DeliveryOf) names the message.
type Work func(ctx context.Context, data []byte) error

// Delivery is what the bus knows of the message being handled.
type Delivery struct {
	// Stored is when the stream stored the message: the same at every
	// delivery of it, so that what is derived from it is too.
	Stored time.Time
	// Sequence is the message's place in its stream.
	Sequence uint64
	// Attempt counts the deliveries of the message, from 1.
	Attempt uint64
}

type deliveryKey struct{}

// DeliveryOf returns the delivery a Work's context was handed with.
func DeliveryOf(ctx context.Context) (Delivery, bool) {
	d, ok := ctx.Value(deliveryKey{}).(Delivery)
	return d, ok
}

// pullAhead is how many messages a worker takes before it handles them. The
// server's acknowledgement wait runs for a message from the moment it is
// handed out, so a worker that took many would see the last of them handed
// to another before it reached them; messages are batches, so a few suffice.
const pullAhead = 2

// Consume takes work from a durable consumer shared by every worker that uses
// the same name, so that several processes split the stream between them. It
// returns when ctx ends. While a message is handled, the server is told every
// third of the acknowledgement wait that the work is in progress, so that a
// long batch is not handed to another worker meanwhile; a worker that dies
// stops telling, and its message goes to another once the wait has run out.
func (b *Bus) Consume(ctx context.Context, stream, durable string, fn Work) error {
	c, err := b.js.CreateOrUpdateConsumer(ctx, stream, jetstream.ConsumerConfig{
		Durable: durable, AckPolicy: jetstream.AckExplicitPolicy, AckWait: b.ackWait, MaxAckPending: 10000,
	})
	if err != nil {
		return fmt.Errorf("consumer %s on %s: %w", durable, stream, err)
	}
	cc, err := c.Consume(func(m jetstream.Msg) {
		m.InProgress() // it may have waited in this worker's buffer
		wctx := ctx
		if md, err := m.Metadata(); err == nil {
			wctx = context.WithValue(ctx, deliveryKey{}, Delivery{Stored: md.Timestamp, Sequence: md.Sequence.Stream, Attempt: md.NumDelivered})
		}
		done := make(chan struct{})
		go func() {
			t := time.NewTicker(b.ackWait / 3)
			defer t.Stop()
			for {
				select {
				case <-done:
					return
				case <-t.C:
					m.InProgress()
				}
			}
		}()
		err := fn(wctx, m.Data())
		close(done)
		if err != nil {
			m.NakWithDelay(time.Second)
			return
		}
		m.Ack()
	}, jetstream.PullMaxMessages(pullAhead))
	if err != nil {
		return err
	}
	<-ctx.Done()
	cc.Drain()
	<-cc.Closed()
	return nil
}

// Pending returns how many messages of a consumer wait to be handled.
func (b *Bus) Pending(ctx context.Context, stream, durable string) (uint64, error) {
	c, err := b.js.Consumer(ctx, stream, durable)
	if err != nil {
		return 0, err
	}
	info, err := c.Info(ctx)
	if err != nil {
		return 0, err
	}
	return info.NumPending + uint64(info.NumAckPending), nil
}

// CaughtUp reports whether a consumer has acknowledged every message the
// stream has received so far: its acknowledgement floor has reached the
// stream's last sequence.
func (b *Bus) CaughtUp(ctx context.Context, stream, durable string) (bool, error) {
	st, err := b.js.Stream(ctx, stream)
	if err != nil {
		return false, err
	}
	si, err := st.Info(ctx)
	if err != nil {
		return false, err
	}
	c, err := b.js.Consumer(ctx, stream, durable)
	if err != nil {
		return false, err
	}
	ci, err := c.Info(ctx)
	if err != nil {
		return false, err
	}
	return ci.AckFloor.Stream >= si.State.LastSeq && ci.NumAckPending == 0, nil
}

// Close disconnects and stops the embedded server.
func (b *Bus) Close() {
	if b.nc != nil {
		b.nc.Drain()
		b.nc.Close()
	}
	if b.srv != nil {
		b.srv.Shutdown()
		b.srv.WaitForShutdown()
	}
}

func splitHostPort(s string) (string, int, error) {
	var host string
	var port int
	i := len(s) - 1
	for i >= 0 && s[i] != ':' {
		i--
	}
	if i < 0 {
		return "", 0, fmt.Errorf("bus listen address %q: want host:port", s)
	}
	host = s[:i]
	if _, err := fmt.Sscanf(s[i+1:], "%d", &port); err != nil {
		return "", 0, fmt.Errorf("bus listen address %q: bad port", s)
	}
	return host, port, nil
}
