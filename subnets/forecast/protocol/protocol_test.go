package protocol

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func validChallenge() Challenge {
	return Challenge{
		ID:       "c1",
		SeriesID: "s1",
		History:  History{Values: []float64{1, 2, 3, 4}, Periods: []int{2}, StepSeconds: 60},
		Horizon:  2,
		Levels:   []float64{0.1, 0.5, 0.9},
	}
}

func validAnswer() Answer {
	return Answer{ChallengeID: "c1", Forecast: Forecast{
		Point: []float64{5, 6},
		Quantiles: []Quantile{
			{Level: 0.1, Values: []float64{4, 5}},
			{Level: 0.5, Values: []float64{5, 6}},
			{Level: 0.9, Values: []float64{6, 7}},
		},
	}}
}

func TestChallengeValidate(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*Challenge)
		errMsg string
	}{
		{"valid", func(*Challenge) {}, ""},
		{"no levels is point-only", func(c *Challenge) { c.Levels = nil }, ""},
		{"empty id", func(c *Challenge) { c.ID = "" }, "id is empty"},
		{"empty series", func(c *Challenge) { c.SeriesID = "" }, "series_id is empty"},
		{"long id", func(c *Challenge) { c.ID = string(make([]byte, MaxIDLength+1)) }, "at most 128 allowed"},
		{"empty history", func(c *Challenge) { c.History.Values = nil }, "history is empty"},
		{"long history", func(c *Challenge) { c.History.Values = make([]float64, MaxHistory+1) }, "at most 4096"},
		{"nan history", func(c *Challenge) { c.History.Values[2] = math.NaN() }, "history value 2 is NaN"},
		{"inf history", func(c *Challenge) { c.History.Values[0] = math.Inf(-1) }, "history value 0 is -Inf"},
		{"period 1", func(c *Challenge) { c.History.Periods = []int{1} }, "period 0 is 1"},
		{"negative step", func(c *Challenge) { c.History.StepSeconds = -1 }, "step_seconds is -1"},
		{"zero horizon", func(c *Challenge) { c.Horizon = 0 }, "horizon is 0"},
		{"huge horizon", func(c *Challenge) { c.Horizon = MaxHorizon + 1 }, "horizon is 257"},
		{"level 0", func(c *Challenge) { c.Levels = []float64{0, 0.5} }, "level 0 is 0"},
		{"level 1", func(c *Challenge) { c.Levels = []float64{0.5, 1} }, "level 1 is 1"},
		{"level NaN", func(c *Challenge) { c.Levels = []float64{math.NaN()} }, "level 0 is NaN"},
		{"levels not increasing", func(c *Challenge) { c.Levels = []float64{0.5, 0.5} }, "increase strictly"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := validChallenge()
			tc.mutate(&c)
			err := c.Validate()
			if tc.errMsg == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrInvalidChallenge)
			require.ErrorContains(t, err, tc.errMsg)
		})
	}
}

func TestAnswerCheck(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*Answer)
		errMsg string
	}{
		{"valid", func(*Answer) {}, ""},
		{"other challenge", func(a *Answer) { a.ChallengeID = "c2" }, `answers challenge "c2", not "c1"`},
		{"short point", func(a *Answer) { a.Point = a.Point[:1] }, "1 point values for horizon 2"},
		{"nan point", func(a *Answer) { a.Point[1] = math.NaN() }, "point value 1 is NaN"},
		{"inf quantile", func(a *Answer) { a.Quantiles[2].Values[0] = math.Inf(1) }, "quantile 0.9 value 0 is +Inf"},
		{"missing quantile", func(a *Answer) { a.Quantiles = a.Quantiles[:2] }, "2 quantile vectors for 3 requested levels"},
		{"wrong level", func(a *Answer) { a.Quantiles[1].Level = 0.6 }, "vector 1 has level 0.6, requested 0.5"},
		{"short quantile", func(a *Answer) { a.Quantiles[0].Values = []float64{1} }, "quantile 0.1 has 1 values for horizon 2"},
		{"level round trip noise", func(a *Answer) { a.Quantiles[0].Level = 0.1 + 1e-12 }, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := validAnswer()
			tc.mutate(&a)
			f, err := a.Check(validChallenge())
			if tc.errMsg == "" {
				require.NoError(t, err)
				require.Equal(t, []float64{5, 6}, f.Point)
				require.Equal(t, 0.1, f.Quantiles[0].Level, "levels are the requested ones")
				return
			}
			require.ErrorIs(t, err, ErrInvalidAnswer)
			require.ErrorContains(t, err, tc.errMsg)
		})
	}
}

func TestAnswerCheckRepairsCrossingQuantiles(t *testing.T) {
	a := validAnswer()
	a.Quantiles[0].Values = []float64{7, 5} // step 0 crosses both others
	a.Quantiles[2].Values = []float64{4.5, 7}
	f, err := a.Check(validChallenge())
	require.NoError(t, err)
	require.Equal(t, []float64{4.5, 5}, f.Quantiles[0].Values)
	require.Equal(t, []float64{5, 6}, f.Quantiles[1].Values)
	require.Equal(t, []float64{7, 7}, f.Quantiles[2].Values)
	require.Equal(t, []float64{7, 5}, a.Quantiles[0].Values, "the answer itself is untouched")
}

func TestJSONShape(t *testing.T) {
	b, err := json.Marshal(validAnswer())
	require.NoError(t, err)
	require.JSONEq(t, `{"challenge_id":"c1","point":[5,6],"quantiles":[
		{"level":0.1,"values":[4,5]},{"level":0.5,"values":[5,6]},{"level":0.9,"values":[6,7]}]}`, string(b))

	b, err = json.Marshal(validChallenge())
	require.NoError(t, err)
	var back Challenge
	require.NoError(t, json.Unmarshal(b, &back))
	require.Equal(t, validChallenge(), back)
	require.Equal(t, 2, back.History.Period())
}
