package score

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/subnets/forecast/protocol"
)

func TestDistance(t *testing.T) {
	a := answer("c", 4, 5).Forecast
	require.Zero(t, Distance(a, a, 1))
	// each of the four values (two points, two medians) off by 0.5, scale 2
	require.InDelta(t, 0.25, Distance(a, answer("c", 4.5, 5.5).Forecast, 2), 1e-12)
	require.True(t, math.IsInf(Distance(a, answer("c", 4).Forecast, 1), 1), "shapes differ")
	require.True(t, math.IsInf(Distance(a, protocol.Forecast{Point: []float64{4, 5}}, 1), 1), "one has no quantiles")
}

// The oldest uid of a group of near-identical answers (by registration, then uid)
// keeps its skill; the others score as no answer. Distinct answers, and
// answers the check did not score, are untouched.
func TestMarkCopies(t *testing.T) {
	truth := []float64{4, 5}
	subs := []Submission{
		{UID: 1, Hotkey: "relay", Answer: answer("c", 5.001, 6), Registered: 30},
		{UID: 2, Hotkey: "source", Answer: answer("c", 5, 6), Registered: 10},
		{UID: 3, Hotkey: "sybil-a", Answer: answer("c", 4, 5), Registered: 20},
		{UID: 4, Hotkey: "sybil-b", Answer: answer("c", 4, 5), Registered: 20},
		{UID: 5, Hotkey: "far-relay", Answer: answer("c", 5.5, 6.5), Registered: 40},
		{UID: 6, Hotkey: "silent"},
	}
	results, err := Challenge(testChallenge(), truth, subs)
	require.NoError(t, err)
	before := append([]Result(nil), results...)
	n, err := MarkCopies(testChallenge(), truth, subs, results, DefaultCopyTolerance)
	require.NoError(t, err)
	require.Equal(t, 2, n)
	byHotkey := map[string]Result{}
	for _, r := range results {
		byHotkey[r.Hotkey] = r
	}
	for _, h := range []string{"source", "sybil-a", "far-relay", "silent"} {
		require.Equal(t, before[byHotkey[h].UID-1], byHotkey[h], "%s keeps its result", h)
	}
	for _, h := range []string{"relay", "sybil-b"} {
		r := byHotkey[h]
		require.Equal(t, Copy, r.Status, h)
		require.InDelta(t, -1, r.Skill, 1e-12, "%s scores as no answer: max(reference 0.75, 1) below it", h)
		require.Equal(t, Loss{}, r.Loss)
	}
	require.Contains(t, byHotkey["relay"].Reason, "uid 2's earlier answer")
	require.Contains(t, byHotkey["sybil-b"].Reason, "uid 3's earlier answer", "uids registered in one block go by uid")
	require.Less(t, byHotkey["far-relay"].Skill, byHotkey["source"].Skill-0.4, "a relay beyond the tolerance pays for its perturbation")
	require.Equal(t, "copy", Copy.String())

	// Tolerance 0: only exact repeats are copies.
	results, err = Challenge(testChallenge(), truth, subs)
	require.NoError(t, err)
	n, err = MarkCopies(testChallenge(), truth, subs, results, 0)
	require.NoError(t, err)
	require.Equal(t, 1, n)
}

func TestMarkCopiesRejectsBadInput(t *testing.T) {
	truth := []float64{4, 5}
	subs := []Submission{{UID: 1, Hotkey: "a", Answer: answer("c", 4, 5)}}
	results, err := Challenge(testChallenge(), truth, subs)
	require.NoError(t, err)
	for _, tol := range []float64{-1, math.NaN(), math.Inf(1)} {
		_, err = MarkCopies(testChallenge(), truth, subs, results, tol)
		require.ErrorContains(t, err, "copy tolerance")
	}
	_, err = MarkCopies(testChallenge(), truth, nil, results, 0.01)
	require.ErrorContains(t, err, "1 results for 0 submissions")
	_, err = MarkCopies(testChallenge(), []float64{4}, subs, results, 0.01)
	require.ErrorContains(t, err, "1 values for horizon 2")
	other := []Submission{{UID: 2, Hotkey: "b", Answer: answer("c", 4, 5)}}
	_, err = MarkCopies(testChallenge(), truth, other, results, 0.01)
	require.ErrorContains(t, err, "uid 1 was scored without a submission")
}
