package attack_test

import (
	"encoding/binary"
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/app/apptesting"
	"github.com/gotensor/gotensor/sim/scenario"
	"github.com/gotensor/gotensor/sim/stats"
	"github.com/gotensor/gotensor/x/subnet/keeper"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// ownerBurn is one run of S15's chain-level half: two subnets with equal pools, on the real app
// (apptesting: every block's begin and end steps, no network). On subnet 1 the owner's coldkey
// also registers a miner, and the only validator gives it a share x of its weight (the rest to
// an honest miner); subnet 2 is the same without the owner's miner. What the chain did is read
// back after the epochs.
type ownerBurn struct {
	minerBurned    float64 // subnet 1's withheld share of miner emission, last epoch (§5.3 MinerBurned)
	share          float64 // subnet 1's share of the TAO emission of the block after, measured
	predicted      float64 // the same from §5.3: ps₁(1 − b₁) / Σ ps(1 − b)
	ownerMinerPay  uint64  // alpha the owner's miner hotkey holds (its incentive is withheld, so 0)
	honestMinerPay uint64  // alpha the honest miner of subnet 1 holds
}

const ownerBurnTempo = 5

func runOwnerBurn(t *testing.T, x float64) ownerBurn {
	t.Helper()
	c := apptesting.New(t, apptesting.WithParams(func(p *types.Params) {
		p.NetworkRateLimit = 0
		p.NetworkMinLockCost = 100 * types.RaoPerTAO
	}))
	k := c.App.SubnetKeeper
	srv := keeper.NewMsgServer(k)
	owner, honestColdkey := c.Accounts[0].Address, c.Accounts[1].Address
	var n byte
	hotkey := func() sdk.AccAddress {
		n++
		h := make(sdk.AccAddress, 20)
		copy(h, "owner-burn-hotkey")
		h[19] = n
		return h
	}
	type subnet struct {
		netuid                             uint32
		validator, honestMiner, ownerMiner sdk.AccAddress
	}
	var subnets []subnet
	for i := range 2 {
		var s subnet
		res, err := srv.RegisterNetwork(c.Ctx(), &types.MsgRegisterNetwork{Coldkey: owner.String(), Hotkey: hotkey().String(), Name: fmt.Sprintf("owner-burn-%d", i)})
		require.NoError(t, err)
		s.netuid = res.Netuid
		_, err = srv.StartCall(c.Ctx(), &types.MsgStartCall{Owner: owner.String(), Netuid: s.netuid})
		require.NoError(t, err)
		hp, err := k.GetHyperparams(c.Ctx(), s.netuid)
		require.NoError(t, err)
		hp.Tempo, hp.EmissionEnabled, hp.CommitReveal, hp.WeightsSetRateLimit = ownerBurnTempo, true, false, 0
		require.NoError(t, k.Hyperparams.Set(c.Ctx(), s.netuid, hp))
		s.validator, s.honestMiner = hotkey(), hotkey()
		for _, h := range []sdk.AccAddress{s.validator, s.honestMiner} {
			_, err = srv.BurnedRegister(c.Ctx(), &types.MsgBurnedRegister{Coldkey: honestColdkey.String(), Netuid: s.netuid, Hotkey: h.String()})
			require.NoError(t, err)
		}
		if i == 0 {
			s.ownerMiner = hotkey()
			_, err = srv.BurnedRegister(c.Ctx(), &types.MsgBurnedRegister{Coldkey: owner.String(), Netuid: s.netuid, Hotkey: s.ownerMiner.String()})
			require.NoError(t, err)
		}
		_, err = srv.AddStake(c.Ctx(), &types.MsgAddStake{Coldkey: honestColdkey.String(), Hotkey: s.validator.String(), Netuid: s.netuid, Amount: 100 * types.RaoPerTAO})
		require.NoError(t, err)
		subnets = append(subnets, s)
	}
	uidOf := func(netuid uint32, h sdk.AccAddress) uint32 {
		uid, err := k.UidOf(c.Ctx(), netuid, h)
		require.NoError(t, err)
		return uid
	}
	// Weights are set every block, so that they stand whenever the validator's permit arrives.
	for range 6 * ownerBurnTempo {
		for i, s := range subnets {
			msg := &types.MsgSetWeights{Hotkey: s.validator.String(), Netuid: s.netuid,
				Uids: []uint32{uidOf(s.netuid, s.honestMiner)}, Values: []uint32{65535}}
			if i == 0 && x > 0 {
				own := uint32(math.Round(65535 * x / math.Max(x, 1-x)))
				honest := uint32(math.Round(65535 * (1 - x) / math.Max(x, 1-x)))
				msg.Uids = append(msg.Uids, uidOf(s.netuid, s.ownerMiner))
				msg.Values = []uint32{honest, own}
			}
			_, _ = srv.SetWeights(c.Ctx(), msg) // refused until the validator holds a permit
		}
		c.NextBlock()
	}
	var out ownerBurn
	pools := make([]types.Pool, 2)
	for i, s := range subnets {
		var err error
		pools[i], err = k.GetPool(c.Ctx(), s.netuid)
		require.NoError(t, err)
	}
	out.minerBurned = u96(pools[0].MinerBurned)
	tao := func(p types.Pool) float64 { return float64(p.TaoInEmission + p.ExcessTao) }
	out.share = tao(pools[0]) / (tao(pools[0]) + tao(pools[1]))
	var w [2]float64
	for i, p := range pools {
		w[i] = i96(p.MovingPrice) * (1 - math.Min(1, u96(p.MinerBurned)))
	}
	out.predicted = w[0] / (w[0] + w[1])
	var err error
	if x > 0 {
		out.ownerMinerPay, err = k.HotkeyAlpha(c.Ctx(), subnets[0].ownerMiner, subnets[0].netuid)
		require.NoError(t, err)
	}
	out.honestMinerPay, err = k.HotkeyAlpha(c.Ctx(), subnets[0].honestMiner, subnets[0].netuid)
	require.NoError(t, err)
	return out
}

// u96 and i96 read the chain's 16-byte big-endian U96F32 and I96F32 (32 fraction bits) as
// floats, for the report; 0 when unset.
func u96(b []byte) float64 {
	if len(b) != 16 {
		return 0
	}
	return float64(binary.BigEndian.Uint64(b[:8]))*(1<<32) + float64(binary.BigEndian.Uint64(b[8:]))/(1<<32)
}

func i96(b []byte) float64 {
	if len(b) != 16 {
		return 0
	}
	return float64(int64(binary.BigEndian.Uint64(b[:8])))*(1<<32) + float64(binary.BigEndian.Uint64(b[8:]))/(1<<32)
}

// The fast check: an owner whose validator sends half the subnet's miner weight to the owner's
// own miner gets none of it (withheld), and the subnet's share of the block's TAO emission
// falls from a half to (1 − ½)/(2 − ½) = ⅓, as §5.3 says.
func TestOwnerSelfDealingLowersEmissionShare(t *testing.T) {
	honest := runOwnerBurn(t, 0)
	require.InDelta(t, 0, honest.minerBurned, 1e-9)
	require.InDelta(t, 0.5, honest.share, 0.01)
	dealing := runOwnerBurn(t, 0.5)
	require.InDelta(t, 0.5, dealing.minerBurned, 0.01)
	require.Zero(t, dealing.ownerMinerPay, "the owner's miner is paid nothing")
	require.Positive(t, dealing.honestMinerPay)
	require.InDelta(t, dealing.predicted, dealing.share, 0.01)
	require.InDelta(t, 1.0/3, dealing.share, 0.02)
}

// realS15 is S15's chain-level half for the report: the owner's share x of miner weight against
// the withheld share and the subnet's TAO emission share.
func realS15(t *testing.T) *scenario.Result {
	r := &scenario.Result{Scenario: "S15", Title: "owner self-dealing, the chain-level half", Layer: "L2 real: x/subnet on the real app (apptesting), two subnets with equal pools",
		Threshold: "the owner's own miners are paid nothing (their incentive is withheld); the subnet's TAO emission share falls with the owner-burned fraction b as ps(1 − b)/Σ (equal pools: (1 − b)/(2 − b))",
		Setup:     fmt.Sprintf("two subnets registered and started together (equal moving prices); on each a validator with 100 TAO of stake and an honest miner, tempo %d, emission enabled; on subnet 1 the owner's coldkey also registers a miner and the validator gives it a share x of its weight; figures after 6 tempos", ownerBurnTempo),
		Seeds:     1, Epochs: 6}
	f := figures{r}
	for _, x := range []float64{0, 0.25, 0.5, 0.75, 1} {
		o := runOwnerBurn(t, x)
		one := func(v float64) stats.Summary { return stats.Summary{Mean: v, N: 1} }
		f.add(fmt.Sprintf("withheld share of miner emission b, x = %.2f", x), one(o.minerBurned), fmt.Sprintf("= %.2f", x), ptr(math.Abs(o.minerBurned-x) <= 0.01), "", false)
		want := (1 - x) / (2 - x)
		f.add(fmt.Sprintf("subnet's share of TAO emission, x = %.2f", x), one(o.share), fmt.Sprintf("(1 − x)/(2 − x) = %.3f ± 0.01", want), ptr(math.Abs(o.share-want) <= 0.01), "", false)
		if x > 0 {
			f.add(fmt.Sprintf("alpha paid to the owner's miner, x = %.2f (rao)", x), one(float64(o.ownerMinerPay)), "= 0", ptr(o.ownerMinerPay == 0), "", false)
		}
	}
	r.Notes = append(r.Notes, "self-dealing through favouring validators buys the owner nothing on chain: its hotkeys' incentive is burned (or recycled, recycle_owner_incentive), and the subnet's TAO emission shrinks with it; the simulated half (S15 in README.md) bounds what the owner takes as a validator")
	finish(r)
	return r
}

func ptr(b bool) *bool { return &b }
