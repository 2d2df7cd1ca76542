package hunt

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// writeZeekConn writes a Zeek TSV conn log of n records.
func writeZeekConn(tb testing.TB, n int) string {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), "conn.log")
	fh, err := os.Create(p)
	if err != nil {
		tb.Fatal(err)
	}
	fmt.Fprint(fh, "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n#open\t2026-11-01-00-00-00\n"+
		"#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\thistory\ttunnel_parents\n"+
		"#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tstring\tset[string]\n")
	for i := range n {
		fmt.Fprintf(fh, "1761955%03d.%06d\tC%08x\t10.0.%d.%d\t%d\t192.0.2.%d\t443\ttcp\tssl\t0.%06d\t%d\t%d\tSF\t-\tShADadFf\t(empty)\n",
			i%1000, i, i, i%256, i%200, 40000+i%20000, i%250, i, i%5000, i%90000)
	}
	fmt.Fprint(fh, "#close\t2026-11-01-01-00-00\n")
	if err := fh.Close(); err != nil {
		tb.Fatal(err)
	}
	return p
}

// BenchmarkReadZeekTSV times reading and flattening a Zeek TSV conn log
// (100,000 records) for the hunt, without matching, on one core.
func BenchmarkReadZeekTSV(b *testing.B) {
	e, err := LoadEngine([]string{"testdata/rules/zeek_dns.yml"}, EngineOptions{})
	if err != nil {
		b.Fatal(err)
	}
	p := writeZeekConn(b, 100_000)
	inputs, total, _ := ListInputs([]string{p})
	b.SetBytes(total)
	for b.Loop() {
		n := 0
		if errs := e.ReadEvents(context.Background(), inputs, func(*Meta, []string, []string) { n++ }); len(errs) > 0 || n != 100_000 {
			b.Fatal(errs, n)
		}
	}
}
