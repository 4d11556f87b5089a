package keeper_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/x/subnet/types"
)

// BenchmarkDissolutionPayBlock is one block's share of a dissolution at the default budget in its
// costliest phase, paying: 1 024 stakes valued, paid in TAO, their remainders recorded and the
// stakes deleted. The subnet has 1 980 stakes (198 coldkeys × 10 hotkeys).
func BenchmarkDissolutionPayBlock(b *testing.B) {
	f := newDissolving(b, 200, types.DefaultParams().DissolutionStepsPerBlock)
	var hotkeys []string
	for range 10 {
		hot := newKey()
		f.burnedRegister(f.account(2), hot, 2)
		hotkeys = append(hotkeys, hot.String())
	}
	for i := 2; i < 200; i++ {
		for _, hot := range hotkeys {
			_, err := f.srv.AddStake(f.ctx(), &types.MsgAddStake{Coldkey: f.account(i).String(), Hotkey: hot, Netuid: 2, Amount: oneTAO})
			require.NoError(b, err)
		}
	}
	f.next()
	f.prune()
	for {
		f.next()
		d, err := f.k.Dissolutions.Get(f.ctx(), 2)
		require.NoError(b, err)
		if d.Phase == types.DissolutionPhase_DISSOLUTION_PHASE_PAY {
			break
		}
	}
	b.ResetTimer()
	for b.Loop() {
		branch, _ := f.ctx().CacheContext()
		require.NoError(b, f.k.ProgressDissolutions(branch))
	}
}
