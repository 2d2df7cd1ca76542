// Package bustest runs, for tests, a NATS JetStream cluster of real servers
// on loopback inside the test process (the nats-server module), so that
// what Renkei does when a NATS node dies can be tested as it happens in
// production: streams with replicas, a leader lost mid-stream.
package bustest

import (
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Cluster is n NATS servers with JetStream, routed to one another.
type Cluster struct {
	Servers []*server.Server
	stopped []bool
}

// StartCluster starts n servers on loopback, waits until JetStream has a
// meta leader, and stops them when the test ends.
func StartCluster(t testing.TB, n int) *Cluster {
	t.Helper()
	ports := make([]int, n)
	routes := make([]string, n)
	for i := range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ports[i] = l.Addr().(*net.TCPAddr).Port
		l.Close()
		routes[i] = fmt.Sprintf("nats://127.0.0.1:%d", ports[i])
	}
	dir := t.TempDir()
	c := &Cluster{stopped: make([]bool, n)}
	for i := range n {
		opts := &server.Options{
			ServerName: fmt.Sprintf("n%d", i+1), Host: "127.0.0.1", Port: server.RANDOM_PORT,
			JetStream: true, StoreDir: filepath.Join(dir, fmt.Sprintf("n%d", i+1)), NoSigs: true, NoLog: true,
			Cluster: server.ClusterOpts{Name: "renkei-test", Host: "127.0.0.1", Port: ports[i]},
			Routes:  server.RoutesFromStr(strings.Join(routes, ",")),
		}
		s, err := server.NewServer(opts)
		if err != nil {
			t.Fatal(err)
		}
		s.Start()
		c.Servers = append(c.Servers, s)
	}
	t.Cleanup(func() {
		for i := range c.Servers {
			c.Stop(i)
		}
	})
	for _, s := range c.Servers {
		if !s.ReadyForConnections(10 * time.Second) {
			t.Fatal("a NATS server of the cluster did not start within 10 s")
		}
	}
	// JetStream answers once its servers have elected a meta leader.
	nc, err := nats.Connect(c.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := js.AccountInfo(t.Context()); err == nil {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("the NATS cluster has no JetStream leader after 30 s: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return c
}

// URL returns the client URLs of the servers still running, comma-separated
// as nats.Connect takes them.
func (c *Cluster) URL() string {
	var urls []string
	for i, s := range c.Servers {
		if !c.stopped[i] {
			urls = append(urls, s.ClientURL())
		}
	}
	return strings.Join(urls, ",")
}

// StreamLeader returns the index of the server leading a stream of the
// default account, or -1.
func (c *Cluster) StreamLeader(stream string) int {
	for i, s := range c.Servers {
		if !c.stopped[i] && s.JetStreamIsStreamLeader(server.DEFAULT_GLOBAL_ACCOUNT, stream) {
			return i
		}
	}
	return -1
}

// Stop shuts server i down (its clients see it gone, as if it had died).
func (c *Cluster) Stop(i int) {
	if c.stopped[i] {
		return
	}
	c.stopped[i] = true
	c.Servers[i].Shutdown()
	c.Servers[i].WaitForShutdown()
}
