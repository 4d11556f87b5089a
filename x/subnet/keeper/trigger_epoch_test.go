package keeper_test

import (
	"testing"

	"github.com/cosmos/gogoproto/proto"
	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/x/subnet/types"
)

// TestTriggerEpoch_3_1: only the owner, not under commit-reveal, not on a tempo-0 subnet, not
// inside the freeze window nor while a trigger is pending; the epoch then runs AdminFreezeWindow
// (10) blocks later instead of at the end of its tempo.
func TestTriggerEpoch_3_1(t *testing.T) {
	f, _ := newSubnetFixture(t)
	owner := f.account(0)
	trigger := func(signer sdk.AccAddress, netuid uint32) (*types.MsgTriggerEpochResponse, error) {
		return f.srv.TriggerEpoch(f.ctx(), &types.MsgTriggerEpoch{Owner: signer.String(), Netuid: netuid})
	}
	refuse := func(signer sdk.AccAddress, netuid uint32, want error, why string) {
		t.Helper()
		before := f.stateHash()
		_, err := trigger(signer, netuid)
		require.ErrorIs(t, err, want, why)
		require.Equal(t, before, f.stateHash(), why)
	}
	refuse(owner, 1, types.ErrTriggerUnderCommitReveal, "commit-reveal is on by default")
	f.tune(1, "commit_reveal", "false", "tempo", "100") // the cycle restarts: the next epoch is 100 blocks away
	refuse(f.account(1), 1, types.ErrNotSubnetOwner, "not the owner")
	refuse(owner, 0, types.ErrRootNetuid, "root netuid")
	refuse(owner, 9, types.ErrSubnetNotFound, "unknown subnet")
	_, err := f.srv.TriggerEpoch(f.ctx(), &types.MsgTriggerEpoch{Owner: "tao1notanaddress", Netuid: 1})
	require.ErrorIs(t, err, types.ErrInvalidAddress)

	f.next()
	index := f.schedule(1).EpochIndex
	res, err := trigger(owner, 1)
	require.NoError(t, err)
	runAt := f.block() + 10
	require.Equal(t, runAt, res.RunAt)
	require.Equal(t, runAt, f.schedule(1).PendingEpochAt)
	require.Equal(t, []proto.Message{&types.EventEpochTriggered{Netuid: 1, RunAt: runAt}}, f.events("gotensor.subnet.v1.EventEpochTriggered"))
	refuse(owner, 1, types.ErrAdminFreezeWindow, "a trigger is pending")

	for f.block() < runAt { // f.block() is the block being built; every one before it is final
		f.next()
	}
	require.Equal(t, index, f.schedule(1).EpochIndex, "not before its block")
	f.next()
	sched := f.schedule(1)
	require.Equal(t, index+1, sched.EpochIndex, "the triggered epoch ran at its block")
	require.Equal(t, runAt, sched.LastEpochBlock)
	require.Zero(t, sched.PendingEpochAt)

	// The next scheduled epoch is a tempo after the triggered one; in its last 10 blocks a trigger
	// would not bring it forward, so it is refused.
	for f.block() < runAt+91 {
		f.next()
	}
	refuse(owner, 1, types.ErrAdminFreezeWindow, "9 blocks before the scheduled epoch")

	f.tune(1, "tempo", "0")
	refuse(owner, 1, types.ErrNoEpochs, "tempo 0 runs no epochs")
	f.next()
}
