package protocol

import (
	"fmt"
	"math"
)

// Limits keep a challenge cheap to answer and to score.
const (
	MaxHistory  = 4096 // points of history a challenge may carry
	MaxHorizon  = 256  // steps a challenge may ask for
	MaxLevels   = 99   // quantile levels a challenge may ask for
	MaxIDLength = 128  // bytes in a challenge or series id
)

// History is the part of a series the miner may see.
type History struct {
	// Values are the observations, oldest first, one per time step.
	Values []float64 `json:"values"`
	// Periods are the known seasonal periods in steps, the dominant one
	// first; empty when none is known.
	Periods []int `json:"periods,omitempty"`
	// StepSeconds is the nominal time between two observations (months
	// count as 2,629,746 s, a twelfth of a mean Gregorian year); 0 when the
	// series has no calendar.
	StepSeconds int64 `json:"step_seconds"`
}

// Period returns the dominant seasonal period, or 0 when none is known.
func (h History) Period() int {
	if len(h.Periods) == 0 {
		return 0
	}
	return h.Periods[0]
}

// Challenge asks a miner to forecast the next Horizon values of a series.
type Challenge struct {
	ID       string  `json:"id"`
	SeriesID string  `json:"series_id"`
	History  History `json:"history"`
	Horizon  int     `json:"horizon"`
	// Levels are the quantile levels requested, strictly increasing, each
	// strictly between 0 and 1 (e.g. 0.1, 0.5, 0.9). Empty asks for point
	// forecasts only.
	Levels []float64 `json:"quantile_levels,omitempty"`
}

// Validate reports the first thing that makes the challenge unanswerable.
func (c Challenge) Validate() error {
	if err := checkID("id", c.ID); err != nil {
		return err
	}
	if err := checkID("series_id", c.SeriesID); err != nil {
		return err
	}
	n := len(c.History.Values)
	if n == 0 {
		return fmt.Errorf("%w: history is empty", ErrInvalidChallenge)
	}
	if n > MaxHistory {
		return fmt.Errorf("%w: history has %d values, at most %d allowed", ErrInvalidChallenge, n, MaxHistory)
	}
	for i, v := range c.History.Values {
		if !finite(v) {
			return fmt.Errorf("%w: history value %d is %v", ErrInvalidChallenge, i, v)
		}
	}
	for i, p := range c.History.Periods {
		if p < 2 || p > MaxHistory {
			return fmt.Errorf("%w: period %d is %d, want 2..%d", ErrInvalidChallenge, i, p, MaxHistory)
		}
	}
	if c.History.StepSeconds < 0 {
		return fmt.Errorf("%w: step_seconds is %d, want ≥ 0", ErrInvalidChallenge, c.History.StepSeconds)
	}
	if c.Horizon < 1 || c.Horizon > MaxHorizon {
		return fmt.Errorf("%w: horizon is %d, want 1..%d", ErrInvalidChallenge, c.Horizon, MaxHorizon)
	}
	return CheckLevels(c.Levels)
}

// CheckLevels reports whether levels can be asked for: at most MaxLevels,
// each strictly inside (0, 1), strictly increasing.
func CheckLevels(levels []float64) error {
	if len(levels) > MaxLevels {
		return fmt.Errorf("%w: %d quantile levels, at most %d allowed", ErrInvalidChallenge, len(levels), MaxLevels)
	}
	for i, l := range levels {
		if !(l > 0 && l < 1) {
			return fmt.Errorf("%w: quantile level %d is %v, want strictly between 0 and 1", ErrInvalidChallenge, i, l)
		}
		if i > 0 && l <= levels[i-1] {
			return fmt.Errorf("%w: quantile levels must increase strictly, level %d (%v) follows %v", ErrInvalidChallenge, i, l, levels[i-1])
		}
	}
	return nil
}

func checkID(field, id string) error {
	if id == "" {
		return fmt.Errorf("%w: %s is empty", ErrInvalidChallenge, field)
	}
	if len(id) > MaxIDLength {
		return fmt.Errorf("%w: %s has %d bytes, at most %d allowed", ErrInvalidChallenge, field, len(id), MaxIDLength)
	}
	return nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
