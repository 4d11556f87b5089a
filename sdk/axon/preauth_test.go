package axon

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/sdk/synapse"
)

func TestPreAuthBudget(t *testing.T) {
	b := newPreAuthBudget(100, 60)
	require.NoError(t, b.take("hotkey a", 60))
	err := b.take("hotkey a", 1)
	requireReason(t, err, synapse.ReasonCallerBusy)
	require.ErrorContains(t, err, "hotkey a already has 60 bytes of request bodies in flight that are not yet authenticated; 60 is the most one may")
	require.NoError(t, b.take("hotkey b", 40))
	err = b.take("hotkey c", 1)
	requireReason(t, err, synapse.ReasonBusy)
	require.ErrorContains(t, err, "holds 100 bytes of request bodies not yet authenticated")
	b.give("hotkey a", 60)
	require.NoError(t, b.take("hotkey c", 60))
	b.give("hotkey b", 40)
	b.give("hotkey c", 60)
	require.Zero(t, b.held())
	require.Empty(t, b.byOwner)
}
