package forecast

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/subnets/forecast/model"
	"github.com/gotensor/gotensor/subnets/forecast/protocol"
	"github.com/gotensor/gotensor/subnets/forecast/score"
	"github.com/gotensor/gotensor/subnets/forecast/series"
)

var secret = []byte("validator-secret-for-tests-0001")

func TestMiner(t *testing.T) {
	_, err := NewMiner("nope")
	require.ErrorIs(t, err, model.ErrUnknownModel)

	m, err := NewMiner("ar")
	require.NoError(t, err)
	require.Equal(t, "ar", m.Model())
	c := protocol.Challenge{ID: "x", SeriesID: "s", Horizon: 3, Levels: []float64{0.2, 0.8},
		History: protocol.History{Values: []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}}}
	a, err := m.Answer(c)
	require.NoError(t, err)
	require.Equal(t, "x", a.ChallengeID)
	_, err = a.Check(c)
	require.NoError(t, err)

	c.ID = ""
	_, err = m.Answer(c)
	require.ErrorIs(t, err, protocol.ErrInvalidChallenge)
}

func TestValidatorRound(t *testing.T) {
	cfg := DefaultValidatorConfig()
	cfg.Series = 2
	v, err := NewValidator(cfg, secret)
	require.NoError(t, err)

	r1, err := v.NextRound()
	require.NoError(t, err)
	require.NoError(t, r1.Challenge.Validate())
	require.Equal(t, "live-0", r1.Challenge.SeriesID)
	require.Len(t, r1.Challenge.History.Values, 256)
	require.Equal(t, 8, r1.Challenge.Horizon)
	require.Len(t, r1.Challenge.ID, 32)

	r2, err := v.NextRound()
	require.NoError(t, err)
	require.Equal(t, "live-1", r2.Challenge.SeriesID)
	require.NotEqual(t, r1.Challenge.ID, r2.Challenge.ID)
	_, err = v.NextRound()
	require.ErrorIs(t, err, ErrRound, "both series wait for their futures")

	good, err := NewMiner("gbt")
	require.NoError(t, err)
	a, err := good.Answer(r1.Challenge)
	require.NoError(t, err)
	results, err := v.Score(r1, []score.Submission{
		{UID: 2, Hotkey: "gbt", Answer: &a},
		{UID: 1, Hotkey: "silent"},
	})
	require.NoError(t, err)
	require.Len(t, results, 2)
	require.Equal(t, score.Missing, results[0].Status)
	require.Equal(t, score.Scored, results[1].Status)
	require.LessOrEqual(t, results[0].Skill, -1.0, "silence costs at least one scale unit")
	_, err = v.Score(r1, nil)
	require.ErrorContains(t, err, "already scored")

	r3, err := v.NextRound()
	require.NoError(t, err, "scoring freed live-0")
	require.Equal(t, "live-0", r3.Challenge.SeriesID)
	require.Equal(t, r1.Challenge.History.Values[8:], r3.Challenge.History.Values[:248], "the revealed future is now history")

	uids, weights := v.Weights()
	require.Equal(t, []uint16{1, 2}, uids)
	require.Equal(t, []uint16{0, 65535}, weights, "the silent uid never answered: no weight")
	st := v.Standings()
	require.Equal(t, 1, st[1].Challenges)
	require.Same(t, v.Board(), v.Board())

	_, err = v.Score(&Round{}, nil)
	require.ErrorContains(t, err, "not issued")
}

func TestValidatorIsDeterministicPerSecret(t *testing.T) {
	a, err := NewValidator(DefaultValidatorConfig(), secret)
	require.NoError(t, err)
	b, err := NewValidator(DefaultValidatorConfig(), secret)
	require.NoError(t, err)
	c, err := NewValidator(DefaultValidatorConfig(), []byte("another-validator-secret-000001"))
	require.NoError(t, err)
	ra, _ := a.NextRound()
	rb, _ := b.NextRound()
	rc, _ := c.NextRound()
	require.Equal(t, ra.Challenge, rb.Challenge)
	require.NotEqual(t, ra.Challenge.History.Values, rc.Challenge.History.Values, "other secret, other series")
}

func TestValidatorRejectsBadConfig(t *testing.T) {
	cfg := DefaultValidatorConfig()
	_, err := NewValidator(cfg, []byte("short"))
	require.ErrorContains(t, err, "secret has 5 bytes")
	cfg.Series = 0
	_, err = NewValidator(cfg, secret)
	require.ErrorContains(t, err, "0 series")
	cfg = DefaultValidatorConfig()
	cfg.Horizon = 0
	_, err = NewValidator(cfg, secret)
	require.ErrorContains(t, err, "horizon is 0")
	cfg = DefaultValidatorConfig()
	cfg.HistoryLen = 600 // more than a live series keeps
	v, err := NewValidator(cfg, secret)
	require.NoError(t, err)
	_, err = v.NextRound()
	require.ErrorContains(t, err, "keeps 512 values, 600 asked for")
}

func TestValidatorReplaysCO2(t *testing.T) {
	d, err := series.CO2()
	require.NoError(t, err)
	replay, err := series.NewReplay("replay-0", d, secret, series.ReplayConfig{Disguise: true})
	require.NoError(t, err)
	cfg := DefaultValidatorConfig()
	cfg.Horizon = 12
	v, err := NewValidatorWithSources(cfg, secret, []series.Source{replay})
	require.NoError(t, err)
	var miners []*Miner
	for _, name := range []string{"naive", "seasonal-naive", "holt-winters"} {
		m, err := NewMiner(name)
		require.NoError(t, err)
		miners = append(miners, m)
	}
	for range 30 {
		r, err := v.NextRound()
		require.NoError(t, err)
		require.Equal(t, []int{12}, r.Challenge.History.Periods)
		subs := make([]score.Submission, len(miners))
		for i, m := range miners {
			a, err := m.Answer(r.Challenge)
			require.NoError(t, err)
			subs[i] = score.Submission{UID: uint16(i), Hotkey: m.Model(), Answer: &a}
		}
		_, err = v.Score(r, subs)
		require.NoError(t, err)
	}
	st := v.Standings()
	t.Logf("CO2 replay, 30 windows: naive %.3f, seasonal-naive %.3f, holt-winters %.3f", st[0].Skill, st[1].Skill, st[2].Skill)
	require.Greater(t, st[2].Skill, st[1].Skill, "trend and season beat season alone on CO2")
	require.Greater(t, st[1].Skill, st[0].Skill)
}

// Rounds on different series may run at once, as a validator's loop fans
// challenges out while earlier ones are still being scored.
func TestValidatorConcurrentRounds(t *testing.T) {
	v, err := NewValidator(DefaultValidatorConfig(), secret)
	require.NoError(t, err)
	m, err := NewMiner("naive")
	require.NoError(t, err)
	done := make(chan error)
	for g := range 4 {
		go func() {
			for range 10 {
				r, err := v.NextRound()
				if err != nil {
					done <- err
					return
				}
				a, err := m.Answer(r.Challenge)
				if err != nil {
					done <- err
					return
				}
				if _, err := v.Score(r, []score.Submission{{UID: uint16(g), Hotkey: "naive", Answer: &a}}); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for range 4 {
		require.NoError(t, <-done)
	}
	total := 0
	for _, s := range v.Standings() {
		total += s.Challenges
	}
	require.Equal(t, 40, total)
}
