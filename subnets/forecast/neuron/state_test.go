package neuron

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/sdk/synapse"
)

// The unrevealed commit, salt included, survives a restart in the state file; a file that is
// another validator's is refused rather than overwritten.
func TestStateFileKeepsTheCommit(t *testing.T) {
	key := synapse.GenerateKeySigner()
	path := filepath.Join(t.TempDir(), "sub", "state.json")
	f := &stateFile{path: path, hotkey: key.Address(), netuid: 3}
	p, err := f.load()
	require.NoError(t, err)
	require.Nil(t, p, "no file yet: nothing pending")

	c, err := chain.NewCommit(key.Address(), 3, chain.Weights{UIDs: []uint16{1, 2}, Values: []uint16{65535, 900}, VersionKey: 7})
	require.NoError(t, err)
	want := &PendingCommit{Commit: c, Block: 120, Epoch: 11, RevealEpoch: 12}
	require.NoError(t, f.save(want))
	info, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "the salt is secret")
	got, err := f.load()
	require.NoError(t, err)
	require.Equal(t, want, got)
	require.Equal(t, c.Hash(), got.Commit.Hash(), "the reveal reproduces the hash")

	require.NoError(t, f.save(nil))
	got, err = f.load()
	require.NoError(t, err)
	require.Nil(t, got)

	require.NoError(t, f.save(want))
	other := &stateFile{path: path, hotkey: synapse.GenerateKeySigner().Address(), netuid: 3}
	_, err = other.load()
	require.ErrorContains(t, err, "give each validator its own")
	_, err = (&stateFile{path: path, hotkey: key.Address(), netuid: 4}).load()
	require.ErrorContains(t, err, "on subnet 3, not")

	require.NoError(t, os.WriteFile(path, []byte("{not json"), 0o600))
	_, err = f.load()
	require.ErrorContains(t, err, "is not a validator's state")
}

// A validator given a state file resumes the commit it holds.
func TestValidatorResumesTheCommit(t *testing.T) {
	key := synapse.GenerateKeySigner()
	path := filepath.Join(t.TempDir(), "state.json")
	c, err := chain.NewCommit(key.Address(), 5, chain.Weights{UIDs: []uint16{1}, Values: []uint16{65535}})
	require.NoError(t, err)
	want := &PendingCommit{Commit: c, Block: 40, Epoch: 3, RevealEpoch: 4}
	require.NoError(t, (&stateFile{path: path, hotkey: key.Address(), netuid: 5}).save(want))
	v, err := NewValidator(ValidatorConfig{Chain: offlineChain(t), Hotkey: key, Netuid: 5, StatePath: path, Logger: quiet})
	require.NoError(t, err)
	defer v.d.Close()
	require.Equal(t, want, v.weights.Pending)
	require.Equal(t, uint64(4), v.Activity().RevealEpoch)
}
