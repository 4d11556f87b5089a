package series

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gotensor/gotensor/subnets/forecast/protocol"
)

// ReplayConfig chooses how a replay disguises its windows.
type ReplayConfig struct {
	// Disguise applies a random affine transform (a scale in [0.5, 2) and an
	// offset of up to ±10 standard deviations of the window) to history and
	// future alike. Scores are scale- and shift-free, so it costs honest
	// miners nothing; it only stops a lookup by exact value.
	Disguise bool
}

// Replay cuts windows out of a real record at random points (see the package
// comment for why it must not carry incentives). It is not safe for
// concurrent use.
type Replay struct {
	id   string
	data Dataset
	cfg  ReplayConfig
	rng  *rand.Rand
}

// NewReplay serves windows of data under the given id, with cuts and
// disguises drawn from secret (at least 16 bytes).
func NewReplay(id string, data Dataset, secret []byte, cfg ReplayConfig) (*Replay, error) {
	if id == "" || len(id) > protocol.MaxIDLength {
		return nil, fmt.Errorf("%w: replay series id %q, want 1..%d bytes", ErrUnavailable, id, protocol.MaxIDLength)
	}
	if len(secret) < 16 {
		return nil, fmt.Errorf("%w: replay %s: secret has %d bytes, want at least 16", ErrUnavailable, id, len(secret))
	}
	if len(data.Values) < 2 {
		return nil, fmt.Errorf("%w: replay %s: dataset %q has %d values, want at least 2", ErrUnavailable, id, data.Name, len(data.Values))
	}
	return &Replay{
		id:   id,
		data: data,
		cfg:  cfg,
		rng:  rand.New(rand.NewChaCha8(deriveKey("forecast/replay", secret, []byte(id)))),
	}, nil
}

// ID implements Source.
func (r *Replay) ID() string { return r.id }

// Open implements Source: a cut uniformly among the points that leave
// historyLen values before it and horizon values after it.
func (r *Replay) Open(historyLen, horizon int) (*Window, error) {
	if err := checkShape(r.id, historyLen, horizon); err != nil {
		return nil, err
	}
	n := len(r.data.Values)
	if historyLen+horizon > n {
		return nil, fmt.Errorf("%w: %s has %d values, %d history + %d horizon asked for", ErrUnavailable, r.id, n, historyLen, horizon)
	}
	cut := historyLen + r.rng.IntN(n-historyLen-horizon+1)
	history := append([]float64(nil), r.data.Values[cut-historyLen:cut]...)
	future := append([]float64(nil), r.data.Values[cut:cut+horizon]...)
	if r.cfg.Disguise {
		r.disguise(history, future)
	}
	return &Window{
		SeriesID: r.id,
		History: protocol.History{
			Values:      history,
			Periods:     append([]int(nil), r.data.Periods...),
			StepSeconds: r.data.StepSeconds,
		},
		Horizon: horizon,
		reveal:  func() ([]float64, error) { return future, nil },
	}, nil
}

func (r *Replay) disguise(history, future []float64) {
	mean, sd := meanSD(history)
	if sd == 0 {
		sd = 1
	}
	scale := math.Exp(uniform(r.rng, math.Log(0.5), math.Log(2)))
	offset := uniform(r.rng, -10, 10) * sd
	for _, vs := range [][]float64{history, future} {
		for i, v := range vs {
			vs[i] = (v-mean)*scale + mean + offset
		}
	}
}

func meanSD(vs []float64) (mean, sd float64) {
	for _, v := range vs {
		mean += v
	}
	mean /= float64(len(vs))
	for _, v := range vs {
		sd += (v - mean) * (v - mean)
	}
	return mean, math.Sqrt(sd / float64(len(vs)))
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
