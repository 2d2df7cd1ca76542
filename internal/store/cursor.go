package store

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"renkei/internal/problem"
	"sync"
	"sync/atomic"
)

// Paging cursors leave the hub sealed: AES-256-GCM over the position, with a
// key the hub keeps in its settings, made once and shared by every node of the
// store. A reader learns nothing from a cursor (not the row id, which counts
// rows it may not see, nor the time), and cannot forge one to start a page
// where no page of its own ended. The standard library's AEAD is enough; the
// nonce is random, so the same position seals differently each time.

// settingCursorKey is the hub setting holding the hex key that seals cursors.
const settingCursorKey = "cursor_key"

// ErrBadCursor is returned for a cursor this hub did not make.
var ErrBadCursor = problem.Kind(problem.ErrInvalid, "invalid cursor", "not a cursor this hub gave")

type cursorKey struct {
	mu   sync.Mutex   // held while the key is read or made
	aead atomic.Value // cipher.AEAD, once known
}

// cursorAEAD returns the AEAD that seals cursors, making and storing the key
// the first time any node needs it.
func (db *DB) cursorAEAD(ctx context.Context) (cipher.AEAD, error) {
	if a, ok := db.cursors.aead.Load().(cipher.AEAD); ok {
		return a, nil
	}
	db.cursors.mu.Lock()
	defer db.cursors.mu.Unlock()
	if a, ok := db.cursors.aead.Load().(cipher.AEAD); ok {
		return a, nil
	}
	fresh := make([]byte, 32)
	rand.Read(fresh)
	// Two nodes starting together both try; the first key stored wins.
	if _, err := db.Exec(ctx, "INSERT INTO settings(key, value) VALUES(?, ?) ON CONFLICT(key) DO NOTHING", settingCursorKey, hex.EncodeToString(fresh)); err != nil {
		return nil, fmt.Errorf("cursor key: %w", err)
	}
	v, err := db.Setting(ctx, settingCursorKey)
	if err != nil {
		return nil, fmt.Errorf("cursor key: %w", err)
	}
	key, err := hex.DecodeString(v)
	if err != nil || len(key) != 32 {
		return nil, fmt.Errorf("cursor key: setting %s is not 32 bytes in hex", settingCursorKey)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("cursor key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("cursor key: %w", err)
	}
	db.cursors.aead.Store(aead)
	return aead, nil
}

// SealCursor returns the opaque text of c for a client to send back.
func (db *DB) SealCursor(ctx context.Context, c Cursor) (string, error) {
	aead, err := db.cursorAEAD(ctx)
	if err != nil {
		return "", err
	}
	var plain [16]byte
	binary.BigEndian.PutUint64(plain[:8], uint64(c.DateAdded))
	binary.BigEndian.PutUint64(plain[8:], uint64(c.PK))
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	rand.Read(nonce)
	return base64.RawURLEncoding.EncodeToString(aead.Seal(nonce, nonce, plain[:], nil)), nil
}

// OpenCursor reads a cursor made by SealCursor on any node of this hub.
// Anything else, altered or made up, is ErrBadCursor.
func (db *DB) OpenCursor(ctx context.Context, s string) (Cursor, error) {
	aead, err := db.cursorAEAD(ctx)
	if err != nil {
		return Cursor{}, err
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != aead.NonceSize()+16+aead.Overhead() {
		return Cursor{}, ErrBadCursor
	}
	plain, err := aead.Open(nil, b[:aead.NonceSize()], b[aead.NonceSize():], nil)
	if err != nil {
		return Cursor{}, ErrBadCursor
	}
	c := Cursor{DateAdded: int64(binary.BigEndian.Uint64(plain[:8])), PK: int64(binary.BigEndian.Uint64(plain[8:]))}
	if c.DateAdded < 0 || c.PK < 0 {
		return Cursor{}, ErrBadCursor
	}
	return c, nil
}
