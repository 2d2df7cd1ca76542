package federation

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"

	"renkei/internal/audit"
	"renkei/internal/auth"
	"renkei/internal/client"
	"renkei/internal/policy"
	"renkei/internal/problem"
	"renkei/internal/stix"
	"renkei/internal/store"
)

// SyncResult is what one synchronization moved.
type SyncResult = client.SyncResult

// Bounds of one synchronization: a page asked of a partner, and a bundle
// pushed to one (objects, bytes).
const (
	pageLimit    = 1000
	bundleLimit  = 500
	bundleBytes  = 4 << 20
	statusPolls  = 30
	failuresKept = 1000 // refusals listed in one result
)

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

// Sync runs one pull and push with the partner named now, as its direction
// says, logged first (partner.sync). A failure of one collection is in the
// result's errors and in the partner's state, the others still run; the
// cursors saved page by page and bundle by bundle let the next run go on
// from where this one stopped, without loss or duplicates.
func (s *Service) Sync(ctx context.Context, c auth.Caller, name string) (SyncResult, error) {
	if !policy.MayManagePartners(c.Viewer()) {
		return SyncResult{}, fmt.Errorf("sync partner: %w", problem.ErrForbidden)
	}
	p, err := s.DB.PartnerByName(ctx, name)
	if err != nil {
		return SyncResult{}, err
	}
	run := store.NewPublicID()[:16]
	if err := s.record(ctx, c, audit.ActionPartnerSync, "partner:"+p.ID, map[string]string{"name": p.Name, "direction": p.Direction, "run": run}); err != nil {
		return SyncResult{}, err
	}
	return s.sync(ctx, p, run)
}

// sync is one run, once logged.
func (s *Service) sync(ctx context.Context, p Partner, run string) (SyncResult, error) {
	res := SyncResult{Partner: p.Name, Run: run}
	r := &runner{s: s, p: p, run: run, res: &res}
	if p.Kind != KindTAXII {
		err := fmt.Errorf("partner %s: synchronizing a %s partner is not built yet (only TAXII 2.1 partners are)", p.Name, p.Kind)
		r.fail(ctx, err)
		return res, problem.Wrap(problem.ErrInvalid, "partner kind not supported", err)
	}
	if err := r.open(ctx); err != nil {
		r.fail(ctx, err)
		return res, err
	}
	if p.Direction == Pull || p.Direction == Both {
		for _, col := range p.Collections {
			if err := r.pull(ctx, col); err != nil {
				r.fail(ctx, fmt.Errorf("pull %s: %w", col, err))
			}
		}
	}
	if p.Direction == Push || p.Direction == Both {
		if err := r.push(ctx, p.Collections[0]); err != nil {
			r.fail(ctx, fmt.Errorf("push %s: %w", p.Collections[0], err))
		}
	}
	if len(res.Errors) == 0 {
		if err := s.DB.RecordPartnerRun(ctx, p.ID, run, store.PartnerRun{At: s.Now(), OK: true}); err != nil {
			return res, err
		}
	}
	s.log().Info("partner synchronized", "partner", p.Name, "run", run, "in", res.In, "out", res.Out, "refused", res.Refused, "errors", len(res.Errors))
	return res, nil
}

// runner is one synchronization under way.
type runner struct {
	s      *Service
	p      Partner
	run    string
	res    *SyncResult
	remote *client.Client
	caller auth.Caller   // the partner's account, which its objects are submitted as
	viewer policy.Viewer // what the partner's account is shown
	coll   store.Collection
	own    string // this hub's id
}

// fail records an error of the run: in the result and the partner's state.
// The secret never appears in an error: it is only ever in a header.
func (r *runner) fail(ctx context.Context, err error) {
	r.res.Errors = append(r.res.Errors, err.Error())
	r.s.log().Warn("partner synchronization failed", "partner", r.p.Name, "run", r.run, "err", err)
	if e := r.s.DB.RecordPartnerRun(ctx, r.p.ID, r.run, store.PartnerRun{At: r.s.Now(), Error: err.Error()}); e != nil {
		r.s.log().Error("partner state not saved", "partner", r.p.Name, "err", e)
	}
}

// open reads the secret and finds the partner's account and the local
// collection.
func (r *runner) open(ctx context.Context) error {
	token, err := secret(r.p.SecretRef)
	if err != nil {
		return err
	}
	u, err := url.Parse(r.p.URL)
	if err != nil {
		return err
	}
	r.remote = &client.Client{Hub: u.Scheme + "://" + u.Host, APIRoot: r.p.URL, Token: token, HTTP: r.s.httpClient(r.p)}
	user, err := r.s.DB.UserByLogin(ctx, r.p.Login)
	if err != nil {
		return fmt.Errorf("the partner's account %s: %w", r.p.Login, err)
	}
	org, err := r.s.DB.Org(ctx, r.p.OrgID)
	if err != nil {
		return fmt.Errorf("the partner's organization: %w", err)
	}
	r.caller = auth.Caller{User: user, Org: org}
	if r.viewer, err = r.s.Viewer(ctx, r.caller); err != nil {
		return err
	}
	if r.coll, err = r.s.DB.Collection(ctx, r.p.LocalCollection); err != nil {
		return fmt.Errorf("local collection %s: %w", r.p.LocalCollection, err)
	}
	r.own, err = r.s.DB.HubID(ctx)
	return err
}

// retry runs fn until it succeeds, a refusal says trying again is useless,
// or the retries are spent, waiting Backoff, then twice as long, between.
func (r *runner) retry(ctx context.Context, fn func() error) error {
	retries, wait := r.s.Retries, r.s.Backoff
	if retries <= 0 {
		retries = 3
	}
	if wait <= 0 {
		wait = 2 * time.Second
	}
	var err error
	for i := 0; ; i++ {
		if err = fn(); err == nil || i == retries || !transient(err) {
			return err
		}
		r.s.log().Info("partner request failed, trying again", "partner", r.p.Name, "in", wait, "err", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait *= 2
	}
}

// transient reports whether a failed request may succeed if tried again:
// the network, or the partner's answer that it is unavailable or failing.
// A refusal (400, 401, 403, 404, 413…) will not change.
func transient(err error) bool {
	var ae *client.APIError
	if errors.As(err, &ae) {
		return ae.Status >= 500 || ae.Status == 429 || ae.Status == 408
	}
	return !errors.Is(err, context.Canceled)
}

// pull reads the partner's collection from where the last run stopped
// (added_after), page after page (next), and stores each page through the
// hub's intake as the partner's account, with the provenance extension on
// every object. The cursor is saved after each page is stored: a run cut
// short goes on from that page, and the objects it stored already are
// duplicates the store ignores (same id and version).
func (r *runner) pull(ctx context.Context, col string) error {
	ref, err := r.remote.Collection(ctx, col)
	if err != nil {
		return err
	}
	cur, err := r.s.DB.PartnerCursor(ctx, r.p.ID, col, Pull)
	if err != nil {
		return err
	}
	q := client.Query{Types: r.p.Agreement.Types, Limit: pageLimit}
	if cur.AddedAfter != "" {
		t, err := parseAdded(cur.AddedAfter)
		if err != nil {
			return fmt.Errorf("saved cursor %q: %w", cur.AddedAfter, err)
		}
		// A microsecond before the last page's last object: the objects
		// added at that same instant that a page did not hold yet are read
		// again, and those stored already are duplicates.
		q.AddedAfter = t.Add(-time.Microsecond)
	}
	for {
		var page client.Page
		if err := r.retry(ctx, func() error {
			var err error
			page, err = ref.Page(ctx, q)
			return err
		}); err != nil {
			return err
		}
		if err := r.store(ctx, page.Objects); err != nil {
			return err
		}
		if page.DateAddedLast != "" {
			if _, err := parseAdded(page.DateAddedLast); err == nil {
				if err := r.s.DB.SetPartnerCursor(ctx, r.p.ID, col, Pull, store.PartnerCursor{AddedAfter: page.DateAddedLast}, r.s.Now()); err != nil {
					return err
				}
			}
		}
		if !page.More || page.Next == "" || page.Next == q.Next {
			return nil
		}
		q.Next = page.Next
	}
}

// store submits one page as the partner's account, each object with the
// provenance extension; refused objects are recorded with their reason.
func (r *runner) store(ctx context.Context, objs []json.RawMessage) error {
	if len(objs) == 0 {
		return nil
	}
	var run store.PartnerRun
	var buf bytes.Buffer
	buf.WriteString(`{"type":"bundle","id":"` + stix.NewID("bundle") + `","objects":[`)
	n := 0
	for i, raw := range objs {
		prov := provenanceOf(raw)
		prov.Partner, prov.Pull = r.p.ID, r.run
		if prov.OriginHub == "" {
			prov.OriginHub = r.p.HubID
		}
		out, err := withProvenance(raw, prov)
		if err != nil {
			run.Failures = append(run.Failures, store.PartnerFailure{Direction: "in", ObjectID: fmt.Sprintf("objects[%d]", i), Reason: err.Error()})
			continue
		}
		if n > 0 {
			buf.WriteByte(',')
		}
		buf.Write(out)
		n++
	}
	buf.WriteString("]}")
	if n > 0 {
		st, err := r.s.Submit(ctx, r.caller, r.coll, &buf)
		if err != nil {
			return fmt.Errorf("store the partner's objects: %w", err)
		}
		run.In = int64(st.Success)
		for _, d := range st.Details {
			if d.Kind == "failure" {
				run.Failures = append(run.Failures, store.PartnerFailure{Direction: "in", ObjectID: d.ID, Version: d.Version, Reason: d.Message})
			}
		}
	}
	return r.account(ctx, run)
}

// account adds what a page or bundle did to the result and the partner's
// state.
func (r *runner) account(ctx context.Context, run store.PartnerRun) error {
	run.At = r.s.Now()
	run.Refused += int64(len(run.Failures))
	r.res.In += run.In
	r.res.Out += run.Out
	r.res.Refused += run.Refused
	for _, f := range run.Failures {
		if len(r.res.Refusal) < failuresKept {
			f.Run, f.At = r.run, run.At
			r.res.Refusal = append(r.res.Refusal, f)
		}
	}
	return r.s.DB.RecordPartnerRun(ctx, r.p.ID, r.run, run)
}

// push sends what the agreement lets leave of the local collection, added
// since the last bundle the partner took, in bounded bundles; each
// bundle's status is read until it is complete and each object the
// partner refused is recorded. The cursor moves only past a bundle the
// partner answered, so a partner down for a day gets all it missed next.
func (r *runner) push(ctx context.Context, col string) error {
	ref, err := r.remote.Collection(ctx, col)
	if err != nil {
		return err
	}
	cur, err := r.s.DB.PartnerCursor(ctx, r.p.ID, col, Push)
	if err != nil {
		return err
	}
	q := store.ObjectQuery{Viewer: policy.System(), CollectionID: r.p.LocalCollection, After: cur.After, Versions: "all", Limit: bundleLimit}
	for {
		objs, more, err := r.s.DB.Objects(ctx, q)
		if err != nil {
			return err
		}
		if len(objs) == 0 {
			return nil
		}
		var bundle []json.RawMessage
		var run store.PartnerRun
		size := 0
		last := objs[len(objs)-1]
		for i, o := range objs {
			prov := provenanceOf(o.Raw)
			out := policy.Outbound{ACL: o.ACL, Type: o.Type, FromPartner: prov.Partner, OriginHub: prov.OriginHub}
			why := policy.MayLeave(r.p.Agreement, r.p.ID, r.p.HubID, out)
			if why == "" {
				// A listing does not read an object's recipients: read them
				// for what would leave, and decide again with them.
				if err := r.s.DB.Recipients(ctx, &objs[i]); err != nil {
					return err
				}
				out.ACL = objs[i].ACL
				why = policy.MayLeave(r.p.Agreement, r.p.ID, r.p.HubID, out)
			}
			if why != "" {
				run.Refused++
				continue
			}
			if prov.OriginHub == "" {
				prov.OriginHub = r.own
			}
			raw, err := withProvenance(r.s.Present(r.viewer, o), Provenance{OriginHub: prov.OriginHub})
			if err != nil {
				run.Failures = append(run.Failures, store.PartnerFailure{Direction: "out", ObjectID: o.ID, Reason: err.Error()})
				continue
			}
			if size+len(raw) > bundleBytes && len(bundle) > 0 {
				last, more = objs[i-1], true // the rest goes in the next bundle
				break
			}
			bundle = append(bundle, raw)
			size += len(raw)
		}
		if len(bundle) > 0 {
			var st client.Status
			if err := r.retry(ctx, func() error {
				var err error
				st, err = ref.AddObjects(ctx, bundle)
				return err
			}); err != nil {
				r.account(ctx, store.PartnerRun{Refused: run.Refused})
				return err
			}
			if st, err = r.complete(ctx, st); err != nil {
				return err
			}
			run.Out = int64(st.SuccessCount)
			for _, f := range st.Failures {
				run.Failures = append(run.Failures, store.PartnerFailure{Direction: "out", ObjectID: f.ID, Version: f.Version, Reason: f.Message})
			}
		}
		if err := r.account(ctx, run); err != nil {
			return err
		}
		q.After = store.Cursor{DateAdded: store.Micros(last.DateAdded), PK: last.PK}
		if err := r.s.DB.SetPartnerCursor(ctx, r.p.ID, col, Push, store.PartnerCursor{After: q.After}, r.s.Now()); err != nil {
			return err
		}
		if !more {
			return nil
		}
	}
}

// complete polls the status resource of a post until the partner has
// dealt with every object, waiting Backoff between polls.
func (r *runner) complete(ctx context.Context, st client.Status) (client.Status, error) {
	wait := r.s.Backoff
	if wait <= 0 {
		wait = 2 * time.Second
	}
	for i := 0; st.Status != "complete" && st.ID != ""; i++ {
		if i == statusPolls {
			return st, fmt.Errorf("status %s still %s after %d polls", st.ID, st.Status, statusPolls)
		}
		select {
		case <-ctx.Done():
			return st, ctx.Err()
		case <-time.After(wait):
		}
		if err := r.retry(ctx, func() error {
			var err error
			st, err = r.remote.Status(ctx, st.ID)
			return err
		}); err != nil {
			return st, err
		}
	}
	return st, nil
}

// parseAdded reads a date added as a TAXII server writes it (RFC 3339, in
// UTC, to any fraction of a second).
func parseAdded(s string) (time.Time, error) { return time.Parse(time.RFC3339Nano, s) }
