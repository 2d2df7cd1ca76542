package telemetry

import "context"

// SetStage has w call f as Handle passes each of its stages (Worker.stage).
func SetStage(w *Worker, f func(ctx context.Context, stage string) error) { w.stage = f }
