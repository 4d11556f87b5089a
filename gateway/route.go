package gateway

import (
	"math/rand/v2"
	"sync"
	"time"

	"github.com/gotensor/gotensor/sdk/dendrite"
)

// RouteConfig tunes the choice of miners. Zero values take the defaults.
type RouteConfig struct {
	// FailWindow: a miner that failed within it is left out (default 30s,
	// OpenRouter's outage window).
	FailWindow time.Duration
	// CheatBan: a miner whose organic answer the verifier refused is left
	// out this long (default 10m).
	CheatBan time.Duration
	// IncentiveFloor is added to every miner's incentive share, so that a
	// newcomer with no incentive yet still gets sampled (default 0.05).
	IncentiveFloor float64
	// Alpha is the weight of the newest observation in the success and
	// latency averages (default 0.2).
	Alpha float64
}

func (c RouteConfig) withDefaults() RouteConfig {
	setDefault(&c.FailWindow, 30*time.Second)
	setDefault(&c.CheatBan, 10*time.Minute)
	setDefault(&c.IncentiveFloor, 0.05)
	setDefault(&c.Alpha, 0.2)
	return c
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

// candidate is a miner that may serve a request.
type candidate struct {
	UID       uint16
	Axon      dendrite.Axon
	Incentive float64 // share of the subnet's incentive, 0..1
}

// health is what the router remembers of one miner (by hotkey).
type health struct {
	success   float64       // average of 1 (answered) and 0 (failed)
	latency   time.Duration // average time to first token
	failedAt  time.Time     // last failure
	bannedTil time.Time     // caught cheating: left out until then
}

// router keeps every miner's recent record and draws miners for requests.
type router struct {
	cfg RouteConfig
	mu  sync.Mutex
	rng *rand.Rand
	by  map[string]*health
}

func newRouter(cfg RouteConfig) *router {
	return &router{cfg: cfg.withDefaults(), rng: rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())), by: map[string]*health{}}
}

func (r *router) health(hotkey string) *health {
	h := r.by[hotkey]
	if h == nil {
		h = &health{success: 1}
		r.by[hotkey] = h
	}
	return h
}

// weight is a miner's chance of being drawn, relative to the others:
// incentive × recent success ÷ latency.
func (r *router) weight(c candidate, h *health) float64 {
	lat := h.latency.Seconds()
	if lat < 0.001 {
		lat = 0.001 // unmeasured or faster than a millisecond: no infinite weights
	}
	return (c.Incentive + r.cfg.IncentiveFloor) * max(h.success, 0.01) / lat
}

// pick draws one of cands, weighted, skipping the hotkeys in tried. Miners
// in their fail window or banned are drawn only when no other is left,
// banned ones never.
func (r *router) pick(cands []candidate, tried map[string]bool, now time.Time) (candidate, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var healthy, cooling []candidate
	var wHealthy, wCooling []float64
	for _, c := range cands {
		if tried[c.Axon.Hotkey] {
			continue
		}
		h := r.health(c.Axon.Hotkey)
		switch {
		case now.Before(h.bannedTil):
		case !h.failedAt.IsZero() && now.Sub(h.failedAt) < r.cfg.FailWindow:
			cooling, wCooling = append(cooling, c), append(wCooling, r.weight(c, h))
		default:
			healthy, wHealthy = append(healthy, c), append(wHealthy, r.weight(c, h))
		}
	}
	if len(healthy) == 0 {
		healthy, wHealthy = cooling, wCooling
	}
	if len(healthy) == 0 {
		return candidate{}, false
	}
	total := 0.0
	for _, w := range wHealthy {
		total += w
	}
	x := r.rng.Float64() * total
	for i, w := range wHealthy {
		if x < w {
			return healthy[i], true
		}
		x -= w
	}
	return healthy[len(healthy)-1], true
}

// cooling reports whether a miner is in its fail window or banned.
func (r *router) cooling(hotkey string, now time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	h := r.by[hotkey]
	return h != nil && (now.Before(h.bannedTil) || !h.failedAt.IsZero() && now.Sub(h.failedAt) < r.cfg.FailWindow)
}

// succeeded records an answer whose first token came after ttft.
func (r *router) succeeded(hotkey string, ttft time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	h := r.health(hotkey)
	h.success += r.cfg.Alpha * (1 - h.success)
	if h.latency == 0 {
		h.latency = ttft
	} else {
		h.latency += time.Duration(r.cfg.Alpha * float64(ttft-h.latency))
	}
}

// failed records a failure: the miner sits out its fail window.
func (r *router) failed(hotkey string, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	h := r.health(hotkey)
	h.success -= r.cfg.Alpha * h.success
	h.failedAt = now
}

// caught bans a miner the verifier refused.
func (r *router) caught(hotkey string, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	h := r.health(hotkey)
	h.success = 0
	h.bannedTil = now.Add(r.cfg.CheatBan)
}
