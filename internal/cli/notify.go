package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"renkei/internal/i18n"
	"renkei/internal/notify"
)

func newNotifyCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "notify"}
	var cfg notify.SMTP
	var pwStdin bool
	smtpCmd := &cobra.Command{
		Use:  "smtp",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if pwStdin {
				b, err := io.ReadAll(io.LimitReader(g.stdin, 4096))
				if err != nil {
					return err
				}
				cfg.Password = strings.TrimRight(string(b), "\r\n")
			}
			db, err := g.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			return (&notify.Notifier{DB: db}).SetSMTP(cmd.Context(), cfg)
		},
	}
	smtpCmd.Flags().StringVar(&cfg.Addr, "addr", "", "")
	smtpCmd.Flags().StringVar(&cfg.From, "from", "", "")
	smtpCmd.Flags().StringVar(&cfg.User, "user", "", "")
	smtpCmd.Flags().BoolVar(&pwStdin, "password-stdin", false, "")
	var emails, digest, lang string
	set := &cobra.Command{
		Use:  "set ORG",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			list, err := notify.ParseEmails(emails)
			if err != nil {
				return fmt.Errorf("--emails: %w", err)
			}
			db, err := g.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			o, err := db.Org(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			n := &notify.Notifier{DB: db}
			if err := n.SetPref(cmd.Context(), o.ID, list, digest); err != nil {
				return err
			}
			return n.SetLang(cmd.Context(), o.ID, lang)
		},
	}
	set.Flags().StringVar(&lang, "lang", "", "")
	set.Flags().StringVar(&emails, "emails", "", "")
	set.Flags().StringVar(&digest, "digest", notify.Immediate, "")
	run := &cobra.Command{
		Use:  "run",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := g.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			res, err := (&notify.Notifier{DB: db}).Run(cmd.Context(), time.Now().UTC())
			if err != nil {
				return err
			}
			g.tell(g.stdout, i18n.M("cli.notify.sent", fmt.Sprint(res.Mails), fmt.Sprint(res.Alerts), fmt.Sprint(res.Failed)))
			if res.Failed > 0 {
				return exitError{code: 2, msg: g.say(i18n.M("cli.notify.some_failed"))}
			}
			return nil
		},
	}
	var listFormat string
	list := &cobra.Command{
		Use:  "list",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := g.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			ps, err := (&notify.Notifier{DB: db}).Prefs(cmd.Context())
			if err != nil {
				return err
			}
			tw := newTableAs(g.stdout, listFormat)
			fmt.Fprintln(tw, "ORG\tDIGEST\tEMAILS\tLAST SENT")
			for _, p := range ps {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.OrgID, p.Digest, strings.Join(p.Emails, ","), jstTime(p.LastSent))
			}
			return tw.Flush()
		},
	}
	formatFlag(list, &listFormat, formatTable, formatJSON, formatCSV)
	cmd.AddCommand(smtpCmd, set, run, list)
	return cmd
}
