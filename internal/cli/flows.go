package cli

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"renkei/internal/flow"
	"renkei/internal/i18n"
)

func newFlowsCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use: "flows",
	}
	cmd.AddCommand(newFlowsDecodeCmd(g), newFlowsFromPcapCmd(g))
	return cmd
}

func newFlowsDecodeCmd(g *globals) *cobra.Command {
	var seed uint16
	cmd := &cobra.Command{
		Use:  "decode FILE...",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runFlowsDecode(cmd.Context(), g, args, seed)
		},
	}
	cmd.Flags().Uint16Var(&seed, "community-id-seed", 0, "")
	return cmd
}

func runFlowsDecode(ctx context.Context, g *globals, files []string, seed uint16) error {
	out := bufio.NewWriterSize(g.stdout, 1<<20)
	bar := newProgress(g.stderr, totalSize(files), "decoding")
	dec := flow.NewDecoder()
	var line []byte
	emit := func(r *flow.Record) error {
		line = append(r.AppendJSON(line[:0], seed), '\n')
		_, err := out.Write(line)
		return err
	}
	var problems []string
	var datagrams, malformed, records uint64
	for _, name := range files {
		b, err := g.readInput(name)
		if err != nil {
			return fmt.Errorf("read %s: %w", name, err)
		}
		if flow.IsCapture(b) {
			st, err := flow.DecodeExportPcap(ctx, io.TeeReader(bytes.NewReader(b), bar), dec, emit)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			datagrams += st.Datagrams
			malformed += st.Malformed
			records += st.Records
			for _, p := range st.Problems {
				problems = append(problems, name+": "+p)
			}
			continue
		}
		bar.Add(len(b))
		datagrams++
		recs, err := dec.Decode(nil, b, netip.AddrPort{}, fileTime(name))
		if err != nil {
			malformed++
			problems = append(problems, name+": "+err.Error())
		}
		for i := range recs {
			records++
			if err := emit(&recs[i]); err != nil {
				return err
			}
		}
	}
	bar.Finish()
	if err := out.Flush(); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	st := dec.Stats()
	for _, p := range problems {
		fmt.Fprintln(g.stderr, errorLine(nil, "flows decode: "+fmt.Sprint(p)))
	}
	g.tell(g.stderr, i18n.M("cli.flows.decoded", strconv.Itoa(len(files)), fmt.Sprint(datagrams), fmt.Sprint(records), fmt.Sprint(malformed), fmt.Sprint(st.MissingTemplate),
		fmt.Sprint(st.HeldDecoded), fmt.Sprint(st.Templates), fmt.Sprint(st.OptionRecords), fmt.Sprint(st.NoAddress)))
	if datagrams == malformed {
		return exitError{code: 2, msg: g.say(i18n.M("cli.flows.none_decoded", fmt.Sprint(datagrams), fmt.Sprint(malformed)))}
	}
	return nil
}

func newFlowsFromPcapCmd(g *globals) *cobra.Command {
	var (
		opts flow.PcapOptions
		seed uint16
	)
	cmd := &cobra.Command{
		Use:  "from-pcap FILE...",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			out := bufio.NewWriterSize(g.stdout, 1<<20)
			bar := newProgress(g.stderr, totalSize(args), "reading")
			var line []byte
			var total flow.PcapStats
			for _, name := range args {
				f, err := g.openInput(name)
				if err != nil {
					return err
				}
				st, err := flow.FlowsFromPcap(cmd.Context(), io.TeeReader(f, bar), opts, func(r *flow.Record) error {
					line = append(r.AppendJSON(line[:0], seed), '\n')
					_, err := out.Write(line)
					return err
				})
				f.Close()
				if err != nil {
					return fmt.Errorf("%s: %w", name, err)
				}
				for _, p := range st.Problems {
					fmt.Fprintln(g.stderr, errorLine(nil, "flows from-pcap: "+name+": "+fmt.Sprint(p)))
				}
				total.Packets += st.Packets
				total.IP += st.IP
				total.NotIP += st.NotIP
				total.Malformed += st.Malformed
				total.Flows += st.Flows
			}
			bar.Finish()
			if err := out.Flush(); err != nil {
				return fmt.Errorf("write output: %w", err)
			}
			g.tell(g.stderr, i18n.M("cli.flows.from_pcap", strconv.Itoa(len(args)), fmt.Sprint(total.Packets), fmt.Sprint(total.IP), fmt.Sprint(total.NotIP),
				fmt.Sprint(total.Malformed), fmt.Sprint(total.Flows)))
			return nil
		},
	}
	f := cmd.Flags()
	f.DurationVar(&opts.IdleTimeout, "idle", 60*time.Second, "")
	f.DurationVar(&opts.ActiveTimeout, "active", 30*time.Minute, "")
	f.BoolVar(&opts.Bidirectional, "bidirectional", false, "")
	f.Uint16Var(&seed, "community-id-seed", 0, "")
	return cmd
}

func totalSize(files []string) int64 {
	var n int64
	for _, f := range files {
		if st, err := os.Stat(f); err == nil {
			n += st.Size()
		}
	}
	return n
}

// fileTime is the arrival time given to a datagram read from a file: its
// modification time (sFlow carries no wall-clock time of its own).
func fileTime(name string) time.Time {
	if st, err := os.Stat(name); err == nil {
		return st.ModTime()
	}
	return time.Time{}
}
