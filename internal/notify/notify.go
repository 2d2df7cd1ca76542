// Package notify sends alerts by e-mail: each organization's addresses and
// its digest preference (immediate, or one daily digest) are configured by the
// hub operator, and a job mails what the alert inbox received since the last
// run through the operator's SMTP server.
//
// It reads alerts only after alert.Service.Raise stored them — the hub's one
// alert path — so e-mail never says more than the inbox. The addresses are the
// organization's, not one reader's: only alerts the organization as a whole
// may read (alerts.org_wide, decided by policy when the alert was raised) are
// mailed, never one that names a RED object or one the organization is not
// the audience of. It must not decide whom to alert, and it never logs
// message bodies or SMTP credentials.
package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"slices"
	"strconv"
	"strings"
	"time"

	"renkei/internal/alert"
	"renkei/internal/i18n"
	"renkei/internal/jst"
	"renkei/internal/policy"
	"renkei/internal/store"
)

// Digest preferences.
const (
	Immediate = "immediate"
	Daily     = "daily"
)

// Settings keys of the SMTP configuration (hub settings, set by the operator).
const (
	SettingAddr     = "smtp_addr"     // host:port
	SettingFrom     = "smtp_from"     // sender address
	SettingUser     = "smtp_user"     // optional AUTH PLAIN user
	SettingPassword = "smtp_password" // optional AUTH PLAIN password
	SettingHour     = "digest_hour"   // JST hour daily digests go out (default 8)
)

// SMTP is how mail leaves the hub.
type SMTP struct {
	Addr     string
	From     string
	User     string
	Password string
}

// Pref is an organization's e-mail preference.
type Pref store.NotifyPref

// langs are the languages mail under p is written in.
func (p Pref) langs() []string {
	if p.Lang == "" {
		return i18n.Languages
	}
	return []string{i18n.Lang(p.Lang)}
}

// Notifier mails alerts.
type Notifier struct {
	DB  *store.DB
	Log *slog.Logger
	// TLS configures STARTTLS, used whenever the server offers it; nil uses
	// the system roots with the server's host name.
	TLS *tls.Config
}

func (n *Notifier) log() *slog.Logger {
	if n.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return n.Log
}

// ParseEmails checks a comma-separated list of addresses.
func ParseEmails(s string) ([]string, error) {
	var out []string
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		a, err := mail.ParseAddress(p)
		if err != nil || a.Name != "" || strings.ContainsAny(a.Address, "\r\n") {
			return nil, fmt.Errorf("%q is not an e-mail address", p)
		}
		out = append(out, a.Address)
	}
	return out, nil
}

// SetPref stores an organization's addresses and digest preference. The
// cursor starts at the newest alert, so configuring e-mail does not mail the
// whole inbox's history.
func (n *Notifier) SetPref(ctx context.Context, orgID string, emails []string, digest string) error {
	if digest != Immediate && digest != Daily {
		return fmt.Errorf("digest %q: want %s or %s", digest, Immediate, Daily)
	}
	if _, err := n.DB.Org(ctx, orgID); err != nil {
		return err
	}
	return n.DB.SetNotifyPref(ctx, orgID, emails, digest)
}

// SetLang sets the language of an organization's alert mail: ja, en, or
// empty for both.
func (n *Notifier) SetLang(ctx context.Context, orgID, lang string) error {
	if lang != "" && !slices.Contains(i18n.Languages, lang) {
		return fmt.Errorf("language %q: want %s, or nothing for both", lang, strings.Join(i18n.Languages, " or "))
	}
	return n.DB.SetNotifyLang(ctx, orgID, lang)
}

// Prefs lists every organization's preference.
func (n *Notifier) Prefs(ctx context.Context) ([]Pref, error) {
	ps, err := n.DB.NotifyPrefs(ctx)
	out := make([]Pref, len(ps))
	for i, p := range ps {
		out[i] = Pref(p)
	}
	return out, err
}

// SetSMTP stores the SMTP configuration.
func (n *Notifier) SetSMTP(ctx context.Context, c SMTP) error {
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("SMTP address %q: want host:port", c.Addr)
	}
	if _, err := ParseEmails(c.From); err != nil || c.From == "" {
		return fmt.Errorf("sender %q is not an e-mail address", c.From)
	}
	for k, v := range map[string]string{SettingAddr: c.Addr, SettingFrom: c.From, SettingUser: c.User, SettingPassword: c.Password} {
		if err := n.DB.SetSetting(ctx, k, v); err != nil {
			return err
		}
	}
	return nil
}

func (n *Notifier) smtpConfig(ctx context.Context) (SMTP, int, error) {
	var c SMTP
	var err error
	get := func(k string) string {
		v, e := n.DB.Setting(ctx, k)
		if e != nil && err == nil {
			err = e
		}
		return v
	}
	c.Addr, c.From, c.User, c.Password = get(SettingAddr), get(SettingFrom), get(SettingUser), get(SettingPassword)
	hour := 8
	if h, e := strconv.Atoi(get(SettingHour)); e == nil && h >= 0 && h < 24 {
		hour = h
	}
	return c, hour, err
}

// Result says what a run did.
type Result struct {
	Mails  int // messages sent
	Alerts int // alerts they carried
	Failed int // organizations whose mail failed (retried next run)
}

// Run mails every organization what is due at now: each new alert at once
// for "immediate", one digest a JST day (from the digest hour) for "daily".
// The cursor of an organization is advanced before sending, with a
// conditional update so that two nodes never mail the same alerts, and put
// back if the mail fails, so that the next run retries.
func (n *Notifier) Run(ctx context.Context, now time.Time) (Result, error) {
	var res Result
	cfg, hour, err := n.smtpConfig(ctx)
	if err != nil {
		return res, err
	}
	if cfg.Addr == "" || cfg.From == "" {
		return res, nil // e-mail is not configured
	}
	prefs, err := n.Prefs(ctx)
	if err != nil {
		return res, fmt.Errorf("e-mail preferences: %w", err)
	}
	for _, p := range prefs {
		if len(p.Emails) == 0 {
			continue
		}
		if p.Digest == Daily {
			j := now.In(jst.Zone)
			last := p.LastSent.In(jst.Zone)
			sameDay := !p.LastSent.IsZero() && last.Year() == j.Year() && last.YearDay() == j.YearDay()
			if sameDay || j.Hour() < hour {
				continue
			}
		}
		alerts, err := n.newAlerts(ctx, p)
		if err != nil {
			return res, err
		}
		if len(alerts) == 0 {
			continue
		}
		newest := alerts[len(alerts)-1].ID
		claimed, err := n.DB.ClaimNotifyCursor(ctx, p.OrgID, p.LastAlertID, newest, now)
		if err != nil {
			return res, err
		}
		if !claimed {
			continue // another node took them
		}
		var msgs [][]byte
		if p.Digest == Daily {
			msgs = append(msgs, digestMessage(cfg.From, p.Emails, p.langs(), alerts, now))
		} else {
			for _, a := range alerts {
				msgs = append(msgs, alertMessage(cfg.From, p.Emails, p.langs(), a, now))
			}
		}
		sent := 0
		for _, m := range msgs {
			if err := n.send(ctx, cfg, p.Emails, m); err != nil {
				n.log().Warn("e-mail failed", "org", p.OrgID, "err", err)
				res.Failed++
				break
			}
			sent++
		}
		if sent < len(msgs) {
			// Put the cursor back to just before the first alert not sent.
			back := p.LastAlertID
			if p.Digest == Immediate && sent > 0 {
				back = alerts[sent-1].ID
			}
			if err := n.DB.RewindNotifyCursor(ctx, p.OrgID, newest, back); err != nil {
				n.log().Warn("e-mail cursor", "org", p.OrgID, "err", err)
			}
			if p.Digest == Immediate {
				res.Alerts += sent
			}
			res.Mails += sent
			continue
		}
		res.Mails += sent
		res.Alerts += len(alerts)
	}
	return res, nil
}

func (n *Notifier) newAlerts(ctx context.Context, p Pref) ([]store.Alert, error) {
	// Whether the organization as a whole may read an alert was decided when
	// it was raised (org_wide); its groups may have changed since, or a named
	// object gone, so the inbox's decision is made again for it now.
	o, err := n.DB.Org(ctx, p.OrgID)
	if err != nil {
		return nil, fmt.Errorf("new alerts of %s: %w", p.OrgID, err)
	}
	groups, err := n.DB.OrgGroups(ctx, o.ID)
	if err != nil {
		return nil, fmt.Errorf("new alerts of %s: groups: %w", p.OrgID, err)
	}
	return n.DB.AlertsToMail(ctx, policy.OrgAudience(o.ID, o.IsCenter(), groups), p.LastAlertID, 500)
}

// send delivers one message with net/smtp, using STARTTLS when offered and
// AUTH PLAIN when a user is configured (net/smtp refuses PLAIN without TLS
// except to localhost).
func (n *Notifier) send(ctx context.Context, cfg SMTP, to []string, msg []byte) error {
	d := net.Dialer{Timeout: 15 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("connect %s: %w", cfg.Addr, err)
	}
	conn.SetDeadline(time.Now().Add(60 * time.Second))
	host, _, _ := net.SplitHostPort(cfg.Addr)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("smtp %s: %w", cfg.Addr, err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok {
		tc := n.TLS
		if tc == nil {
			tc = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
		}
		if err := c.StartTLS(tc); err != nil {
			return fmt.Errorf("smtp STARTTLS: %w", err)
		}
	}
	if cfg.User != "" {
		if err := c.Auth(smtp.PlainAuth("", cfg.User, cfg.Password, host)); err != nil {
			return fmt.Errorf("smtp auth: %w", err)
		}
	}
	if err := c.Mail(cfg.From); err != nil {
		return fmt.Errorf("smtp MAIL FROM: %w", err)
	}
	for _, r := range to {
		if err := c.Rcpt(r); err != nil {
			return fmt.Errorf("smtp RCPT TO %s: %w", r, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("smtp DATA: %w", err)
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("smtp end of data: %w", err)
	}
	return c.Quit()
}

// message builds an RFC 5322 message in UTF-8: headers with RFC 2047 encoded
// words (Japanese subjects), the body in base64 so that no line is too long.
func message(from string, to []string, subject, body string, now time.Time) []byte {
	var b bytes.Buffer
	id := make([]byte, 12)
	rand.Read(id)
	domain := "renkei.invalid"
	if at := strings.LastIndex(from, "@"); at >= 0 {
		domain = from[at+1:]
	}
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s@%s>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\nAuto-Submitted: auto-generated\r\n\r\n",
		from, strings.Join(to, ", "), mime.BEncoding.Encode("UTF-8", subject), now.In(jst.Zone).Format(time.RFC1123Z), hex.EncodeToString(id), domain)
	enc := base64.StdEncoding.EncodeToString([]byte(body))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return b.Bytes()
}

// alertText writes an alert: its title in each of langs (the title it was
// raised with, for alerts from before titles were catalog messages), when,
// its body in each of langs (as raised, for alerts from before bodies
// were), its lines kept, and the object it names.
func alertText(b *strings.Builder, langs []string, a store.Alert) {
	titles := []string{alert.Title(a, langs[0])}
	for _, l := range langs[1:] {
		if t := alert.Title(a, l); t != titles[0] {
			titles = append(titles, t)
		}
	}
	fmt.Fprintf(b, "[%s] %s\n%s\n", a.Severity, strings.Join(titles, "\n"), a.Created.In(jst.Zone).Format("2006-01-02 15:04 JST"))
	bodies := []string{alert.Body(a, langs[0])}
	for _, l := range langs[1:] {
		if t := alert.Body(a, l); t != bodies[0] {
			bodies = append(bodies, t)
		}
	}
	for _, body := range bodies {
		if body != "" {
			fmt.Fprintf(b, "%s\n", body)
		}
	}
	if a.ObjectRef != "" {
		fmt.Fprintf(b, "%s\n", a.ObjectRef)
	}
}

// inEach is the catalog's text for key in each of langs, one a line.
func inEach(langs []string, key string, args ...any) string {
	lines := make([]string, len(langs))
	for i, l := range langs {
		lines[i] = i18n.Text(l, key, args...)
	}
	return strings.Join(lines, "\n")
}

func alertMessage(from string, to []string, langs []string, a store.Alert, now time.Time) []byte {
	var b strings.Builder
	alertText(&b, langs, a)
	b.WriteString("\n— " + inEach(langs, "mail.footer") + "\n")
	titles := make([]string, len(langs))
	for i, l := range langs {
		titles[i] = alert.Title(a, l)
	}
	return message(from, to, "[Renkei] "+oneLine(titles), b.String(), now)
}

func digestMessage(from string, to []string, langs []string, alerts []store.Alert, now time.Time) []byte {
	var b strings.Builder
	b.WriteString(inEach(langs, "mail.digest.head", now.In(jst.Zone).Format("2006-01-02"), len(alerts)) + "\n\n")
	for _, a := range alerts {
		alertText(&b, langs, a)
		b.WriteString("\n")
	}
	subjects := make([]string, len(langs))
	for i, l := range langs {
		subjects[i] = i18n.Text(l, "mail.digest.subject", len(alerts))
	}
	return message(from, to, "[Renkei] "+oneLine(subjects), b.String(), now)
}

// oneLine puts a subject in several languages on the one line a subject
// has; the same text twice (an alert from before catalog titles) once.
func oneLine(texts []string) string {
	return strings.Join(slices.Compact(texts), " / ")
}

// Loop mails what is due every interval until ctx ends.
func (n *Notifier) Loop(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if res, err := n.Run(ctx, time.Now().UTC()); err != nil && ctx.Err() == nil {
			n.log().Error("e-mail alerts", "err", err)
		} else if res.Failed > 0 {
			n.log().Warn("e-mail alerts failed; retried next run", "orgs", res.Failed)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
