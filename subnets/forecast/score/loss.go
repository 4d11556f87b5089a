package score

import (
	"math"

	"github.com/gotensor/gotensor/subnets/forecast/protocol"
)

// Scale is the in-sample mean absolute error of the seasonal-naive forecast
// on history (see the package comment for the fallbacks); it is always
// finite and positive for a finite history.
func Scale(history []float64, period int) float64 {
	if period >= 2 && len(history) >= 2*period {
		if s := lagMAE(history, period); s > 0 {
			return s
		}
	}
	if s := lagMAE(history, 1); s > 0 {
		return s
	}
	s := 0.0
	for _, v := range history {
		s += math.Abs(v)
	}
	if len(history) > 0 && s > 0 && !math.IsInf(s, 0) {
		return s / float64(len(history))
	}
	return 1
}

func lagMAE(vs []float64, lag int) float64 {
	if len(vs) <= lag {
		return 0
	}
	s := 0.0
	for t := lag; t < len(vs); t++ {
		s += math.Abs(vs[t] - vs[t-lag])
	}
	s /= float64(len(vs) - lag)
	if math.IsInf(s, 0) || math.IsNaN(s) {
		return 0
	}
	return s
}

// MAE is the mean absolute error of a point forecast.
func MAE(point, truth []float64) float64 {
	s := 0.0
	for i := range truth {
		s += math.Abs(truth[i] - point[i])
	}
	return s / float64(len(truth))
}

// MASE is MAE divided by scale.
func MASE(point, truth []float64, scale float64) float64 { return MAE(point, truth) / scale }

// Pinball is the quantile (pinball) loss of forecasting q at level for an
// actual value y: level·(y−q) when y ≥ q, (1−level)·(q−y) otherwise.
func Pinball(level, q, y float64) float64 {
	if y >= q {
		return level * (y - q)
	}
	return (1 - level) * (q - y)
}

// MeanPinball averages the pinball loss over the quantile levels and steps.
func MeanPinball(quantiles []protocol.Quantile, truth []float64) float64 {
	s := 0.0
	for _, q := range quantiles {
		for i, y := range truth {
			s += Pinball(q.Level, q.Values[i], y)
		}
	}
	return s / float64(len(quantiles)*len(truth))
}

// Loss is one answer's loss on one challenge; lower is better.
type Loss struct {
	MASE     float64 `json:"mase"`
	Quantile float64 `json:"quantile"` // 2·mean pinball / scale, ≈ scaled CRPS; 0 without levels
	Combined float64 `json:"combined"`
}

// Evaluate scores a checked forecast (see protocol.Answer.Check) against
// the truth, with the challenge's scale.
func Evaluate(f protocol.Forecast, truth []float64, scale float64) Loss {
	l := Loss{MASE: MASE(f.Point, truth, scale)}
	if len(f.Quantiles) == 0 {
		l.Combined = l.MASE
		return l
	}
	l.Quantile = 2 * MeanPinball(f.Quantiles, truth) / scale
	l.Combined = (l.MASE + l.Quantile) / 2
	return l
}
