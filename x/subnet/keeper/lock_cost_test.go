package keeper_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/x/subnet/types"
)

// TestLockCostDoublesThenDecays_6_4: each registration sets the price to twice the lock just paid,
// falling by last_lock/interval a block back to last_lock after interval blocks, never below the
// minimum.
func TestLockCostDoublesThenDecays_6_4(t *testing.T) {
	f := newNetFixture(t, withNetParams(func(p *types.Params) {
		p.NetworkRateLimit = 3
		p.NetworkLockReductionInterval = 100 // 1000 TAO / 100 = 10 TAO a block
	}))
	lockCost := func() uint64 {
		res, err := f.qry.LockCost(f.ctx(), &types.QueryLockCostRequest{})
		require.NoError(t, err)
		return res.LockCost
	}
	require.Equal(t, 1_000*oneTAO, lockCost())
	f.registerNetwork(f.account(0), newKey(), "one")
	require.Equal(t, 2_000*oneTAO, lockCost(), "twice the lock just paid")
	for i := uint64(1); i <= 3; i++ {
		f.next()
		require.Equal(t, 2_000*oneTAO-i*10*oneTAO, lockCost(), "block %d after", i)
	}
	res := f.registerNetwork(f.account(1), newKey(), "two")
	require.Equal(t, 1_970*oneTAO, res.LockCost)
	require.Equal(t, 3_940*oneTAO, lockCost(), "twice 1970")

	f.advance(100)
	require.Equal(t, 1_970*oneTAO, lockCost(), "back to the last lock after one interval")
	f.advance(100)
	require.Equal(t, 1_000*oneTAO, lockCost(), "floored at the minimum")
}
