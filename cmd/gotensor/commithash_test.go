package main

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	addresscodec "github.com/cosmos/cosmos-sdk/codec/address"

	"github.com/gotensor/gotensor/app"
	"github.com/gotensor/gotensor/x/subnet/types"
)

func runCommitHash(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	cmd := commitHashCmd()
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.Execute()
	return strings.TrimSpace(out.String()), err
}

// The hash printed is the one the chain recomputes from the reveal (MsgRevealWeights.CommitPayload),
// whether the salt is given in hex or base64 and whatever the case of the address.
func TestCommitHashMatchesTheReveal(t *testing.T) {
	hotkey, err := addresscodec.NewBech32Codec(app.Bech32Prefix).BytesToString(bytes.Repeat([]byte{0x42}, 20))
	require.NoError(t, err)
	salt := []byte{0xde, 0xad, 0xbe, 0xef, 0x01}
	reveal := &types.MsgRevealWeights{Hotkey: hotkey, Netuid: 3, Uids: []uint32{0, 2, 5}, Values: []uint32{1, 65535, 300}, Salt: salt, VersionKey: 7}
	want := hex.EncodeToString(types.CommitHash(reveal.CommitPayload()))
	for _, args := range [][]string{
		{"--hotkey", hotkey, "--netuid", "3", "--uids", "0,2,5", "--values", "1,65535,300", "--salt", "deadbeef01", "--version-key", "7"},
		{"--hotkey", strings.ToUpper(hotkey), "--netuid", "3", "--uids", "0, 2, 5", "--values", "1,65535,300", "--salt", "3q2+7wE=", "--version-key", "7"},
	} {
		got, err := runCommitHash(t, args...)
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
	other, err := runCommitHash(t, "--hotkey", hotkey, "--netuid", "3", "--uids", "0,2,5", "--values", "1,65535,301", "--salt", "deadbeef01", "--version-key", "7")
	require.NoError(t, err)
	require.NotEqual(t, want, other, "a different weight, a different hash")
}

func TestCommitHashArgumentErrors(t *testing.T) {
	hotkey, err := addresscodec.NewBech32Codec(app.Bech32Prefix).BytesToString(bytes.Repeat([]byte{0x42}, 20))
	require.NoError(t, err)
	for _, tc := range []struct {
		name string
		args []string
		errs []string
	}{
		{"nothing", nil, []string{`--hotkey "" is not an account address`, "--netuid is required", "--uids is required", "--values is required", "--salt is required, as hex or base64"}},
		{"cosmos address", []string{"--hotkey", "cosmos1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5lzv7xu", "--netuid", "1", "--uids", "1", "--values", "1", "--salt", "00"}, []string{"is not an account address"}},
		{"uid too big", []string{"--hotkey", hotkey, "--netuid", "1", "--uids", "1,70000", "--values", "1,2", "--salt", "00"}, []string{`--uids entry 2, "70000", is not a number from 0 to 65535`}},
		{"value not a number", []string{"--hotkey", hotkey, "--netuid", "1", "--uids", "1", "--values", "x", "--salt", "00"}, []string{`--values entry 1, "x"`}},
		{"lengths differ", []string{"--hotkey", hotkey, "--netuid", "1", "--uids", "1,2", "--values", "1", "--salt", "00"}, []string{"--uids has 2 entries and --values 1"}},
		{"salt neither", []string{"--hotkey", hotkey, "--netuid", "1", "--uids", "1", "--values", "1", "--salt", "!!"}, []string{"--salt is required, as hex or base64"}},
		{"arguments", []string{"extra"}, []string{`unknown command "extra"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := runCommitHash(t, tc.args...)
			require.Error(t, err)
			for _, want := range tc.errs {
				require.ErrorContains(t, err, want)
			}
		})
	}
}
