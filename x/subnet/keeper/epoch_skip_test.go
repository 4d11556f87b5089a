package keeper_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/collections"

	"github.com/gotensor/gotensor/app/apptesting"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// An epoch refused while paying (the last validator's hotkey has lost its owner, found only after
// the owner cut and the miners were paid) writes nothing: neurons, bonds and stakes are as before,
// and the pending emission it drained is still pending, to the alpha, with this block's share
// added. Once the hotkey has its owner again, the next epoch pays out everything carried over.
func TestSkippedEpochLeavesNothingHalfWritten_4_17(t *testing.T) {
	e := newEconomy(t, 3, []uint64{300 * oneTAO, 200 * oneTAO, 100 * oneTAO})
	weights := map[string][]uint32{}
	for _, v := range e.validators {
		weights[v.String()] = []uint32{65_535, 30_000, 10_000}
	}
	e.untilEpoch()
	e.commitThenReveal(weights)
	e.untilEpoch()

	broken := e.validators[len(e.validators)-1]
	owner, ok, err := e.k.HotkeyOwner(e.ctx(), broken)
	require.NoError(t, err)
	require.True(t, ok)
	// Advance to the block before the next epoch, then take the hotkey's owner away.
	sched := e.schedule(e.netuid)
	hp, err := e.k.GetHyperparams(e.ctx(), e.netuid)
	require.NoError(t, err)
	for e.block() < sched.LastEpochBlock+uint64(hp.Tempo) {
		e.step()
	}
	require.NoError(t, e.k.Owners.Remove(e.ctx(), broken))

	type snapshot struct {
		neurons      []types.Neuron
		bonds        map[uint32]types.WeightRow
		hotkeyAlpha  map[string]uint64
		pending      types.PendingEmission
		pool         types.Pool
		stakedAlpha  uint64
		epochIndex   uint64
		pendingTotal uint64
	}
	take := func() snapshot {
		s := snapshot{bonds: map[uint32]types.WeightRow{}, hotkeyAlpha: map[string]uint64{}}
		s.neurons, err = e.k.SubnetNeurons(e.ctx(), e.netuid)
		require.NoError(t, err)
		require.NoError(t, e.k.Bonds.Walk(e.ctx(), collections.NewPrefixedPairRange[uint32, uint32](e.netuid),
			func(key collections.Pair[uint32, uint32], row types.WeightRow) (bool, error) {
				s.bonds[key.K2()] = row
				return false, nil
			}))
		for _, hot := range append(append(append(e.miners, e.validators...), e.ownerHot), broken) {
			a, err := e.k.HotkeyAlpha(e.ctx(), hot, e.netuid)
			require.NoError(t, err)
			s.hotkeyAlpha[hot.String()] = a
		}
		s.pending, err = e.k.GetPending(e.ctx(), e.netuid)
		require.NoError(t, err)
		s.pendingTotal = s.pending.Server + s.pending.Validator + s.pending.OwnerCut
		s.pool = e.pool(e.netuid)
		for _, a := range s.hotkeyAlpha {
			s.stakedAlpha += a
		}
		s.epochIndex = e.epochIndex()
		return s
	}
	before := take()
	require.NotZero(t, before.pendingTotal)

	res := e.c.NextBlock()
	// Every accounting identity holds; the ownership index reports the owner removed above.
	results, err := e.k.CheckInvariants(e.ctx())
	require.NoError(t, err)
	for _, r := range results {
		require.Equal(t, r.Name != "hotkey-ownership-indexes-agree", r.Holds, "%s: %s", r.Name, r.Detail)
	}
	skipped := apptesting.TypedEvents[*types.EventEpochSkipped](t, res)
	require.Len(t, skipped, 1, "the epoch was due and refused")
	require.Contains(t, skipped[0].Reason, "has no owner")
	require.Empty(t, apptesting.TypedEvents[*types.EventEpoch](t, res))

	after := take()
	require.Equal(t, before.neurons, after.neurons, "no neuron was written")
	require.Equal(t, before.bonds, after.bonds, "no bond was written")
	require.Equal(t, before.hotkeyAlpha, after.hotkeyAlpha, "no one was paid")
	require.Equal(t, before.epochIndex+1, after.epochIndex, "the epoch slot is used up, as a skip")
	// Conservation: what was pending before still is, and this block's alpha_out is in pending or
	// in the protocol's chain-bought alpha, but for §5.5's three floors (at most 2 alpha rao of dust,
	// as on subtensor).
	require.GreaterOrEqual(t, after.pending.Server, before.pending.Server)
	require.GreaterOrEqual(t, after.pending.Validator, before.pending.Validator)
	require.GreaterOrEqual(t, after.pending.OwnerCut, before.pending.OwnerCut)
	minted := after.pool.AlphaOut - before.pool.AlphaOut
	accounted := (after.pendingTotal - before.pendingTotal) + (after.pool.ProtocolAlpha - before.pool.ProtocolAlpha)
	require.LessOrEqual(t, accounted, minted)
	require.LessOrEqual(t, minted-accounted, uint64(2), "only the split's rounding dust is unaccounted")

	// The owner comes back: the next epoch pays what was carried over.
	require.NoError(t, e.k.Owners.Set(e.ctx(), broken, owner))
	carried := after.pendingTotal
	e.epochs = nil
	e.untilEpoch()
	require.Len(t, e.epochs, 1)
	ep := e.epochs[0]
	require.GreaterOrEqual(t, ep.Emission+ep.OwnerCut, carried, "the carried emission is paid")
	end := take()
	require.Zero(t, end.pendingTotal)
	require.Equal(t, end.stakedAlpha-after.stakedAlpha+ep.Withheld, ep.OwnerCut+ep.Miners+ep.Validators)
}
