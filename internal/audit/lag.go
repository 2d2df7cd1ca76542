package audit

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
)

// appended notes that Append returned idx.
func (l *Log) appended(idx uint64) {
	for {
		top := l.top.Load()
		if idx+1 <= top || l.top.CompareAndSwap(top, idx+1) {
			return
		}
	}
}

// Lag is how many entries appended to the log (durable, with their index
// returned) the published signed checkpoint does not cover yet: what an
// overseer verifying the log now could not see. In the cluster's log it
// counts every process's journaled entries; in a log of one directory, the
// entries this process appended. It stays near zero while the log is
// integrated (each group within about 50 ms, the cluster's within a round
// of the integrator); a growing lag is an integrator that stopped.
func (l *Log) Lag(ctx context.Context) (uint64, error) {
	var top uint64
	if l.cl != nil {
		n, err := l.cl.sh.AuditJournalSize(ctx, l.cl.origin)
		if err != nil {
			return 0, fmt.Errorf("audit lag: journal size: %w", err)
		}
		top = n
	} else {
		top = l.top.Load()
	}
	cp, err := l.Checkpoint(ctx)
	if err != nil {
		return 0, fmt.Errorf("audit lag: checkpoint: %w", err)
	}
	covered, err := checkpointSize(cp)
	if err != nil {
		return 0, fmt.Errorf("audit lag: %w", err)
	}
	if top <= covered {
		return 0, nil
	}
	return top - covered, nil
}

// checkpointSize reads the tree size, the second line of a checkpoint
// (C2SP tlog-checkpoint).
func checkpointSize(cp []byte) (uint64, error) {
	lines := bytes.SplitN(cp, []byte("\n"), 3)
	if len(lines) < 3 {
		return 0, fmt.Errorf("checkpoint has no size line")
	}
	n, err := strconv.ParseUint(string(lines[1]), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("checkpoint size %q: %w", lines[1], err)
	}
	return n, nil
}
