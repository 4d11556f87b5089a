package score

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/subnets/forecast/protocol"
)

func TestScale(t *testing.T) {
	cases := []struct {
		name    string
		history []float64
		period  int
		want    float64
	}{
		{"lag one without period", []float64{1, 2, 4, 7}, 0, 2},   // |1|,|2|,|3|
		{"seasonal lag", []float64{1, 2, 4, 7}, 2, 4},             // |4-1|,|7-2|
		{"too short for the period", []float64{1, 2, 4, 7}, 3, 2}, // needs two cycles
		{"flat season falls back to lag one", []float64{1, 2, 1, 2}, 2, 1},
		{"constant falls back to mean size", []float64{-5, -5, -5}, 0, 5},
		{"zeros fall back to one", []float64{0, 0}, 0, 1},
		{"single value", []float64{3}, 0, 3},
		{"overflowing differences", []float64{-math.MaxFloat64, math.MaxFloat64}, 0, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.InDelta(t, tc.want, Scale(tc.history, tc.period), 1e-12)
		})
	}
}

func TestPointAndQuantileLosses(t *testing.T) {
	require.InDelta(t, 1.5, MAE([]float64{1, 2}, []float64{2, 4}), 1e-12)
	require.InDelta(t, 0.75, MASE([]float64{1, 2}, []float64{2, 4}, 2), 1e-12)

	require.InDelta(t, 1.8, Pinball(0.9, 10, 12), 1e-12) // under-forecast costs level
	require.InDelta(t, 0.2, Pinball(0.9, 10, 8), 1e-12)  // over-forecast costs 1 − level
	require.Zero(t, Pinball(0.3, 4, 4))

	qs := []protocol.Quantile{{Level: 0.1, Values: []float64{0, 0}}, {Level: 0.9, Values: []float64{2, 2}}}
	// 0.1·1 + 0.1·3 + 0.1·1 + 0.9·1 = 1.4 over four terms
	require.InDelta(t, 0.35, MeanPinball(qs, []float64{1, 3}), 1e-12)
}

func TestEvaluate(t *testing.T) {
	truth := []float64{1, 3}
	f := protocol.Forecast{Point: []float64{1, 3}, Quantiles: []protocol.Quantile{
		{Level: 0.1, Values: []float64{0, 0}}, {Level: 0.9, Values: []float64{2, 2}}}}
	l := Evaluate(f, truth, 2)
	require.InDelta(t, 0, l.MASE, 1e-12)
	require.InDelta(t, 0.35, l.Quantile, 1e-12) // 2·0.35/2
	require.InDelta(t, 0.175, l.Combined, 1e-12)

	// The median alone, placed at the point forecast, costs exactly MASE:
	// both halves share units.
	g := protocol.Forecast{Point: []float64{2, 5}, Quantiles: []protocol.Quantile{{Level: 0.5, Values: []float64{2, 5}}}}
	l = Evaluate(g, truth, 1)
	require.InDelta(t, 1.5, l.MASE, 1e-12)
	require.InDelta(t, l.MASE, l.Quantile, 1e-12)

	pointOnly := Evaluate(protocol.Forecast{Point: []float64{2, 5}}, truth, 1)
	require.Equal(t, Loss{MASE: 1.5, Combined: 1.5}, pointOnly)
}

// The quantile loss approximates the CRPS: for a forecast that is a normal
// distribution N(0, 1) and an outcome at 0, the CRPS is (√2 − 1)/√π ≈ 0.2337.
func TestQuantileLossApproximatesCRPS(t *testing.T) {
	var qs []protocol.Quantile
	for i := 1; i < 100; i++ {
		level := float64(i) / 100
		qs = append(qs, protocol.Quantile{Level: level, Values: []float64{math.Sqrt2 * math.Erfinv(2*level-1)}})
	}
	crps := (math.Sqrt2 - 1) / math.Sqrt(math.Pi)
	require.InDelta(t, crps, 2*MeanPinball(qs, []float64{0}), 0.01)
}

func testChallenge() protocol.Challenge {
	return protocol.Challenge{
		ID: "c", SeriesID: "s", Horizon: 2, Levels: []float64{0.5},
		History: protocol.History{Values: []float64{0, 1, 2, 3}},
	}
}

func answer(id string, point ...float64) *protocol.Answer {
	return &protocol.Answer{ChallengeID: id, Forecast: protocol.Forecast{
		Point: point, Quantiles: []protocol.Quantile{{Level: 0.5, Values: point}}}}
}

func TestChallengeScoresEveryCase(t *testing.T) {
	truth := []float64{4, 5}
	subs := []Submission{
		{UID: 6, Hotkey: "wrong-id", Answer: answer("other", 4, 5)},
		{UID: 3, Hotkey: "good", Answer: answer("c", 5, 6)},
		{UID: 1, Hotkey: "perfect", Answer: answer("c", 4, 5)},
		{UID: 2, Hotkey: "silent"},
		{UID: 4, Hotkey: "late", Answer: answer("c", 4, 5), Late: true},
		{UID: 5, Hotkey: "nan", Answer: answer("c", math.NaN(), 5)},
		{UID: 7, Hotkey: "worse", Answer: answer("c", 6, 7)},
		{UID: 8, Hotkey: "huge", Answer: answer("c", math.MaxFloat64, -math.MaxFloat64)},
		{UID: 9, Hotkey: "reference", Answer: answer("c", 3, 3)},
	}
	results, err := Challenge(testChallenge(), truth, subs)
	require.NoError(t, err)
	require.Len(t, results, 9)
	for i, r := range results {
		require.EqualValues(t, i+1, r.UID, "results are ordered by uid")
	}
	byHotkey := map[string]Result{}
	for _, r := range results {
		byHotkey[r.Hotkey] = r
	}
	// Scale 1 (lag one, no period). The reference (seasonal naive without a
	// period: the last value, 3) is off by 1 and 2: MASE 1.5. Its bands come
	// from its in-sample errors on the rising history, 1 one step ahead and
	// 2 two steps ahead, so its median band is 4, 5: quantile loss 0.
	// Combined 1.5/2 = 0.75.
	const ref = 0.75
	require.Equal(t, Scored, byHotkey["perfect"].Status)
	require.InDelta(t, ref, byHotkey["perfect"].Skill, 1e-12, "a perfect answer gains the reference's whole loss")
	// "good" is off by 1 at each step: MASE 1, quantile loss 2·0.5·1 = 1.
	require.InDelta(t, 1, byHotkey["good"].Loss.Combined, 1e-12)
	require.InDelta(t, ref-1, byHotkey["good"].Skill, 1e-12)
	require.InDelta(t, 2, byHotkey["worse"].Loss.Combined, 1e-12)
	require.InDelta(t, ref-2, byHotkey["worse"].Skill, 1e-12)
	// The reference's point with its median there too loses 1.5 on both
	// halves.
	require.InDelta(t, ref-1.5, byHotkey["reference"].Skill, 1e-12)
	for hotkey, status := range map[string]Status{"silent": Missing, "late": Late, "nan": Invalid, "wrong-id": Invalid, "huge": Invalid} {
		require.Equal(t, status, byHotkey[hotkey].Status, hotkey)
		require.InDelta(t, -1, byHotkey[hotkey].Skill, 1e-12, "%s: charged max(reference, 1) below the reference", hotkey)
		require.Equal(t, Loss{}, byHotkey[hotkey].Loss, hotkey)
	}
	require.Contains(t, byHotkey["nan"].Reason, "point value 0 is NaN")
	require.Contains(t, byHotkey["huge"].Reason, "loss overflows")
	require.Equal(t, "late", Late.String())
}

// The seasonal-naive model is the reference: as a miner it scores exactly
// 0, and silence costs at least one scale unit even when the reference is
// perfect.
func TestReferenceScoresZero(t *testing.T) {
	c := protocol.Challenge{ID: "c", SeriesID: "s", Horizon: 4, Levels: []float64{0.1, 0.5, 0.9},
		History: protocol.History{Values: []float64{1, 5, 2, 1, 5, 2, 1, 5, 2, 1, 5, 2}, Periods: []int{3}}}
	ref, err := Reference(c)
	require.NoError(t, err)
	require.Equal(t, []float64{1, 5, 2, 1}, ref.Point)
	a := protocol.Answer{ChallengeID: "c", Forecast: ref}
	results, err := Challenge(c, []float64{1, 5, 2, 1}, []Submission{{UID: 1, Hotkey: "sn", Answer: &a}, {UID: 2, Hotkey: "silent"}})
	require.NoError(t, err)
	require.Zero(t, results[0].Skill)
	require.Equal(t, -1.0, results[1].Skill)
}

// One exact answer takes nothing from the others: each skill depends on its
// own answer and the truth alone.
func TestExactAnswerDoesNotZeroOthers(t *testing.T) {
	truth := []float64{4, 5}
	others := []Submission{
		{UID: 1, Hotkey: "good", Answer: answer("c", 5, 6)},
		{UID: 2, Hotkey: "worse", Answer: answer("c", 6, 7)},
	}
	alone, err := Challenge(testChallenge(), truth, others)
	require.NoError(t, err)
	withExact, err := Challenge(testChallenge(), truth, append(others, Submission{UID: 3, Hotkey: "exact", Answer: answer("c", 4, 5)}))
	require.NoError(t, err)
	require.Equal(t, alone, withExact[:2], "the exact answer changes no other skill")
	require.Greater(t, withExact[0].Skill, withExact[1].Skill)
	require.Greater(t, withExact[2].Skill, withExact[0].Skill)
	require.Greater(t, withExact[0].Skill-withExact[1].Skill, 0.5, "the good answer keeps its lead over the worse one")
}

func TestChallengeRejectsBadInput(t *testing.T) {
	_, err := Challenge(testChallenge(), []float64{1}, nil)
	require.ErrorIs(t, err, ErrBadTruth)
	require.ErrorContains(t, err, "1 values for horizon 2")
	_, err = Challenge(testChallenge(), []float64{1, math.Inf(1)}, nil)
	require.ErrorContains(t, err, "value 1 is +Inf")
	_, err = Challenge(testChallenge(), []float64{1, 2}, []Submission{{UID: 4, Hotkey: "a"}, {UID: 4, Hotkey: "b"}})
	require.ErrorContains(t, err, "uid 4 submitted twice")
	_, err = Challenge(testChallenge(), []float64{math.MaxFloat64, -math.MaxFloat64}, nil)
	require.ErrorContains(t, err, "reference forecast's loss overflows")
	bad := testChallenge()
	bad.Horizon = 0
	_, err = Challenge(bad, nil, nil)
	require.ErrorIs(t, err, protocol.ErrInvalidChallenge)
}
