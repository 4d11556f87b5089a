package neuron_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/sdk/chain/chaintest"
	"github.com/gotensor/gotensor/sdk/metagraph"
	"github.com/gotensor/gotensor/sdk/synapse"
	"github.com/gotensor/gotensor/subnets/forecast"
	"github.com/gotensor/gotensor/subnets/forecast/neuron"
	"github.com/gotensor/gotensor/subnets/forecast/scoreboard"
	"github.com/gotensor/gotensor/x/subnet/types"
)

func TestMain(m *testing.M) { os.Exit(chaintest.Main(m)) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// logger is quiet unless FORECAST_TEST_LOG is set (to a level: debug, info, warn).
func logger(t *testing.T) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(os.Getenv("FORECAST_TEST_LOG"))); err != nil || os.Getenv("FORECAST_TEST_LOG") == "" {
		return quiet
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}

// The check: the forecasting subnet on a real chain. Four miners with different models
// and two staked validators run as services over loopback on a commit-reveal subnet with a
// 10-block tempo; after three epochs of revealed weights, the best model holds the highest
// incentive, and incentive follows the validators' measured skill.
func TestForecastSubnetOnChain(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a chain for several epochs")
	}
	start := time.Now()
	n := chaintest.Shared(t)
	c := n.Dial(t)
	ctx := context.Background()
	log := logger(t)

	owner, ownerHotkey := n.Fund(t, 1_000*types.RaoPerTAO), synapse.GenerateKeySigner()
	netuid := n.Subnet(t, owner, ownerHotkey,
		"tempo", "10", "commit_reveal", "true", "reveal_period_epochs", "1", "weights_set_rate_limit", "2")

	models := []string{"naive", "holt-winters", "ar", "gbt"}
	minerKeys := make([]*synapse.KeySigner, len(models))
	validatorKeys := []*synapse.KeySigner{synapse.GenerateKeySigner(), synapse.GenerateKeySigner()}
	for i := range minerKeys {
		minerKeys[i] = synapse.GenerateKeySigner()
	}
	// Registrations and stakes, each paid by its own coldkey, all at once.
	var wg sync.WaitGroup
	errs := make(chan error, len(minerKeys)+len(validatorKeys))
	register := func(hotkey string, stake uint64) {
		defer wg.Done()
		coldkey := n.Fund(t, 1_000*types.RaoPerTAO)
		if _, _, err := c.Register(ctx, coldkey, netuid, hotkey, 0); err != nil {
			errs <- fmt.Errorf("registering %s: %w", hotkey, err)
			return
		}
		if stake > 0 {
			if _, _, err := c.AddStake(ctx, coldkey, hotkey, netuid, stake, chain.NoLimit); err != nil {
				errs <- fmt.Errorf("staking to %s: %w", hotkey, err)
			}
		}
	}
	for _, k := range minerKeys {
		wg.Add(1)
		go register(k.Address(), 0)
	}
	for i, k := range validatorKeys {
		wg.Add(1)
		go register(k.Address(), uint64(200-50*i)*types.RaoPerTAO)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}

	// The miners share one metagraph syncer; each validator runs its own.
	shared := metagraph.NewSyncer(c, netuid, metagraph.Options{Interval: 100 * time.Millisecond, Logger: log})
	require.NoError(t, shared.Start())
	defer func() { require.NoError(t, shared.Stop()) }()
	miners := make([]*neuron.Miner, len(models))
	for i, name := range models {
		m, err := neuron.NewMiner(neuron.MinerConfig{
			Chain: c, Hotkey: minerKeys[i], Netuid: netuid, Model: name,
			ListenAddr: "127.0.0.1:0", Metagraph: shared, Logger: log,
		})
		require.NoError(t, err)
		require.NoError(t, m.Start())
		defer func() { require.NoError(t, m.Stop()) }()
		miners[i] = m
	}
	board := forecast.DefaultValidatorConfig()
	board.Board.Alpha = 0.02 // about the last 50 challenges: rounds come ten a second here
	validators := make([]*neuron.Validator, len(validatorKeys))
	for i, k := range validatorKeys {
		v, err := neuron.NewValidator(neuron.ValidatorConfig{
			Chain: c, Hotkey: k, Netuid: netuid, Forecast: board,
			Secret:        []byte(fmt.Sprintf("forecast-network-test-validator-%d", i)),
			RoundInterval: 100 * time.Millisecond, QueryTimeout: 2 * time.Second,
			PollInterval: 100 * time.Millisecond, SyncInterval: 100 * time.Millisecond,
			StatePath: filepath.Join(t.TempDir(), "state.json"), Logger: log,
		})
		require.NoError(t, err)
		require.NoError(t, v.Start())
		defer func() { require.NoError(t, v.Stop()) }()
		validators[i] = v
	}

	// Every miner publishes its axon once it sees itself registered.
	require.Eventually(t, func() bool {
		for _, m := range miners {
			if _, ok := m.Published(); !ok {
				return false
			}
		}
		return true
	}, 30*time.Second, 50*time.Millisecond, "every miner publishes its axon")

	// Three reveals per validator: three epochs of weights on chain.
	require.Eventually(t, func() bool {
		for _, v := range validators {
			if a := v.Activity(); a.Reveals < 3 || a.Rounds < 100 {
				return false
			}
		}
		return true
	}, 90*time.Second, 100*time.Millisecond, "three reveals per validator")
	var lastReveal int64
	for _, v := range validators {
		lastReveal = max(lastReveal, v.Activity().WeightsHeight)
	}
	// The epoch after the last reveal turns the weights into incentive.
	var m *metagraph.Metagraph
	require.Eventually(t, func() bool {
		var err error
		m, err = metagraph.Load(ctx, c, netuid, metagraph.Full)
		return err == nil && m.LastEpochBlock > uint64(lastReveal)
	}, 30*time.Second, 100*time.Millisecond)

	// What the miners published is what the chain lists.
	for _, mi := range miners {
		uid, ok := mi.UID()
		require.True(t, ok)
		info, _ := mi.Published()
		require.Equal(t, mi.Addr().String(), m.Axons[uid].Addr())
		require.Equal(t, info.Port, m.Axons[uid].Port)
	}

	// The validators scored exactly the miners, never themselves or the owner.
	minerUID := map[string]uint16{}
	for i, mi := range miners {
		uid, _ := mi.UID()
		minerUID[models[i]] = uid
	}
	var lists [][]scoreboard.Standing
	for _, v := range validators {
		s := v.Standings()
		require.Len(t, s, len(miners))
		for _, st := range s {
			require.Equal(t, m.Hotkeys[st.UID], st.Hotkey)
			require.Positive(t, st.Challenges)
		}
		lists = append(lists, s)
		a := v.Activity()
		require.GreaterOrEqual(t, a.Commits, a.Reveals, "every reveal opened a commit")
		vuid, ok := m.UID(v.Hotkey())
		require.True(t, ok)
		require.True(t, m.ValidatorPermit[vuid])
	}
	// Each validator's last reveal is its row on chain (read between two reveals).
	for _, v := range validators {
		require.Eventually(t, func() bool {
			before := v.Activity()
			full, err := metagraph.Load(ctx, c, netuid, metagraph.Full)
			if err != nil || v.Activity().WeightsHeight != before.WeightsHeight || full.Height < before.WeightsHeight {
				return false
			}
			vuid, _ := full.UID(v.Hotkey())
			row := map[uint16]uint16{}
			for _, e := range full.Weights[vuid] {
				row[e.UID] = e.Value
			}
			for i, uid := range before.Weights.UIDs {
				if row[uid] != before.Weights.Values[i] {
					return false
				}
			}
			return len(row) == len(before.Weights.UIDs)
		}, 20*time.Second, 20*time.Millisecond, "the validator's revealed weights are its row on chain")
	}

	skill := map[uint16]float64{}
	for _, s := range scoreboard.Pool(lists...) {
		skill[s.UID] = s.Skill
	}
	var skills, incentives []float64
	best, bestIncentive := "", -1.0
	for _, name := range models {
		uid := minerUID[name]
		inc := metagraph.Share(m.Incentive[uid])
		skills, incentives = append(skills, skill[uid]), append(incentives, inc)
		if inc > bestIncentive {
			best, bestIncentive = name, inc
		}
		t.Logf("%-13s uid %d skill %.3f incentive %.4f", name, uid, skill[uid], inc)
	}
	rho := spearman(skills, incentives)
	t.Logf("spearman(skill, incentive) = %.3f; %d+%d rounds; %s in all", rho,
		validators[0].Activity().Rounds, validators[1].Activity().Rounds, time.Since(start).Round(time.Second))
	require.Equal(t, "gbt", best, "the best model earns the most")
	require.Greater(t, rho, 0.0, "incentive follows skill")
	bestSkill := ""
	for _, name := range models {
		if bestSkill == "" || skill[minerUID[name]] > skill[minerUID[bestSkill]] {
			bestSkill = name
		}
	}
	require.Equal(t, "gbt", bestSkill, "the validators measure gbt as the best")
}

// spearman is the rank correlation of x and y, ties given their average rank.
func spearman(x, y []float64) float64 {
	rx, ry := ranks(x), ranks(y)
	var mx, my float64
	for i := range rx {
		mx, my = mx+rx[i], my+ry[i]
	}
	mx, my = mx/float64(len(rx)), my/float64(len(ry))
	var sxy, sxx, syy float64
	for i := range rx {
		sxy += (rx[i] - mx) * (ry[i] - my)
		sxx += (rx[i] - mx) * (rx[i] - mx)
		syy += (ry[i] - my) * (ry[i] - my)
	}
	return sxy / math.Sqrt(sxx*syy)
}

func ranks(v []float64) []float64 {
	idx := make([]int, len(v))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return v[idx[a]] < v[idx[b]] })
	r := make([]float64, len(v))
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && v[idx[j+1]] == v[idx[i]] {
			j++
		}
		for k := i; k <= j; k++ {
			r[idx[k]] = float64(i+j)/2 + 1
		}
		i = j + 1
	}
	return r
}

// A miner serves before its hotkey is registered and publishes its axon once it is; restarted on
// another port, it publishes the new address.
func TestMinerPublishesOnceRegisteredAndWhenItsAddressChanges(t *testing.T) {
	n := chaintest.Shared(t)
	c := n.Dial(t)
	ctx := context.Background()
	netuid := n.Subnet(t, n.Fund(t, 1_000*types.RaoPerTAO), synapse.GenerateKeySigner(), "serving_rate_limit", "0")
	hotkey := synapse.GenerateKeySigner()
	start := func() *neuron.Miner {
		m, err := neuron.NewMiner(neuron.MinerConfig{Chain: c, Hotkey: hotkey, Netuid: netuid, Model: "naive",
			ListenAddr: "127.0.0.1:0", SyncInterval: 50 * time.Millisecond, Logger: logger(t)})
		require.NoError(t, err)
		require.NoError(t, m.Start())
		return m
	}
	listed := func(m *neuron.Miner) func() bool {
		return func() bool {
			g, err := metagraph.Load(ctx, c, netuid, metagraph.Lite)
			if err != nil {
				return false
			}
			uid, ok := g.UID(hotkey.Address())
			return ok && g.Axons[uid].Addr() == m.Addr().String()
		}
	}

	first := start()
	_, registered := first.UID()
	require.False(t, registered)
	_, published := first.Published()
	require.False(t, published, "nothing to publish before registration")
	_, _, err := c.Register(ctx, n.Fund(t, 100*types.RaoPerTAO), netuid, hotkey.Address(), 0)
	require.NoError(t, err)
	require.Eventually(t, listed(first), 30*time.Second, 50*time.Millisecond, "published once registered")
	require.Eventually(t, func() bool { _, ok := first.Published(); return ok }, 10*time.Second, 10*time.Millisecond)
	info, _ := first.Published()
	require.Equal(t, first.Addr().String(), fmt.Sprintf("%s:%d", info.IP, info.Port))
	require.NoError(t, first.Stop())

	second := start()
	defer func() { require.NoError(t, second.Stop()) }()
	require.NotEqual(t, first.Addr().String(), second.Addr().String())
	require.Eventually(t, listed(second), 30*time.Second, 50*time.Millisecond, "the new address is published")
}

// Without commit-reveal the validator sets its weights directly. The subnet owner's hotkey
// validates without stake or permit.
func TestValidatorSetsWeightsWithoutCommitReveal_9_1(t *testing.T) {
	n := chaintest.Shared(t)
	c := n.Dial(t)
	ctx := context.Background()
	ownerHotkey := synapse.GenerateKeySigner()
	netuid := n.Subnet(t, n.Fund(t, 1_000*types.RaoPerTAO), ownerHotkey,
		"tempo", "10", "commit_reveal", "false", "weights_set_rate_limit", "0")
	log := logger(t)
	var miners []*neuron.Miner
	for _, name := range []string{"naive", "seasonal-naive"} {
		hotkey := synapse.GenerateKeySigner()
		_, _, err := c.Register(ctx, n.Fund(t, 100*types.RaoPerTAO), netuid, hotkey.Address(), 0)
		require.NoError(t, err)
		m, err := neuron.NewMiner(neuron.MinerConfig{Chain: c, Hotkey: hotkey, Netuid: netuid, Model: name,
			ListenAddr: "127.0.0.1:0", MinStake: 0, SyncInterval: 100 * time.Millisecond, Logger: log})
		require.NoError(t, err)
		require.NoError(t, m.Start())
		defer func() { require.NoError(t, m.Stop()) }()
		miners = append(miners, m)
	}
	v, err := neuron.NewValidator(neuron.ValidatorConfig{Chain: c, Hotkey: ownerHotkey, Netuid: netuid,
		RoundInterval: 100 * time.Millisecond, PollInterval: 100 * time.Millisecond, SyncInterval: 100 * time.Millisecond,
		WeightsInterval: 5, Logger: log})
	require.NoError(t, err)
	require.NoError(t, v.Start())
	defer func() { require.NoError(t, v.Stop()) }()

	require.Eventually(t, func() bool { return v.Activity().Sets >= 2 }, 60*time.Second, 50*time.Millisecond,
		"weights set twice; last: %+v", v.Activity())
	a := v.Activity()
	require.Zero(t, a.Commits)
	require.Zero(t, a.RevealEpoch)
	g, err := metagraph.Load(chain.AtHeight(ctx, a.WeightsHeight), c, netuid, metagraph.Full)
	require.NoError(t, err)
	var row []uint16
	for _, e := range g.Weights[0] {
		row = append(row, e.Value)
	}
	require.NotEmpty(t, row)
	require.Contains(t, row, uint16(65535), "the best miner gets the top weight")
	require.LessOrEqual(t, len(row), len(miners))
}
