package forecast

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/subnets/forecast/model"
	"github.com/gotensor/gotensor/subnets/forecast/score"
	"github.com/gotensor/gotensor/subnets/forecast/scoreboard"
	"github.com/gotensor/gotensor/subnets/forecast/series"
)

// tournament runs every registered model as a miner (uid = its position in
// model.Names) against one validator for the given number of rounds, the
// way the demo does, and returns the validator's standings.
func tournament(t testing.TB, cfg ValidatorConfig, secret string, rounds int) []scoreboard.Standing {
	t.Helper()
	v, err := NewValidator(cfg, []byte(secret))
	require.NoError(t, err)
	return play(t, v, rounds)
}

// play runs every registered model against v for the given number of
// rounds.
func play(t testing.TB, v *Validator, rounds int) []scoreboard.Standing {
	t.Helper()
	var miners []*Miner
	for _, name := range model.Names() {
		m, err := NewMiner(name)
		require.NoError(t, err)
		miners = append(miners, m)
	}
	for range rounds {
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
	return v.Standings()
}

// The subnet only works if skill is measurable: on the family of live
// series the models were developed on, they must separate into a stable
// ladder, with the learned model on top, whatever the validator's secret.
// (TestSkillByFamily reports the families they were not tuned on.)
func TestTournamentSeparatesModels(t *testing.T) {
	if testing.Short() {
		t.Skip("plays 1000 rounds")
	}
	ladder := []string{"seasonal-naive", "holt-winters", "ar", "gbt"} // each beats the one before by 0.01 scale units
	secrets := []string{"tournament-secret-one", "tournament-secret-two", "tournament-secret-three", "tournament-secret-four", "tournament-secret-five"}
	for _, secret := range secrets {
		cfg := DefaultValidatorConfig()
		cfg.Families = []series.Family{series.SeasonalThreshold}
		standings := tournament(t, cfg, secret, 200)
		skill := map[string]float64{}
		var table strings.Builder
		fmt.Fprintf(&table, "secret %q, 200 rounds, horizon 8:\n%-15s %6s %6s\n", secret, "model", "skill", "score")
		byskill := slices.Clone(standings)
		slices.SortFunc(byskill, func(a, b scoreboard.Standing) int {
			switch {
			case a.Skill > b.Skill:
				return -1
			case a.Skill < b.Skill:
				return 1
			}
			return 0
		})
		for _, s := range byskill {
			require.Equal(t, 200, s.Challenges)
			skill[s.Hotkey] = s.Skill
			fmt.Fprintf(&table, "%-15s %6.3f %6.3f\n", s.Hotkey, s.Skill, s.Score)
		}
		t.Log(table.String())

		require.Equal(t, "gbt", byskill[0].Hotkey, "the learned model is the best")
		for i := 1; i < len(ladder); i++ {
			require.Greater(t, skill[ladder[i]], skill[ladder[i-1]]+0.01,
				"%s must beat %s clearly", ladder[i], ladder[i-1])
		}
		for _, baseline := range []string{"mean", "naive", "drift", "ses"} {
			require.Greater(t, skill["seasonal-naive"], skill[baseline]+0.03, "seasonal-naive must beat %s", baseline)
			if baseline != "mean" {
				require.Greater(t, skill[baseline], skill["mean"], "%s must beat mean", baseline)
			}
		}
	}
}
