package series

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/gotensor/gotensor/subnets/forecast/protocol"
)

// LiveStepSeconds is the nominal time step of live series; their clock is
// the validator's, not the wall's.
const LiveStepSeconds = 60

// LiveConfig chooses a live series' family and sizes its memory.
type LiveConfig struct {
	// Family is the kind of series (see Families); empty means
	// SeasonalThreshold.
	Family Family
	// Warmup is how many values are drawn from the seed before the first
	// window can be opened.
	Warmup int
	// Keep is how many recent values are kept; windows can show at most
	// this many.
	Keep int
}

// DefaultLiveConfig keeps enough history for challenges of up to 512 points.
func DefaultLiveConfig() LiveConfig { return LiveConfig{Warmup: 512, Keep: 512} }

func (c LiveConfig) validate() error {
	if c.Keep < 1 || c.Keep > protocol.MaxHistory {
		return fmt.Errorf("%w: live keep %d, want 1..%d", ErrUnavailable, c.Keep, protocol.MaxHistory)
	}
	if c.Warmup < 1 || c.Warmup > 1<<20 {
		return fmt.Errorf("%w: live warmup %d, want 1..%d", ErrUnavailable, c.Warmup, 1<<20)
	}
	if c.Family != "" && !slices.Contains(Families(), c.Family) {
		return fmt.Errorf("%w: live family %q, known: %v", ErrUnavailable, c.Family, Families())
	}
	return nil
}

// Live is a synthetic series that grows only when a window on it is
// revealed (see the package comment). It is not safe for concurrent use.
type Live struct {
	id     string
	family Family
	gen    generator
	future *rand.Rand // keyed by the validator's secret
	values []float64  // the last Keep values, oldest first
	keep   int
	open   bool // a window's future is still hidden
}

// NewLive draws a series' shape and warmup history from seed, and keys every
// later value to secret (at least 16 bytes).
func NewLive(id string, seed uint64, secret []byte, cfg LiveConfig) (*Live, error) {
	if id == "" || len(id) > protocol.MaxIDLength {
		return nil, fmt.Errorf("%w: live series id %q, want 1..%d bytes", ErrUnavailable, id, protocol.MaxIDLength)
	}
	if len(secret) < 16 {
		return nil, fmt.Errorf("%w: live series %s: secret has %d bytes, want at least 16", ErrUnavailable, id, len(secret))
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	var seedBytes [8]byte
	binary.BigEndian.PutUint64(seedBytes[:], seed)
	history := rand.New(rand.NewChaCha8(deriveKey("forecast/live/history", seedBytes[:])))
	family := cfg.Family
	if family == "" {
		family = SeasonalThreshold
	}
	l := &Live{
		id:     id,
		family: family,
		future: rand.New(rand.NewChaCha8(deriveKey("forecast/live/future", secret, seedBytes[:], []byte(id)))),
		keep:   cfg.Keep,
		values: make([]float64, 0, cfg.Keep),
	}
	l.gen = drawGenerator(family, history)
	for range cfg.Warmup {
		l.push(l.gen.step(history))
	}
	return l, nil
}

// ID implements Source.
func (l *Live) ID() string { return l.id }

// Family is the kind of series.
func (l *Live) Family() Family { return l.family }

// Periods are the seasonal periods of the series, the dominant one first;
// empty when it has none.
func (l *Live) Periods() []int { return l.gen.periods() }

// Values returns a copy of the values kept so far, oldest first.
func (l *Live) Values() []float64 { return append([]float64(nil), l.values...) }

// Open implements Source. The series must not have another window whose
// future is still hidden: that future would be drawn after this history was
// shown, and the two windows would disagree about what happened.
func (l *Live) Open(historyLen, horizon int) (*Window, error) {
	if err := checkShape(l.id, historyLen, horizon); err != nil {
		return nil, err
	}
	if l.open {
		return nil, fmt.Errorf("%w: %s has a window still waiting to be revealed", ErrUnavailable, l.id)
	}
	if historyLen > len(l.values) {
		return nil, fmt.Errorf("%w: %s keeps %d values, %d asked for", ErrUnavailable, l.id, len(l.values), historyLen)
	}
	l.open = true
	w := &Window{
		SeriesID: l.id,
		History: protocol.History{
			Values:      append([]float64(nil), l.values[len(l.values)-historyLen:]...),
			Periods:     l.gen.periods(),
			StepSeconds: LiveStepSeconds,
		},
		Horizon: horizon,
	}
	w.reveal = func() ([]float64, error) {
		l.open = false
		return l.Advance(horizon), nil
	}
	return w, nil
}

// Advance draws the next n values from the secret stream and appends them to
// the series. Windows call it on reveal; a validator may also call it to let
// time pass between challenges.
func (l *Live) Advance(n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = l.gen.step(l.future)
		l.push(out[i])
	}
	return out
}

func (l *Live) push(v float64) {
	if len(l.values) == l.keep {
		copy(l.values, l.values[1:])
		l.values = l.values[:l.keep-1]
	}
	l.values = append(l.values, v)
}

// deriveKey separates the streams: a history stream can never equal a future
// stream, and one validator's secret never yields another series' values.
func deriveKey(domain string, parts ...[]byte) [32]byte {
	h := sha256.New()
	h.Write([]byte(domain))
	for _, p := range parts {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(p)))
		h.Write(n[:])
		h.Write(p)
	}
	var k [32]byte
	h.Sum(k[:0])
	return k
}

// uniform draws from [lo, hi).
func uniform(r *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }

// studentT3 draws a Student-t variate with 3 degrees of freedom scaled to unit
// variance.
func studentT3(r *rand.Rand) float64 {
	z := r.NormFloat64()
	chi := 0.0
	for range 3 {
		g := r.NormFloat64()
		chi += g * g
	}
	if chi == 0 {
		return z
	}
	return z / math.Sqrt(chi/3) / math.Sqrt(3)
}
