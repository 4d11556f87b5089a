package yuma_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/fixed"
	"github.com/gotensor/gotensor/yuma"
)

// epoch runs one epoch that must succeed.
func epoch(t *testing.T, in yuma.Input) yuma.Output {
	t.Helper()
	out, err := yuma.Epoch(in)
	require.NoError(t, err)
	return out
}

// validators is a subnet of three permitted, active validators with stakes
// 1, 2 and 3 and two more uids with no stake, at block 10.
func validators() yuma.Input {
	in := subnet([]uint64{1, 2, 3, 0, 0}, 5)
	in.Block, in.Tempo = 10, 100
	for i := 0; i < 3; i++ {
		in.ValidatorPermit[i] = true
		in.LastUpdate[i] = 10
	}
	return in
}

func TestEpochEmptySubnet_4_17(t *testing.T) {
	for _, yuma3 := range []bool{false, true} {
		out := epoch(t, yuma.Input{Yuma3: yuma3, LiquidAlpha: yuma3, Emission: 1e9})
		require.Empty(t, out.Active)
		require.Empty(t, out.Emission)
		require.Empty(t, out.Bonds)
		require.Empty(t, out.Stake)
	}
}

// Without usable weights validators share the emission by active stake
// and miners get nothing (§4.12 fallback), whether there are no weights,
// only self-weights or only outdated weights.
func TestEpochNoUsableWeights_4_17(t *testing.T) {
	noWeights := validators()
	selfWeights := validators()
	for i := 0; i < 3; i++ {
		setWeights(&selfWeights, i, []uint16{uint16(i)}, []uint16{65535})
	}
	outdated := validators()
	for i := 0; i < 3; i++ {
		setWeights(&outdated, i, []uint16{3, 4}, []uint16{65535, 65535})
	}
	outdated.BlockAtRegistration[3], outdated.BlockAtRegistration[4] = 10, 10 // re-registered since
	for name, in := range map[string]yuma.Input{"none": noWeights, "self": selfWeights, "outdated": outdated} {
		for _, yuma3 := range []bool{false, true} {
			in.Yuma3 = yuma3
			out := epoch(t, in)
			require.Equal(t, []uint64{0, 0, 0, 0, 0}, out.ServerEmission, name)
			require.Equal(t, []uint16{0, 0, 0, 0, 0}, out.Incentive, name)
			require.Equal(t, []uint16{0, 0, 0, 0, 0}, out.Dividends, name)
			// 1/6, 2/6, 3/6 of 1e9, floored through I32F32 shares.
			require.Equal(t, []uint64{166_666_666, 333_333_333, 500_000_000, 0, 0}, out.ValidatorEmission, name)
			require.Equal(t, out.ValidatorEmission, out.Emission, name)
		}
	}
}

// With no active permitted stake at all, the fallback is the raw
// normalized stake (test_10_graph's situation).
func TestEpochNoActiveStakeFallsBackToStake_4_17(t *testing.T) {
	in := validators()
	in.ValidatorPermit = make([]bool, 5)
	out := epoch(t, in)
	require.Equal(t, []uint64{166_666_666, 333_333_333, 500_000_000, 0, 0}, out.Emission)
	in = validators()
	in.Block = 1_000_000 // everyone inactive
	out = epoch(t, in)
	require.Equal(t, []bool{false, false, false, false, false}, out.Active)
	require.Equal(t, []uint64{166_666_666, 333_333_333, 500_000_000, 0, 0}, out.Emission)
}

// A weight row without a permit is masked, but its update keeps the uid active.
func TestEpochWeightsWithoutPermit_4_17(t *testing.T) {
	base := validators()
	base.Block = 5000 // uid 3 (last update 5) is out of the cutoff
	for i := 0; i < 3; i++ {
		base.LastUpdate[i] = 5000
	}
	setWeights(&base, 0, []uint16{3}, []uint16{65535})
	setWeights(&base, 2, []uint16{4}, []uint16{65535})
	with := base
	with.Weights = append([][]yuma.Entry(nil), base.Weights...)
	with.LastUpdate = append([]uint64(nil), base.LastUpdate...)
	setWeights(&with, 3, []uint16{4}, []uint16{65535}) // uid 3 has no permit
	a, b := epoch(t, base), epoch(t, with)
	require.Equal(t, a.Consensus, b.Consensus)
	require.Equal(t, a.Incentive, b.Incentive)
	require.Equal(t, a.Emission, b.Emission)
	require.False(t, a.Active[3])
	require.True(t, b.Active[3])
}

// An inactive validator earns no new bonds; in original Yuma its old bonds
// still pay dividends, in Yuma 3 dividends are scaled by active stake.
func TestEpochInactiveValidator_4_17(t *testing.T) {
	for _, yuma3 := range []bool{false, true} {
		in := validators()
		in.Yuma3 = yuma3
		for i := 0; i < 3; i++ {
			setWeights(&in, i, []uint16{3, 4}, []uint16{65535, 65535})
		}
		run(t, &in)
		// Past uid 0's cutoff of max(1, 13 889·100/1000) = 1 388 blocks.
		in.Block = in.LastUpdate[0] + 1389
		in.LastUpdate[1], in.LastUpdate[2] = in.Block, in.Block
		out := run(t, &in)
		require.False(t, out.Active[0])
		if yuma3 {
			require.Zero(t, out.Dividends[0], "Yuma 3: inactive validators earn nothing")
		} else {
			require.NotZero(t, out.Dividends[0], "original Yuma: old bonds still pay")
		}
		require.NotEmpty(t, out.Bonds[0])
	}
}

// LastUpdate as stored on chain may be shorter than n (padded with 0) or
// longer (ignored).
func TestEpochLastUpdateLength_4_17(t *testing.T) {
	in := validators()
	setWeights(&in, 0, []uint16{3}, []uint16{65535})
	padded := in
	padded.LastUpdate = []uint64{10, 10, 10, 0, 0}
	short := in
	short.LastUpdate = []uint64{10, 10, 10}
	long := in
	long.LastUpdate = []uint64{10, 10, 10, 0, 0, 99, 99}
	want := epoch(t, padded)
	require.Equal(t, want, epoch(t, short))
	require.Equal(t, want, epoch(t, long))
}

// §4.6 step 4: a validator whose earliest live commit predates a uid's
// registration cannot pass weight to that uid.
func TestCommitRevealMask_4_6(t *testing.T) {
	in := validators()
	for i := 0; i < 3; i++ {
		setWeights(&in, i, []uint16{3, 4}, []uint16{65535, 65535})
	}
	in.BlockAtRegistration[4] = 8 // uid 4 re-registered at block 8
	masked := in
	masked.CommitBlock = []uint64{7, yuma.NoCommit, 8, yuma.NoCommit, yuma.NoCommit}
	// Expected: uid 0's weight to uid 4 dropped (7 < 8); uid 2's kept (8 = 8).
	dropped := in
	dropped.Weights = append([][]yuma.Entry(nil), in.Weights...)
	dropped.Weights[0] = []yuma.Entry{{3, 65535}}
	require.Equal(t, epoch(t, dropped), epoch(t, masked))
	require.NotEqual(t, epoch(t, in).Incentive, epoch(t, masked).Incentive)
	// No live commits, or commit-reveal off: nothing is masked.
	none := in
	none.CommitBlock = []uint64{yuma.NoCommit, yuma.NoCommit, yuma.NoCommit, yuma.NoCommit, yuma.NoCommit}
	require.Equal(t, epoch(t, in), epoch(t, none))
}

// §13.4: the owner is never filtered by the stake threshold, always holds
// a permit, and keeps its self-weight.
func TestOwnerExemptions_13_4(t *testing.T) {
	in := validators()
	in.StakeThreshold = 2
	owner := uint16(0)
	in.OwnerUID = &owner
	in.ValidatorPermit[0] = false
	setWeights(&in, 0, []uint16{0, 3}, []uint16{65535, 65535})
	setWeights(&in, 1, []uint16{3}, []uint16{65535})
	setWeights(&in, 2, []uint16{3}, []uint16{65535})
	out := epoch(t, in)
	require.NotZero(t, out.StakeWeight[0], "owner below the threshold keeps its stake")
	require.True(t, out.NewValidatorPermit[0])
	require.NotZero(t, out.ValidatorTrust[0], "the owner's weights count without an old permit")
	require.Equal(t, []uint64{1, 2, 3, 0, 0}, out.Stake)
	// The owner's self-weight stays in its row (so its weight to uid 3 is
	// halved by normalization); anyone else's is dropped.
	withoutSelf := in
	withoutSelf.Weights = append([][]yuma.Entry(nil), in.Weights...)
	withoutSelf.Weights[0] = []yuma.Entry{{3, 65535}}
	require.NotEqual(t, out.ValidatorTrust, epoch(t, withoutSelf).ValidatorTrust)
	in.OwnerUID, withoutSelf.OwnerUID = nil, nil
	in.ValidatorPermit[0], withoutSelf.ValidatorPermit[0] = true, true
	in.StakeThreshold, withoutSelf.StakeThreshold = 0, 0
	require.Equal(t, epoch(t, withoutSelf), epoch(t, in))
	// Without the exemption uid 0 falls under the threshold.
	in.StakeThreshold = 2
	require.Zero(t, epoch(t, in).StakeWeight[0])
}

// §13.5: among equal stakes the higher uid wins the permit.
func TestTopKTieBreak_13_5(t *testing.T) {
	in := subnet([]uint64{5, 5, 5, 5}, 0)
	in.MaxAllowedValidators = 2
	out := epoch(t, in)
	require.Equal(t, []bool{false, false, true, true}, out.NewValidatorPermit)
	in.MaxAllowedValidators = 5 // more slots than uids: every non-zero stake
	in.AlphaStake = []uint64{5, 0, 5, 5}
	require.Equal(t, []bool{true, false, true, true}, epoch(t, in).NewValidatorPermit)
}

// §13.6: κ at or above the validators' total stake collapses consensus to
// the minimum weight.
func TestConsensusKappaAboveStake_13_6(t *testing.T) {
	in := validators()
	setWeights(&in, 0, []uint16{3, 4}, []uint16{65535, 0})
	setWeights(&in, 1, []uint16{3, 4}, []uint16{65535, 65535})
	setWeights(&in, 2, []uint16{3, 4}, []uint16{65535, 65535})
	in.Kappa = 65535
	out := epoch(t, in)
	require.Zero(t, out.Consensus[4], "one validator's zero is the minimum")
	require.Equal(t, uint16(32767), out.Consensus[3])
	in.Kappa = yuma.DefaultKappa
	require.NotZero(t, epoch(t, in).Consensus[4])
}

// §13.9: uids without a new permit get their bond rows wiped.
func TestBondsWipedWithoutPermit_13_9(t *testing.T) {
	in := validators()
	for i := 0; i < 3; i++ {
		setWeights(&in, i, []uint16{3, 4}, []uint16{65535, 65535})
	}
	run(t, &in)
	require.NotEmpty(t, in.Bonds[0])
	in.MaxAllowedValidators = 2 // uid 0 (least stake) loses its permit
	out := epoch(t, in)
	require.False(t, out.NewValidatorPermit[0])
	require.Empty(t, out.Bonds[0])
	require.NotEmpty(t, out.Bonds[1])
}

// §13.2: with liquid alpha a bond whose column is absent from the new
// weight row is dropped at once, while an explicit zero weight decays it.
func TestLiquidAlphaDropsOmittedBonds_13_2(t *testing.T) {
	in := validators()
	in.Yuma3, in.LiquidAlpha, in.BondsPenalty = true, true, 0
	for i := 0; i < 3; i++ {
		setWeights(&in, i, []uint16{3, 4}, []uint16{65535, 65535})
	}
	run(t, &in)
	in.LastMechanismStepBlock = in.Block
	in.Block++
	setWeights(&in, 1, []uint16{3, 4}, []uint16{65535, 0}) // explicit zero for 4
	setWeights(&in, 2, []uint16{3}, []uint16{65535})       // 4 omitted
	before := in.Bonds
	out := run(t, &in)
	require.Len(t, out.Bonds[1], 2, "explicit zero: the bond decays")
	require.Less(t, out.Bonds[1][1].Value, before[1][1].Value)
	require.Equal(t, []yuma.Entry{{3, out.Bonds[2][0].Value}}, out.Bonds[2], "omitted: the bond is gone")
}

// Liquid alpha reads weights and bonds with one in-order walk per row, as
// subtensor does: in a row stored out of column order, a cell whose
// column is below an earlier one is read as 0 when computing α (but its
// value still enters the EMA). The golden vectors pin the exact numbers.
func TestLiquidAlphaUnsortedRows_13(t *testing.T) {
	in := validators()
	in.Yuma3, in.LiquidAlpha, in.BondsPenalty = true, true, 0
	for i := 0; i < 3; i++ {
		setWeights(&in, i, []uint16{3, 4}, []uint16{65535, 20000 + uint16(i)*10000})
	}
	run(t, &in)
	in.LastMechanismStepBlock = in.Block
	in.Block++
	sorted := in
	unsorted := in
	unsorted.Weights = append([][]yuma.Entry(nil), in.Weights...)
	unsorted.Weights[0] = []yuma.Entry{in.Weights[0][1], in.Weights[0][0]} // [4, 3]
	a, b := epoch(t, sorted), epoch(t, unsorted)
	require.Equal(t, a.Consensus, b.Consensus, "consensus does not depend on order")
	require.NotEqual(t, a.Bonds[0], b.Bonds[0], "α of the hidden cell differs")
	require.Equal(t, uint16(4), b.Bonds[0][0].UID, "liquid bonds keep the weight row's order")
}

// §9.1 step 12: the weight-limit check on a submitted row.
func TestWithinMaxWeightLimit_9_1(t *testing.T) {
	for _, c := range []struct {
		values []uint16
		limit  uint16
		want   bool
	}{
		{nil, 0, true},
		{[]uint16{65535}, 65535, true},
		{[]uint16{65535}, 65534, false},
		{[]uint16{65535}, 0, false},
		{[]uint16{0}, 65535, true},
		{[]uint16{0, 65535}, 65535, true},
		{[]uint16{0, 65535, 65535}, 65535 / 2, false},
		{[]uint16{0, 65535, 65535}, 65535/2 + 1, true},
		{[]uint16{0, 65535, 65535, 65535}, 65535/3 - 1, false},
		{[]uint16{0, 65535, 65535, 65535}, 65535 / 3, true},
	} {
		require.Equal(t, c.want, yuma.WithinMaxWeightLimit(c.values, c.limit), "%v ≤ %d", c.values, c.limit)
	}
	// The stored row is the max-upscaled one.
	require.Equal(t, []uint16{16383, 32767, 49149, 65535}, fixed.VecU16MaxUpscaleToU16([]uint16{16383, 32767, 49149, 65535}))
}

func TestEpochRejectsInconsistentInput(t *testing.T) {
	owner := uint16(9)
	for name, mutate := range map[string]func(*yuma.Input){
		"validator_permit": func(in *yuma.Input) { in.ValidatorPermit = in.ValidatorPermit[:2] },
		"root_stake":       func(in *yuma.Input) { in.RootStake = []uint64{1} },
		"block_at_registration": func(in *yuma.Input) {
			in.BlockAtRegistration = append(in.BlockAtRegistration, 0)
		},
		"commit_block": func(in *yuma.Input) { in.CommitBlock = []uint64{1, 2} },
		"weights":      func(in *yuma.Input) { in.Weights = in.Weights[:4] },
		"weights[1][0]": func(in *yuma.Input) {
			in.Weights[1] = []yuma.Entry{{UID: 5, Value: 1}}
		},
		"bonds[2][1]": func(in *yuma.Input) {
			in.Bonds[2] = []yuma.Entry{{UID: 3, Value: 1}, {UID: 3, Value: 2}}
		},
		"owner_uid": func(in *yuma.Input) { in.OwnerUID = &owner },
	} {
		in := validators()
		in.Weights = make([][]yuma.Entry, 5)
		in.Bonds = make([][]yuma.Entry, 5)
		mutate(&in)
		_, err := yuma.Epoch(in)
		require.Error(t, err, name)
		require.True(t, errors.Is(err, yuma.ErrInvalidInput), name)
		require.Contains(t, err.Error(), name)
	}
}
