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
		Use:   "audit",
		Short: "The tamper-evident audit log: keys, independent verification, witness, figures",
		Long: `audit works with Renkei's tamper-evident audit log (監理 Oversight).

Every sensitive act is appended to a Merkle-tree log (C2SP tlog-tiles, stored by Tessera in
DATA/audit) before data is released, and the log publishes checkpoints signed with Ed25519 and
ML-DSA-65 (C2SP signed notes). The oversight committee verifies the whole log with "audit verify"
from the files or the read-only tile endpoint, and can run "audit witness" so that the hub cannot
roll back or fork the log without being refused.`,
	}
	cmd.AddCommand(newAuditPubkeyCmd(g), newAuditVerifyCmd(g), newAuditWitnessCmd(g), newAuditShowCmd(g), newAuditFiguresCmd(g), newAuditBenchCmd(g))
	return cmd
}

func newAuditPubkeyCmd(g *globals) *cobra.Command {
	var keyDir, origin string
	var all bool
	cmd := &cobra.Command{
		Use:   "pubkey",
		Short: "Print the audit log's verifier key (signed-note format)",
		Long: `pubkey prints the audit log's Ed25519 verifier key in signed-note format
(<origin>+<key id>+<base64 key>). Give it to the oversight committee: it is the --key of
"renkei audit verify" and the --log-key of "renkei audit witness".

The keys live in DATA/audit-keys (mode 0600) and are created on first use; they are never
rotated silently, since earlier checkpoints must stay verifiable. --all also prints the key of
the additional ML-DSA-65 (post-quantum) checkpoint signature.`,
		Example: `  renkei audit pubkey > renkei-audit.pub
  renkei audit pubkey --all --data /var/lib/renkei`,
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
	cmd.Flags().StringVar(&keyDir, "key-dir", "", "directory of the log's signing keys (default DATA/audit-keys)")
	cmd.Flags().StringVar(&origin, "origin", "", "checkpoint origin (the log's name; default the one its keys were made for, and for a new log renkei/<hub id>/audit)")
	cmd.Flags().BoolVar(&all, "all", false, "also print the ML-DSA-65 verifier key")
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
		Use:   "verify --log DIR|URL --key KEY|KEYFILE",
		Short: "Verify the whole audit log independently and name the first bad entry",
		Long: `verify checks an audit log from what it publishes, trusting only the log's public key(s):

  - the checkpoint carries a valid signature from every --key given (Ed25519 and/or ML-DSA-65);
  - every entry bundle is present and every entry is canonical Renkei audit JSON;
  - every node's sequence numbers run 1, 2, 3, ... without gaps or repeats (a dropped entry
    shows as a gap);
  - every tile matches the hashes recomputed from the entries, and the recomputed tree root is
    the checkpoint's;
  - the log is consistent (RFC 6962 consistency proof) with the last checkpoint this verifier
    saw: the one in --checkpoint, or else the one remembered in the state file from the last
    successful run. A log that shrank or rewrote its past is refused.

On success the checkpoint is remembered in the state file and verify exits 0. Otherwise it prints
the problems (lowest entry index first) and exits 1 naming the first bad entry.`,
		Example: `  renkei audit verify --log ./renkei-data/audit --key renkei-audit.pub
  renkei audit verify --log https://hub.example/audit/ --key 'renkei.example/audit+1a2b3c4d+AV…' --token $OVERSEER_TOKEN
  renkei audit verify --log ./audit --key keys.txt --checkpoint checkpoint-2026-10.txt`,
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
	fl.StringVar(&logLoc, "log", "", "log directory or tile endpoint URL (default DATA/audit)")
	fl.StringVar(&token, "token", "", "API token of an overseer or hub admin, sent as a bearer token when --log is a URL (or RENKEI_TOKEN)")
	fl.StringSliceVar(&keys, "key", nil, "log verifier key, or a file of keys one per line (repeatable; every key must have signed)")
	fl.StringVar(&checkpoint, "checkpoint", "", "a checkpoint of this log seen earlier; the log must be consistent with it")
	fl.StringVar(&state, "state", "", "file remembering the last verified checkpoint (default in the user config directory)")
	fl.BoolVar(&noState, "no-state", false, "neither read nor write the state file")
	fl.IntVar(&workers, "workers", 0, "parallel fetches (default 2×CPUs, 16 for URLs)")
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
		Use:   "witness --listen ADDR --key-dir DIR --log-key KEY",
		Short: "Run a C2SP tlog-witness that cosigns only consistent checkpoints",
		Long: `witness runs a witness for the audit log, per C2SP tlog-witness: POST /add-checkpoint with an
old size, a consistency proof and a checkpoint. It cosigns (cosignature/v1, Ed25519) only a
checkpoint signed by a --log-key that is consistent with the last checkpoint it cosigned for
that log, and persists that checkpoint before answering. A log that rolls back gets 409 (wrong
old size) or 400, a fork gets 422, an unknown log 404, a bad signature 403.

The committee runs it; the hub is configured with the witness's key (printed by --print-key) and
URL, and then publishes no checkpoint without its cosignature.`,
		Example: `  renkei audit witness --listen :7380 --key-dir ./witness --log-key renkei-audit.pub
  renkei audit witness --key-dir ./witness --log-key renkei-audit.pub --print-key`,
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
	fl.StringVar(&listen, "listen", "127.0.0.1:7380", "address to listen on")
	fl.StringVar(&keyDir, "key-dir", "", "directory of the witness key (created on first use)")
	fl.StringVar(&stateDir, "state-dir", "", "directory of the per-log state (default KEY-DIR/state)")
	fl.StringVar(&name, "name", "renkei.example/witness", "the witness's key name")
	fl.StringSliceVar(&logKeys, "log-key", nil, "verifier key of a log to witness, or a file of keys (repeatable)")
	fl.BoolVar(&printKey, "print-key", false, "print the witness's cosignature verifier key and exit")
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
		Use:   "bench",
		Short: "Measure durable appends/s, append latency and verification time",
		Long: `bench measures the audit log on this machine, in a scratch directory (never the real log):
durable appends per second and the latency of one append with --appenders concurrent appenders
(each waits for its entry to be fsynced, as a request handler does before releasing data), the
latency with a single appender (what one logged read adds on a quiet hub), then the time to
verify a log of --verify-entries entries from scratch.`,
		Example: `  renkei audit bench
  renkei audit bench --appenders 64 --entries 50000 --verify-entries 1000000`,
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
	fl.StringVar(&dir, "dir", "", "scratch directory (default a temporary one, removed afterwards)")
	fl.IntVar(&appenders, "appenders", 64, "concurrent appenders")
	fl.IntVar(&entries, "entries", 20000, "entries to append for the throughput and latency figures")
	fl.IntVar(&verifyEntries, "verify-entries", 0, "size of the log to build and verify (0: skip)")
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
		Use:   "show --log DIR|URL --key KEY (--index N | FILTER...)",
		Short: "Show audit entries with their verified inclusion proofs (inspection), by index or by filter",
		Long: `show prints entries of the audit log, each with the RFC 6962 inclusion proof that places it in
the tree of the signed checkpoint; the proof is verified before anything is printed, so what is
shown is what the log committed to. Inspectors use it to sample entries.

Entries are named by --index, or selected by what they record, as on the committee's console:
--action (repeatable; "approval.*" names a family), --user, --org (organization id), --purpose
and --legal-basis (contained, without regard to case), --approval (approval-12 or 12: entries
about the approval or resting on it), --from and --to (YYYY-MM-DD in Japan time, --to not
included, or RFC 3339) and --limit (default 200, at most 5000). Every access to communications
information in March 2026 with its purpose and approval:

  renkei audit show --key renkei-audit.pub --action comm.access --from 2026-03-01 --to 2026-04-01

Output is one JSON object per entry: index, the entry, its leaf hash, the proof (base64),
whether the proof verified, and the checkpoint size and root it was proved against. With
--format csv, a selection is CSV whose rows and last line name the checkpoint (origin, size,
root hash) it was verified against.`,
		Example: `  renkei audit show --log ./renkei-data/audit --key renkei-audit.pub --index 0 --index 4711
  renkei audit show --log https://hub.example.jp/audit/ --key renkei-audit.pub --token $OVERSEER_TOKEN \
    --action comm.access --from 2026-03-01 --to 2026-04-01 --format csv > march-access.csv`,
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
	fl.StringVar(&logLoc, "log", "", "log directory or tile endpoint URL (default DATA/audit)")
	fl.StringVar(&token, "token", "", "API token of an overseer or hub admin, sent as a bearer token when --log is a URL (or RENKEI_TOKEN)")
	fl.StringSliceVar(&keys, "key", nil, "log verifier key, or a file of keys one per line (repeatable)")
	fl.UintSliceVar(&indexes, "index", nil, "entry index to show (repeatable)")
	fl.StringSliceVar(&flt.Actions, "action", nil, "select entries with this action (repeatable; approval.* names a family)")
	fl.StringVar(&flt.User, "user", "", "select entries of this user (login)")
	fl.StringVar(&flt.Org, "org", "", "select entries of users of this organization (its id)")
	fl.StringVar(&flt.Purpose, "purpose", "", "select entries whose stated purpose contains this")
	fl.StringVar(&flt.LegalBasis, "legal-basis", "", "select entries whose legal basis contains this")
	fl.StringVar(&flt.Approval, "approval", "", "select entries about or resting on this approval (approval-12 or 12)")
	fl.StringVar(&from, "from", "", "select entries from this date (YYYY-MM-DD, Japan time) or time (RFC 3339)")
	fl.StringVar(&to, "to", "", "select entries before this date (YYYY-MM-DD, Japan time, not included) or time (RFC 3339)")
	fl.IntVar(&flt.Limit, "limit", 0, "show at most this many selected entries (default 200, at most 5000)")
	fl.StringVar(&format, "format", "json", "json (one object per entry) or csv (a selection, naming its checkpoint)")
	return cmd
}

func newAuditFiguresCmd(g *globals) *cobra.Command {
	var token string
	var logLoc, from, to string
	var keys []string
	cmd := &cobra.Command{
		Use:   "figures --log DIR|URL --key KEY [--from DATE] [--to DATE]",
		Short: "Count logged acts per action in a period, as CSV (annual report figures)",
		Long: `figures reads every entry of the audit log covered by its signed checkpoint and prints, as CSV,
how many entries each action has whose time lies in [--from, --to): approvals requested and
decided, emergency measures, accesses to communications information, deletions, and so on. The
figures come from the log itself, not from the hub's database; run "audit verify" first to know
the log is whole. Dates are YYYY-MM-DD (UTC) or RFC 3339.`,
		Example: `  renkei audit figures --key renkei-audit.pub --from 2026-04-01 --to 2027-04-01 > fy2026.csv`,
		Args:    cobra.NoArgs,
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
	fl.StringVar(&logLoc, "log", "", "log directory or tile endpoint URL (default DATA/audit)")
	fl.StringVar(&token, "token", "", "API token of an overseer or hub admin, sent as a bearer token when --log is a URL (or RENKEI_TOKEN)")
	fl.StringSliceVar(&keys, "key", nil, "log verifier key, or a file of keys one per line (repeatable)")
	fl.StringVar(&from, "from", "", "first day counted (inclusive)")
	fl.StringVar(&to, "to", "", "end of the period (exclusive)")
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
