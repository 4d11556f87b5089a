// Package market is the incentive suite's L2 layer: a simulated subnet
// whose miners have a hidden true quality and answer tasks, whose
// validators score them with noise (or copy, collude, idle) and set
// weights through commit-reveal, with miner churn and registration
// pressure, paid each epoch by the real yuma engine (sim/epochs). A run is
// a pure function of its Config and seed.
package market

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gotensor/gotensor/sim/epochs"
	"github.com/gotensor/gotensor/yuma"
)

// Miner is what a miner uid's occupant is; Quality is hidden from
// validators, who see only how its answers score.
type Miner struct {
	Quality float64 // true quality in [0, 1]
	// Proxy, when Gamer, is the public proxy score the miner optimizes in
	// place of quality (a Goodhart miner).
	Proxy float64
	Gamer bool
	// Source ≥ 0 makes the miner a relay: it returns uid Source's answers,
	// perturbed by the relative amount Perturb (0: identical outputs, as a
	// sybil's). Source < 0 answers with its own model.
	Source  int
	Perturb float64
	// Replay answers from a cache of the best miner's earlier answers.
	Replay bool
	// Operator is the entity (coldkey) running the miner.
	Operator int
}

// Behaviour is how a validator sets weights.
type Behaviour int

const (
	Honest    Behaviour = iota // scores every miner with its noise
	Copier                     // copies the latest consensus it can see
	Random                     // fresh uniform random weights each epoch
	Stale                      // scores once, then resubmits that row forever
	Silent                     // scores once, then never sets weights again
	Favouring                  // all weight on Favoured (a cabal, whale or owner)
)

// Validator is one validator uid's policy.
type Validator struct {
	Behaviour Behaviour
	// Sigma is the score noise as a fraction of the mean true score.
	Sigma float64
	// Favoured are the uids a Favouring validator weights (equally), and
	// Shares, when set, the weight it gives each.
	Favoured []int
	Shares   []float64
	// Zeroed are uids an otherwise honest validator gives 0 (downvoting).
	Zeroed []int
	// Operator is the entity (coldkey) owning the hotkey.
	Operator int
}

// Defences are the switchable validator-side and protocol defences.
type Defences struct {
	// Originality ε > 0 scores 0 an answer within relative distance ε of
	// an earlier answer of another uid (duplicate / relay check).
	Originality float64
	// FreshTasks draws new tasks every epoch (cached answers miss them);
	// without it tasks repeat from a small public pool.
	FreshTasks bool
	// Audit is the fraction of a score that comes from hidden audit tasks
	// judged on true quality instead of the public proxy.
	Audit float64
	// RevealDropsReregistered drops, at reveal, a row's cells to uids
	// re-registered after the row was committed (the row was about their
	// previous occupant).
	RevealDropsReregistered bool
}

// Config describes one run.
type Config struct {
	Seed        uint64
	Validators  int
	Miners      int
	Params      epochs.Params
	Churn       float64 // per-epoch probability that a miner uid gets a new occupant
	RevealDelay int     // tempos from commit to reveal; 0 means weights are set directly
	// StakeLogSigma is the σ of lognormal validator stake (0: equal stake).
	StakeLogSigma float64
	// Registrations each epoch replace the non-immune miner of lowest
	// emission with a new one; Immunity is in epochs.
	Registrations, Immunity int
	Defences                Defences
	// StakeView, when set, maps the stake held to the stake the epoch
	// counts (a stake cap).
	StakeView func(stake []uint64) []uint64
}

// TotalStake is the rao of all validator stake together.
const TotalStake = 1e17

type commit struct {
	epoch int
	block uint64
	row   []float64
}

// Market is one running simulated subnet.
type Market struct {
	cfg        Config
	rng        *rand.Rand
	Net        *epochs.Subnet
	Miners     []Miner // indexed by uid − Validators
	Vals       []Validator
	queue      [][]commit
	setOnce    [][]float64
	consensus  []float64
	emission   []float64
	registered []int // epoch each miner uid was last registered
	epoch      int
	// Replaced counts, per miner uid, how often it was given a new occupant.
	Replaced []int
	pinned   []bool
}

// Pin exempts miner uid from churn (a miner a scenario follows).
func (m *Market) Pin(uid int) { m.pinned[uid-m.cfg.Validators] = true }

// New makes a market: miner qualities uniform on [0, 1], every validator
// honest with noise sigma, stake lognormal.
func New(cfg Config, sigma float64) (*Market, error) {
	if cfg.Validators < 1 || cfg.Miners < 1 {
		return nil, fmt.Errorf("market: %d validators and %d miners; want at least one of each", cfg.Validators, cfg.Miners)
	}
	if cfg.Churn < 0 || cfg.Churn > 1 {
		return nil, fmt.Errorf("market: churn %v is not a probability", cfg.Churn)
	}
	if cfg.RevealDelay < 0 {
		return nil, fmt.Errorf("market: reveal delay %d is negative", cfg.RevealDelay)
	}
	n := cfg.Validators + cfg.Miners
	p := cfg.Params
	p.MaxValidators = cfg.Validators
	net, err := epochs.New(n, p)
	if err != nil {
		return nil, err
	}
	m := &Market{cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, 0x5eed)), Net: net,
		Miners: make([]Miner, cfg.Miners), Vals: make([]Validator, cfg.Validators),
		queue: make([][]commit, cfg.Validators), setOnce: make([][]float64, cfg.Validators),
		registered: make([]int, cfg.Miners), Replaced: make([]int, cfg.Miners), pinned: make([]bool, cfg.Miners)}
	for j := range m.Miners {
		m.Miners[j] = Miner{Quality: m.rng.Float64(), Source: -1, Operator: -1 - j}
	}
	stake := make([]float64, cfg.Validators)
	for i := range m.Vals {
		m.Vals[i] = Validator{Behaviour: Honest, Sigma: sigma, Operator: i}
		stake[i] = math.Exp(cfg.StakeLogSigma * m.rng.NormFloat64())
	}
	m.SetStakes(stake)
	return m, nil
}

// Rand is the run's random source (scenarios draw their own setup from it
// so that a seed decides everything).
func (m *Market) Rand() *rand.Rand { return m.rng }

// N is the number of uids; uids below Validators are validators.
func (m *Market) N() int { return m.cfg.Validators + m.cfg.Miners }

// MinerUID is the uid of the j-th miner.
func (m *Market) MinerUID(j int) int { return m.cfg.Validators + j }

// SetStakes sets validator stake proportional to w (len Validators).
func (m *Market) SetStakes(w []float64) {
	var total float64
	for _, x := range w {
		total += x
	}
	for i, x := range w {
		m.Net.SetStake(i, uint64(x/total*TotalStake))
	}
}

// StakeShares are the validators' stake as fractions of their total.
func (m *Market) StakeShares() []float64 {
	out := make([]float64, m.cfg.Validators)
	var total float64
	for i := range out {
		out[i] = float64(m.Net.Stake(i))
		total += out[i]
	}
	for i := range out {
		out[i] /= total
	}
	return out
}

// Quality is the true quality of every uid (0 for validators).
func (m *Market) Quality() []float64 {
	q := make([]float64, m.N())
	for j, mi := range m.Miners {
		q[m.MinerUID(j)] = mi.Quality
	}
	return q
}

// Epoch is the number of epochs run so far.
func (m *Market) Epoch() int { return m.epoch }

// Replace gives miner uid a new occupant at the current tempo.
func (m *Market) Replace(uid int, mi Miner) {
	j := uid - m.cfg.Validators
	m.Miners[j] = mi
	m.registered[j] = m.epoch
	m.Replaced[j]++
	m.Net.Register(uid, m.Net.Block()-m.Net.Tempo()/2)
}

// answerScore is what a miner's answers score on the tasks a validator
// sends this epoch, before the validator's own noise.
func (m *Market) answerScore(j int) float64 {
	d := m.cfg.Defences
	mi := m.Miners[j]
	switch {
	case mi.Replay:
		if d.FreshTasks {
			return 0.02 // a cached answer to a task never seen is a guess
		}
		best := 0.0
		for _, o := range m.Miners {
			if !o.Replay {
				best = max(best, o.Quality)
			}
		}
		return best
	case mi.Source >= 0:
		src := mi.Source - m.cfg.Validators
		if d.Originality > 0 && mi.Perturb < d.Originality && m.Miners[src].Source < 0 {
			return 0 // answered after the original, within ε of it
		}
		if d.Originality > 0 && mi.Perturb < d.Originality && src < j {
			return 0 // identical outputs: only the first uid is credited
		}
		base := m.observed(src)
		return base * (1 - mi.Perturb)
	}
	return m.observed(j)
}

// observed is the score of a miner's own model: its proxy when it games
// one, blended with hidden audits.
//
// With audits on, a fraction Audit of the tasks are hidden audits judged on
// true quality; a miner cannot tell them from traffic, so it answers them
// with its real model. Its audit estimate carries sampling noise that
// shrinks with the audit fraction, and a miner whose proxy score exceeds
// its audit estimate by more than AuditGap is scored on the audits alone.
func (m *Market) observed(j int) float64 {
	mi := m.Miners[j]
	if !mi.Gamer {
		return mi.Quality
	}
	a := m.cfg.Defences.Audit
	if a <= 0 {
		return mi.Proxy
	}
	est := mi.Quality + 0.02/math.Sqrt(a)*m.rng.NormFloat64()
	if mi.Proxy-est > AuditGap {
		return max(0, est)
	}
	return (1-a)*mi.Proxy + a*est
}

// AuditGap is how far a proxy score may exceed the audit estimate before
// the audits alone decide.
const AuditGap = 0.2

func (m *Market) scores() []float64 {
	s := make([]float64, m.N())
	for j := range m.Miners {
		s[m.MinerUID(j)] = m.answerScore(j)
	}
	return s
}

// row is what validator i would submit now.
func (m *Market) row(i int, truth []float64, mean float64) []float64 {
	v := m.Vals[i]
	n := m.N()
	w := make([]float64, n)
	switch v.Behaviour {
	case Copier:
		if m.consensus == nil {
			return nil
		}
		copy(w, m.consensus)
		for k := 0; k < m.cfg.Validators; k++ {
			w[k] = 0
		}
		return w
	case Random:
		for j := m.cfg.Validators; j < n; j++ {
			w[j] = m.rng.Float64()
		}
		return w
	case Favouring:
		for k, u := range v.Favoured {
			share := 1.0
			if k < len(v.Shares) {
				share = v.Shares[k]
			}
			w[u] = share
		}
		return w
	}
	for j := m.cfg.Validators; j < n; j++ {
		w[j] = max(0, truth[j]+v.Sigma*mean*m.rng.NormFloat64())
	}
	for _, u := range v.Zeroed {
		w[u] = 0
	}
	return w
}

// Step runs one tempo: churn and registrations, each validator's commit
// (and the reveal of the commit RevealDelay tempos old), then the epoch.
func (m *Market) Step() (epochs.Shares, error) {
	block, tempo := m.Net.Block(), m.Net.Tempo()
	for j := range m.Miners {
		if m.cfg.Churn > 0 && m.rng.Float64() < m.cfg.Churn && !m.pinned[j] {
			m.Replace(m.MinerUID(j), Miner{Quality: m.rng.Float64(), Source: -1, Operator: -1 - j - 1000*m.epoch})
		}
	}
	for r := 0; r < m.cfg.Registrations && m.emission != nil; r++ {
		low := -1
		for j := range m.Miners {
			if m.epoch-m.registered[j] < m.cfg.Immunity {
				continue
			}
			if low < 0 || m.emission[m.MinerUID(j)] < m.emission[m.MinerUID(low)] {
				low = j
			}
		}
		if low >= 0 {
			m.Replace(m.MinerUID(low), Miner{Quality: m.rng.Float64(), Source: -1, Operator: -1 - low - 1000*m.epoch})
			m.emission[m.MinerUID(low)] = math.Inf(1) // not pruned twice in one tempo
		}
	}
	truth := m.scores()
	var mean float64
	for j := m.cfg.Validators; j < m.N(); j++ {
		mean += truth[j]
	}
	mean /= float64(m.cfg.Miners)
	commitBlock, revealBlock := block-tempo/10, block-tempo/20
	for i := range m.Vals {
		if err := m.submit(i, truth, mean, commitBlock, revealBlock); err != nil {
			return epochs.Shares{}, err
		}
	}
	var sh epochs.Shares
	var err error
	if m.cfg.StakeView != nil {
		stake := make([]uint64, m.N())
		for i := range stake {
			stake[i] = m.Net.Stake(i)
		}
		sh, err = m.Net.EpochWithStake(m.cfg.StakeView(stake))
	} else {
		sh, err = m.Net.Epoch()
	}
	if err != nil {
		return sh, err
	}
	m.consensus = sh.Consensus
	m.emission = append(m.emission[:0], sh.Emission...)
	m.epoch++
	return sh, nil
}

func (m *Market) submit(i int, truth []float64, mean float64, commitBlock, revealBlock uint64) error {
	v := m.Vals[i]
	var w []float64
	switch v.Behaviour {
	case Stale, Silent:
		if m.setOnce[i] == nil {
			m.setOnce[i] = m.honestOnce(i, truth, mean)
			w = m.setOnce[i]
		} else if v.Behaviour == Stale {
			w = m.setOnce[i]
		} else {
			return nil
		}
	default:
		w = m.row(i, truth, mean)
	}
	if w == nil {
		return nil
	}
	if m.cfg.RevealDelay == 0 {
		return m.Net.SetWeights(i, w, revealBlock, yuma.NoCommit)
	}
	m.queue[i] = append(m.queue[i], commit{epoch: m.epoch, block: commitBlock, row: w})
	q := m.queue[i]
	if q[0].epoch > m.epoch-m.cfg.RevealDelay {
		return nil
	}
	revealed := q[0]
	m.queue[i] = q[1:]
	live := uint64(yuma.NoCommit)
	if len(m.queue[i]) > 0 {
		live = m.queue[i][0].block
	}
	row := revealed.row
	if m.cfg.Defences.RevealDropsReregistered {
		row = append([]float64(nil), row...)
		for u := range row {
			if m.Net.Registered(u) > revealed.block {
				row[u] = 0
			}
		}
	}
	return m.Net.SetWeights(i, row, revealBlock, live)
}

func (m *Market) honestOnce(i int, truth []float64, mean float64) []float64 {
	v := m.Vals[i]
	m.Vals[i].Behaviour = Honest
	w := m.row(i, truth, mean)
	m.Vals[i] = v
	return w
}
