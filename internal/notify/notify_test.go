package notify_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"fmt"
	"mime"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"renkei/internal/alert"
	"renkei/internal/hub"
	"renkei/internal/i18n"
	"renkei/internal/notify"
	"renkei/internal/policy"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// smtpServer is a small SMTP server speaking enough of RFC 5321 for net/smtp:
// it records each message with its envelope.
type smtpServer struct {
	ln   net.Listener
	mu   sync.Mutex
	msgs []received
}

type received struct {
	from string
	to   []string
	data string
}

func startSMTP(t *testing.T) *smtpServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *smtpServer) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	say := func(l string) { c.Write([]byte(l + "\r\n")) }
	say("220 test ESMTP")
	var m received
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			say("250-test\r\n250 8BITMIME")
		case strings.HasPrefix(cmd, "MAIL FROM:"):
			m = received{from: strings.Trim(strings.TrimSpace(line)[10:], "<>")}
			say("250 ok")
		case strings.HasPrefix(cmd, "RCPT TO:"):
			m.to = append(m.to, strings.Trim(strings.TrimSpace(line)[8:], "<>"))
			say("250 ok")
		case cmd == "DATA":
			say("354 go on")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(strings.TrimPrefix(l, "."))
			}
			m.data = b.String()
			s.mu.Lock()
			s.msgs = append(s.msgs, m)
			s.mu.Unlock()
			say("250 queued")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("250 ok")
		}
	}
}

func (s *smtpServer) take() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.msgs
	s.msgs = nil
	return out
}

// decode returns a message's subject and body, decoded.
func decode(t *testing.T, data string) (string, string) {
	m, err := mail.ReadMessage(strings.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	subj, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	body, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(readAll(m), "\r\n", ""))
	if err != nil {
		t.Fatal(err)
	}
	b.Write(body)
	return subj, b.String()
}

func readAll(m *mail.Message) string {
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := m.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			return b.String()
		}
	}
}

// TestImmediateAndDailyDigest mails one organization each alert at once and
// another one digest a JST day from 08:00, and retries after a failure.
func TestImmediateAndDailyDigest(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			db := storetest.Open(t, kind)
			now := time.Date(2026, 11, 19, 22, 0, 0, 0, time.UTC) // 07:00 JST on the 20th
			hub.Bootstrap(ctx, db, now)
			water, _ := hub.AddOrg(ctx, db, "Suido Water", "operator", "water", now)
			town, _ := hub.AddOrg(ctx, db, "Minato City", "local-government", "", now)
			al := &alert.Service{DB: db, Now: func() time.Time { return now }}
			al.Raise(ctx, store.Alert{OrgID: water.ID, Kind: "x", Title: "old alert before e-mail was set"})
			srv := startSMTP(t)
			n := &notify.Notifier{DB: db}
			if err := n.SetSMTP(ctx, notify.SMTP{Addr: srv.ln.Addr().String(), From: "renkei@hub.example.jp"}); err != nil {
				t.Fatal(err)
			}
			emails, err := notify.ParseEmails("soc@suido.example.jp, it@suido.example.jp")
			if err != nil {
				t.Fatal(err)
			}
			if err := n.SetPref(ctx, water.ID, emails, notify.Immediate); err != nil {
				t.Fatal(err)
			}
			if err := n.SetPref(ctx, town.ID, []string{"joho@city.example.jp"}, notify.Daily); err != nil {
				t.Fatal(err)
			}
			al.Raise(ctx, store.Alert{OrgID: water.ID, Kind: "advisory", Severity: "high", Title: "注意喚起: VPN装置の脆弱性", Body: "7.2.11 を適用してください"})
			al.Raise(ctx, store.Alert{OrgID: water.ID, Kind: "case", Title: "Case 3 is now investigating"})
			al.Raise(ctx, store.Alert{OrgID: town.ID, Kind: "kev", Title: "KEV: your VPN appliance"})
			res, err := n.Run(ctx, now)
			if err != nil {
				t.Fatal(err)
			}
			msgs := srv.take()
			if res.Mails != 2 || len(msgs) != 2 {
				t.Fatalf("immediate: result %+v, %d messages", res, len(msgs))
			}
			subj, body := decode(t, msgs[0].data)
			if subj != "[Renkei] 注意喚起: VPN装置の脆弱性" || !strings.Contains(body, "7.2.11 を適用") || len(msgs[0].to) != 2 {
				t.Fatalf("first mail: %q %q to %v", subj, body, msgs[0].to)
			}
			if res, _ := n.Run(ctx, now); res.Mails != 0 {
				t.Fatalf("a second run mailed again: %+v", res)
			}
			// 08:05 JST: the town's digest goes out once.
			now = now.Add(65 * time.Minute)
			al.Raise(ctx, store.Alert{OrgID: town.ID, Kind: "advisory", Title: "Advisory: patch"})
			res, _ = n.Run(ctx, now)
			msgs = srv.take()
			if res.Mails != 1 || len(msgs) != 1 || msgs[0].to[0] != "joho@city.example.jp" {
				t.Fatalf("digest: %+v %v", res, msgs)
			}
			subj, body = decode(t, msgs[0].data)
			if !strings.Contains(subj, "daily digest: 2") || !strings.Contains(body, "KEV: your VPN appliance") || !strings.Contains(body, "Advisory: patch") {
				t.Fatalf("digest %q %q", subj, body)
			}
			al.Raise(ctx, store.Alert{OrgID: town.ID, Kind: "x", Title: "later that day"})
			if res, _ := n.Run(ctx, now.Add(3*time.Hour)); res.Mails != 0 {
				t.Fatalf("a second digest the same JST day: %+v", res)
			}
			// The SMTP server goes away: nothing is lost, the next run retries.
			srv.ln.Close()
			al.Raise(ctx, store.Alert{OrgID: water.ID, Kind: "x", Title: "while the server was down"})
			if res, _ := n.Run(ctx, now); res.Failed != 1 || res.Mails != 0 {
				t.Fatalf("with the server down: %+v", res)
			}
			srv2 := startSMTP(t)
			n.SetSMTP(ctx, notify.SMTP{Addr: srv2.ln.Addr().String(), From: "renkei@hub.example.jp"})
			if res, _ := n.Run(ctx, now); res.Mails != 1 {
				t.Fatalf("retry: %+v", res)
			}
			if m := srv2.take(); len(m) != 1 || !strings.Contains(m[0].data, "Subject:") {
				t.Fatalf("retried mail %v", m)
			}
		})
	}
}

func TestParseEmails(t *testing.T) {
	tests := []struct {
		name, in string
		ok       bool
	}{
		{"two addresses", "a@x.jp, b@y.jp", true},
		{"empty list", "", true},
		{"not an address", "soc", false},
		{"header injection", "a@x.jp\r\nBcc: evil@z", false},
		{"display name", "SOC <a@x.jp>", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := notify.ParseEmails(tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("ParseEmails(%q) err = %v", tt.in, err)
			}
		})
	}
}

// TestMailCarriesOnlyWhatTheOrgMayRead: the organization's addresses are
// mailed an alert only when the organization as a whole may read every
// object it names — never one naming a RED object, or another
// organization's AMBER+STRICT one.
func TestMailCarriesOnlyWhatTheOrgMayRead(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			db := storetest.Open(t, kind)
			now := time.Date(2026, 11, 19, 22, 0, 0, 0, time.UTC)
			hub.Bootstrap(ctx, db, now)
			water, _ := hub.AddOrg(ctx, db, "Suido Water", "operator", "water", now)
			other, _ := hub.AddOrg(ctx, db, "Other Co", "operator", "energy", now)
			u, err := hub.AddUser(ctx, db, "suido-analyst", water.ID, "analyst", "", now)
			if err != nil {
				t.Fatal(err)
			}
			named := map[string]policy.ACL{
				"Quiet Lantern":  {TLP: policy.Red, AuthorOrg: water.ID, SubmitterUser: u.ID, RecipientUsers: []int64{u.ID}},
				"Strict Harbour": {TLP: policy.AmberStrict, AuthorOrg: other.ID},
				"Green Meadow":   {TLP: policy.Green, AuthorOrg: other.ID},
			}
			var objs []store.Object
			i := 0
			for name, acl := range named {
				i++
				objs = append(objs, store.Object{CollectionID: hub.MembersCollection, ID: fmt.Sprintf("indicator--00000000-0000-4000-8000-%012d", i),
					Type: "indicator", SpecVersion: "2.1", Created: now, Modified: now, Name: name, ACL: acl, Raw: []byte("{}")})
			}
			if _, err := db.InsertObjects(ctx, objs, now, "", store.StatusProgress{}); err != nil {
				t.Fatal(err)
			}
			srv := startSMTP(t)
			n := &notify.Notifier{DB: db}
			if err := n.SetSMTP(ctx, notify.SMTP{Addr: srv.ln.Addr().String(), From: "renkei@hub.example.jp"}); err != nil {
				t.Fatal(err)
			}
			if err := n.SetPref(ctx, water.ID, []string{"soc@suido.example.jp"}, notify.Immediate); err != nil {
				t.Fatal(err)
			}
			al := &alert.Service{DB: db, Now: func() time.Time { return now }}
			for _, o := range objs {
				if _, err := al.Raise(ctx, store.Alert{OrgID: water.ID, Kind: "sighting", Title: "Your indicator " + o.Name + " was sighted", Objects: []int64{o.PK}}); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := n.Run(ctx, now); err != nil {
				t.Fatal(err)
			}
			msgs := srv.take()
			var subjects []string
			for _, m := range msgs {
				subj, body := decode(t, m.data)
				subjects = append(subjects, subj)
				if strings.Contains(subj+body, "Quiet Lantern") || strings.Contains(subj+body, "Strict Harbour") {
					t.Errorf("mailed to the organization: %q %q", subj, body)
				}
			}
			if len(msgs) != 1 || !strings.Contains(subjects[0], "Green Meadow") {
				t.Fatalf("mailed %q, want only the GREEN indicator's alert", subjects)
			}
		})
	}
}

// TestMailKeepsTheBodysLinesAndLists: an alert's body — catalog messages one
// a line, a list of actions, an indented detail and an empty line between —
// reaches the e-mail with every line break, list item and indentation as the
// inbox shows it, in the organization's language.
func TestMailKeepsTheBodysLinesAndLists(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			db := storetest.Open(t, kind)
			now := time.Date(2026, 11, 19, 22, 0, 0, 0, time.UTC)
			hub.Bootstrap(ctx, db, now)
			town, _ := hub.AddOrg(ctx, db, "Minato City", "local-government", "", now)
			al := &alert.Service{DB: db, Now: func() time.Time { return now }}
			srv := startSMTP(t)
			n := &notify.Notifier{DB: db}
			if err := n.SetSMTP(ctx, notify.SMTP{Addr: srv.ln.Addr().String(), From: "renkei@hub.example.jp"}); err != nil {
				t.Fatal(err)
			}
			if err := n.SetPref(ctx, town.ID, []string{"joho@city.example.jp"}, notify.Immediate); err != nil {
				t.Fatal(err)
			}
			if err := n.SetLang(ctx, town.ID, "en"); err != nil {
				t.Fatal(err)
			}
			title := i18n.M("alert.advisory.advisory", "VPN", "2026-12-01 00:00 JST")
			a := store.Alert{OrgID: town.ID, Kind: "advisory", Severity: "high", TitleKey: title.Key, TitleParams: title.Params,
				BodyMsgs: alert.Lines(i18n.M("alert.advisory_body.todo", "2026-12-01 00:00 JST"), i18n.M("alert.list.item", "Patch the VPN"),
					i18n.M("alert.list.item", "Rotate the VPN credentials"), i18n.M("alert.vuln.body.version", "7.0.1"), alert.Blank, i18n.M("alert.advisory_body.ack"))}
			if _, err := al.Raise(ctx, a); err != nil {
				t.Fatal(err)
			}
			want := alert.Body(a, "en")
			if !strings.Contains(want, "\n- Patch the VPN\n- Rotate the VPN credentials\n   Version: 7.0.1\n\n") {
				t.Fatalf("the body as the inbox shows it has no list: %q", want)
			}
			if _, err := n.Run(ctx, now); err != nil {
				t.Fatal(err)
			}
			msgs := srv.take()
			if len(msgs) != 1 {
				t.Fatalf("%d mails, want 1", len(msgs))
			}
			if _, body := decode(t, msgs[0].data); !strings.Contains(body, want) {
				t.Errorf("the mail does not carry the body line for line:\nwant %q\nin   %q", want, body)
			}
		})
	}
}
