package keeper_test

import (
	"math/big"
	"testing"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/collections"

	"github.com/gotensor/gotensor/fixed"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// TestSubnetLimitPrunesLowestMovingPrice_6_4: past the subnet limit, a registration dissolves the
// subnet with the lowest moving price among those out of immunity (tie: earliest registered),
// pays its pool TAO to its stakers pro rata and reuses its netuid.
func TestSubnetLimitPrunesLowestMovingPrice_6_4(t *testing.T) {
	f := newNetFixture(t, withNetParams(func(p *types.Params) {
		p.NetworkRateLimit = 0
		p.SubnetLimit = 3
		p.NetworkImmunityPeriod = 10
		p.NetworkLockReductionInterval = 1
	}))
	f.registerNetwork(f.account(0), newKey(), "one")
	f.next()
	f.registerNetwork(f.account(1), newKey(), "two")
	f.next()
	f.registerNetwork(f.account(2), newKey(), "three")

	// All three are immune: nothing can be pruned, and the refusal changes nothing.
	before := f.stateHash()
	_, err := f.srv.RegisterNetwork(f.ctx(), &types.MsgRegisterNetwork{Coldkey: f.account(3).String(), Hotkey: newKey().String(), Name: "four"})
	require.ErrorIs(t, err, types.ErrSubnetLimitReached)
	require.Equal(t, before, f.stateHash())

	f.advance(10)
	// A staker on subnet 2: start it, stake 100 TAO through account 4.
	staker, stakeHotkey := f.account(4), newKey()
	_, err = f.srv.StartCall(f.ctx(), &types.MsgStartCall{Owner: f.account(1).String(), Netuid: 2})
	require.NoError(t, err)
	f.next()
	f.burnedRegister(staker, stakeHotkey, 2)
	_, err = f.srv.AddStake(f.ctx(), &types.MsgAddStake{Coldkey: staker.String(), Hotkey: stakeHotkey.String(), Netuid: 2, Amount: 100 * oneTAO})
	require.NoError(t, err)
	f.next()

	// Subnets 2 and 3 tie on the lowest moving price; 2 was registered first.
	f.setMovingPrice(1, fixed.MustI96F32FromLiteral("0.5"))
	f.setMovingPrice(2, fixed.MustI96F32FromLiteral("0.25"))
	f.setMovingPrice(3, fixed.MustI96F32FromLiteral("0.25"))
	pool := f.pool(2)
	stake, err := f.k.StakeOf(f.ctx(), stakeHotkey, staker, 2)
	require.NoError(t, err)
	require.NotZero(t, stake)
	total := new(big.Int).SetUint64(pool.AlphaIn)
	total.Add(total, new(big.Int).SetUint64(pool.ProtocolAlpha)).Add(total, new(big.Int).SetUint64(stake))
	fairShare := new(big.Int).Mul(new(big.Int).SetUint64(pool.Tao), new(big.Int).SetUint64(stake))
	fair := fairShare.Quo(fairShare, total).Uint64()
	stakerBefore := f.balance(staker)
	issuanceBefore, err := f.k.GetTotalIssuance(f.ctx())
	require.NoError(t, err)

	res := f.registerNetwork(f.account(3), newKey(), "four")
	require.Equal(t, uint32(4), res.Netuid, "the pruned netuid stays reserved while its stakers are paid")
	evs := f.events("gotensor.subnet.v1.EventNetworkPruned")
	require.Len(t, evs, 1)
	pruned := evs[0].(*types.EventNetworkPruned)
	require.Equal(t, uint32(2), pruned.Netuid)
	require.Equal(t, pool.Tao, pruned.Pot)
	reg := f.events("gotensor.subnet.v1.EventNetworkRegistered")
	require.Equal(t, uint32(2), reg[len(reg)-1].(*types.EventNetworkRegistered).PrunedNetuid)
	// The registration did not touch the stake: it is paid in the following blocks.
	held, err := f.k.StakeOf(f.ctx(), stakeHotkey, staker, 2)
	require.NoError(t, err)
	require.Equal(t, stake, held)

	finished := f.untilDissolved(2)
	paid := f.balance(staker) - stakerBefore
	require.Equal(t, paid, finished.TaoReturned)
	require.GreaterOrEqual(t, paid, fair)
	require.LessOrEqual(t, paid, fair+1, "largest remainder adds at most a rao")
	require.Equal(t, pool.Tao-paid, finished.TaoRecycled, "the protocol's share of the pool is recycled")
	issuance, err := f.k.GetTotalIssuance(f.ctx())
	require.NoError(t, err)
	require.Equal(t, issuanceBefore-(pool.Tao-paid), issuance, "no coinbase TAO was taken; the dissolution recycled the rest")

	// Nothing of the old subnet 2 survives; the new one starts fresh.
	s := f.subnet(4)
	require.Equal(t, "four", s.Name)
	require.Equal(t, uint32(1), s.N)
	stake, err = f.k.StakeOf(f.ctx(), stakeHotkey, staker, 2)
	require.NoError(t, err)
	require.Zero(t, stake)
	has, err := f.k.HotkeyPools.Has(f.ctx(), collections.Join(stakeHotkey, uint32(2)))
	require.NoError(t, err)
	require.False(t, has)
	_, ok, err := f.k.HotkeyOwner(f.ctx(), stakeHotkey)
	require.NoError(t, err)
	require.True(t, ok, "hotkeys outlive the subnets they were registered on")
	require.Equal(t, res.LockCost, f.pool(4).Tao)
	netuids, err := f.k.Netuids(f.ctx())
	require.NoError(t, err)
	require.Equal(t, []uint32{1, 3, 4}, netuids)
}
