package yuma_test

import (
	"fmt"
	"math/rand"
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/fixed"
	"github.com/gotensor/gotensor/yuma"
)

// variedInput is a random subnet that reaches every path of the row and
// column stages: sparse and full rows, rows out of column order, zero
// weights, β and κ at and between their extremes, commit-reveal, an
// owner, inactive and unpermitted validators.
func variedInput(r *rand.Rand, n, validators int, yuma3, liquid bool, density float64) yuma.Input {
	in := yuma.Input{
		Block:                     10_000,
		Tempo:                     360,
		ActivityCutoffFactorMilli: yuma.DefaultActivityCutoffFactorMilli,
		AlphaStake:                make([]uint64, n),
		ValidatorPermit:           make([]bool, n),
		MaxAllowedValidators:      uint16(validators),
		LastUpdate:                make([]uint64, n),
		BlockAtRegistration:       make([]uint64, n),
		Weights:                   make([][]yuma.Entry, n),
		Kappa:                     []uint16{0, 10_000, yuma.DefaultKappa, 65_535}[r.Intn(4)],
		BondsPenalty:              []uint16{0, 1_000, 32_767, 65_535, 65_535}[r.Intn(5)],
		BondsMovingAverage:        yuma.DefaultBondsMovingAverage,
		Yuma3:                     yuma3,
		LiquidAlpha:               liquid,
		AlphaLow:                  yuma.DefaultAlphaLow,
		AlphaHigh:                 yuma.DefaultAlphaHigh,
		AlphaSigmoidSteepness:     int16(r.Intn(3000) - 500),
		LastMechanismStepBlock:    9_640,
		Emission:                  500_000_000_000,
	}
	if r.Intn(4) == 0 {
		in.CommitBlock = make([]uint64, n)
	}
	if r.Intn(3) == 0 {
		owner := uint16(r.Intn(n))
		in.OwnerUID = &owner
	}
	for i := 0; i < n; i++ {
		in.LastUpdate[i] = 4_000 + uint64(r.Intn(6_000))
		in.BlockAtRegistration[i] = uint64(r.Intn(10_000))
		if in.CommitBlock != nil {
			in.CommitBlock[i] = uint64(r.Intn(12_000))
		}
		if i >= validators+r.Intn(5) {
			continue
		}
		if r.Intn(20) > 0 {
			in.AlphaStake[i] = uint64(r.Int63n(1_000_000_000_000_000))
		}
		in.ValidatorPermit[i] = r.Intn(30) > 0
		var cols []uint16
		var raw []uint16
		for j := 0; j < n; j++ {
			if r.Float64() < density {
				cols = append(cols, uint16(j))
				raw = append(raw, []uint16{0, uint16(r.Intn(4)) * 16_384, uint16(r.Intn(65_536))}[r.Intn(3)])
			}
		}
		up := fixed.VecU16MaxUpscaleToU16(raw)
		row := make([]yuma.Entry, len(cols))
		for k := range row {
			row[k] = yuma.Entry{UID: cols[k], Value: up[k]}
		}
		if r.Intn(8) == 0 {
			r.Shuffle(len(row), func(a, b int) { row[a], row[b] = row[b], row[a] })
		}
		in.Weights[i] = row
	}
	return in
}

// TestSplitChangesNothing runs chains of epochs over varied subnets on one
// goroutine and split across several: every output must be identical, and
// the bonds carried to the next epoch with it.
func TestSplitChangesNothing(t *testing.T) {
	r := rand.New(rand.NewSource(11))
	for _, size := range []struct{ n, validators int }{{7, 3}, {60, 20}, {300, 64}, {700, 300}} {
		for trial := 0; trial < 6; trial++ {
			yuma3, liquid := trial%3 > 0, trial%3 == 2
			density := []float64{1, 0.6, 0.1}[trial%3]
			in := variedInput(r, size.n, size.validators, yuma3, liquid, density)
			for ep := 0; ep < 3; ep++ {
				name := fmt.Sprintf("n=%d trial %d epoch %d", size.n, trial, ep)
				want, err := yuma.EpochSplit(in, 1)
				require.NoError(t, err, name)
				for _, workers := range []int{2, 3, 5} {
					got, err := yuma.EpochSplit(in, workers)
					require.NoError(t, err, name)
					require.Equal(t, want, got, "%s, %d workers", name, workers)
				}
				in.Bonds, in.ValidatorPermit = want.Bonds, want.NewValidatorPermit
				in.Block += 360
				in.LastMechanismStepBlock = in.Block - 360
				if ep == 1 { // stored rows out of column order
					for i, row := range in.Bonds {
						if len(row) > 1 && r.Intn(4) == 0 {
							row = append([]yuma.Entry(nil), row...)
							r.Shuffle(len(row), func(a, b int) { row[a], row[b] = row[b], row[a] })
							in.Bonds[i] = row
						}
					}
				}
			}
		}
	}
}

// TestConcurrentEpochs runs epochs of different subnets at once (as the
// chain may), each large enough to split: each must give what it gives
// alone. Run it with -race.
func TestConcurrentEpochs(t *testing.T) {
	r := rand.New(rand.NewSource(12))
	var inputs []yuma.Input
	var want []yuma.Output
	for k := 0; k < 4; k++ {
		in := variedInput(r, 400, 200, k%2 == 0, k == 2, 1)
		out, err := yuma.Epoch(in)
		require.NoError(t, err)
		inputs, want = append(inputs, in), append(want, out)
	}
	done := make(chan error)
	for k := range inputs {
		go func() {
			for range 3 {
				out, err := yuma.Epoch(inputs[k])
				if err == nil && !reflect.DeepEqual(out, want[k]) {
					err = fmt.Errorf("subnet %d: output differs when run concurrently", k)
				}
				if err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for range inputs {
		require.NoError(t, <-done)
	}
}
