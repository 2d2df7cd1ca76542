package telemetry

import (
	"context"
	"errors"
	"sort"
	"strings"
	"time"

	"renkei/internal/approval"
	"renkei/internal/policy"
	"renkei/internal/store"
)

// SourceStatus is what the center's handlers and the oversight committee see
// of a source: its legal footing, whether it may run now, and what the
// automatic steps did with its records. It holds counts only, never a record.
type SourceStatus struct {
	Source Source
	// Approval is the approval the source rests on; zero when it does not exist.
	Approval approval.Approval
	// InForce tells whether the source may run now (C6); Why says why not.
	InForce bool
	Why     string
	Counts  Counts
	// Received is every record the source delivered: kept, dropped and refused.
	Received int64
	// Since is how long the source has been registered; the rates are
	// averages over it, because counters carry no time of their own.
	Since          time.Duration
	ReceivedPerSec float64
	KeptPerSec     float64
	// Exporters are the registered exporters; Unregistered counts the
	// datagrams dropped per sender that is not one of them.
	Exporters    []Exporter
	Unregistered []Unregistered
}

// Reasons lists a source's count reasons in the order people read them:
// kept and matched first, then drops by direction, refusals and deletions.
func (s SourceStatus) Reasons() []string {
	rank := func(r string) int {
		switch {
		case r == "kept":
			return 0
		case r == "matched":
			return 1
		case strings.HasPrefix(r, "dropped:"):
			return 2
		case strings.HasPrefix(r, "refused:"):
			return 3
		}
		return 4
	}
	out := make([]string, 0, len(s.Counts))
	for r := range s.Counts {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		if a, b := rank(out[i]), rank(out[j]); a != b {
			return a < b
		}
		return out[i] < out[j]
	})
	return out
}

// Status returns the status of one source at now.
func (s *Service) Status(ctx context.Context, src Source, now time.Time) (SourceStatus, error) {
	st := SourceStatus{Source: src}
	a, err := approval.InForce(ctx, s.DB, src.ApprovalRef, src.ApprovalKind(), now)
	st.Approval = a
	switch {
	case err == nil:
		st.InForce = true
	case errors.Is(err, store.ErrNotFound):
		st.Why = "approval " + src.ApprovalRef + " does not exist"
	default:
		st.Why = err.Error()
	}
	if st.Counts, err = GetCounts(ctx, s.DB, src.ID); err != nil {
		return st, err
	}
	if st.Exporters, err = Exporters(ctx, s.DB, src.ID); err != nil {
		return st, err
	}
	if st.Unregistered, err = UnregisteredSenders(ctx, s.DB, src.ID); err != nil {
		return st, err
	}
	// "matched" and "deleted" are later fates of kept records, not arrivals.
	for r, n := range st.Counts {
		if r == "kept" || strings.HasPrefix(r, "dropped:") || strings.HasPrefix(r, "refused:") {
			st.Received += n
		}
	}
	if !src.Created.IsZero() && now.After(src.Created) {
		st.Since = now.Sub(src.Created)
		secs := st.Since.Seconds()
		st.ReceivedPerSec = float64(st.Received) / secs
		st.KeptPerSec = float64(st.Counts["kept"]) / secs
	}
	return st, nil
}

// Statuses returns the status at now of every source v may see.
func (s *Service) Statuses(ctx context.Context, v policy.Viewer, now time.Time) ([]SourceStatus, error) {
	srcs, err := Sources(ctx, s.DB, v)
	if err != nil {
		return nil, err
	}
	out := make([]SourceStatus, 0, len(srcs))
	for _, src := range srcs {
		st, err := s.Status(ctx, src, now)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

// MatchSightings returns, newest first, up to limit sightings that the
// matcher produced and that v may see — read through the store's
// policy-filtered listing, so a member sees those of its own indicators and
// the center those addressed to it. It scans at most scan sightings.
func (s *Service) MatchSightings(ctx context.Context, v policy.Viewer, limit, scan int) ([]store.Object, error) {
	m, err := s.DB.UserByLogin(ctx, MatcherLogin)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil // the matcher has never run
	}
	if err != nil {
		return nil, err
	}
	q := store.ObjectQuery{Viewer: v, Types: []string{"sighting"}, Descending: true, Limit: 500}
	var out []store.Object
	for seen := 0; seen < scan && len(out) < limit; {
		objs, more, err := s.DB.Objects(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, o := range objs {
			if o.ACL.SubmitterUser == m.ID && len(out) < limit {
				out = append(out, o)
			}
		}
		seen += len(objs)
		if !more || len(objs) == 0 {
			break
		}
		l := objs[len(objs)-1]
		q.After = store.Cursor{DateAdded: store.Micros(l.DateAdded), PK: l.PK}
	}
	return out, nil
}

// MatchAlertKind is the kind of alert the matcher raises to members whose
// address space was involved.
const MatchAlertKind = "flow-match"

// MatchAlerts returns the most recent alerts from matching that v may read:
// flow matches in its organization's address space, and sightings of its
// indicators by the matcher (sightings lists their ids, as MatchSightings
// returned them).
func (s *Service) MatchAlerts(ctx context.Context, v policy.Viewer, sightings []store.Object, limit int) ([]store.Alert, error) {
	ids := map[string]bool{}
	for _, o := range sightings {
		ids[o.ID] = true
	}
	as, _, err := s.DB.Alerts(ctx, v, "", 500, false)
	if err != nil {
		return nil, err
	}
	var out []store.Alert
	for _, a := range as {
		if len(out) == limit {
			break
		}
		if a.Kind == MatchAlertKind || (a.Kind == "sighting" && ids[a.ObjectRef]) {
			out = append(out, a)
		}
	}
	return out, nil
}
