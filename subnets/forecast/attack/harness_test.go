package attack_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/sdk/chain/chaintest"
	"github.com/gotensor/gotensor/sdk/dendrite"
	"github.com/gotensor/gotensor/sdk/metagraph"
	"github.com/gotensor/gotensor/sdk/synapse"
	"github.com/gotensor/gotensor/subnets/forecast"
	"github.com/gotensor/gotensor/subnets/forecast/attack"
	"github.com/gotensor/gotensor/subnets/forecast/neuron"
	"github.com/gotensor/gotensor/subnets/forecast/scoreboard"
	"github.com/gotensor/gotensor/x/subnet/types"
)

func TestMain(m *testing.M) { os.Exit(chaintest.Main(m)) }

// logger is quiet unless FORECAST_TEST_LOG is set (to a level: debug, info, warn).
func logger() *slog.Logger {
	var level slog.Level
	if s := os.Getenv("FORECAST_TEST_LOG"); s == "" || level.UnmarshalText([]byte(s)) != nil {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}

// Groups of miners, as the figures name them.
const (
	honest   = "honest"
	sybil    = "sybil"
	victim   = "victim"
	relay    = "relay"
	farRelay = "relay beyond the tolerance"
	replay   = "replay"
)

// population is who mines on a subnet: ordinary miners (a group and a model each), and relays
// of the first miner of the victim group.
type population struct {
	miners []minerSpec
	relays []relaySpec
}

type minerSpec struct{ group, model string }

type relaySpec struct {
	group        string
	perturbation float64
	stale        bool
}

// with returns p plus k miners of one group and model.
func (p population) with(group, model string, k int) population {
	p.miners = slices.Clone(p.miners)
	for range k {
		p.miners = append(p.miners, minerSpec{group, model})
	}
	return p
}

// setup is how a subnet is run and measured.
type setup struct {
	originality bool
	validators  int           // staked validators running neuron.Validator (first 100 TAO, then less)
	round       time.Duration // the validators' round interval
	warmup      int           // rounds each validator scores before measuring
	epochs      int           // epochs measured
	tempo       int
	secret      string // the validators' secrets are derived from it
}

// outcome is what a run measured: each group's share of the miners' incentive, one value per
// measured epoch, and the validators' standings at the end.
type outcome struct {
	share     map[string][]float64
	standings [][]scoreboard.Standing
	groupOf   map[uint16]string
	relays    []relayCount
	// idleEpochs counts epochs that paid no miner at all; they are not measured.
	idleEpochs int
}

type relayCount struct {
	group           string
	relayed, failed int
}

// mean is a group's share averaged over the measured epochs.
func (o outcome) mean(group string) float64 {
	s := 0.0
	for _, v := range o.share[group] {
		s += v
	}
	return s / float64(len(o.share[group]))
}

// scoredAnswers sums, over one validator's standings, the answers of a group's uids that were
// scored (not missing, late, invalid or copies), and the challenges they were asked.
func (o outcome) scoredAnswers(validator int, group string) (answered, challenges int) {
	for _, s := range o.standings[validator] {
		if o.groupOf[s.UID] == group {
			answered += s.Answered
			challenges = max(challenges, s.Challenges)
		}
	}
	return answered, challenges
}

// run puts the population on a new subnet of the shared chain, with the forecasting subnet's
// own validators, and measures each group's share of miner incentive over the epochs the setup
// asks for.
func run(t *testing.T, n *chaintest.Network, pop population, s setup) outcome {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	log := logger()
	c := n.Client()

	netuid := newSubnet(ctx, t, n, "tempo", fmt.Sprint(s.tempo), "commit_reveal", "false", "weights_set_rate_limit", "0",
		"burn_increase_mult", "1", "max_burn", "100000001", "serving_rate_limit", "0")

	// Every neuron registers from one coldkey (who pays does not matter here); validators and
	// relays get stake, hence validator permits. The relays register a block after the miners:
	// a relay picks an established miner to copy.
	coldkey := n.Fund(t, 1_000*types.RaoPerTAO)
	minerKeys := make([]*synapse.KeySigner, len(pop.miners))
	relayKeys := make([]*synapse.KeySigner, len(pop.relays))
	validatorKeys := make([]*synapse.KeySigner, s.validators)
	for _, keys := range [][]*synapse.KeySigner{minerKeys, relayKeys, validatorKeys} {
		for i := range keys {
			keys[i] = synapse.GenerateKeySigner()
		}
	}
	register := func(keys []*synapse.KeySigner, stake func(i int) uint64) {
		var msgs []sdk.Msg
		for _, k := range keys {
			msgs = append(msgs, &types.MsgBurnedRegister{Coldkey: coldkey.Address(), Netuid: uint32(netuid), Hotkey: k.Address()})
		}
		for i, k := range keys {
			if a := stake(i); a > 0 {
				msgs = append(msgs, &types.MsgAddStake{Coldkey: coldkey.Address(), Hotkey: k.Address(), Netuid: uint32(netuid), Amount: a})
			}
		}
		if len(msgs) > 0 {
			_, err := c.Send(ctx, coldkey, msgs...)
			require.NoError(t, err, "registering and staking")
		}
	}
	register(validatorKeys, func(i int) uint64 { return uint64(100/(i+1)) * types.RaoPerTAO })
	register(minerKeys, func(int) uint64 { return 0 })
	register(relayKeys, func(int) uint64 { return types.RaoPerTAO })

	graph := metagraph.NewSyncer(c, netuid, metagraph.Options{Interval: 100 * time.Millisecond, Logger: log})
	require.NoError(t, graph.Start())
	defer func() { require.NoError(t, graph.Stop()) }()

	miners := make([]*neuron.Miner, len(pop.miners))
	var source dendrite.Axon
	for i, spec := range pop.miners {
		m, err := neuron.NewMiner(neuron.MinerConfig{
			Chain: c, Hotkey: minerKeys[i], Netuid: netuid, Model: spec.model,
			ListenAddr: "127.0.0.1:0", Metagraph: graph, Logger: log,
		})
		require.NoError(t, err)
		require.NoError(t, m.Start())
		defer func() { require.NoError(t, m.Stop()) }()
		miners[i] = m
		if spec.group == victim && source.Addr == "" {
			source = dendrite.Axon{Hotkey: m.Hotkey(), Addr: m.Addr().String()}
		}
	}
	relays := make([]*attack.Relay, len(pop.relays))
	for i, spec := range pop.relays {
		r, err := attack.NewRelay(attack.RelayConfig{
			Chain: c, Hotkey: relayKeys[i], Netuid: netuid, Source: source, Metagraph: graph,
			Perturbation: spec.perturbation, Stale: spec.stale, Seed: uint64(i + 1), Logger: log,
		})
		require.NoError(t, err)
		require.NoError(t, r.Start(ctx))
		defer func() { require.NoError(t, r.Stop()) }()
		relays[i] = r
	}
	fcfg := forecast.DefaultValidatorConfig()
	fcfg.Originality = s.originality
	validators := make([]*neuron.Validator, s.validators)
	for i, k := range validatorKeys {
		v, err := neuron.NewValidator(neuron.ValidatorConfig{
			Chain: c, Hotkey: k, Netuid: netuid, Forecast: fcfg,
			Secret:        []byte(fmt.Sprintf("%s-validator-%d", s.secret, i)),
			RoundInterval: s.round, QueryTimeout: 2 * time.Second,
			PollInterval: 100 * time.Millisecond, Metagraph: graph, Logger: log,
		})
		require.NoError(t, err)
		require.NoError(t, v.Start())
		defer func() { require.NoError(t, v.Stop()) }()
		validators[i] = v
	}

	// Every miner published, every validator warmed up and its weights on chain.
	require.Eventually(t, func() bool {
		for _, m := range miners {
			if _, ok := m.Published(); !ok {
				return false
			}
		}
		for _, v := range validators {
			if a := v.Activity(); a.Rounds < s.warmup || a.Sets < 1 {
				return false
			}
		}
		return true
	}, 5*time.Minute, 100*time.Millisecond, "miners publish, validators warm up and set weights")

	groupOf := map[uint16]string{}
	hotkeyGroup := map[string]string{}
	for i, spec := range pop.miners {
		hotkeyGroup[minerKeys[i].Address()] = spec.group
	}
	for i, spec := range pop.relays {
		hotkeyGroup[relayKeys[i].Address()] = spec.group
	}
	out := outcome{share: map[string][]float64{}, groupOf: groupOf}
	var last uint64
	for measured := 0; measured < s.epochs; {
		m, err := metagraph.Load(ctx, c, netuid, metagraph.Lite)
		require.NoError(t, err)
		if last == 0 {
			last = m.LastEpochBlock // the epoch under way when measuring starts is not counted
		}
		if m.LastEpochBlock == last {
			_, err := c.WaitForHeight(ctx, m.Height+1)
			require.NoError(t, err)
			continue
		}
		last = m.LastEpochBlock
		measured++
		sums := map[string]float64{}
		total := 0.0
		for uid, hk := range m.Hotkeys {
			g, ok := hotkeyGroup[hk]
			if !ok {
				continue
			}
			groupOf[uint16(uid)] = g
			sums[g] += float64(m.Incentive[uid])
			total += float64(m.Incentive[uid])
		}
		if total == 0 {
			// Seen once on a loaded machine, not reproduced alone: an epoch that paid no miner.
			// It is skipped (and counted), not measured as a zero share.
			out.idleEpochs++
			t.Logf("subnet %d: the epoch at block %d paid no miner: incentive %v, dividends %v, permits %v, active %v, last update %v",
				netuid, m.LastEpochBlock, m.Incentive, m.Dividends, m.ValidatorPermit, m.Active, m.LastUpdate)
			require.LessOrEqual(t, out.idleEpochs, s.epochs, "subnet %d: more epochs paid no miner than were measured", netuid)
			measured--
			continue
		}
		for _, g := range groups(pop) {
			out.share[g] = append(out.share[g], sums[g]/total)
		}
	}
	for _, v := range validators {
		out.standings = append(out.standings, v.Standings())
	}
	for i, r := range relays {
		rc := relayCount{group: pop.relays[i].group}
		rc.relayed, rc.failed = r.Counts()
		out.relays = append(out.relays, rc)
	}
	return out
}

// subnets serializes subnet registrations: the chain takes one a block.
var subnets sync.Mutex

// newSubnet registers and starts a subnet with the hyperparameters given as name, value pairs.
func newSubnet(ctx context.Context, t *testing.T, n *chaintest.Network, hyperparameters ...string) uint16 {
	t.Helper()
	owner := n.Fund(t, 1_000*types.RaoPerTAO)
	subnets.Lock()
	defer subnets.Unlock()
	netuid := n.Subnet(t, owner, synapse.GenerateKeySigner(), hyperparameters...)
	h, err := n.Client().Height(ctx)
	require.NoError(t, err)
	_, err = n.Client().WaitForHeight(ctx, h+1)
	require.NoError(t, err)
	return netuid
}

// groups lists the population's groups in order of first appearance.
func groups(p population) []string {
	var gs []string
	for _, m := range p.miners {
		if !slices.Contains(gs, m.group) {
			gs = append(gs, m.group)
		}
	}
	for _, r := range p.relays {
		if !slices.Contains(gs, r.group) {
			gs = append(gs, r.group)
		}
	}
	return gs
}

// sideBySide runs subnets on the shared chain at the same time, each as a parallel subtest,
// and returns their outcomes once all are done.
func sideBySide(t *testing.T, name string, runs map[string]func(*testing.T) outcome) map[string]outcome {
	t.Helper()
	out := make(map[string]outcome, len(runs))
	var mu sync.Mutex
	t.Run(name, func(t *testing.T) {
		for label, r := range runs {
			t.Run(label, func(t *testing.T) {
				t.Parallel()
				o := r(t)
				mu.Lock()
				out[label] = o
				mu.Unlock()
			})
		}
	})
	require.Len(t, out, len(runs), "every subnet of %s ran", name)
	return out
}
