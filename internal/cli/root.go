// Package cli holds the renkei command line: one cobra command per file.
//
// Commands parse flags, open what they need and call the capability packages;
// they hold no logic of their own beyond presenting results. Every flag can also
// be given as an environment variable RENKEI_<FLAG> (upper case, '-' as '_').
// Errors are printed as one line "renkei: <command>: <what went wrong>" and the
// process exits non-zero; a refusal is followed by what it means, in Japanese
// or English (lang.go), as are the other messages meant for people.
package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"renkei/internal/i18n"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/klog/v2"
)

// globals are the options every command shares.
type globals struct {
	data     string // data directory for everything on one machine
	database string // SQLite path or postgres:// URL; empty means DATA/renkei.db
	lang     string // language of messages to people (lang.go); empty: from the environment

	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer

	closers []func() // run when the command ends (announceChanges)
}

// Main runs the command line with args and returns the exit code.
func Main(args []string) int {
	return Run(args, os.Stdin, os.Stdout, os.Stderr)
}

// Run runs the command line with the given standard streams.
func Run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	// Tessera (the audit log) reports through klog; its notes are for its own
	// developers, and Renkei logs what operators need through slog.
	klog.LogToStderr(false)
	klog.SetOutput(io.Discard)
	g := &globals{stdin: stdin, stdout: stdout, stderr: stderr}
	root := newRoot(g)
	root.SetArgs(args)
	cmd, err := root.ExecuteC()
	for _, c := range g.closers {
		c()
	}
	if err != nil {
		var ee exitError
		if errors.As(err, &ee) {
			if ee.msg != "" {
				fmt.Fprintln(g.stderr, errorLine(cmd, ee.msg))
			}
			return ee.code
		}
		fmt.Fprintln(g.stderr, errorLine(cmd, g.explain(err)))
		return 1
	}
	return 0
}

// errorLine is the one line an error is printed as: "renkei: <command>:
// <what went wrong>". The root command's own errors (an unknown command or
// flag) name no command, and a message that already begins with "renkei: "
// does not get it twice.
func errorLine(cmd *cobra.Command, msg string) string {
	msg = strings.TrimPrefix(msg, "renkei: ")
	if cmd == nil || !cmd.HasParent() {
		return "renkei: " + msg
	}
	return "renkei: " + cmd.Name() + ": " + msg
}

// exitError ends a command with a particular exit code (for example a scan
// that found what --fail-on asked about).
type exitError struct {
	code int
	msg  string
}

func (e exitError) Error() string { return e.msg }

// serverGC lets a long-running process's heap grow to five times what is
// live before collecting, unless GOGC says otherwise. A server's live heap is
// small and nearly all it allocates (a page's rows, a batch of a bundle) dies
// with the request; at Go's default the collector took 15% of the CPU serving
// TAXII pages, at 400 about 4%. GOMEMLIMIT, when set, still bounds the total.
func serverGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
}

func newRoot(g *globals) *cobra.Command {
	root := &cobra.Command{
		Use:           "renkei",
		Short:         "Renkei: the public-private threat-sharing hub (官民連携基盤)",
		Long:          "Renkei shares threat information both ways between the national center and its members,\nfinds attacks in their data, tells exactly the right organization, and proves lawful handling.\n\nEvery flag can also be set as an environment variable RENKEI_<FLAG>, e.g. RENKEI_DATABASE.",
		Version:       versionString(),
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			return bindEnv(cmd)
		},
	}
	root.SetIn(g.stdin)
	root.SetOut(g.stdout)
	root.SetErr(g.stderr)
	root.SetFlagErrorFunc(g.flagError)
	pf := root.PersistentFlags()
	pf.StringVar(&g.data, "data", "./renkei-data", "data directory holding everything on one machine")
	pf.StringVar(&g.database, "database", "", "SQLite file or postgres:// URL (default DATA/renkei.db)")
	pf.StringVar(&g.lang, "lang", "", g.say(i18n.M("cli.flag.lang")))

	root.AddCommand(
		// Each capability's commands are registered here, one line each.
		newSBOMCmd(g), newFeedsCmd(g),
		newSweepCmd(g), newExportCmd(g), newWarninglistsCmd(g),
		newFlowsCmd(g), newCollectCmd(g),
		newServeCmd(g),
		newAuditCmd(g),
		newApprovalCmd(g), newCommitteeCmd(g),
		newRetentionCmd(g),
		newOrgCmd(g),
		newGroupCmd(g),
		newUserCmd(g),
		newTokenCmd(g),
		newBackupCmd(g),
		newDemoCmd(g),
		newBenchCmd(g),
		newTelemetryCmd(g), newWorkerCmd(g),
		newHuntCmd(g),
		newHuntPackageCmd(g),
		newAssetCmd(g), newExposureCmd(g), newSupplierCmd(g),
		newReportCmd(g), newComputerCmd(g), newCaseCmd(g), newAdvisoryCmd(g), newConsultCmd(g), newCOPCmd(g), newNotifyCmd(g),
	)
	documentExitCodes(root)
	return root
}

// defaultExitCodes is what a command's --help says of its exit codes when it
// says nothing of its own: a command that ends otherwise (a gate that found
// something, input that could not be read) states its codes in its Long text.
const defaultExitCodes = "Exit codes: 0 done; 1 refused or failed (the reason on stderr)."

// documentExitCodes gives every command that can run, and whose help does
// not state its exit codes, the default statement, so that each --help
// tells a script what the exit status means (TestEveryHelpStatesExitCodes).
func documentExitCodes(c *cobra.Command) {
	if c.Runnable() && !strings.Contains(c.Long, "Exit codes:") {
		long := c.Long
		if long == "" {
			long = c.Short
		}
		c.Long = strings.TrimRight(long, "\n") + "\n\n" + defaultExitCodes
	}
	for _, sub := range c.Commands() {
		documentExitCodes(sub)
	}
}

// bindEnv fills every flag the user did not set from RENKEI_<FLAG>.
func bindEnv(cmd *cobra.Command) error {
	var err error
	set := func(f *pflag.Flag) {
		if err != nil || f.Changed {
			return
		}
		name := "RENKEI_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(name); ok {
			if e := f.Value.Set(v); e != nil {
				err = fmt.Errorf("environment %s=%q: %w", name, v, e)
			}
			f.Changed = true
		}
	}
	cmd.Flags().VisitAll(set)
	cmd.InheritedFlags().VisitAll(set)
	return err
}
