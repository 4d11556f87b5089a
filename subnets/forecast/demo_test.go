package forecast

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/subnets/forecast/model"
	"github.com/gotensor/gotensor/subnets/forecast/score"
	"github.com/gotensor/gotensor/subnets/forecast/scoreboard"
)

// The demo's headline: three validators with equal stake each score all
// miners once a block for 300 blocks; the miners' incentive follows the
// validators' weights, and its rank correlation with measured skill must
// be at least 0.8 with the best model on top. Yuma is approximated here by
// its consensus step alone (each miner's weight clipped at the median of
// the three validators' normalised weights, then summed and normalised);
// the real epoch runs on the chain.
func TestDemoSkillIncentiveAgreement(t *testing.T) {
	if testing.Short() {
		t.Skip("plays 2,700 rounds")
	}
	names := model.Names()
	var miners []*Miner
	for _, name := range names {
		m, err := NewMiner(name)
		require.NoError(t, err)
		miners = append(miners, m)
	}
	for _, run := range []string{"demo-a", "demo-b", "demo-c"} {
		var validators []*Validator
		for i := range 3 {
			v, err := NewValidator(DefaultValidatorConfig(), []byte(fmt.Sprintf("%s-validator-secret-%d", run, i)))
			require.NoError(t, err)
			validators = append(validators, v)
		}
		for range 300 {
			for _, v := range validators {
				r, err := v.NextRound()
				require.NoError(t, err)
				subs := make([]score.Submission, len(miners))
				for uid, m := range miners {
					a, err := m.Answer(r.Challenge)
					require.NoError(t, err)
					subs[uid] = score.Submission{UID: uint16(uid), Hotkey: m.Model(), Answer: &a}
				}
				_, err = v.Score(r, subs)
				require.NoError(t, err)
			}
		}

		var lists [][]scoreboard.Standing
		normalised := make([][]float64, len(validators))
		for i, v := range validators {
			lists = append(lists, v.Standings())
			_, w := v.Weights()
			normalised[i] = normalise(w)
		}
		skill := make([]float64, len(names))
		for _, s := range scoreboard.Pool(lists...) {
			skill[s.UID] = s.Skill
		}
		incentive := consensusIncentive(normalised)
		rho := spearman(skill, incentive)
		t.Logf("%s: spearman(skill, incentive) = %.3f", run, rho)
		for uid, name := range names {
			t.Logf("  %-15s skill %.3f incentive %.3f", name, skill[uid], incentive[uid])
		}
		require.GreaterOrEqual(t, rho, 0.8)
		best := slices.Index(names, "gbt")
		require.Equal(t, slices.Max(incentive), incentive[best], "the best model earns the most")
		require.Equal(t, slices.Max(skill), skill[best])
	}
}

func normalise(w []uint16) []float64 {
	sum := 0.0
	for _, v := range w {
		sum += float64(v)
	}
	out := make([]float64, len(w))
	for i, v := range w {
		if sum > 0 {
			out[i] = float64(v) / sum
		}
	}
	return out
}

// consensusIncentive clips each validator's weight on a miner at the
// median over validators and returns the normalised column sums.
func consensusIncentive(weights [][]float64) []float64 {
	miners := len(weights[0])
	out := make([]float64, miners)
	total := 0.0
	for j := range miners {
		col := make([]float64, len(weights))
		for i := range weights {
			col[i] = weights[i][j]
		}
		slices.Sort(col)
		median := col[len(col)/2]
		for i := range weights {
			out[j] += min(weights[i][j], median)
		}
		total += out[j]
	}
	for j := range out {
		out[j] /= total
	}
	return out
}

// spearman is the rank correlation, ties given their average rank.
func spearman(x, y []float64) float64 {
	rx, ry := ranks(x), ranks(y)
	mx, my := 0.0, 0.0
	for i := range rx {
		mx += rx[i]
		my += ry[i]
	}
	mx /= float64(len(rx))
	my /= float64(len(ry))
	var sxy, sxx, syy float64
	for i := range rx {
		sxy += (rx[i] - mx) * (ry[i] - my)
		sxx += (rx[i] - mx) * (rx[i] - mx)
		syy += (ry[i] - my) * (ry[i] - my)
	}
	return sxy / (sqrt(sxx) * sqrt(syy))
}

func ranks(v []float64) []float64 {
	idx := make([]int, len(v))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return v[idx[a]] < v[idx[b]] })
	r := make([]float64, len(v))
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && v[idx[j+1]] == v[idx[i]] {
			j++
		}
		for k := i; k <= j; k++ {
			r[idx[k]] = float64(i+j)/2 + 1
		}
		i = j + 1
	}
	return r
}

func sqrt(x float64) float64 { return math.Sqrt(x) }
