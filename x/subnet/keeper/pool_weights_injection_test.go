package keeper_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/app/apptesting"
	"github.com/gotensor/gotensor/fixed"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// With pool_weight_updates on, each block's injection reweights the pool before it is added
// (§5.4 step 1, §6.2): the price the injection leaves is the price it found, to 1e-12, an event
// records each change, and the weights stay in [0.01, 0.99] (an invariant, checked every block).
// Off, the same chain keeps equal weights.
func TestInjectionReweightsThePool_5_4(t *testing.T) {
	for _, on := range []bool{true, false} {
		f := newStakeFixture(t, func(p *types.Params) { p.PoolWeightUpdates = on })
		f.openSubnet(1, 3000*taoUnit, 1000*taoUnit)
		f.openSubnet(2, 1000*taoUnit, 3000*taoUnit)
		for _, netuid := range []uint32{1, 2} {
			hp, err := f.k.GetHyperparams(f.ctx(), netuid)
			require.NoError(t, err)
			hp.EmissionEnabled = true
			require.NoError(t, f.k.Hyperparams.Set(f.ctx(), netuid, hp))
		}
		f.next()
		reweighted, kept := 0, 0
		for range 20 {
			before := []fixed.U64F64{f.price(1), f.price(2)}
			res := f.c.NextBlock()
			f.requireSound()
			reweighted += len(apptesting.Events(res, "gotensor.subnet.v1.EventPoolReweighted"))
			for i, netuid := range []uint32{1, 2} {
				p := f.pool(netuid)
				if !on {
					require.Zero(t, p.QuoteWeight)
					continue
				}
				if p.TaoInEmission+p.AlphaInEmission > 0 && p.ExcessTao == 0 {
					require.InEpsilon(t, u64f64Float(before[i]), u64f64Float(f.price(netuid)), 1e-12,
						"subnet %d: the injection keeps the price", netuid)
					kept++
				}
			}
		}
		if on {
			require.Positive(t, reweighted, "injections reweight the pools")
			require.Positive(t, kept, "some blocks inject without a chain buy")
			require.NotZero(t, f.pool(1).QuoteWeight+f.pool(2).QuoteWeight)
		}
	}
}
