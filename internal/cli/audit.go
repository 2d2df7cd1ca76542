package cli

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/mod/sumdb/note"

	"renkei/internal/app"
	"renkei/internal/audit"
	"renkei/internal/audit/witness"
	"renkei/internal/i18n"
	"renkei/internal/oversight"
)

func newAuditCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use: "audit",
	}
	cmd.AddCommand(newAuditPubkeyCmd(g), newAuditVerifyCmd(g), newAuditWitnessCmd(g), newAuditShowCmd(g), newAuditFiguresCmd(g), newAuditBenchCmd(g))
	return cmd
}

func newAuditPubkeyCmd(g *globals) *cobra.Command {
	var keyDir, origin string
	var all bool
	cmd := &cobra.Command{
		Use:  "pubkey",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if keyDir == "" {
				keyDir = filepath.Join(g.data, "audit-keys")
			}
			have, err := audit.KeyOrigin(keyDir)
			if err != nil {
				return err
			}
			var ed, pq string
			if origin != "" || have != "" {
				keys, err := audit.LoadOrCreateKeys(keyDir, cmp.Or(origin, have))
				if err != nil {
					return err
				}
				ed, pq = keys.VerifierKey, keys.PQVerifier
			} else {
				// No key yet: open the hub's log, which makes (or, on a
				// cluster, fetches) the keys under the hub's own origin.
				db, err := g.openStore(cmdContext(cmd))
				if err != nil {
					return err
				}
				defer db.Close()
				l, err := app.OpenAudit(cmdContext(cmd), db, app.AuditConfig{DataDir: g.data})
				if err != nil {
					return err
				}
				ed, pq = l.VerifierKey(), l.PQVerifierKey()
				if err := l.Close(); err != nil {
					return err
				}
			}
			fmt.Fprintln(g.stdout, ed)
			if all {
				fmt.Fprintln(g.stdout, pq)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&keyDir, "key-dir", "", "")
	cmd.Flags().StringVar(&origin, "origin", "", "")
	cmd.Flags().BoolVar(&all, "all", false, "")
	return cmd
}

// readKeys turns --key values into verifiers: each value is a key, or a file
// holding keys one per line.
func readKeys(values []string) ([]note.Verifier, error) {
	var vs []note.Verifier
	for _, v := range values {
		lines := []string{v}
		if !strings.Contains(v, "+") {
			b, err := os.ReadFile(v)
			if err != nil {
				return nil, fmt.Errorf("key %q is neither a verifier key nor a readable file: %w", v, err)
			}
			lines = strings.Split(string(b), "\n")
		}
		for i, l := range lines {
			l = strings.TrimSpace(l)
			if l == "" || strings.HasPrefix(l, "#") {
				continue
			}
			k, err := audit.NewVerifier(l)
			if err != nil {
				if len(lines) > 1 {
					return nil, fmt.Errorf("%s line %d: %w", v, i+1, err)
				}
				return nil, err
			}
			vs = append(vs, k)
		}
	}
	if len(vs) == 0 {
		return nil, refuse(i18n.M("cli.audit.no_key"))
	}
	return vs, nil
}

func newAuditVerifyCmd(g *globals) *cobra.Command {
	var token string
	var logLoc, checkpoint, state string
	var keys []string
	var noState bool
	var workers int
	cmd := &cobra.Command{
		Use:  "verify --log DIR|URL --key KEY|KEYFILE",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if logLoc == "" {
				logLoc = filepath.Join(g.data, "audit")
			}
			vs, err := readKeys(keys)
			if err != nil {
				return err
			}
			if state == "" && !noState {
				state = defaultVerifyState(vs)
			}
			var prev []byte
			switch {
			case checkpoint != "":
				if prev, err = os.ReadFile(checkpoint); err != nil {
					return fmt.Errorf("previous checkpoint: %w", err)
				}
			case state != "":
				prev, err = os.ReadFile(state)
				if errors.Is(err, fs.ErrNotExist) {
					prev, err = formerVerifyState(vs), nil
				}
				if err != nil {
					return fmt.Errorf("state file: %w", err)
				}
			}
			f, err := audit.NewFetcher(logLoc, logClient(token))
			if err != nil {
				return err
			}
			if strings.HasPrefix(logLoc, "http") && workers == 0 {
				workers = 16
			}
			ctx, stop := signal.NotifyContext(cmdContext(cmd), os.Interrupt, syscall.SIGTERM)
			defer stop()
			bar := newProgress(g.stderr, -1, "verifying")
			rep, err := audit.Verify(ctx, f, audit.VerifyOptions{Verifiers: vs, Previous: prev, Workers: workers,
				Progress: func(done, total uint64) {
					bar.ChangeMax64(int64(total))
					_ = bar.Set64(int64(done))
				}})
			_ = bar.Finish()
			if err != nil {
				return err
			}
			cp := rep.Checkpoint
			if !rep.OK() {
				for i, p := range rep.Problems {
					if i == 20 {
						g.tell(g.stderr, i18n.M("cli.audit.more_problems", fmt.Sprint(rep.Count-20)))
						break
					}
					fmt.Fprintln(g.stderr, p.String())
				}
				return exitError{code: 1, msg: g.say(i18n.M("cli.audit.failed", cp.Origin, fmt.Sprint(cp.Size), fmt.Sprint(rep.Count), fmt.Sprint(rep.FirstBad())))}
			}
			var nodes strings.Builder
			for _, n := range slices.Sorted(maps.Keys(rep.LastSeq)) {
				nodes.WriteString(g.say(i18n.M("cli.audit.node_seq", n, fmt.Sprint(rep.LastSeq[n]))))
			}
			g.tell(g.stdout, i18n.M("cli.audit.verified", cp.Origin, fmt.Sprint(cp.Size), fmt.Sprintf("%x", cp.Root), rep.Duration.Round(time.Millisecond).String(), strconv.Itoa(len(rep.LastSeq)), nodes.String()))
			if len(prev) > 0 {
				g.tell(g.stdout, i18n.M("cli.audit.consistent"))
			}
			if state != "" {
				if err := writeFileAtomic(state, cp.Note); err != nil {
					return fmt.Errorf("remember checkpoint: %w", err)
				}
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&logLoc, "log", "", "")
	fl.StringVar(&token, "token", "", "")
	fl.StringSliceVar(&keys, "key", nil, "")
	fl.StringVar(&checkpoint, "checkpoint", "", "")
	fl.StringVar(&state, "state", "", "")
	fl.BoolVar(&noState, "no-state", false, "")
	fl.IntVar(&workers, "workers", 0, "")
	return cmd
}

func cmdContext(cmd *cobra.Command) context.Context {
	if ctx := cmd.Context(); ctx != nil {
		return ctx
	}
	return context.Background()
}

// defaultVerifyState is where verify remembers the last checkpoint of a
// log: one file per key set (origin and key hashes), so that two logs of
// the same name — two hubs on one machine that kept the old default origin —
// never share what the verifier remembers.
func defaultVerifyState(vs []note.Verifier) string {
	dir, err := os.UserConfigDir()
	if err != nil {
		return ""
	}
	ids := make([]string, len(vs))
	for i, v := range vs {
		ids[i] = fmt.Sprintf("%s+%08x", v.Name(), v.KeyHash())
	}
	slices.Sort(ids)
	h := sha256.Sum256([]byte(strings.Join(ids, "\n")))
	return filepath.Join(dir, "renkei", "audit-verify", "keys-"+hex.EncodeToString(h[:8])+".checkpoint")
}

// formerVerifyState is the checkpoint remembered, before the state was kept
// per key set, under the log's name alone — when it is this log's (signed by
// these keys); nil otherwise, since it is then another log's of the same name.
func formerVerifyState(vs []note.Verifier) []byte {
	dir, err := os.UserConfigDir()
	if err != nil {
		return nil
	}
	h := sha256.Sum256([]byte(vs[0].Name()))
	b, err := os.ReadFile(filepath.Join(dir, "renkei", "audit-verify", hex.EncodeToString(h[:8])+".checkpoint"))
	if err != nil {
		return nil
	}
	if _, err := audit.OpenCheckpoint(b, vs...); err != nil {
		return nil
	}
	return b
}

func writeFileAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func newAuditWitnessCmd(g *globals) *cobra.Command {
	var listen, keyDir, stateDir, name string
	var logKeys []string
	var printKey bool
	cmd := &cobra.Command{
		Use:  "witness --listen ADDR --key-dir DIR --log-key KEY",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if keyDir == "" {
				return refuse(i18n.M("cli.audit.key_dir_required"))
			}
			var keys []string
			for _, v := range logKeys {
				vs, err := readKeyLines(v)
				if err != nil {
					return err
				}
				keys = append(keys, vs...)
			}
			w, err := witness.New(witness.Options{KeyDir: keyDir, StateDir: stateDir, Name: name, LogKeys: keys,
				Logger: slog.New(slog.NewTextHandler(g.stderr, nil))})
			if err != nil {
				return err
			}
			if printKey {
				fmt.Fprintln(g.stdout, w.VerifierKey())
				return nil
			}
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return err
			}
			g.tell(g.stderr, i18n.M("cli.audit.witness_listening", w.VerifierKey(), ln.Addr().String()))
			srv := &http.Server{Handler: w.Handler(), ReadHeaderTimeout: 10 * time.Second}
			ctx, stop := signal.NotifyContext(cmdContext(cmd), os.Interrupt, syscall.SIGTERM)
			defer stop()
			go func() {
				<-ctx.Done()
				sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				_ = srv.Shutdown(sctx)
			}()
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&listen, "listen", "127.0.0.1:7380", "")
	fl.StringVar(&keyDir, "key-dir", "", "")
	fl.StringVar(&stateDir, "state-dir", "", "")
	fl.StringVar(&name, "name", "renkei.example/witness", "")
	fl.StringSliceVar(&logKeys, "log-key", nil, "")
	fl.BoolVar(&printKey, "print-key", false, "")
	return cmd
}

// readKeyLines returns the key itself, or the keys in the file it names.
func readKeyLines(v string) ([]string, error) {
	if strings.Contains(v, "+") {
		return []string{v}, nil
	}
	b, err := os.ReadFile(v)
	if err != nil {
		return nil, fmt.Errorf("log key %q is neither a key nor a readable file: %w", v, err)
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out, nil
}

func newAuditBenchCmd(g *globals) *cobra.Command {
	var dir string
	var appenders, entries, verifyEntries int
	cmd := &cobra.Command{
		Use:  "bench",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmdContext(cmd)
			if dir == "" {
				d, err := os.MkdirTemp("", "renkei-audit-bench")
				if err != nil {
					return err
				}
				defer os.RemoveAll(d)
				dir = d
			}
			quiet := slog.New(slog.NewTextHandler(g.stderr, &slog.HandlerOptions{Level: slog.LevelError}))
			open := func(name string, batch uint) (*audit.Log, error) {
				return audit.Open(ctx, audit.Options{Dir: filepath.Join(dir, name), KeyDir: filepath.Join(dir, "keys"),
					Node: "bench", BatchMaxSize: batch, Logger: quiet})
			}
			l, err := open("appends", 0)
			if err != nil {
				return err
			}
			st, err := audit.MeasureAppends(ctx, l, appenders, entries)
			if cerr := l.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
			fmt.Fprintln(g.stdout, st)
			// The latency one logged read adds when nothing else is logging.
			if l, err = open("single", 0); err != nil {
				return err
			}
			st, err = audit.MeasureAppends(ctx, l, 1, 300)
			if cerr := l.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
			fmt.Fprintln(g.stdout, st)
			if verifyEntries <= 0 {
				return nil
			}
			l, err = open("verify", 4096)
			if err != nil {
				return err
			}
			t0 := time.Now()
			if _, err := audit.MeasureAppends(ctx, l, 4096, verifyEntries); err != nil {
				l.Close()
				return err
			}
			if err := l.Close(); err != nil {
				return err
			}
			g.tell(g.stdout, i18n.M("cli.audit.bench_built", fmt.Sprint(verifyEntries), time.Since(t0).Round(time.Millisecond).String()))
			v, err := audit.NewVerifier(l.VerifierKey())
			if err != nil {
				return err
			}
			pq, err := audit.NewVerifier(l.PQVerifierKey())
			if err != nil {
				return err
			}
			f, err := audit.NewFetcher(filepath.Join(dir, "verify"), nil)
			if err != nil {
				return err
			}
			rep, err := audit.Verify(ctx, f, audit.VerifyOptions{Verifiers: []note.Verifier{v, pq}})
			if err != nil {
				return err
			}
			if !rep.OK() {
				return refuse(i18n.M("cli.audit.bench_failed", fmt.Sprint(rep.FirstBad())))
			}
			g.tell(g.stdout, i18n.M("cli.audit.bench_verified", fmt.Sprint(rep.Entries),
				rep.Duration.Round(time.Millisecond).String(), fmt.Sprintf("%.0f", float64(rep.Entries)/rep.Duration.Seconds())))
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&dir, "dir", "", "")
	fl.IntVar(&appenders, "appenders", 64, "")
	fl.IntVar(&entries, "entries", 20000, "")
	fl.IntVar(&verifyEntries, "verify-entries", 0, "")
	return cmd
}

func newAuditShowCmd(g *globals) *cobra.Command {
	var token string
	var logLoc, format string
	var keys []string
	var indexes []uint
	var flt oversight.Filter
	var from, to string
	cmd := &cobra.Command{
		Use:  "show --log DIR|URL --key KEY (--index N | FILTER...)",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if logLoc == "" {
				logLoc = filepath.Join(g.data, "audit")
			}
			vs, err := readKeys(keys)
			if err != nil {
				return err
			}
			if flt.From, err = oversight.ParseTime("from", from); err != nil {
				return err
			}
			if flt.To, err = oversight.ParseTime("to", to); err != nil {
				return err
			}
			filtered := len(flt.Actions) > 0 || flt.User != "" || flt.Org != "" || flt.Purpose != "" || flt.LegalBasis != "" ||
				flt.Approval != "" || !flt.From.IsZero() || !flt.To.IsZero()
			if len(indexes) == 0 && !filtered {
				return refuse(i18n.M("cli.audit.show_needs"))
			}
			if len(indexes) > 0 && filtered {
				return refuse(i18n.M("cli.audit.index_or_filter"))
			}
			if format != "json" && format != "csv" {
				return refuse(i18n.M("cli.audit.bad_format", format))
			}
			f, err := audit.NewFetcher(logLoc, logClient(token))
			if err != nil {
				return err
			}
			enc := json.NewEncoder(g.stdout)
			if filtered {
				// The log's files are read whole (as audit verify reads them):
				// whoever holds them reads every entry.
				sel, err := oversight.Select(cmdContext(cmd), f, vs, flt, func(es []audit.Entry) []audit.Entry { return es })
				if err != nil {
					return err
				}
				if format == "csv" {
					return sel.WriteCSV(g.stdout)
				}
				for _, x := range sel.Entries {
					data, err := x.Entry.Marshal()
					if err != nil {
						return err
					}
					if err := enc.Encode(map[string]any{
						"index": x.Index, "entry": json.RawMessage(data), "leaf_hash": x.LeafHash, "inclusion_proof": x.Proof,
						"verified": x.Verified, "problem": x.Problem, "checkpoint_origin": sel.Checkpoint.Origin,
						"checkpoint_size": sel.Checkpoint.Size, "checkpoint_root": sel.Checkpoint.Root,
					}); err != nil {
						return err
					}
				}
				if sel.Truncated() {
					g.tell(g.stderr, i18n.M("cli.audit.limited", fmt.Sprint(sel.Matched), strconv.Itoa(len(sel.Entries))))
				}
				return nil
			}
			for _, idx := range indexes {
				in, err := audit.Inspect(cmdContext(cmd), f, vs, uint64(idx))
				if err != nil {
					return err
				}
				if err := enc.Encode(map[string]any{
					"index": in.Index, "entry": json.RawMessage(in.Data), "leaf_hash": in.LeafHash,
					"inclusion_proof": in.Proof, "checkpoint_size": in.Checkpoint.Size, "checkpoint_root": in.Checkpoint.Root,
				}); err != nil {
					return err
				}
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&logLoc, "log", "", "")
	fl.StringVar(&token, "token", "", "")
	fl.StringSliceVar(&keys, "key", nil, "")
	fl.UintSliceVar(&indexes, "index", nil, "")
	fl.StringSliceVar(&flt.Actions, "action", nil, "")
	fl.StringVar(&flt.User, "user", "", "")
	fl.StringVar(&flt.Org, "org", "", "")
	fl.StringVar(&flt.Purpose, "purpose", "", "")
	fl.StringVar(&flt.LegalBasis, "legal-basis", "", "")
	fl.StringVar(&flt.Approval, "approval", "", "")
	fl.StringVar(&from, "from", "", "")
	fl.StringVar(&to, "to", "", "")
	fl.IntVar(&flt.Limit, "limit", 0, "")
	fl.StringVar(&format, "format", "json", "")
	return cmd
}

func newAuditFiguresCmd(g *globals) *cobra.Command {
	var token string
	var logLoc, from, to string
	var keys []string
	cmd := &cobra.Command{
		Use:  "figures --log DIR|URL --key KEY [--from DATE] [--to DATE]",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if logLoc == "" {
				logLoc = filepath.Join(g.data, "audit")
			}
			vs, err := readKeys(keys)
			if err != nil {
				return err
			}
			parse := func(name, v string) (time.Time, error) {
				if v == "" {
					return time.Time{}, nil
				}
				for _, layout := range []string{"2006-01-02", time.RFC3339Nano} {
					if t, err := time.Parse(layout, v); err == nil {
						return t, nil
					}
				}
				return time.Time{}, refuse(i18n.M("cli.bad_day_or_time", "--"+name, v))
			}
			fromT, err := parse("from", from)
			if err != nil {
				return err
			}
			toT, err := parse("to", to)
			if err != nil {
				return err
			}
			f, err := audit.NewFetcher(logLoc, logClient(token))
			if err != nil {
				return err
			}
			figs, cp, err := audit.CountActions(cmdContext(cmd), f, vs, fromT, toT)
			if err != nil {
				return err
			}
			w := csv.NewWriter(g.stdout)
			_ = w.Write([]string{"action", "count"})
			for _, fig := range figs {
				_ = w.Write([]string{fig.Action, strconv.Itoa(fig.Count)})
			}
			w.Flush()
			g.tell(g.stderr, i18n.M("cli.audit.counted_from", cp.Origin, fmt.Sprint(cp.Size)))
			return w.Error()
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&logLoc, "log", "", "")
	fl.StringVar(&token, "token", "", "")
	fl.StringSliceVar(&keys, "key", nil, "")
	fl.StringVar(&from, "from", "", "")
	fl.StringVar(&to, "to", "", "")
	return cmd
}

// logClient fetches tiles over keep-alive connections, enough for the
// parallel fetches verify makes. With a token, every request carries it: the
// hub serves its log to overseers only.
func logClient(token string) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	if token == "" {
		return &http.Client{Timeout: time.Minute, Transport: t}
	}
	return &http.Client{Timeout: time.Minute, Transport: bearer{token, t}}
}

// bearer adds an Authorization header to each request.
type bearer struct {
	token string
	next  http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.next.RoundTrip(r)
}
