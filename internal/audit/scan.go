package audit

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"time"

	"github.com/transparency-dev/tessera/api/layout"
	"golang.org/x/mod/sumdb/note"
)

// Scan calls fn for every entry of the signed checkpoint's tree, in index
// order. It checks the checkpoint signature but not the tree (use Verify for
// that); it is for reading the log, e.g. counting figures. A damaged bundle
// or entry ends the scan with an error naming it.
func Scan(ctx context.Context, f Fetcher, verifiers []note.Verifier, fn func(index uint64, e Entry) error) (SignedCheckpoint, error) {
	raw, err := f.Fetch(ctx, layout.CheckpointPath)
	if err != nil {
		return SignedCheckpoint{}, fmt.Errorf("fetch checkpoint: %w", err)
	}
	cp, err := OpenCheckpoint(raw, verifiers...)
	if err != nil {
		return SignedCheckpoint{}, err
	}
	nb := (cp.Size + layout.EntryBundleWidth - 1) / layout.EntryBundleWidth
	const chunk = 64
	workers := 2 * runtime.GOMAXPROCS(0)
	for first := uint64(0); first < nb; first += chunk {
		n := min(chunk, nb-first)
		got := make([][]Entry, n)
		errs := make([]error, n)
		parallel(ctx, workers, n, func(k uint64) {
			b := first + k
			want := min(layout.EntryBundleWidth, cp.Size-b*layout.EntryBundleWidth)
			data, err := fetchPartial(ctx, f, b, want, layout.EntriesPath)
			if err != nil {
				errs[k] = fmt.Errorf("entry bundle %s: %w", layout.EntriesPath(b, partial(want)), err)
				return
			}
			leaves, err := ParseEntryBundle(data, int(want))
			if err != nil {
				errs[k] = fmt.Errorf("entry bundle %s: %w", layout.EntriesPath(b, partial(want)), err)
				return
			}
			es := make([]Entry, len(leaves))
			for j, l := range leaves {
				if es[j], err = ParseEntry(l); err != nil {
					errs[k] = fmt.Errorf("entry %d: %w", b*layout.EntryBundleWidth+uint64(j), err)
					return
				}
			}
			got[k] = es
		})
		if err := ctx.Err(); err != nil {
			return cp, err
		}
		for k := range n {
			if errs[k] != nil {
				return cp, errs[k]
			}
			for j, e := range got[k] {
				if err := fn((first+k)*layout.EntryBundleWidth+uint64(j), e); err != nil {
					return cp, err
				}
			}
		}
	}
	return cp, nil
}

// Figure is the number of entries with one action in a period.
type Figure struct {
	Action string
	Count  int
}

// CountActions counts the entries per action whose time is in [from, to)
// (zero times leave that end open): the raw material of the committee's
// annual figures, taken from the log itself rather than from the hub's
// database.
func CountActions(ctx context.Context, f Fetcher, verifiers []note.Verifier, from, to time.Time) ([]Figure, SignedCheckpoint, error) {
	counts := map[string]int{}
	cp, err := Scan(ctx, f, verifiers, func(_ uint64, e Entry) error {
		if (!from.IsZero() && e.Time.Before(from)) || (!to.IsZero() && !e.Time.Before(to)) {
			return nil
		}
		counts[e.Action]++
		return nil
	})
	if err != nil {
		return nil, cp, err
	}
	out := make([]Figure, 0, len(counts))
	for a, c := range counts {
		out = append(out, Figure{a, c})
	}
	slices.SortFunc(out, func(a, b Figure) int {
		if a.Action < b.Action {
			return -1
		}
		if a.Action > b.Action {
			return 1
		}
		return 0
	})
	return out, cp, nil
}
