// Package alert is the one way any capability tells an organization
// something: an inbox per organization, and delivery of each alert to the
// organization's webhooks with an HMAC-signed body, retries with backoff and a
// dead-letter list. Webhooks never reach inside the hub's network (see
// Reach).
//
// Deciding whom to alert belongs to the capability raising the alert; this
// package only stores and delivers. An alert that names objects says which
// (store.Alert.Objects), so that each reader of the inbox sees it only if it
// may read them, and webhooks carry it only if the organization as a whole
// may (policy.OrgAudience); it must never post an alert otherwise. Webhook
// secrets never appear in logs.
package alert

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"renkei/internal/i18n"
	"renkei/internal/metrics"
	"renkei/internal/policy"
	"renkei/internal/store"
)

// Service raises and delivers alerts.
type Service struct {
	DB  *store.DB
	Log *slog.Logger
	Now func() time.Time
	// Reach says where webhooks may be posted; every delivery goes through
	// its client.
	Reach Reach
	// Lang is the language webhooks carry an alert's title and body in
	// (default: i18n's default language, Japanese).
	Lang string

	// MaxAttempts before a delivery goes to the dead-letter list (default 8).
	MaxAttempts int
	// Backoff is the first retry delay, doubled at each attempt (default 10 s).
	Backoff time.Duration
	// ClaimTerm is how long a node that claimed a delivery has to post it
	// and record the outcome (default 1 minute, well past a post's 10 s); a
	// node that dies meanwhile leaves the delivery due again after it.
	ClaimTerm time.Duration
	// Metrics counts alerts raised and delivery attempts; nil counts nothing.
	Metrics *metrics.Set

	clientOnce sync.Once
	client     *http.Client
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Title is an alert's title in lang: its catalog message when it has one,
// else the title it was raised with (alerts from before migration 24, some
// of them both languages joined).
func Title(a store.Alert, lang string) string {
	if a.TitleKey == "" {
		return a.Title
	}
	return i18n.M(a.TitleKey, a.TitleParams...).In(lang)
}

// Body is an alert's body in lang: its catalog messages, one a line (an
// empty key an empty line), when it has them, else the body it was raised
// with (alerts from before migration 29). Line breaks are the body's
// structure: readers keep them (the inbox, e-mail and webhooks).
func Body(a store.Alert, lang string) string {
	if len(a.BodyMsgs) == 0 {
		return a.Body
	}
	lines := make([]string, len(a.BodyMsgs))
	for i, m := range a.BodyMsgs {
		if m.Key != "" {
			lines[i] = i18n.M(m.Key, m.Params...).In(lang)
		}
	}
	return strings.Join(lines, "\n")
}

// Lines are messages of the catalog as an alert's body (store.Alert.BodyMsgs),
// one a line; Blank between them makes an empty line.
func Lines(ms ...i18n.Message) []store.AlertMessage {
	out := make([]store.AlertMessage, len(ms))
	for i, m := range ms {
		out[i] = store.AlertMessage(m)
	}
	return out
}

// Blank is an empty line of an alert's body.
var Blank = i18n.Message{}

// Titles is an alert's title in every language, for readers that take all.
func Titles(a store.Alert) map[string]string {
	out := map[string]string{}
	for _, l := range i18n.Languages {
		out[l] = Title(a, l)
	}
	return out
}

// Raise stores an alert for a.OrgID and queues it for the organization's
// webhooks. An alert raised with a TitleKey is stored as the key and its
// parameters only, its Title left empty, and one raised with BodyMsgs
// without its Body: each reader renders them in its language (Title,
// Body). A Title or Body without messages is stored as given.
func (s *Service) Raise(ctx context.Context, a store.Alert) (int64, error) {
	if a.TitleKey != "" {
		a.Title = ""
	}
	if len(a.BodyMsgs) > 0 {
		a.Body = ""
	}
	if a.OrgID == "" || (a.Title == "" && a.TitleKey == "") || a.Kind == "" {
		return 0, fmt.Errorf("raise alert: organization, kind and title are required")
	}
	if a.Severity == "" {
		a.Severity = "info"
	}
	if a.Created.IsZero() {
		a.Created = s.now()
	}
	org, err := s.DB.Org(ctx, a.OrgID)
	if err != nil {
		return 0, fmt.Errorf("raise alert for %s: %w", a.OrgID, err)
	}
	groups, err := s.DB.OrgGroups(ctx, org.ID)
	if err != nil {
		return 0, fmt.Errorf("raise alert for %s: groups: %w", a.OrgID, err)
	}
	id, err := s.DB.AddAlert(ctx, a, policy.OrgAudience(org.ID, org.IsCenter(), groups))
	if err != nil {
		return 0, fmt.Errorf("raise alert for %s: %w", a.OrgID, err)
	}
	s.Metrics.AlertRaised(a.Kind)
	if s.Log != nil {
		s.Log.Info("alert raised", "org", a.OrgID, "kind", a.Kind, "alert", id)
	}
	return id, nil
}

// Payload is the JSON body posted to a webhook. ID is the alert's public id
// (store.Alert.PublicID): the row id never leaves the hub.
type Payload struct {
	ID       string `json:"id"`
	Org      string `json:"org"`
	Kind     string `json:"kind"`
	Severity string `json:"severity"`
	// Title and Body are rendered in the hub's language (Service.Lang),
	// the body's lines separated by "\n"; an alert from before its title
	// or body were catalog messages gives them as stored.
	Title string `json:"title"`
	Body  string `json:"body,omitempty"`
	// Titles is the title in each language (ja, en), for an alert raised
	// with a catalog title.
	Titles map[string]string `json:"titles,omitempty"`
	// TitleKey, TitleParams and BodyMsgs are the catalog messages
	// themselves, for receivers that render them on their own.
	TitleKey    string               `json:"title_key,omitempty"`
	TitleParams []string             `json:"title_params,omitempty"`
	BodyMsgs    []store.AlertMessage `json:"body_msgs,omitempty"`
	ObjectRef   string               `json:"object_ref,omitempty"`
	Data        json.RawMessage      `json:"data,omitempty"`
	Created     time.Time            `json:"created"`
}

// lang is the language of what webhooks carry: Lang, else the default.
func (s *Service) lang() string {
	return i18n.Lang(s.Lang)
}

// Sign returns the signature header value of body sent at ts with secret:
// "sha256=" and the hex HMAC-SHA256 of "<ts>.<body>". Receivers recompute it
// and reject stale timestamps, which stops replays.
func Sign(secret string, ts int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(ts, 10)))
	m.Write([]byte("."))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify checks a signature made by Sign, in constant time.
func Verify(secret string, ts int64, body []byte, sig string) bool {
	return hmac.Equal([]byte(Sign(secret, ts, body)), []byte(sig))
}

// DeliverDue attempts every delivery whose time has come and that this node
// claims (store.ClaimDelivery), and returns how many it attempted: with
// several hub nodes on one store, each delivery is posted by one of them.
func (s *Service) DeliverDue(ctx context.Context) (int, error) {
	due, err := s.DB.DueDeliveries(ctx, s.now(), 100)
	if err != nil {
		return 0, fmt.Errorf("due deliveries: %w", err)
	}
	n := 0
	for _, d := range due {
		// Hub nodes sharing the store read the same due deliveries: the
		// one that claims a delivery posts it, the others pass. The claim
		// outlasts a post (10 s at most), so it is never taken over while
		// its holder is still posting.
		claimed, err := s.DB.ClaimDelivery(ctx, d, s.now().Add(s.claimTerm()), s.now())
		if err != nil {
			return n, fmt.Errorf("due deliveries: %w", err)
		}
		if !claimed {
			continue
		}
		s.attempt(ctx, d)
		n++
	}
	return n, nil
}

func (s *Service) claimTerm() time.Duration {
	if s.ClaimTerm > 0 {
		return s.ClaimTerm
	}
	return time.Minute
}

func (s *Service) attempt(ctx context.Context, d store.Delivery) {
	a := d.Alert
	// What the organization may read was decided when the alert was raised;
	// its groups may have changed since, or a named object gone. Decide again
	// now: an alert it may no longer read is withheld, never posted.
	if ok, err := s.orgReads(ctx, d.Webhook.OrgID, a.ID); err != nil || !ok {
		if err != nil {
			if s.Log != nil {
				s.Log.Error("webhook delivery: who may read the alert", "alert", a.ID, "err", err)
			}
			return // tried again at the next round
		}
		d.State, d.LastError = "withheld", "the organization may no longer read what the alert names"
		s.Metrics.Delivery(metrics.Withheld)
		if s.Log != nil {
			s.Log.Info("webhook delivery withheld", "org", d.Webhook.OrgID, "webhook", d.Webhook.ID, "alert", a.ID)
		}
		if uerr := s.DB.UpdateDelivery(ctx, d, s.now()); uerr != nil && s.Log != nil {
			s.Log.Error("record delivery", "delivery", d.ID, "err", uerr)
		}
		return
	}
	var titles map[string]string
	if a.TitleKey != "" {
		titles = Titles(a)
	}
	body, _ := json.Marshal(Payload{ID: a.PublicID, Org: a.OrgID, Kind: a.Kind, Severity: a.Severity,
		Title: Title(a, s.lang()), Body: Body(a, s.lang()), Titles: titles,
		TitleKey: a.TitleKey, TitleParams: a.TitleParams, BodyMsgs: a.BodyMsgs,
		ObjectRef: a.ObjectRef, Data: json.RawMessage(a.Data), Created: a.Created})
	ts := s.now().Unix()
	err := s.post(ctx, d.Webhook.URL, body, ts, Sign(d.Webhook.Secret, ts, body), a.PublicID)
	d.Attempts++
	switch {
	case err == nil:
		d.State, d.LastError = "delivered", ""
	case d.Attempts >= s.maxAttempts():
		d.State, d.LastError = "dead", err.Error()
	default:
		d.LastError = err.Error()
		d.Next = s.now().Add(s.backoff() << (d.Attempts - 1))
	}
	switch d.State {
	case "delivered":
		s.Metrics.Delivery(metrics.Delivered)
	case "dead":
		s.Metrics.Delivery(metrics.Dead)
	default:
		s.Metrics.Delivery(metrics.Failed)
	}
	if s.Log != nil {
		if err != nil {
			s.Log.Warn("webhook delivery failed", "org", d.Webhook.OrgID, "webhook", d.Webhook.ID, "alert", a.ID, "attempt", d.Attempts, "state", d.State, "err", err)
		}
	}
	if uerr := s.DB.UpdateDelivery(ctx, d, s.now()); uerr != nil && s.Log != nil {
		s.Log.Error("record delivery", "delivery", d.ID, "err", uerr)
	}
}

// orgReads reports whether org as a whole (policy.OrgAudience, with its
// groups as they are now) may read alert id.
func (s *Service) orgReads(ctx context.Context, org string, id int64) (bool, error) {
	o, err := s.DB.Org(ctx, org)
	if err != nil {
		return false, err
	}
	groups, err := s.DB.OrgGroups(ctx, o.ID)
	if err != nil {
		return false, err
	}
	return s.DB.AlertReadable(ctx, id, policy.OrgAudience(o.ID, o.IsCenter(), groups))
}

func (s *Service) maxAttempts() int {
	if s.MaxAttempts > 0 {
		return s.MaxAttempts
	}
	return 8
}

func (s *Service) backoff() time.Duration {
	if s.Backoff > 0 {
		return s.Backoff
	}
	return 10 * time.Second
}

func (s *Service) post(ctx context.Context, url string, body []byte, ts int64, sig string, id string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Renkei-Webhook/1")
	req.Header.Set("X-Renkei-Timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("X-Renkei-Signature", sig)
	req.Header.Set("X-Renkei-Alert", id)
	s.clientOnce.Do(func() { s.client = s.Reach.Client(10 * time.Second) })
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("webhook answered %s", resp.Status)
	}
	return nil
}

// Run delivers due alerts every interval until ctx ends.
func (s *Service) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := s.DeliverDue(ctx); err != nil && ctx.Err() == nil && s.Log != nil {
			s.Log.Error("deliver alerts", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
