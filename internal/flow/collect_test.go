package flow

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"renkei/internal/corpora"
	"renkei/internal/testwait"
)

type recordSink struct {
	mu   sync.Mutex
	recs []Record
	hold chan struct{} // when not nil, the consumer takes nothing until it is closed
}

func (s *recordSink) add(b []Record) error {
	if s.hold != nil {
		<-s.hold
	}
	s.mu.Lock()
	s.recs = append(s.recs, b...)
	s.mu.Unlock()
	return nil
}

func startCollector(t *testing.T, opts CollectOptions) (*Collector, *net.UDPConn, *recordSink, context.CancelFunc, chan CollectStats) {
	t.Helper()
	conn, err := ListenUDP("udp://127.0.0.1:0", opts.ReadBuffer)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	c := NewCollector(opts)
	sink := &recordSink{}
	if opts.ReadBuffer > 0 && opts.ReadBuffer < 1<<20 {
		sink.hold = make(chan struct{}) // a consumer slower than the sender, whatever the machine's speed
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan CollectStats, 1)
	go func() {
		st, err := c.Run(ctx, conn, sink.add)
		if err != nil {
			t.Error(err)
		}
		done <- st
	}()
	return c, conn, sink, cancel, done
}

// sender opens a UDP socket on its own loopback address, so each test
// exporter has its own template space.
func sender(t *testing.T, n int, to net.Addr) *net.UDPConn {
	t.Helper()
	c, err := net.DialUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, byte(10+n))}, to.(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestCollectCorpusOverUDP sends every corpus datagram over real UDP, one
// loopback address per exporter, and checks every record arrives.
func TestCollectCorpusOverUDP(t *testing.T) {
	dir := corpora.Path(t, "netflow-logstash-dat/spec/codecs")
	_, conn, sink, cancel, done := startCollector(t, CollectOptions{Workers: 3})
	want := 0
	for gi, g := range vendorGroups {
		s := sender(t, gi, conn.LocalAddr())
		for i, f := range g.files {
			b, err := os.ReadFile(filepath.Join(dir, f))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Write(b); err != nil {
				t.Fatal(err)
			}
			want += g.records[i]
		}
		// Keep each group's order across workers obvious: the next group is
		// sent once this one has arrived.
		testwait.For(t, 10*time.Second, fmt.Sprintf("group %d's %d records", gi, want), func() bool {
			sink.mu.Lock()
			defer sink.mu.Unlock()
			return len(sink.recs) >= want
		})
	}
	cancel()
	st := <-done
	if len(sink.recs) != want || st.Records != uint64(want) {
		t.Errorf("%d records arrived (stats %d), want %d", len(sink.recs), st.Records, want)
	}
	if st.Datagrams != 92 || st.Malformed != 2 || st.Dropped != 0 {
		t.Errorf("stats %+v", st)
	}
	exporters := map[netip.Addr]bool{}
	for _, r := range sink.recs {
		exporters[r.Exporter.Addr()] = true
	}
	if len(exporters) < 30 {
		t.Errorf("records from %d exporters", len(exporters))
	}
}

// v5Datagram builds a NetFlow v5 datagram of 30 records whose source
// addresses encode (datagram, record) so that every record can be found.
func v5Datagram(seq uint32) []byte {
	b := make([]byte, v5HeaderLen+30*v5RecordLen)
	binary.BigEndian.PutUint16(b, 5)
	binary.BigEndian.PutUint16(b[2:], 30)
	binary.BigEndian.PutUint32(b[4:], 100000)
	binary.BigEndian.PutUint32(b[8:], 1700000000)
	binary.BigEndian.PutUint32(b[16:], seq*30)
	for i := range 30 {
		p := b[v5HeaderLen+i*v5RecordLen:]
		binary.BigEndian.PutUint32(p, 10<<24|seq)
		p[4], p[5], p[6], p[7] = 192, 0, 2, byte(i)
		binary.BigEndian.PutUint32(p[16:], 1)
		binary.BigEndian.PutUint32(p[20:], 64)
		binary.BigEndian.PutUint32(p[24:], 90000)
		binary.BigEndian.PutUint32(p[28:], 99000)
		binary.BigEndian.PutUint16(p[32:], 1024)
		binary.BigEndian.PutUint16(p[34:], 443)
		p[38] = 6
	}
	return b
}

// TestCollectBurst sends a burst as fast as the sender can and checks that
// no datagram is lost, and that everything sent before the stop is written.
func TestCollectBurst(t *testing.T) {
	n := 20000
	if testing.Short() {
		n = 2000
	}
	// A loaded machine may take longer than the default bound to read the
	// burst back after the stop; what is asserted is that nothing is lost.
	_, conn, sink, cancel, done := startCollector(t, CollectOptions{MaxDrain: time.Minute})
	var wg sync.WaitGroup
	for s := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.DialUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 1, byte(s+1))}, conn.LocalAddr().(*net.UDPAddr))
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			for i := s; i < n; i += 4 {
				if _, err := c.Write(v5Datagram(uint32(i))); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	backlog := softnetDrops()
	wg.Wait()
	start := time.Now()
	cancel() // stop right after the burst: what the kernel holds must still be written
	st := <-done
	t.Logf("burst of %d datagrams (%d records): %d records written, kernel drops %d, stop took %v",
		n, n*30, st.Records, st.Dropped, time.Since(start))
	if lost := softnetDrops() - backlog; lost > 0 && st.Datagrams < uint64(n) {
		t.Skipf("the kernel's loopback backlog dropped %d packets before any socket saw them (machine overloaded)", lost)
	}
	if st.Datagrams != uint64(n) || len(sink.recs) != n*30 || st.Dropped != 0 {
		t.Fatalf("datagrams %d/%d, records %d/%d, dropped %d", st.Datagrams, n, len(sink.recs), n*30, st.Dropped)
	}
	seen := make(map[string]bool, n*30)
	for _, r := range sink.recs {
		seen[fmt.Sprint(r.SrcAddr, r.DstAddr)] = true
	}
	if len(seen) != n*30 {
		t.Errorf("%d distinct records, want %d", len(seen), n*30)
	}
}

func TestListenUDPRejectsOtherSchemes(t *testing.T) {
	if _, err := ListenUDP("tcp://127.0.0.1:0", 0); err == nil {
		t.Error("tcp:// accepted")
	}
}

// TestCollectReportsKernelDrops makes the consumer too slow for a tiny socket
// buffer and checks that the datagrams the kernel discarded are reported,
// so that "dropped=0" in a report means something.
func TestCollectReportsKernelDrops(t *testing.T) {
	const n = 600 // below net.core.netdev_max_backlog, where loopback would drop unseen
	c, conn, sink, cancel, done := startCollector(t, CollectOptions{ReadBuffer: 4096, RingSlots: 2, Workers: 1})
	s := sender(t, 200, conn.LocalAddr())
	failed := 0
	for i := range n {
		if _, err := s.Write(v5Datagram(uint32(i))); err != nil {
			failed++
		}
	}
	if failed > 0 {
		t.Logf("write errors: %d", failed)
	}
	// While the collector still runs (its consumer held), the drops are
	// already read from the kernel: a running source reports them.
	running := c.Dropped()
	close(sink.hold)
	cancel()
	st := <-done
	t.Logf("read %d, kernel dropped %d, sent %d", st.Datagrams, st.Dropped, n)
	if st.Datagrams+st.Dropped > n {
		t.Fatalf("read %d + dropped %d, but only %d were sent", st.Datagrams, st.Dropped, n)
	}
	if st.Dropped == 0 && st.Datagrams < n {
		// On a busy machine loopback can drop in its backlog, before the
		// socket, where no per-socket counter sees it: nothing to check then.
		t.Skipf("the kernel lost %d datagrams before the socket's buffer; its drop counter cannot see them", n-int(st.Datagrams))
	}
	if st.Dropped == 0 {
		t.Errorf("read %d + dropped %d, sent %d: the tiny buffer should have overflowed", st.Datagrams, st.Dropped, n)
	}
	if running == 0 || running > st.Dropped {
		t.Errorf("while running the collector reported %d kernel drops, at the stop %d: drops must be seen as they happen", running, st.Dropped)
	}
	if c.Dropped() != st.Dropped {
		t.Errorf("after the run Dropped() = %d, want the run's %d", c.Dropped(), st.Dropped)
	}
}

// softnetDrops sums the per-CPU backlog drops of /proc/net/softnet_stat
// (second column, hex): packets lost before reaching any socket.
func softnetDrops() uint64 {
	b, err := os.ReadFile("/proc/net/softnet_stat")
	if err != nil {
		return 0
	}
	var sum uint64
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) > 1 {
			v, _ := strconv.ParseUint(f[1], 16, 64)
			sum += v
		}
	}
	return sum
}
