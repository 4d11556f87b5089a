package neuron

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"time"

	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/sdk/metagraph"
	"github.com/gotensor/gotensor/subnets/textgen"
	"github.com/gotensor/gotensor/subnets/textgen/miner"
	"github.com/gotensor/gotensor/subnets/textgen/scoreboard"
)

// SubnetMiner is one miner of an in-process subnet.
type SubnetMiner struct {
	Hotkey chain.Signer
	// Behaviour is one of miner.Behaviours.
	Behaviour string
	// ListenAddr, ExternalIP and ExternalPort as in MinerConfig (default: a
	// free loopback port, published as is).
	ListenAddr   string
	ExternalIP   netip.Addr
	ExternalPort uint16
	// Capacity as in MinerConfig.
	Capacity int
}

// SubnetValidator is one validator of an in-process subnet.
type SubnetValidator struct {
	Hotkey chain.Signer
	// Secret as in ValidatorConfig.
	Secret []byte
	// ScoreOnly makes it a referee: it scores and never sets weights.
	ScoreOnly bool
}

// SubnetConfig is a whole text-generation subnet run in one process, on a
// subnet that exists on chain with every hotkey registered (and the
// validators staked): what a local network starts beside its other
// subnets.
type SubnetConfig struct {
	Chain  *chain.Client
	Netuid uint16
	// ModelPath is the subnet's model (a GGUF file). Honest miners and every
	// validator run it; wrong-model runs its first half of layers.
	ModelPath  string
	Miners     []SubnetMiner
	Validators []SubnetValidator
	// TextGen, RoundInterval, QueryTimeout, WeightsInterval, PollInterval
	// and SyncInterval as in ValidatorConfig.
	TextGen         textgen.ValidatorConfig
	RoundInterval   time.Duration
	QueryTimeout    time.Duration
	WeightsInterval uint64
	PollInterval    time.Duration
	SyncInterval    time.Duration
	// SlowDelay is honest-slow's pause before each token (default 80ms:
	// about 12 tokens a second, well inside the speed penalty).
	SlowDelay time.Duration
	Logger    *slog.Logger
}

// Subnet is a running in-process subnet.
type Subnet struct {
	cfg        SubnetConfig
	graph      *metagraph.Syncer
	miners     []*Miner
	behaviours []string
	validators []*Validator
}

// StartSubnet loads the model, starts every miner with its behaviour and
// every validator, sharing one metagraph syncer.
func StartSubnet(cfg SubnetConfig) (*Subnet, error) {
	if cfg.Chain == nil || cfg.Netuid == 0 || cfg.ModelPath == "" {
		return nil, errors.New("neuron: a textgen subnet needs a chain, a netuid and the model's path")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	setDefault(&cfg.SlowDelay, 80*time.Millisecond)
	setDefault(&cfg.SyncInterval, DefaultSyncInterval)
	lm, err := textgen.Load(cfg.ModelPath)
	if err != nil {
		return nil, fmt.Errorf("neuron: textgen subnet: %w", err)
	}
	var wrong *textgen.Runtime
	for _, m := range cfg.Miners {
		if m.Behaviour == miner.WrongModel && wrong == nil {
			if wrong, err = textgen.Shallow(cfg.ModelPath, max(1, lm.Model().Layers/2)); err != nil {
				return nil, fmt.Errorf("neuron: textgen subnet: %w", err)
			}
		}
	}
	s := &Subnet{cfg: cfg}
	s.graph = metagraph.NewSyncer(cfg.Chain, cfg.Netuid, metagraph.Options{Interval: cfg.SyncInterval, Logger: cfg.Logger})
	if err := s.graph.Start(); err != nil {
		return nil, fmt.Errorf("neuron: textgen subnet: metagraph: %w", err)
	}
	ex := miner.NewExchange()
	for i, m := range cfg.Miners {
		deps := miner.Deps{LM: lm, Delay: cfg.SlowDelay, Exchange: ex, Seed: uint64(i)}
		if wrong != nil {
			deps.Wrong = wrong
		}
		b, err := miner.Behave(m.Behaviour, deps)
		if err != nil {
			return nil, errors.Join(fmt.Errorf("neuron: textgen subnet: miner %d: %w", i, err), s.Stop())
		}
		if m.Behaviour == miner.HonestFast {
			b = ex.Tap(b)
		}
		listen := m.ListenAddr
		if listen == "" {
			listen = "127.0.0.1:0"
		}
		mn, err := NewMiner(MinerConfig{
			Chain: cfg.Chain, Hotkey: m.Hotkey, Netuid: cfg.Netuid, Backend: b, Capacity: m.Capacity,
			ListenAddr: listen, ExternalIP: m.ExternalIP, ExternalPort: m.ExternalPort,
			Metagraph: s.graph, Logger: cfg.Logger.With("miner", m.Behaviour),
		})
		if err == nil {
			err = mn.Start()
		}
		if err != nil {
			return nil, errors.Join(fmt.Errorf("neuron: textgen subnet: miner %d (%s): %w", i, m.Behaviour, err), s.Stop())
		}
		s.miners = append(s.miners, mn)
		s.behaviours = append(s.behaviours, m.Behaviour)
	}
	for i, vc := range cfg.Validators {
		v, err := NewValidator(ValidatorConfig{
			Chain: cfg.Chain, Hotkey: vc.Hotkey, Netuid: cfg.Netuid, Reference: lm, TextGen: cfg.TextGen,
			Secret: vc.Secret, ScoreOnly: vc.ScoreOnly,
			RoundInterval: cfg.RoundInterval, QueryTimeout: cfg.QueryTimeout,
			WeightsInterval: cfg.WeightsInterval, PollInterval: cfg.PollInterval,
			Metagraph: s.graph, Logger: cfg.Logger.With("validator", i),
		})
		if err == nil {
			err = v.Start()
		}
		if err != nil {
			return nil, errors.Join(fmt.Errorf("neuron: textgen subnet: validator %d: %w", i, err), s.Stop())
		}
		s.validators = append(s.validators, v)
	}
	return s, nil
}

// Miners and Validators are the running services, in the configuration's
// order.
func (s *Subnet) Miners() []*Miner         { return s.miners }
func (s *Subnet) Validators() []*Validator { return s.validators }

// Stop stops the validators first (no more queries), then the miners and
// the metagraph.
func (s *Subnet) Stop() error {
	var errs []error
	for _, v := range s.validators {
		errs = append(errs, v.Stop())
	}
	for _, m := range s.miners {
		errs = append(errs, m.Stop())
	}
	if s.graph != nil && s.graph.IsRunning() {
		errs = append(errs, s.graph.Stop())
	}
	return errors.Join(errs...)
}

// NeuronSummary is one neuron of the subnet as a local network reports it.
type NeuronSummary struct {
	UID       uint16  `json:"uid"`
	Role      string  `json:"role"`                // "miner" or "validator"
	Behaviour string  `json:"behaviour,omitempty"` // a miner's
	Incentive float64 `json:"incentive"`
	// VerifiedTokensPerSecond is the miner's speed over its verified
	// answers and Refusals how many answers were refused, over every
	// validator of the subnet.
	VerifiedTokensPerSecond float64 `json:"verified_tokens_per_s"`
	Refusals                int     `json:"refusals"`
}

// Summary is the subnet as a local network's JSON summary reports it
// ("textgen": {"netuid", "neurons"}).
type Summary struct {
	Netuid  uint16          `json:"netuid"`
	Neurons []NeuronSummary `json:"neurons"`
}

// Summary reads the metagraph and pools the validators' standings.
func (s *Subnet) Summary(ctx context.Context) (Summary, error) {
	m, err := metagraph.Load(ctx, s.cfg.Chain, s.cfg.Netuid, metagraph.Full)
	if err != nil {
		return Summary{}, err
	}
	var lists [][]scoreboard.Standing
	for _, v := range s.validators {
		lists = append(lists, v.Standings())
	}
	out := Summary{Netuid: s.cfg.Netuid}
	for i, mn := range s.miners {
		uid, ok := m.UID(mn.Hotkey())
		if !ok {
			continue
		}
		n := NeuronSummary{UID: uid, Role: "miner", Behaviour: s.behaviours[i], Incentive: metagraph.Share(m.Incentive[uid])}
		var tokens, seconds float64
		for _, list := range lists {
			for _, st := range list {
				if st.UID == uid && st.Hotkey == mn.Hotkey() {
					n.Refusals += st.Refused
					if st.TokensPerSecond > 0 {
						tokens += float64(st.VerifiedTokens)
						seconds += float64(st.VerifiedTokens) / st.TokensPerSecond
					}
				}
			}
		}
		if seconds > 0 {
			n.VerifiedTokensPerSecond = tokens / seconds
		}
		out.Neurons = append(out.Neurons, n)
	}
	for _, v := range s.validators {
		if uid, ok := m.UID(v.Hotkey()); ok {
			out.Neurons = append(out.Neurons, NeuronSummary{UID: uid, Role: "validator", Incentive: metagraph.Share(m.Incentive[uid])})
		}
	}
	return out, nil
}
