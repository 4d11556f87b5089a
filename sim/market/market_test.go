package market

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/sim/epochs"
)

func config(seed uint64) Config {
	return Config{Seed: seed, Validators: 8, Miners: 24, Params: epochs.DefaultParams(), Churn: 0.05, RevealDelay: 1, StakeLogSigma: 1}
}

func run(t *testing.T, cfg Config, epochs int) []float64 {
	m, err := New(cfg, 0.2)
	require.NoError(t, err)
	var inc []float64
	for range epochs {
		sh, err := m.Step()
		require.NoError(t, err)
		inc = sh.Incentive
	}
	return inc
}

func TestSeedDecidesEverything(t *testing.T) {
	a, b := run(t, config(1), 12), run(t, config(1), 12)
	require.Equal(t, a, b)
	require.NotEqual(t, a, run(t, config(2), 12))
}

func TestBadConfig(t *testing.T) {
	cfg := config(1)
	cfg.Miners = 0
	_, err := New(cfg, 0.2)
	require.ErrorContains(t, err, "0 miners")
	cfg = config(1)
	cfg.Churn = 2
	_, err = New(cfg, 0.2)
	require.ErrorContains(t, err, "churn 2")
	cfg = config(1)
	cfg.RevealDelay = -1
	_, err = New(cfg, 0.2)
	require.ErrorContains(t, err, "reveal delay")
}

// Honest noiseless validators pay miners in proportion to quality.
func TestIncentiveFollowsQuality(t *testing.T) {
	cfg := config(3)
	cfg.Churn, cfg.RevealDelay = 0, 0
	m, err := New(cfg, 0)
	require.NoError(t, err)
	var inc []float64
	for range 3 {
		sh, err := m.Step()
		require.NoError(t, err)
		inc = sh.Incentive
	}
	q := m.Quality()
	var total float64
	for _, x := range q {
		total += x
	}
	for j := range m.Miners {
		u := m.MinerUID(j)
		require.InDelta(t, q[u]/total, inc[u], 2e-4, "miner uid %d", u)
	}
}

// With commit-reveal the first weights arrive RevealDelay tempos late.
func TestRevealDelay(t *testing.T) {
	cfg := config(4)
	cfg.RevealDelay, cfg.Churn = 3, 0
	m, err := New(cfg, 0.2)
	require.NoError(t, err)
	for e := range 4 {
		sh, err := m.Step()
		require.NoError(t, err)
		var s float64
		for _, x := range sh.Incentive {
			s += x
		}
		if e < 3 {
			require.Zero(t, s, "epoch %d has no revealed weights yet", e)
		} else {
			require.InDelta(t, 1, s, 1e-9)
		}
	}
}

// The duplicate check credits only the first of identical outputs.
func TestOriginality(t *testing.T) {
	cfg := config(5)
	cfg.Churn, cfg.RevealDelay = 0, 0
	for _, eps := range []float64{0, 0.01} {
		cfg.Defences.Originality = eps
		m, err := New(cfg, 0)
		require.NoError(t, err)
		m.Miners[0] = Miner{Quality: 0.8, Source: -1}
		m.Miners[1] = Miner{Quality: 0.8, Source: m.MinerUID(0)}
		sh, err := m.Step()
		require.NoError(t, err)
		if eps == 0 {
			require.InDelta(t, sh.Incentive[m.MinerUID(0)], sh.Incentive[m.MinerUID(1)], 1e-4)
		} else {
			require.Zero(t, sh.Incentive[m.MinerUID(1)])
		}
	}
}
