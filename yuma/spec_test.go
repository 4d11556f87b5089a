package yuma_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/fixed"
	"github.com/gotensor/gotensor/yuma"
)

// Tests named after the spec sections they check (spec/subtensor.md). The
// numbers asserted are the spec's (subtensor's own test assertions), not
// recomputed ones.

// subnet builds an epoch input in the setting of subtensor's mock tests
// (§11.1): original Yuma, κ 32767, β 1, bma 900 000, everyone registered
// at block reg, emission 1e9.
func subnet(stake []uint64, reg uint64) yuma.Input {
	n := len(stake)
	in := yuma.Input{
		Block:                     reg,
		Tempo:                     1,
		ActivityCutoffFactorMilli: yuma.DefaultActivityCutoffFactorMilli,
		AlphaStake:                stake,
		ValidatorPermit:           make([]bool, n),
		MaxAllowedValidators:      uint16(n),
		LastUpdate:                make([]uint64, n),
		BlockAtRegistration:       make([]uint64, n),
		Weights:                   make([][]yuma.Entry, n),
		Bonds:                     make([][]yuma.Entry, n),
		Kappa:                     yuma.DefaultKappa,
		BondsPenalty:              yuma.DefaultBondsPenalty,
		BondsMovingAverage:        yuma.DefaultBondsMovingAverage,
		AlphaLow:                  yuma.DefaultAlphaLow,
		AlphaHigh:                 yuma.DefaultAlphaHigh,
		AlphaSigmoidSteepness:     yuma.DefaultAlphaSigmoidSteepness,
		Emission:                  1_000_000_000,
	}
	for i := range in.LastUpdate {
		in.LastUpdate[i] = reg
		in.BlockAtRegistration[i] = reg
	}
	return in
}

// setWeights stores a row as set_weights does (max-upscaled) at the
// current block.
func setWeights(in *yuma.Input, uid int, uids []uint16, values []uint16) {
	up := fixed.VecU16MaxUpscaleToU16(values)
	row := make([]yuma.Entry, len(uids))
	for k, j := range uids {
		row[k] = yuma.Entry{UID: j, Value: up[k]}
	}
	in.Weights[uid] = row
	in.LastUpdate[uid] = in.Block
}

// run executes an epoch and carries bonds and permits into in, as the chain does.
func run(t *testing.T, in *yuma.Input) yuma.Output {
	t.Helper()
	out, err := yuma.Epoch(*in)
	require.NoError(t, err)
	in.Bonds = out.Bonds
	in.ValidatorPermit = out.NewValidatorPermit
	return out
}

func column(bonds [][]yuma.Entry, rows, col int) []uint16 {
	out := make([]uint16, rows)
	for i := 0; i < rows; i++ {
		for _, e := range bonds[i] {
			if int(e.UID) == col {
				out[i] = e.Value
			}
		}
	}
	return out
}

func total(v []uint64) uint64 {
	var s uint64
	for _, x := range v {
		s += x
	}
	return s
}

func TestGraph10_11_3A(t *testing.T) {
	in := subnet([]uint64{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 0)
	in.Tempo, in.MaxAllowedValidators, in.Block = 65534, 100, 1
	for i := range in.Weights {
		setWeights(&in, i, []uint16{uint16(i)}, []uint16{65535})
	}
	out := run(t, &in)
	for i := range in.AlphaStake {
		require.Equal(t, uint64(99_999_999), out.Emission[i])
		require.Zero(t, out.Consensus[i])
		require.Zero(t, out.Incentive[i])
		require.Zero(t, out.Dividends[i])
	}
}

func TestGraph512_11_3B(t *testing.T) {
	const n, validators = 512, 64
	for interleave := 0; interleave < 3; interleave++ {
		for _, serverSelf := range []bool{false, true} {
			isValidator := make([]bool, n)
			for v := 0; v < validators; v++ {
				switch interleave {
				case 0:
					isValidator[v] = true
				case 1:
					isValidator[v*(n/validators)] = true
				default:
					isValidator[(v*197+31)%n] = true // a fixed scattering
				}
			}
			stake := make([]uint64, n)
			var servers []uint16
			for i := range stake {
				if isValidator[i] {
					stake[i] = 328_125_000_000_000
				} else {
					servers = append(servers, uint16(i))
				}
			}
			in := subnet(stake, 0)
			in.Tempo, in.Block = 65534, 1
			run(t, &in) // permits
			weights := make([]uint16, len(servers))
			for k := range weights {
				weights[k] = 65535 / n
			}
			for i := 0; i < n; i++ {
				switch {
				case isValidator[i]:
					setWeights(&in, i, servers, weights)
				case serverSelf:
					setWeights(&in, i, []uint16{uint16(i)}, []uint16{65535})
				}
			}
			var out yuma.Output
			for e := 0; e < 3; e++ {
				out = run(t, &in)
			}
			for i := 0; i < n; i++ {
				if isValidator[i] {
					require.Equal(t, uint16(1023), out.Dividends[i])
					require.Equal(t, uint64(7_812_500), out.Emission[i])
					require.Equal(t, uint16(65535), column(out.Bonds, n, int(servers[0]))[i])
				} else {
					require.Equal(t, uint16(146), out.Consensus[i])
					require.Equal(t, uint16(146), out.Incentive[i])
					require.Zero(t, out.Dividends[i])
					require.Equal(t, uint64(1_116_071), out.Emission[i])
					require.Empty(t, out.Bonds[i])
				}
			}
		}
	}
}

func TestBonds_11_3C(t *testing.T) {
	in := subnet([]uint64{1, 2, 3, 4, 0, 0, 0, 0}, 1)
	run(t, &in) // block 1: permits
	in.Block = 2
	for uid := 0; uid < 4; uid++ {
		setWeights(&in, uid, []uint16{4, 5, 6, 7}, []uint16{65535 / 4, 65535 / 2, (65535 / 4) * 3, 65535})
	}
	out := run(t, &in)
	require.Equal(t, []uint16{16383, 32767, 49151, 65535}, column(out.Bonds, 4, 4))
	require.Equal(t, []uint64{49999998, 99999999, 150000000, 200000001, 49998779, 100000610, 149996337, 200004272}, out.Emission)
	require.Equal(t, []uint16{6553, 13106, 19660, 26214, 0, 0, 0, 0}, out.Dividends)
	require.Equal(t, []uint16{0, 0, 0, 0, 6553, 13107, 19660, 26214}, out.Incentive)
	// Each step: a validator switches to a self weight, one block passes.
	steps := []struct {
		uid, target int
		col         int
		want        []uint16
	}{
		{0, 0, 4, []uint16{14582, 32767, 49151, 65535}},
		{1, 1, 4, []uint16{12603, 28321, 49151, 65535}},
		{2, 2, 7, []uint16{12602, 28320, 49150, 65535}},
		{2, 7, 7, []uint16{10951, 24609, 49150, 65535}},
	}
	for _, s := range steps {
		setWeights(&in, s.uid, []uint16{uint16(s.target)}, []uint16{65535})
		in.Block++
		out = run(t, &in)
		require.Equal(t, s.want, column(out.Bonds, 4, s.col), "block %d", in.Block)
	}
	require.Equal(t, []uint64{36443733, 81898628, 163565493, 218092144, 0, 0, 0, 500000000}, out.Emission)
	for _, want := range [][]uint16{{9559, 21482, 49150, 65535}, {8376, 18824, 49150, 65535}} {
		in.Block++
		out = run(t, &in)
		require.Equal(t, want, column(out.Bonds, 4, 7), "block %d", in.Block)
	}
}

func TestActiveStake_11_3D(t *testing.T) {
	in := subnet([]uint64{1, 1, 1, 1}, 0)
	run(t, &in) // block 0: permits
	in.Block = 1
	setWeights(&in, 0, []uint16{2, 3}, []uint16{32767, 32767})
	setWeights(&in, 1, []uint16{2, 3}, []uint16{32767, 32767})
	out := run(t, &in)
	require.Equal(t, []uint16{32767, 32767}, out.Dividends[:2])
	require.Equal(t, []uint64{250_000_000, 250_000_000, 250_000_000, 250_000_000}, out.Emission)
	// uid 1's last update (block 1) falls outside the cutoff at block 5002.
	in.Block = 5002
	setWeights(&in, 0, []uint16{2, 3}, []uint16{32767, 32767})
	out = run(t, &in)
	require.Equal(t, []bool{true, false, false, false}, out.Active)
	require.Equal(t, []uint16{36044, 29490}, out.Dividends[:2])
	require.Equal(t, []uint64{274_999_999, 224_999_999, 250_000_000, 250_000_000}, out.Emission)
	require.Equal(t, []yuma.Entry{{2, 65535}, {3, 65535}}, out.Bonds[0])
	require.Equal(t, []yuma.Entry{{2, 53619}, {3, 53619}}, out.Bonds[1])
}

func TestYuma3KappaMovesFirst_11_3E(t *testing.T) {
	in := subnet([]uint64{8, 1, 1, 0, 0}, 1)
	in.Yuma3, in.LiquidAlpha = true, true
	in.MaxAllowedValidators, in.BondsPenalty, in.BondsMovingAverage = 3, 0, 975_000
	in.AlphaLow = fixed.MustI32F32FromLiteral("0.1").SatMul(fixed.U16ToFixed(65535)).ToUint16()
	in.AlphaHigh = fixed.MustI32F32FromLiteral("0.3").SatMul(fixed.U16ToFixed(65535)).ToUint16()
	require.Equal(t, []uint16{6553, 19660}, []uint16{in.AlphaLow, in.AlphaHigh})
	in.Block = 2
	run(t, &in) // permits [T, T, T, F, F]
	require.Equal(t, []bool{true, true, true, false, false}, in.ValidatorPermit)
	first, second := []uint16{65535, 0}, []uint16{0, 65535}
	schedule := [][3][]uint16{
		{first, first, first},
		{second, first, first},
		{second, second, first},
		{second, second, second},
	}
	want := [][]uint16{
		{52428, 6553, 6553}, {65535, 0, 0}, {61486, 4048, 0},
		{57796, 5068, 2669}, {56122, 5531, 3881}, {55170, 5795, 4569},
	}
	wantBonds := [][][]yuma.Entry{
		{{{3, 6640}}, {{3, 6640}}, {{3, 6640}}},
		{{{3, 5951}, {4, 6640}}, {{3, 24229}}, {{3, 24229}}},
		{{{3, 5336}, {4, 12607}}, {{3, 20770}, {4, 6640}}, {{3, 36565}}},
	}
	for e := range want {
		if e < len(schedule) {
			for uid, w := range schedule[e] {
				setWeights(&in, uid, []uint16{3, 4}, w)
			}
		}
		in.Block++
		out := run(t, &in)
		require.Equal(t, want[e], out.Dividends[:3], "epoch %d", e)
		if e < len(wantBonds) {
			for uid, row := range wantBonds[e] {
				require.Equal(t, row, out.Bonds[uid], "epoch %d bonds of %d", e, uid)
			}
		}
	}
}
