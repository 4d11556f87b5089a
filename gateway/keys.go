package gateway

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the pure-Go SQLite driver: the build stays Go-only
)

// KeyPrefix begins every API key the gateway issues.
const KeyPrefix = "gt-"

// ErrKeys reports a key operation that cannot be done (a name taken, a key
// unknown, limits out of range).
var ErrKeys = errors.New("gateway keys")

// Limits are one key's rate limits and quota; zero means unlimited.
type Limits struct {
	// RequestsPerMinute and TokensPerMinute are token-bucket rates, each
	// with a minute's worth of burst.
	RequestsPerMinute int `json:"rpm"`
	TokensPerMinute   int `json:"tpm"`
	// QuotaTokens is the most tokens (prompt and completion) the key may
	// ever use.
	QuotaTokens int64 `json:"quota_tokens"`
}

func (l Limits) validate() error {
	if l.RequestsPerMinute < 0 || l.TokensPerMinute < 0 || l.QuotaTokens < 0 {
		return fmt.Errorf("%w: limits must not be negative (rpm %d, tpm %d, quota %d)", ErrKeys, l.RequestsPerMinute, l.TokensPerMinute, l.QuotaTokens)
	}
	return nil
}

// Usage is what a key has used.
type Usage struct {
	Requests         int64 `json:"requests"`
	PromptTokens     int64 `json:"prompt_tokens"`
	CompletionTokens int64 `json:"completion_tokens"`
}

// Tokens is prompt and completion tokens together.
func (u Usage) Tokens() int64 { return u.PromptTokens + u.CompletionTokens }

// Key is one API key as stored: never its secret, only its hash and the
// first characters that let its owner recognise it.
type Key struct {
	ID      int64     `json:"id"`
	Name    string    `json:"name"`
	Prefix  string    `json:"prefix"`
	Limits  Limits    `json:"limits"`
	Created time.Time `json:"created"`
	Revoked bool      `json:"revoked"`
	Usage   Usage     `json:"usage"`
}

// Keys is the gateway's key database (SQLite). It is safe for concurrent
// use, and several processes (a gateway, the keys CLI) may open one file.
type Keys struct{ db *sql.DB }

const schema = `
CREATE TABLE IF NOT EXISTS api_keys (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL UNIQUE,
	hash TEXT NOT NULL UNIQUE,
	prefix TEXT NOT NULL,
	rpm INTEGER NOT NULL,
	tpm INTEGER NOT NULL,
	quota_tokens INTEGER NOT NULL,
	created INTEGER NOT NULL,
	revoked INTEGER NOT NULL DEFAULT 0,
	requests INTEGER NOT NULL DEFAULT 0,
	prompt_tokens INTEGER NOT NULL DEFAULT 0,
	completion_tokens INTEGER NOT NULL DEFAULT 0
);`

// OpenKeys opens (creating if needed) the key database at path; ":memory:"
// is a private in-memory database.
func OpenKeys(path string) (*Keys, error) {
	if path == "" {
		return nil, fmt.Errorf("%w: no database path", ErrKeys)
	}
	dsn := "file:" + path + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("gateway: key database %s: %w", path, err)
	}
	// One connection: SQLite serialises writers anyway, and an in-memory
	// database exists per connection.
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("gateway: key database %s: %w", path, err)
	}
	return &Keys{db: db}, nil
}

// Close closes the database.
func (k *Keys) Close() error { return k.db.Close() }

// hashKey is what the database keeps of a secret.
func hashKey(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// NewSecret draws a fresh API key: the prefix and 32 random bytes.
func NewSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return KeyPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// Add creates a key named name with a fresh secret, which it returns: the
// only time the secret exists outside its owner.
func (k *Keys) Add(ctx context.Context, name string, l Limits) (string, Key, error) {
	secret := NewSecret()
	key, err := k.Import(ctx, name, secret, l)
	return secret, key, err
}

// Import stores a key whose secret the caller chose (a local network's
// well-known development key); it must begin with KeyPrefix and hold at
// least 16 more characters.
func (k *Keys) Import(ctx context.Context, name, secret string, l Limits) (Key, error) {
	switch {
	case name == "" || len(name) > 64 || strings.TrimSpace(name) != name:
		return Key{}, fmt.Errorf("%w: name %q: want 1..64 characters without surrounding spaces", ErrKeys, name)
	case !strings.HasPrefix(secret, KeyPrefix) || len(secret) < len(KeyPrefix)+16:
		return Key{}, fmt.Errorf("%w: a key must begin with %q and hold at least 16 more characters", ErrKeys, KeyPrefix)
	}
	if err := l.validate(); err != nil {
		return Key{}, err
	}
	now := time.Now().UTC().Truncate(time.Second)
	prefix := secret[:len(KeyPrefix)+6]
	res, err := k.db.ExecContext(ctx, `INSERT INTO api_keys (name, hash, prefix, rpm, tpm, quota_tokens, created) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		name, hashKey(secret), prefix, l.RequestsPerMinute, l.TokensPerMinute, l.QuotaTokens, now.Unix())
	if err != nil {
		if strings.Contains(err.Error(), "UNIQUE") {
			return Key{}, fmt.Errorf("%w: a key named %q (or with this secret) exists already", ErrKeys, name)
		}
		return Key{}, fmt.Errorf("gateway: adding key %q: %w", name, err)
	}
	id, _ := res.LastInsertId()
	return Key{ID: id, Name: name, Prefix: prefix, Limits: l, Created: now}, nil
}

const keyColumns = `id, name, prefix, rpm, tpm, quota_tokens, created, revoked, requests, prompt_tokens, completion_tokens`

func scanKey(row interface{ Scan(...any) error }) (Key, error) {
	var key Key
	var created, revoked int64
	err := row.Scan(&key.ID, &key.Name, &key.Prefix, &key.Limits.RequestsPerMinute, &key.Limits.TokensPerMinute, &key.Limits.QuotaTokens,
		&created, &revoked, &key.Usage.Requests, &key.Usage.PromptTokens, &key.Usage.CompletionTokens)
	key.Created, key.Revoked = time.Unix(created, 0).UTC(), revoked != 0
	return key, err
}

// List returns every key, revoked ones included, by id.
func (k *Keys) List(ctx context.Context) ([]Key, error) {
	rows, err := k.db.QueryContext(ctx, `SELECT `+keyColumns+` FROM api_keys ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("gateway: listing keys: %w", err)
	}
	defer rows.Close()
	var out []Key
	for rows.Next() {
		key, err := scanKey(rows)
		if err != nil {
			return nil, fmt.Errorf("gateway: listing keys: %w", err)
		}
		out = append(out, key)
	}
	return out, rows.Err()
}

// Revoke revokes the key named name; requests with it fail from then on.
func (k *Keys) Revoke(ctx context.Context, name string) error {
	res, err := k.db.ExecContext(ctx, `UPDATE api_keys SET revoked = 1 WHERE name = ? AND revoked = 0`, name)
	if err != nil {
		return fmt.Errorf("gateway: revoking key %q: %w", name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: no active key named %q", ErrKeys, name)
	}
	return nil
}

// Authenticate finds the active key whose secret this is; ok is false for
// an unknown or revoked key.
func (k *Keys) Authenticate(ctx context.Context, secret string) (key Key, ok bool, err error) {
	key, err = scanKey(k.db.QueryRowContext(ctx, `SELECT `+keyColumns+` FROM api_keys WHERE hash = ?`, hashKey(secret)))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return Key{}, false, nil
	case err != nil:
		return Key{}, false, fmt.Errorf("gateway: reading keys: %w", err)
	}
	return key, !key.Revoked, nil
}

// Charge adds one served request and its tokens to a key's usage.
func (k *Keys) Charge(ctx context.Context, id int64, promptTokens, completionTokens int) error {
	_, err := k.db.ExecContext(ctx, `UPDATE api_keys SET requests = requests + 1, prompt_tokens = prompt_tokens + ?, completion_tokens = completion_tokens + ? WHERE id = ?`,
		promptTokens, completionTokens, id)
	if err != nil {
		return fmt.Errorf("gateway: charging key %d: %w", id, err)
	}
	return nil
}
