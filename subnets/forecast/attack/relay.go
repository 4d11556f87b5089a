package attack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/gotensor/gotensor/sdk/axon"
	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/sdk/dendrite"
	"github.com/gotensor/gotensor/sdk/metagraph"
	"github.com/gotensor/gotensor/sdk/synapse"
	"github.com/gotensor/gotensor/subnets/forecast/protocol"
	"github.com/gotensor/gotensor/subnets/forecast/score"
)

// RelayConfig configures a relay.
type RelayConfig struct {
	// Chain, Hotkey and Netuid are the relay's node connection, its uid's hotkey and the
	// subnet. The hotkey must hold a validator permit (some stake) for the source to answer
	// it. Required.
	Chain  *chain.Client
	Hotkey chain.Signer
	Netuid uint16
	// Source is the miner whose answers are relayed. Required.
	Source dendrite.Axon
	// Metagraph is a started syncer of the subnet: the relay's axon admits callers by it.
	// Required.
	Metagraph *metagraph.Syncer
	// Perturbation moves each value of the relayed answer up or down (at random) by this many
	// scale units of the challenge (score.Scale of its history): the answer's Distance from
	// the source's is exactly Perturbation. 0 relays verbatim.
	Perturbation float64
	// Stale answers each challenge with the source's answer to the previous challenge on the
	// same series (re-labelled with the new challenge's id): a replay of a cached answer. The
	// first challenge on a series is relayed fresh.
	Stale bool
	// Seed seeds the perturbation's signs.
	Seed uint64
	// Logger receives the relay's logs (default: discarded).
	Logger *slog.Logger
}

// Relay is a miner that does no forecasting: it answers with another miner's answers.
type Relay struct {
	cfg  RelayConfig
	axon *axon.Axon
	d    *dendrite.Dendrite

	mu    sync.Mutex
	rng   *rand.Rand
	cache map[string]protocol.Forecast // series id → the source's last answer on it
	// Relayed counts the challenges answered from the source, Failed those the source did
	// not answer.
	relayed, failed int
}

// NewRelay builds the relay's axon and dendrite; Start serves and publishes.
func NewRelay(cfg RelayConfig) (*Relay, error) {
	var errs []error
	if cfg.Chain == nil || cfg.Hotkey == nil || cfg.Netuid == 0 || cfg.Metagraph == nil {
		errs = append(errs, errors.New("Chain, Hotkey, Netuid and Metagraph are required"))
	}
	if cfg.Source.Addr == "" || cfg.Source.Hotkey == "" {
		errs = append(errs, errors.New("Source (the relayed miner's hotkey and address) is required"))
	}
	if !(cfg.Perturbation >= 0) {
		errs = append(errs, fmt.Errorf("Perturbation %v: want ≥ 0", cfg.Perturbation))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("attack: relay config: %w", err)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	scope := synapse.Scope{ChainID: cfg.Chain.ChainID(), NetUID: cfg.Netuid}
	r := &Relay{cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, 0x5eed)), cache: map[string]protocol.Forecast{}}
	var err error
	r.axon, err = axon.New(axon.Config{
		Signer: cfg.Hotkey, Scope: scope, ListenAddr: "127.0.0.1:0",
		Peers: cfg.Metagraph, Policy: axon.Policy{RequireValidatorPermit: true}, Logger: cfg.Logger,
	})
	if err != nil {
		return nil, fmt.Errorf("attack: relay: %w", err)
	}
	r.d, err = dendrite.New(dendrite.Config{Signer: cfg.Hotkey, Scope: scope, Timeout: 5 * time.Second, Logger: cfg.Logger})
	if err != nil {
		return nil, fmt.Errorf("attack: relay: %w", err)
	}
	if err := axon.Handle(r.axon, protocol.Route, r.answer); err != nil {
		return nil, fmt.Errorf("attack: relay: %w", err)
	}
	return r, nil
}

// answer fetches the source's answer to c (the relay's whole work) and returns it, perturbed,
// or the one it cached for the series when Stale.
func (r *Relay) answer(ctx context.Context, _ axon.Call, c protocol.Challenge) (protocol.Answer, error) {
	res := dendrite.Call(ctx, r.d, protocol.Route, r.cfg.Source, c)
	r.mu.Lock()
	defer r.mu.Unlock()
	if !res.OK() {
		r.failed++
		return protocol.Answer{}, fmt.Errorf("the relayed miner did not answer: %w", res.Err)
	}
	r.relayed++
	f := res.Response.Forecast
	if r.cfg.Stale {
		cached, ok := r.cache[c.SeriesID]
		r.cache[c.SeriesID] = f
		if ok {
			f = cached
		}
	}
	if r.cfg.Perturbation > 0 {
		step := r.cfg.Perturbation * score.Scale(c.History.Values, c.History.Period())
		f = perturbed(f, step, r.rng)
	}
	return protocol.Answer{ChallengeID: c.ID, Forecast: f}, nil
}

// perturbed moves every value by ±step, keeping the quantiles in order (each step's values
// move together).
func perturbed(f protocol.Forecast, step float64, rng *rand.Rand) protocol.Forecast {
	out := protocol.Forecast{Point: make([]float64, len(f.Point))}
	signs := make([]float64, len(f.Point))
	for i, v := range f.Point {
		signs[i] = 1
		if rng.IntN(2) == 0 {
			signs[i] = -1
		}
		out.Point[i] = v + signs[i]*step
	}
	for _, q := range f.Quantiles {
		vs := make([]float64, len(q.Values))
		for i, v := range q.Values {
			vs[i] = v + signs[i]*step
		}
		out.Quantiles = append(out.Quantiles, protocol.Quantile{Level: q.Level, Values: vs})
	}
	return out
}

// Start serves the relay's axon and publishes it on chain once the hotkey is registered,
// trying until ctx ends.
func (r *Relay) Start(ctx context.Context) error {
	if err := r.axon.Start(); err != nil {
		return fmt.Errorf("attack: relay: %w", err)
	}
	info, err := r.axon.ServeInfo()
	if err != nil {
		return errors.Join(fmt.Errorf("attack: relay: %w", err), r.axon.Stop())
	}
	for {
		_, err := r.cfg.Chain.ServeAxon(ctx, r.cfg.Hotkey, r.cfg.Netuid, info)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return errors.Join(fmt.Errorf("attack: relay: publishing its axon: %w", err), r.axon.Stop())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// Stop stops serving.
func (r *Relay) Stop() error {
	r.d.Close()
	return r.axon.Stop()
}

// Counts are how many challenges the relay answered from its source, and how many the source
// did not answer.
func (r *Relay) Counts() (relayed, failed int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.relayed, r.failed
}
