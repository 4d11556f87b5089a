package protocol

import (
	"fmt"
	"math"
	"slices"
)

// LevelTolerance is how far an answered quantile level may sit from the
// requested one; it only absorbs decimal round trips, never a different level.
const LevelTolerance = 1e-9

// Quantile is the forecast of one quantile level, one value per step.
type Quantile struct {
	Level  float64   `json:"level"`
	Values []float64 `json:"values"`
}

// Forecast is what a model produces: a point forecast per step and one
// quantile vector per requested level, in the requested order.
type Forecast struct {
	Point     []float64  `json:"point"`
	Quantiles []Quantile `json:"quantiles,omitempty"`
}

// Answer is a miner's reply to one challenge.
type Answer struct {
	ChallengeID string `json:"challenge_id"`
	Forecast
}

// Check validates the answer against the challenge it claims to answer and
// returns a scoreable copy with crossing quantiles repaired (see the package
// comment). The answer itself is not modified.
func (a Answer) Check(c Challenge) (Forecast, error) {
	if a.ChallengeID != c.ID {
		return Forecast{}, fmt.Errorf("%w: answers challenge %q, not %q", ErrInvalidAnswer, a.ChallengeID, c.ID)
	}
	return a.Forecast.Check(c.Horizon, c.Levels)
}

// Check validates a forecast for the given horizon and levels and returns a
// copy whose quantiles do not cross. Models use it on their own output; the
// validator uses it (through Answer.Check) on what miners send.
func (f Forecast) Check(horizon int, levels []float64) (Forecast, error) {
	if len(f.Point) != horizon {
		return Forecast{}, fmt.Errorf("%w: %d point values for horizon %d", ErrInvalidAnswer, len(f.Point), horizon)
	}
	if i := firstNonFinite(f.Point); i >= 0 {
		return Forecast{}, fmt.Errorf("%w: point value %d is %v", ErrInvalidAnswer, i, f.Point[i])
	}
	if len(f.Quantiles) != len(levels) {
		return Forecast{}, fmt.Errorf("%w: %d quantile vectors for %d requested levels", ErrInvalidAnswer, len(f.Quantiles), len(levels))
	}
	out := Forecast{Point: slices.Clone(f.Point), Quantiles: make([]Quantile, len(levels))}
	for i, q := range f.Quantiles {
		if math.Abs(q.Level-levels[i]) > LevelTolerance {
			return Forecast{}, fmt.Errorf("%w: quantile vector %d has level %v, requested %v", ErrInvalidAnswer, i, q.Level, levels[i])
		}
		if len(q.Values) != horizon {
			return Forecast{}, fmt.Errorf("%w: quantile %v has %d values for horizon %d", ErrInvalidAnswer, levels[i], len(q.Values), horizon)
		}
		if j := firstNonFinite(q.Values); j >= 0 {
			return Forecast{}, fmt.Errorf("%w: quantile %v value %d is %v", ErrInvalidAnswer, levels[i], j, q.Values[j])
		}
		out.Quantiles[i] = Quantile{Level: levels[i], Values: slices.Clone(q.Values)}
	}
	uncross(out.Quantiles, horizon)
	return out, nil
}

// uncross sorts the quantile values at each step so that they increase with
// the level.
func uncross(qs []Quantile, horizon int) {
	if len(qs) < 2 {
		return
	}
	col := make([]float64, len(qs))
	for t := 0; t < horizon; t++ {
		sorted := true
		for i := range qs {
			col[i] = qs[i].Values[t]
			if i > 0 && col[i] < col[i-1] {
				sorted = false
			}
		}
		if sorted {
			continue
		}
		slices.Sort(col)
		for i := range qs {
			qs[i].Values[t] = col[i]
		}
	}
}

func firstNonFinite(vs []float64) int {
	for i, v := range vs {
		if !finite(v) {
			return i
		}
	}
	return -1
}
