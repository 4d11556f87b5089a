package yuma_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/yuma"
)

// TestWorkspaceReuse runs epochs of different sizes and modes back to
// back in one Workspace, in two orders, and requires each output to be
// the bits of the same epoch in a fresh Workspace: nothing an epoch
// leaves in the Workspace reaches the next one's output.
func TestWorkspaceReuse(t *testing.T) {
	inputs := []yuma.Input{
		benchInput(300, 64, true, true),
		benchInput(20, 5, false, false),
		benchInput(256, 256, false, false),
		benchInput(1, 1, true, false),
		benchInput(64, 64, true, true),
	}
	fresh := make([]yuma.Output, len(inputs))
	for i, in := range inputs {
		out, err := yuma.Epoch(in)
		require.NoError(t, err)
		fresh[i] = out
	}
	ws := new(yuma.Workspace)
	for _, order := range [][]int{{0, 1, 2, 3, 4}, {3, 2, 4, 0, 1, 0}} {
		for _, i := range order {
			out, err := ws.Epoch(inputs[i])
			require.NoError(t, err)
			require.Equal(t, fresh[i], out, "input %d after order %v", i, order)
		}
	}
	var none *yuma.Workspace
	out, err := none.Epoch(inputs[1])
	require.NoError(t, err)
	require.Equal(t, fresh[1], out, "a nil Workspace works as a fresh one")
}
