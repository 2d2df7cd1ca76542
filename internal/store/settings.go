package store

import (
	"context"
	"fmt"
)

// SetSettingOnce stores a setting unless it is set already, and returns the
// value it holds then: value, or the one another node stored first.
func (db *DB) SetSettingOnce(ctx context.Context, key, value string) (string, error) {
	if _, err := db.Exec(ctx, "INSERT INTO settings(key, value) VALUES(?, ?) ON CONFLICT(key) DO NOTHING", key, value); err != nil {
		return "", fmt.Errorf("setting %s: %w", key, err)
	}
	return db.Setting(ctx, key)
}
