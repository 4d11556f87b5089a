package keeper

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/fixed"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// One TAO-worth of alpha splits 18 / 41 / 41: the owner's cut (11796/65535), then half of the rest
// to miners and half to validators (§5.5), with no root stake.
func TestAlphaOutSplit_5_5(t *testing.T) {
	s, root := alphaOutSplit(1_000_000_000, 11_796, true, fixed.U96F32{})
	require.Zero(t, root)
	require.Equal(t, uint64(179_995_422), s.OwnerCut, "floor(1e9 · 11796/65535)")
	// The rest, 820 004 577.…, halves to 410 002 288.… each; the floors lose two rao in all.
	require.Equal(t, uint64(410_002_288), s.Server)
	require.Equal(t, uint64(410_002_288), s.Validator)
	require.LessOrEqual(t, s.OwnerCut+s.Server+s.Validator, uint64(1_000_000_000))

	noCut, _ := alphaOutSplit(1_000_000_000, 11_796, false, fixed.U96F32{})
	require.Equal(t, types.PendingEmission{Server: 500_000_000, Validator: 500_000_000}, noCut)

	// A root proportion of 1/4 takes 1/4 of the validators' half for root stakers:
	// root_α = 0.25 · 820 004 577.… · 0.5, val_α = rest − server_α − root_α (floors at the end).
	s, root = alphaOutSplit(1_000_000_000, 11_796, true, fixed.MustU96F32FromLiteral("0.25"))
	require.Equal(t, types.PendingEmission{OwnerCut: 179_995_422, Server: 410_002_288, Validator: 307_501_716}, s)
	require.Equal(t, uint64(102_500_572), root)
}

// §5.4's root_prop = RootTao·tw / (RootTao·tw + alpha issuance), in U96F32.
func TestRootProportion_5_4(t *testing.T) {
	require.True(t, rootProportion(0, 1_000, types.DefaultParams().TaoWeight).IsZero(), "no root stake")
	require.True(t, rootProportion(0, 0, types.DefaultParams().TaoWeight).IsZero(), "0/0 is 0")
	// tw = 1 (u64::MAX): 3 TAO on root against 1 alpha issued is 3/4.
	require.Equal(t, "0.75", rootProportion(3*types.RaoPerTAO, types.RaoPerTAO, math.MaxUint64).String())
	// The spec's tw: 1000 TAO weigh 52.676974330… TAO (see TestCombinedStake_4_3's 52 676 974 330).
	p := rootProportion(1_000*types.RaoPerTAO, 52_676_974_330, types.DefaultParams().TaoWeight)
	require.Equal(t, "0.5", p.String()[:3])
}

// The pool takes TAO and alpha at its price; with a cap at the subnet's alpha emission, the TAO the
// pool cannot take at that price is left for a chain buy (§5.4 with DESIGN.md's legacy cap).
func TestInjectionFor_5_4(t *testing.T) {
	half := fixed.MustU64F64FromLiteral("0.5")
	// 0.2 TAO at 0.5 TAO/alpha wants 0.4 alpha: under the 1-alpha cap, all of it goes in.
	in := injectionFor(200_000_000, half, 1_000_000_000)
	require.Equal(t, injection{taoIn: 200_000_000, alphaIn: 400_000_000}, in)

	// 1 TAO at 0.5 wants 2 alpha: the cap keeps 1 alpha and 0.5 TAO; 0.5 TAO buys alpha.
	in = injectionFor(1_000_000_000, half, 1_000_000_000)
	require.Equal(t, injection{taoIn: 500_000_000, alphaIn: 1_000_000_000, excessTao: 500_000_000}, in)

	// A pool without price takes the TAO alone.
	in = injectionFor(300, fixed.U64F64FromUint(0), 1_000_000_000)
	require.Equal(t, injection{taoIn: 300}, in)
}

func emittingWith(price string, burned string, enabled bool) emitting {
	p := types.Pool{MovingPrice: i96f32Bytes(fixed.MustI96F32FromLiteral(price))}
	if burned != "" {
		p.MinerBurned = u96f32Bytes(fixed.MustU96F32FromLiteral(burned))
	}
	return emitting{pool: p, hp: types.Hyperparams{EmissionEnabled: enabled}}
}

// Shares follow moving prices, weighed by what each subnet did not withhold from its miners, and
// only enabled subnets share (§5.3).
func TestEmissionShares_5_3(t *testing.T) {
	shares := emissionShares([]emitting{emittingWith("0.375", "", true), emittingWith("0.125", "", true)})
	require.Equal(t, "0.75", shares[0].String())
	require.Equal(t, "0.25", shares[1].String())

	// The first subnet withheld half its miners' emission last epoch.
	shares = emissionShares([]emitting{emittingWith("0.25", "0.5", true), emittingWith("0.25", "", true)})
	require.Equal(t, "0.3333333333333333333", shares[0].String()[:21])
	require.Equal(t, "0.6666666666666666666", shares[1].String()[:21])

	// A subnet whose TAO-side emission is not enabled gets none; the others share all of it.
	shares = emissionShares([]emitting{emittingWith("0.25", "", false), emittingWith("0.125", "", true)})
	require.True(t, shares[0].IsZero())
	require.Equal(t, "1.0", shares[1].String())

	// No enabled subnet: nobody gets TAO emission (it is all recycled).
	shares = emissionShares([]emitting{emittingWith("0.25", "", false)})
	require.True(t, shares[0].IsZero())
}
