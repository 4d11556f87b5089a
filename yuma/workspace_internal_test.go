package yuma

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestWorkspaceBusy: an epoch started on a Workspace that another epoch is
// using fails with ErrWorkspaceBusy instead of sharing its memory, and the
// Workspace serves the next epoch once the other is done.
func TestWorkspaceBusy(t *testing.T) {
	in := Input{AlphaStake: []uint64{1}, LastUpdate: []uint64{0}, BlockAtRegistration: []uint64{0},
		ValidatorPermit: []bool{true}, Emission: 1e9}
	ws := new(Workspace)
	ws.busy.Store(true) // as while another epoch runs
	_, err := ws.Epoch(in)
	require.True(t, errors.Is(err, ErrWorkspaceBusy), "got %v", err)
	ws.busy.Store(false)
	got, err := ws.Epoch(in)
	require.NoError(t, err)
	want, err := Epoch(in)
	require.NoError(t, err)
	require.Equal(t, want, got)
	require.False(t, ws.busy.Load(), "the epoch leaves the Workspace free")
}
