package scoreboard

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/subnets/forecast/score"
)

func newBoard(t *testing.T, alpha, sharpness float64) *Board {
	t.Helper()
	b, err := New(Config{Alpha: alpha, Sharpness: sharpness})
	require.NoError(t, err)
	return b
}

func TestConfigValidation(t *testing.T) {
	for _, c := range []Config{{0, 3}, {1.5, 3}, {math.NaN(), 3}, {0.1, 0}, {0.1, -1}, {0.1, 1001}, {0.1, math.NaN()}} {
		_, err := New(c)
		require.ErrorIs(t, err, ErrInvalid, "%+v", c)
	}
	require.Equal(t, Config{Alpha: 0.02, Sharpness: 7}, DefaultConfig())
}

func TestMovingAverageIsBiasCorrected(t *testing.T) {
	b := newBoard(t, 0.5, 1)
	require.NoError(t, b.Observe(7, "hk", 1))
	s := b.Standings()
	require.Equal(t, []Standing{{UID: 7, Hotkey: "hk", Score: 1, Skill: 1, Challenges: 1, Answered: 1}}, s,
		"a first score is taken at face value, not averaged with an imaginary zero")

	require.NoError(t, b.Observe(7, "hk", 0))
	// EMA 0.25, mass 0.75.
	s = b.Standings()
	require.InDelta(t, 1.0/3, s[0].Score, 1e-12)
	require.InDelta(t, 0.5, s[0].Skill, 1e-12)
	require.Equal(t, 2, s[0].Challenges)

	for range 50 {
		require.NoError(t, b.Observe(7, "hk", 0.6))
	}
	require.InDelta(t, 0.6, b.Standings()[0].Score, 1e-9, "the average forgets old scores")
}

func TestObserveRejectsBadInput(t *testing.T) {
	b := newBoard(t, 0.1, 3)
	require.ErrorContains(t, b.Observe(1, "", 0.5), `hotkey ""`)
	require.ErrorContains(t, b.Observe(1, "hk", math.Inf(1)), "skill +Inf")
	require.ErrorContains(t, b.Observe(1, "hk", math.NaN()), "skill NaN")
	err := b.Record([]score.Result{{UID: 1, Hotkey: "a", Skill: 0.5}, {UID: 2, Hotkey: "b", Skill: math.Inf(-1)}})
	require.ErrorIs(t, err, ErrInvalid)
	require.Empty(t, b.Standings(), "a bad batch records nothing")
}

func TestHotkeyChangeResets(t *testing.T) {
	b := newBoard(t, 0.1, 3)
	require.NoError(t, b.Observe(3, "old", 0.9))
	require.NoError(t, b.Observe(3, "new", 0.2))
	s := b.Standings()
	require.Len(t, s, 1)
	require.Equal(t, "new", s[0].Hotkey)
	require.Equal(t, 1, s[0].Challenges)
	require.InDelta(t, 0.2, s[0].Score, 1e-12)
	require.InDelta(t, 0.2, s[0].Skill, 1e-12)
}

func TestSync(t *testing.T) {
	b := newBoard(t, 0.1, 3)
	for uid, hk := range map[uint16]string{1: "a", 2: "b", 3: "c"} {
		require.NoError(t, b.Observe(uid, hk, 0.5))
	}
	b.Sync([]Neuron{{UID: 1, Hotkey: "a"}, {UID: 2, Hotkey: "b2"}, {UID: 9, Hotkey: "z"}})
	s := b.Standings()
	require.Len(t, s, 1, "uid 2 changed hotkey, uid 3 left")
	require.EqualValues(t, 1, s[0].UID)
}

func TestWeights(t *testing.T) {
	b := newBoard(t, 1, 7) // alpha 1: the score is the last skill
	require.NoError(t, b.Record([]score.Result{
		{UID: 9, Hotkey: "best", Status: score.Scored, Skill: 0.3},
		{UID: 2, Hotkey: "behind", Status: score.Scored, Skill: 0.2},
		{UID: 5, Hotkey: "silent", Status: score.Missing, Skill: -1},
		{UID: 4, Hotkey: "weak", Status: score.Scored, Skill: -2},
		{UID: 6, Hotkey: "reference", Status: score.Scored, Skill: 0},
	}))
	uids, values := b.Weights()
	require.Equal(t, []uint16{2, 4, 5, 6, 9}, uids)
	// e^(−0.7)·65535 = 32543.7; e^(−2.1)·65535 = 8025.3; e^(−16.1)·65535 ≈ 0.007 → floor 1.
	require.Equal(t, []uint16{32544, 1, 0, 8025, 65535}, values)

	empty := newBoard(t, 1, 7)
	uids, values = empty.Weights()
	require.Empty(t, uids)
	require.Empty(t, values)
	require.NoError(t, empty.Record([]score.Result{{UID: 1, Hotkey: "a", Status: score.Late, Skill: -1}}))
	_, values = empty.Weights()
	require.Equal(t, []uint16{0}, values, "nobody answered: no weight to give")
}

// Weights depend on score differences only: adding the same skill to every
// miner (a harder or easier challenge) changes nothing.
func TestWeightsIgnoreCommonShifts(t *testing.T) {
	a, b := newBoard(t, 0.3, 7), newBoard(t, 0.3, 7)
	for i, skills := range [][]float64{{0.1, 0.4}, {-0.2, 0.3}, {0.5, 0.1}} {
		shift := float64(i) - 5
		require.NoError(t, a.Record([]score.Result{{UID: 1, Hotkey: "x", Skill: skills[0]}, {UID: 2, Hotkey: "y", Skill: skills[1]}}))
		require.NoError(t, b.Record([]score.Result{{UID: 1, Hotkey: "x", Skill: skills[0] + shift}, {UID: 2, Hotkey: "y", Skill: skills[1] + shift}}))
	}
	_, wa := a.Weights()
	_, wb := b.Weights()
	require.Equal(t, wa, wb)
}

func TestEncodeDecode(t *testing.T) {
	b := newBoard(t, 0.2, 2)
	require.NoError(t, b.Record([]score.Result{{UID: 4, Hotkey: "d", Status: score.Missing, Skill: -1.5}}))
	require.NoError(t, b.Observe(4, "d", 0.7))
	require.NoError(t, b.Observe(1, "a", 0.3))
	require.NoError(t, b.Observe(1, "a", 0.9))
	data, err := b.Encode()
	require.NoError(t, err)
	back, err := Decode(data)
	require.NoError(t, err)
	require.Equal(t, b.Standings(), back.Standings())
	require.Equal(t, b.Config(), back.Config())
	u1, v1 := b.Weights()
	u2, v2 := back.Weights()
	require.Equal(t, u1, u2)
	require.Equal(t, v1, v2)

	for name, bad := range map[string]string{
		"not json":           `{`,
		"version 1":          `{"version":1,"config":{"alpha":0.1,"exponent":3},"miners":[]}`,
		"config":             `{"version":2,"config":{"alpha":0.1,"sharpness":0},"miners":[]}`,
		"mass > 1":           `{"version":2,"config":{"alpha":0.1,"sharpness":7},"miners":[{"uid":1,"hotkey":"a","ema":0.5,"mass":1.5,"sum":0,"count":1}]}`,
		"answered > count":   `{"version":2,"config":{"alpha":0.1,"sharpness":7},"miners":[{"uid":1,"hotkey":"a","ema":0.1,"mass":0.1,"sum":3,"count":1,"answered":2}]}`,
		"mass without count": `{"version":2,"config":{"alpha":0.1,"sharpness":7},"miners":[{"uid":1,"hotkey":"a","ema":0.1,"mass":0.1,"sum":3,"count":0}]}`,
		"duplicate":          `{"version":2,"config":{"alpha":0.1,"sharpness":7},"miners":[{"uid":1,"hotkey":"a","ema":0.1,"mass":0.1,"sum":1,"count":1},{"uid":1,"hotkey":"b","ema":0.1,"mass":0.1,"sum":1,"count":1}]}`,
	} {
		_, err := Decode([]byte(bad))
		require.ErrorIs(t, err, ErrInvalid, name)
	}
}

func TestPool(t *testing.T) {
	a := []Standing{{UID: 1, Hotkey: "x", Score: 0.5, Skill: 0.4, Challenges: 10, Answered: 9}, {UID: 2, Hotkey: "y", Score: 1, Skill: 1, Challenges: 1}}
	b := []Standing{{UID: 1, Hotkey: "x", Score: 0.8, Skill: 0.7, Challenges: 30, Answered: 30}, {UID: 1, Hotkey: "x2", Score: 0.1, Skill: 0.1, Challenges: 2}}
	got := Pool(a, b)
	require.Len(t, got, 3)
	require.Equal(t, "x", got[0].Hotkey)
	require.InDelta(t, (0.4*10+0.7*30)/40, got[0].Skill, 1e-12)
	require.InDelta(t, (0.5*10+0.8*30)/40, got[0].Score, 1e-12)
	require.Equal(t, 40, got[0].Challenges)
	require.Equal(t, 39, got[0].Answered)
	require.Equal(t, "x2", got[1].Hotkey)
	require.EqualValues(t, 2, got[2].UID)
}

// SkillIncentive ranks skill against incentive over the measured miners only: a uid without
// challenges and a uid that is no miner are left out, ties share their rank.
func TestSkillIncentive(t *testing.T) {
	measured := []Standing{
		{UID: 0, Hotkey: "validator", Skill: 9, Challenges: 5},
		{UID: 1, Hotkey: "a", Skill: 0.1, Challenges: 5},
		{UID: 2, Hotkey: "b", Skill: 0.3, Challenges: 5},
		{UID: 3, Hotkey: "c", Skill: 0.2, Challenges: 5},
		{UID: 4, Hotkey: "unmeasured", Skill: 0, Challenges: 0},
	}
	incentive := map[string]float64{"validator": 0, "a": 0.1, "b": 0.6, "c": 0.3, "unmeasured": 1}
	of := func(s Standing) (float64, bool) { return incentive[s.Hotkey], s.Hotkey != "validator" }
	rho, n, ok := SkillIncentive(measured, of)
	require.True(t, ok)
	require.Equal(t, 3, n)
	require.InDelta(t, 1, rho, 1e-12, "incentive orders a, c, b as skill does")

	incentive["c"] = 0.7 // now c earns most though b is the most skilled: ranks (1,2,3) against (1,3,2)
	rho, _, ok = SkillIncentive(measured, of)
	require.True(t, ok)
	require.InDelta(t, 0.5, rho, 1e-12)

	_, n, ok = SkillIncentive(measured[:2], of)
	require.False(t, ok, "one miner has no rank correlation")
	require.Equal(t, 1, n)
}
