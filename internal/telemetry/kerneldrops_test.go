package telemetry_test

import (
	"context"
	"encoding/binary"
	"net"
	"testing"
	"time"

	"renkei/internal/flow"
	"renkei/internal/store/storetest"
	"renkei/internal/telemetry"
	"renkei/internal/testwait"
)

// TestKernelDropsReportedWhileRunning: the datagrams the kernel discards
// for a collector whose consumer is too slow reach the source's figures
// ("dropped:kernel") while the collector still runs, not only when it
// stops.
func TestKernelDropsReportedWhileRunning(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t, "sqlite")
	p := &telemetry.Pipeline{Service: &telemetry.Service{DB: db}}
	conn, err := flow.ListenUDP("udp://127.0.0.1:0", 4096)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	col := flow.NewCollector(flow.CollectOptions{ReadBuffer: 4096, RingSlots: 2, Workers: 1})
	hold := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		col.Run(ctx, conn, func([]flow.Record) error { <-hold; return nil })
	}()
	reported := make(chan struct{})
	go func() {
		defer close(reported)
		p.CountKernelDrops(ctx, "edge", col, 20*time.Millisecond)
	}()
	s, err := net.DialUDP("udp", nil, conn.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range 600 {
		s.Write(v5Drop(uint32(i)))
	}
	if !testwait.Until(3*time.Second, func() bool { return col.Dropped() > 0 }) {
		close(hold)
		cancel()
		t.Skip("the kernel dropped nothing at the socket (loopback lost them before it, on a busy machine)")
	}
	testwait.For(t, 5*time.Second, "kernel drops in the source's figures while the collector runs", func() bool {
		c, err := telemetry.GetCounts(context.Background(), db, "edge")
		return err == nil && c["dropped:kernel"] > 0
	})
	close(hold)
	cancel()
	<-done
	<-reported
	c, _ := telemetry.GetCounts(context.Background(), db, "edge")
	if got := uint64(c["dropped:kernel"]); got != col.Dropped() {
		t.Errorf("the figures hold %d kernel drops, the collector saw %d", got, col.Dropped())
	}
}

// v5Drop is a NetFlow v5 datagram with one record.
func v5Drop(seq uint32) []byte {
	b := make([]byte, 24+48)
	binary.BigEndian.PutUint16(b[0:], 5)
	binary.BigEndian.PutUint16(b[2:], 1)
	binary.BigEndian.PutUint32(b[16:], seq)
	copy(b[24:], []byte{198, 51, 100, 1, 203, 0, 113, 9})
	return b
}
