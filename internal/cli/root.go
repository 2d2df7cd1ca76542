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
		Use:           "renkei", // its help and its flags' usage: help.go
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
	pf.StringVar(&g.data, "data", "./renkei-data", "")
	pf.StringVar(&g.database, "database", "", "")
	pf.StringVar(&g.lang, "lang", "", "")

	root.AddCommand(
		// Each capability's commands are registered here, one line each.
		newSBOMCmd(g), newFeedsCmd(g),
		newSweepCmd(g), newExportCmd(g), newWarninglistsCmd(g), newPartnerCmd(g),
		newFlowsCmd(g), newCollectCmd(g),
		newServeCmd(g),
		newAuditCmd(g),
		newApprovalCmd(g), newCommitteeCmd(g),
		newRetentionCmd(g),
		newOrgCmd(g),
		newGroupCmd(g),
		newUserCmd(g),
		newTokenCmd(g),
		newOIDCCmd(g),
		newCertCmd(g),
		newBackupCmd(g),
		newDemoCmd(g),
		newBenchCmd(g),
		newTelemetryCmd(g), newWorkerCmd(g),
		newHuntCmd(g),
		newHuntPackageCmd(g),
		newAssetCmd(g), newExposureCmd(g), newSupplierCmd(g),
		newPQCCmd(g),
		newReportCmd(g), newComputerCmd(g), newCaseCmd(g), newAdvisoryCmd(g), newConsultCmd(g), newCOPCmd(g), newNotifyCmd(g),
	)
	g.localize(root)
	help := root.HelpFunc()
	root.SetHelpFunc(func(c *cobra.Command, args []string) {
		g.localize(root) // again, now that --lang is read
		help(c, args)
	})
	return root
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
