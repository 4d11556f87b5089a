package forecast

import (
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/subnets/forecast/model"
	"github.com/gotensor/gotensor/subnets/forecast/score"
)

// The originality check must not take distinct models for copies: every
// registered model answers as its own uid, with the check on, and the test
// counts the answers it marked. Only models that reduce to the naive
// forecast on some series may be marked, and they then give the same
// answer, which the check rightly counts once: seasonal-naive is naive on a
// series without a period (the drift-regimes family, a third of the
// challenges), drift is naive where the history has no net drift, and ses
// is naive when its smoothing weight fits near 1. Measured over 300
// challenges (secret "originality-test-secret"): seasonal-naive 100,
// drift 12, ses 3, every other model 0. FORECAST_ORIGINALITY_ROUNDS sets
// the rounds (default 60) and prints the count per model.
func TestOriginalityKeepsDistinctModels(t *testing.T) {
	rounds := 60
	if s := os.Getenv("FORECAST_ORIGINALITY_ROUNDS"); s != "" {
		n, err := strconv.Atoi(s)
		require.NoError(t, err, "FORECAST_ORIGINALITY_ROUNDS")
		rounds = n
	}
	cfg := DefaultValidatorConfig()
	cfg.Originality = true
	v, err := NewValidator(cfg, []byte("originality-test-secret"))
	require.NoError(t, err)
	names := model.Names()
	var miners []*Miner
	for _, name := range names {
		m, err := NewMiner(name)
		require.NoError(t, err)
		miners = append(miners, m)
	}
	copies := make([]int, len(miners))
	copiedFrom := map[string]int{}
	for range rounds {
		r, err := v.NextRound()
		require.NoError(t, err)
		subs := make([]score.Submission, len(miners))
		for uid, m := range miners {
			a, err := m.Answer(r.Challenge)
			require.NoError(t, err)
			subs[uid] = score.Submission{UID: uint16(uid), Hotkey: m.Model(), Answer: &a}
		}
		results, err := v.Score(r, subs)
		require.NoError(t, err)
		for _, res := range results {
			if res.Status == score.Copy {
				copies[res.UID]++
				copiedFrom[fmt.Sprintf("%s: %s", names[res.UID], res.Reason)]++
			}
		}
	}
	for uid, n := range copies {
		if os.Getenv("FORECAST_ORIGINALITY_ROUNDS") != "" {
			t.Logf("%-15s marked a copy on %d of %d challenges", names[uid], n, rounds)
		}
		switch names[uid] {
		case "seasonal-naive", "drift", "ses":
			// the same forecast as naive on some series (above)
		default:
			require.Zero(t, n, "%s taken for a copy: %v", names[uid], copiedFrom)
		}
	}
	t.Logf("copies: %v", copiedFrom)
}

func TestOriginalityConfig(t *testing.T) {
	cfg := DefaultValidatorConfig()
	cfg.CopyTolerance = -0.1
	_, err := NewValidator(cfg, []byte("originality-test-secret"))
	require.ErrorContains(t, err, "copy tolerance -0.1")
	cfg.CopyTolerance, cfg.Originality = 0, true
	v, err := NewValidator(cfg, []byte("originality-test-secret"))
	require.NoError(t, err)
	require.Equal(t, score.DefaultCopyTolerance, v.cfg.CopyTolerance, "on without a tolerance: the default")
}
