package api_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"renkei/internal/client"
	"renkei/internal/hubtest"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// names is a resolver whose answers the test sets, so that a name can
// resolve outside at registration and inside at delivery without DNS.
type names struct {
	mu sync.Mutex
	m  map[string][]netip.Addr
}

func (n *names) set(host string, addrs ...string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.m[host] = nil
	for _, a := range addrs {
		n.m[host] = append(n.m[host], netip.MustParseAddr(a))
	}
}

func (n *names) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if a, ok := n.m[host]; ok {
		return a, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// TestWebhooksCannotReachInside registers webhooks through the API and
// delivers to them: loopback, link-local, private, unique-local and
// metadata addresses are refused at registration, written as addresses or
// as names resolving to them; a name that resolved outside at registration
// and resolves to loopback at delivery (DNS rebinding) is not posted to,
// because the address actually dialed is checked; a range the hub
// administrator allows is reached.
func TestWebhooksCannotReachInside(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			h := hubtest.New(t, kind, hubtest.WithAudit()) // adding a webhook is logged first
			db := h.DB
			dns := &names{m: map[string][]netip.Addr{}}
			h.Alerts.Reach.Resolver = dns
			h.Alerts.MaxAttempts = 1
			org := h.Org("Water Co", "operator", "water")
			h.User("water-admin", "Water Co", "org-admin")
			admin := serve(t, h).as("water-admin")
			register := func(u string) (int, error) {
				_, err := admin.AddWebhook(ctx, client.WebhookRequest{URL: u})
				return status(err), err
			}

			dns.set("intranet.example", "203.0.113.9", "10.1.2.3")
			dns.set("metadata.google.internal", "169.254.169.254")
			dns.set("v6.example", "fd00:ec2::254")
			for _, u := range []string{
				"http://127.0.0.1:8080/admin", "http://[::1]/", "http://0.0.0.0/",
				"http://169.254.169.254/latest/meta-data/", "http://[fe80::1%25eth0]/", "http://[fe80::1]/",
				"http://10.0.0.5/", "http://172.16.3.4/", "https://192.168.1.1/", "http://100.100.100.200/",
				"http://[fd00::1]/", "http://[::ffff:127.0.0.1]/", "http://[64:ff9b::a00:1]/", "http://168.63.129.16/",
				"http://localhost:9000/", "http://api.localhost/", "http://intranet.example/hook",
				"http://metadata.google.internal/computeMetadata/v1/", "https://v6.example/",
			} {
				if code, err := register(u); code != http.StatusBadRequest || !strings.Contains(description(err), "inside the hub's network") {
					t.Errorf("%s: %v, want 400: webhooks may not reach inside", u, err)
				}
			}
			for _, u := range []string{"http://127.1/", "http://2130706433/", "http://0x7f.1/", "http://0177.0.0.1/"} {
				if code, err := register(u); code != http.StatusBadRequest || !strings.Contains(description(err), "non-standard form") {
					t.Errorf("%s: %v, want 400: an address in a non-standard form", u, err)
				}
			}
			if hooks, _ := db.Webhooks(ctx, org.ID); len(hooks) != 0 {
				t.Fatalf("refused webhooks were stored: %+v", hooks)
			}

			// A receiver on loopback, behind a name that resolves outside
			// when the webhook is registered.
			var posts atomic.Int32
			recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { posts.Add(1) }))
			defer recv.Close()
			port := recv.URL[strings.LastIndex(recv.URL, ":"):]
			dns.set("hooks.example", "203.0.113.10")
			if _, err := register("http://hooks.example" + port + "/renkei"); err != nil {
				t.Fatalf("a webhook outside: %v", err)
			}
			dns.set("hooks.example", "127.0.0.1") // rebinding
			if _, err := h.Alerts.Raise(ctx, store.Alert{OrgID: org.ID, Kind: "test", Title: "rebound"}); err != nil {
				t.Fatal(err)
			}
			if n, err := h.Alerts.DeliverDue(ctx); n != 1 || err != nil {
				t.Fatalf("deliveries attempted: %d %v", n, err)
			}
			dead, err := db.DeadDeliveries(ctx, org.ID, 10)
			if err != nil {
				t.Fatal(err)
			}
			if posts.Load() != 0 || len(dead) != 1 || !strings.Contains(dead[0].LastError, "127.0.0.1 is a loopback address, inside the hub's network") {
				t.Fatalf("a name rebound to loopback was posted to: %d posts, dead %+v", posts.Load(), dead)
			}

			// The hub administrator allows the loopback range: delivered.
			h.Alerts.Reach.Allow = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
			if err := db.RetryDelivery(ctx, org.ID, dead[0].PublicID, time.Now().UTC()); err != nil {
				t.Fatal(err)
			}
			h.Alerts.DeliverDue(ctx)
			if posts.Load() != 1 {
				t.Fatalf("an allowed range was not reached: %d posts", posts.Load())
			}
			if _, err := register("http://127.0.0.1" + port + "/direct"); err != nil {
				t.Fatalf("an allowed address at registration: %v", err)
			}
		})
	}
}
