package model

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/gotensor/gotensor/subnets/forecast/protocol"
)

// ErrUnknownModel reports a model name that is not registered.
var ErrUnknownModel = errors.New("unknown model")

// Input is what a model forecasts from: a challenge without its ids.
type Input struct {
	Values  []float64 // history, oldest first
	Periods []int     // known seasonal periods, dominant first; may be empty
	Horizon int       // steps to forecast
	Levels  []float64 // quantile levels, strictly increasing in (0, 1)
}

// InputOf extracts the forecasting input from a challenge.
func InputOf(c protocol.Challenge) Input {
	return Input{Values: c.History.Values, Periods: c.History.Periods, Horizon: c.Horizon, Levels: c.Levels}
}

// Model forecasts a series.
type Model interface {
	Name() string
	// Forecast returns Horizon point values and one quantile vector per
	// level, all finite, quantiles non-crossing. It errs only on invalid
	// input.
	Forecast(in Input) (protocol.Forecast, error)
}

// method is a forecasting technique: fit it to a history, then continue any
// history from the same series with the fitted parameters.
type method interface {
	fit(values []float64, periods []int) predictor
}

// predictor continues a history h steps with fixed parameters. values is
// always the history that was fitted or a prefix of it, so absolute indexes
// (seasonal phases) agree with the fit.
type predictor interface {
	forecast(values []float64, h int) []float64
}

// simulator is a predictor whose forecast distribution comes from sample
// paths: for a nonlinear model the noise-free recursion (its skeleton) is
// neither the median nor the mean of what follows, so both the point and
// the quantiles are read off simulated futures instead.
type simulator interface {
	predictor
	paths(values []float64, h int) [][]float64 // [path][step]
}

type methodFunc func(values []float64, periods []int) predictor

func (f methodFunc) fit(values []float64, periods []int) predictor { return f(values, periods) }

// registry lists the models in the order the package doc describes them.
var registry = []struct {
	name string
	m    method
}{
	{"mean", methodFunc(fitMean)},
	{"naive", methodFunc(fitNaive)},
	{"drift", methodFunc(fitDrift)},
	{"ses", methodFunc(fitSES)},
	{"seasonal-naive", methodFunc(fitSeasonalNaive)},
	{"holt-winters", methodFunc(fitHoltWinters)},
	{"ar", methodFunc(fitAR)},
	{"gbt", methodFunc(fitGBT)},
}

// Names lists the registered model names.
func Names() []string {
	out := make([]string, len(registry))
	for i, r := range registry {
		out[i] = r.name
	}
	return out
}

// New returns the model registered under name.
func New(name string) (Model, error) {
	for _, r := range registry {
		if r.name == name {
			return forecaster{name: r.name, m: r.m}, nil
		}
	}
	return nil, fmt.Errorf("%w %q, known: %v", ErrUnknownModel, name, Names())
}

// forecaster turns a method into a Model: point forecast, bands, safety net.
type forecaster struct {
	name string
	m    method
}

func (f forecaster) Name() string { return f.name }

func (f forecaster) Forecast(in Input) (protocol.Forecast, error) {
	if err := in.validate(); err != nil {
		return protocol.Forecast{}, err
	}
	periods := usablePeriods(in.Periods, len(in.Values))
	full := f.m.fit(in.Values, periods)
	if sim, ok := full.(simulator); ok {
		out := pathQuantiles(sim.paths(in.Values, in.Horizon), in.Levels)
		if allFinite(out.Point) {
			return out.Check(in.Horizon, in.Levels)
		}
		full = naiveFit{}
	}
	point := full.forecast(in.Values, in.Horizon)
	if !allFinite(point) {
		// A fit can only blow up on pathological input (values near the
		// float64 limits); the last value is always a sane answer.
		full = naiveFit{}
		point = full.forecast(in.Values, in.Horizon)
	}
	out := protocol.Forecast{Point: point}
	if len(in.Levels) > 0 {
		errs := backtestErrors(f.m, full, in.Values, periods, in.Horizon)
		out.Quantiles = quantileBands(point, errs, in.Levels)
	}
	return out.Check(in.Horizon, in.Levels)
}

func (in Input) validate() error {
	c := protocol.Challenge{ID: "-", SeriesID: "-", Horizon: in.Horizon, Levels: in.Levels,
		History: protocol.History{Values: in.Values, Periods: in.Periods}}
	return c.Validate()
}

// usablePeriods keeps the periods a method can estimate from n values: at
// least two full cycles, so that each phase is seen twice.
func usablePeriods(periods []int, n int) []int {
	var out []int
	for _, p := range periods {
		if p >= 2 && 2*p <= n && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

func allFinite(vs []float64) bool {
	for _, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}
