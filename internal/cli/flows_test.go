package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"renkei/internal/corpora"
	"renkei/internal/testwait"
)

func runFlowsCLI(t *testing.T, ctx context.Context, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	g := &globals{stdin: strings.NewReader(""), stdout: &out, stderr: &errb}
	root := newRoot(g)
	root.SetArgs(args)
	err = root.ExecuteContext(ctx)
	return out.String(), errb.String(), err
}

// lockedBuffer is a buffer a test may read while a command writes to it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// collectRun is what a "renkei collect" run printed on stderr, and its error.
type collectRun struct {
	stderr string
	err    error
}

// startCollect runs "renkei collect ARGS" until ctx ends and returns once
// it listens (it says so on stderr), or has already stopped; the channel
// gives the run's stderr and error when it stops.
func startCollect(t *testing.T, ctx context.Context, args ...string) <-chan collectRun {
	t.Helper()
	var out, errb lockedBuffer
	g := &globals{stdin: strings.NewReader(""), stdout: &out, stderr: &errb}
	root := newRoot(g)
	root.SetArgs(append([]string{"collect"}, args...))
	stopped := make(chan struct{})
	done := make(chan collectRun, 1)
	go func() {
		err := root.ExecuteContext(ctx)
		close(stopped)
		done <- collectRun{errb.String(), err}
	}()
	testwait.For(t, 30*time.Second, "collect to listen", func() bool {
		select {
		case <-stopped:
			return true
		default:
			return strings.Contains(errb.String(), "collect: listening on ")
		}
	})
	return done
}

// flowFields are the JSON keys issue 3 requires on every flow record.
var flowFields = []string{"src_addr", "dst_addr", "src_port", "dst_port", "proto", "bytes", "packets", "start", "end", "tcp_flags", "exporter", "community_id"}

func checkFlowLines(t *testing.T, out string) int {
	t.Helper()
	n := 0
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %d: %v: %s", n+1, err, sc.Text())
		}
		for _, f := range flowFields {
			if _, ok := m[f]; !ok {
				t.Fatalf("line %d lacks %q: %s", n+1, f, sc.Text())
			}
		}
		if s, ok := m["start"].(string); ok {
			if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
				t.Errorf("start %q is not RFC 3339", s)
			}
		}
		n++
	}
	return n
}

func TestFlowsDecodeCommand(t *testing.T) {
	t.Parallel()
	dir := corpora.Path(t, "netflow-logstash-dat/spec/codecs")
	out, errOut, err := runFlowsCLI(t, context.Background(), "flows", "decode",
		filepath.Join(dir, "netflow9_test_cisco_asa_1_tpl.dat"),
		filepath.Join(dir, "netflow9_test_cisco_asa_1_data.dat"),
		filepath.Join(dir, "netflow5_test_invalid01.dat"),
		filepath.Join(dir, "netflow5.dat"))
	if err != nil {
		t.Fatal(err)
	}
	if n := checkFlowLines(t, out); n != 14+2 {
		t.Errorf("%d records, want 16", n)
	}
	if !strings.Contains(errOut, "netflow5_test_invalid01.dat: netflow v5 at offset 2") ||
		!strings.Contains(errOut, "4 files, 4 datagrams, 16 records, 1 malformed") {
		t.Errorf("stderr: %s", errOut)
	}
}

// TestFlowsDecodeReportsRecordsThatAreNotFlows: options data records
// (sampling) and records without addresses (Cisco WLC statistics) are
// counted in the summary, not dropped silently.
func TestFlowsDecodeReportsRecordsThatAreNotFlows(t *testing.T) {
	t.Parallel()
	dir := corpora.Path(t, "netflow-logstash-dat/spec/codecs")
	_, errOut, err := runFlowsCLI(t, context.Background(), "flows", "decode",
		filepath.Join(dir, "netflow9_test_juniper_srx_tplopt.dat"),
		filepath.Join(dir, "netflow9_test_cisco_wlc_tpl.dat"),
		filepath.Join(dir, "netflow9_test_cisco_wlc_data261.dat"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(\d+) options records and (\d+) records without addresses read \(not flows\)`).FindStringSubmatch(errOut)
	if m == nil || m[1] == "0" || m[2] == "0" {
		t.Errorf("summary does not count options records and records without addresses: %s", errOut)
	}
}

func TestFlowsFromPcapCommand(t *testing.T) {
	t.Parallel()
	p := corpora.Path(t, "zeek-traces/testing/btest/Traces/communityid/tcp.pcap")
	out, errOut, err := runFlowsCLI(t, context.Background(), "flows", "from-pcap", "--bidirectional", p)
	if err != nil {
		t.Fatal(err)
	}
	if n := checkFlowLines(t, out); n != 1 || !strings.Contains(out, `"community_id":"1:LQU9qZlK+B5F3KDmev6m5PMibrg="`) {
		t.Errorf("output %s", out)
	}
	if !strings.Contains(errOut, "1 flows") {
		t.Errorf("stderr: %s", errOut)
	}
	if _, _, err := runFlowsCLI(t, context.Background(), "flows", "from-pcap", filepath.Join(t.TempDir(), "missing.pcap")); err == nil {
		t.Error("missing file accepted")
	}
}

// TestCollectCommand runs `renkei collect` on a real UDP port, sends
// datagrams, stops it as SIGINT would (context cancel) and checks the file
// and the counts line.
func TestCollectCommand(t *testing.T) {
	t.Parallel()
	dir := corpora.Path(t, "netflow-logstash-dat/spec/codecs")
	l, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.LocalAddr().String()
	l.Close()
	outFile := filepath.Join(t.TempDir(), "flows.jsonl")
	ctx, cancel := context.WithCancel(context.Background())
	done := startCollect(t, ctx, "--listen", "udp://"+addr, "--out", outFile)
	c, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"netflow9_test_cisco_asa_1_tpl.dat", "netflow9_test_cisco_asa_1_data.dat", "netflow5.dat", "netflow5_test_invalid02.dat"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		c.Write(b)
	}
	c.Close()
	cancel()
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	b, err := os.ReadFile(outFile)
	if err != nil {
		t.Fatal(err)
	}
	if n := checkFlowLines(t, string(b)); n != 16 {
		t.Errorf("%d records in the file, want 16", n)
	}
	if !strings.Contains(r.stderr, "datagrams=4 records=16 malformed=1 dropped=0") {
		t.Errorf("stderr: %s", r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if !slices.ContainsFunc(lines, func(l string) bool { return strings.Contains(l, `"exporter":"127.0.0.1:`) }) {
		t.Error("exporter missing")
	}
}

// TestFlowsDecodeFailsOnNothingDecoded shows that `flows decode` exits 2
// with the reason when no datagram of its input decodes, so that a script
// never takes an empty output for a quiet network; one good datagram among
// bad ones is a normal run.
func TestFlowsDecodeFailsOnNothingDecoded(t *testing.T) {
	t.Parallel()
	dir := corpora.Path(t, "netflow-logstash-dat/spec/codecs")
	junk := filepath.Join(t.TempDir(), "junk.dat")
	if err := os.WriteFile(junk, bytes.Repeat([]byte("not a flow export "), 10), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCLI(t, "flows", "decode", filepath.Join(dir, "netflow5_test_invalid01.dat"), junk)
	if code != 2 || !strings.Contains(errs, "no datagram could be decoded: 2 found, 2 malformed") {
		t.Fatalf("exit %d, want 2 with the reason:\n%s", code, errs)
	}
	if code, _, errs := runCLI(t, "flows", "decode", junk, filepath.Join(dir, "netflow5.dat")); code != 0 {
		t.Fatalf("with one good datagram: exit %d\n%s", code, errs)
	}
}
