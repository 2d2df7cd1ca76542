// Command gen writes the synthetic data of bench/sweep-vs-grep.sh: a plain
// indicator list (IPv4 addresses, CIDRs, domains) and a JSON-lines log of
// proxy/DNS-style records, some of which hit the indicators in ways grep can
// see (the exact address or domain) and some it cannot (an address inside a
// CIDR) or gets wrong (a look-alike name that ends in an indicator followed by
// more labels). It prints the numbers it planted so the benchmark can say
// what each tool should find.
//
// It is a development tool: it writes only the two files it is asked for.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
)

func main() {
	lines := flag.Int("lines", 1_000_000, "log lines to write")
	nInd := flag.Int("indicators", 200_000, "indicators to write")
	out := flag.String("out", ".", "directory for indicators.txt and logs.jsonl")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	if err := run(*lines, *nInd, *out, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

type gen struct{ r *rand.Rand }

func (g gen) publicIP() [4]byte {
	for {
		v := g.r.Uint32()
		b := [4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}
		if b[0] != 10 && b[0] != 127 && b[0] != 0 && b[0] < 224 {
			return b
		}
	}
}

var tlds = []string{"com", "net", "org", "jp", "io", "info", "xyz"}

func (g gen) label(n int) string {
	const letters = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = letters[g.r.IntN(len(letters))]
		if i == 0 {
			b[i] = letters[g.r.IntN(26)]
		}
	}
	return string(b)
}

func (g gen) domain() string {
	return g.label(6+g.r.IntN(8)) + "." + tlds[g.r.IntN(len(tlds))]
}

func ipString(b [4]byte) string { return fmt.Sprintf("%d.%d.%d.%d", b[0], b[1], b[2], b[3]) }

func run(nLines, nInd int, dir string, seed uint64) error {
	g := gen{rand.New(rand.NewPCG(seed, 42))}
	nCIDR := nInd / 20
	nDom := nInd / 5
	nIP := nInd - nCIDR - nDom
	ips := make([][4]byte, nIP)
	cidrs := make([][4]byte, nCIDR) // /24 networks
	doms := make([]string, nDom)

	fi, err := os.Create(filepath.Join(dir, "indicators.txt"))
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(fi, 1<<20)
	fmt.Fprintf(w, "# synthetic indicators: %d IPv4, %d CIDR /24, %d domains\n", nIP, nCIDR, nDom)
	for i := range ips {
		ips[i] = g.publicIP()
		fmt.Fprintln(w, ipString(ips[i]))
	}
	for i := range cidrs {
		c := g.publicIP()
		c[3] = 0
		cidrs[i] = c
		fmt.Fprintf(w, "%s/24\n", ipString(c))
	}
	for i := range doms {
		doms[i] = g.domain()
		fmt.Fprintln(w, doms[i])
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := fi.Close(); err != nil {
		return err
	}

	fl, err := os.Create(filepath.Join(dir, "logs.jsonl"))
	if err != nil {
		return err
	}
	w = bufio.NewWriterSize(fl, 1<<20)
	var exactIP, inCIDR, exactDom, subDom, lookalike int
	uas := []string{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36", "curl/8.5.0", "Go-http-client/1.1", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"}
	for i := range nLines {
		dst := ipString(g.publicIP())
		host := g.label(3) + "." + g.domain()
		switch p := g.r.IntN(1000); {
		case p < 5:
			dst = ipString(ips[g.r.IntN(len(ips))])
			exactIP++
		case p < 10:
			c := cidrs[g.r.IntN(len(cidrs))]
			c[3] = byte(1 + g.r.IntN(254))
			dst = ipString(c)
			inCIDR++
		case p < 13:
			host = doms[g.r.IntN(len(doms))]
			exactDom++
		case p < 18:
			host = "www." + doms[g.r.IntN(len(doms))]
			subDom++
		case p < 20:
			host = doms[g.r.IntN(len(doms))] + ".cdn-edge.net"
			lookalike++
		}
		fmt.Fprintf(w, `{"ts":"2026-11-01T%02d:%02d:%02d.%03dZ","src":"10.%d.%d.%d","dst":"%s","dst_port":443,"method":"GET","host":"%s","url":"https://%s/api/v1/items/%d","bytes":%d,"ua":"%s"}`+"\n",
			(i/3600000)%24, (i/60000)%60, (i/1000)%60, i%1000, g.r.IntN(256), g.r.IntN(256), 1+g.r.IntN(254),
			dst, host, host, g.r.IntN(100000), g.r.IntN(1<<20), uas[g.r.IntN(len(uas))])
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := fl.Close(); err != nil {
		return err
	}
	fmt.Printf("planted: %d exact IP, %d IP inside a CIDR, %d exact domain, %d subdomain, %d look-alike (indicator + more labels, not a match)\n",
		exactIP, inCIDR, exactDom, subDom, lookalike)
	return nil
}
