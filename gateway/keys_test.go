package gateway_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/gateway"
)

// Keys are stored hashed: the database file holds no secret; names are
// unique; revoking works once; usage adds up; a second opener (the CLI
// while a gateway runs) sees the same keys.
func TestKeys(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "keys.db")
	keys, err := gateway.OpenKeys(path)
	require.NoError(t, err)
	defer keys.Close()

	secret, k, err := keys.Add(ctx, "alice", gateway.Limits{RequestsPerMinute: 10, TokensPerMinute: 100, QuotaTokens: 1000})
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(secret, gateway.KeyPrefix))
	require.Len(t, secret, len(gateway.KeyPrefix)+43)
	require.Equal(t, secret[:9], k.Prefix)

	_, _, err = keys.Add(ctx, "alice", gateway.Limits{})
	require.ErrorIs(t, err, gateway.ErrKeys)
	require.ErrorContains(t, err, `a key named "alice"`)
	_, _, err = keys.Add(ctx, " bob", gateway.Limits{})
	require.ErrorContains(t, err, "without surrounding spaces")
	_, _, err = keys.Add(ctx, "bob", gateway.Limits{RequestsPerMinute: -1})
	require.ErrorContains(t, err, "must not be negative")
	_, err = keys.Import(ctx, "carol", "sk-short", gateway.Limits{})
	require.ErrorContains(t, err, `must begin with "gt-"`)

	got, ok, err := keys.Authenticate(ctx, secret)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "alice", got.Name)
	require.Equal(t, gateway.Limits{RequestsPerMinute: 10, TokensPerMinute: 100, QuotaTokens: 1000}, got.Limits)
	_, ok, err = keys.Authenticate(ctx, secret+"x")
	require.NoError(t, err)
	require.False(t, ok)

	require.NoError(t, keys.Charge(ctx, k.ID, 5, 7))
	require.NoError(t, keys.Charge(ctx, k.ID, 1, 2))

	other, err := gateway.OpenKeys(path)
	require.NoError(t, err)
	defer other.Close()
	list, err := other.List(ctx)
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.Equal(t, gateway.Usage{Requests: 2, PromptTokens: 6, CompletionTokens: 9}, list[0].Usage)
	require.NoError(t, other.Revoke(ctx, "alice"))
	require.ErrorContains(t, other.Revoke(ctx, "alice"), `no active key named "alice"`)
	_, ok, err = keys.Authenticate(ctx, secret)
	require.NoError(t, err)
	require.False(t, ok, "revoked in another connection")

	require.NoError(t, keys.Close())
	require.NoError(t, other.Close())
	raw, err := readAll(path)
	require.NoError(t, err)
	require.NotContains(t, raw, secret[len(gateway.KeyPrefix):], "the secret is not in the database")

	_, err = gateway.OpenKeys("")
	require.ErrorContains(t, err, "no database path")
}
