package neuron_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/sdk/chain/chaintest"
	"github.com/gotensor/gotensor/sdk/metagraph"
	"github.com/gotensor/gotensor/sdk/synapse"
	"github.com/gotensor/gotensor/subnets/textgen"
	"github.com/gotensor/gotensor/subnets/textgen/miner"
	"github.com/gotensor/gotensor/subnets/textgen/neuron"
	"github.com/gotensor/gotensor/x/subnet/types"
)

func TestMain(m *testing.M) { os.Exit(chaintest.Main(m)) }

// shippedModel is the subnet's model as the repository ships it.
var shippedModel = filepath.Join("..", "model", "testdata", "kjv-tiny.gguf")

func logger() *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(os.Getenv("TEXTGEN_TEST_LOG"))); err != nil || os.Getenv("TEXTGEN_TEST_LOG") == "" {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}

// The check: the text-generation subnet on a real chain. One miner
// of every behaviour and a staked validator run as services over loopback;
// once the validator's weights have gone through an epoch, the honest fast
// miner earns more than the honest slow one, which earns more than every
// cheater, and the cheaters earn about nothing.
func TestTextgenSubnetOnChain(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a chain for several epochs")
	}
	n := chaintest.Shared(t)
	c := n.Dial(t)
	ctx := context.Background()
	owner, ownerHotkey := n.Fund(t, 1_000*types.RaoPerTAO), synapse.GenerateKeySigner()
	netuid := n.Subnet(t, owner, ownerHotkey, "tempo", "10", "commit_reveal", "false", "weights_set_rate_limit", "0")

	minerKeys := make([]*synapse.KeySigner, len(miner.Behaviours))
	for i := range minerKeys {
		minerKeys[i] = synapse.GenerateKeySigner()
	}
	validatorKey := synapse.GenerateKeySigner()
	var wg sync.WaitGroup
	errs := make(chan error, len(minerKeys)+1)
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
	wg.Add(1)
	go register(validatorKey.Address(), 200*types.RaoPerTAO)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}

	cfg := textgen.DefaultValidatorConfig()
	cfg.Challenge.MinTokens, cfg.Challenge.MaxTokens = 4, 8 // short answers: the runtime shares 2 busy cores
	cfg.Board.Alpha = 0.1
	miners := make([]neuron.SubnetMiner, len(miner.Behaviours))
	for i, b := range miner.Behaviours {
		miners[i] = neuron.SubnetMiner{Hotkey: minerKeys[i], Behaviour: b}
	}
	s, err := neuron.StartSubnet(neuron.SubnetConfig{
		Chain: c, Netuid: netuid, ModelPath: shippedModel, Miners: miners,
		Validators: []neuron.SubnetValidator{{Hotkey: validatorKey, Secret: []byte("textgen-network-test-validator")}},
		TextGen:    cfg, RoundInterval: 50 * time.Millisecond, QueryTimeout: 5 * time.Second,
		PollInterval: 100 * time.Millisecond, SyncInterval: 100 * time.Millisecond, Logger: logger(),
	})
	require.NoError(t, err)
	defer func() { require.NoError(t, s.Stop()) }()

	v := s.Validators()[0]
	// Weights twice, the second from at least 30 rounds, then an epoch after them.
	require.Eventually(t, func() bool {
		a := v.Activity()
		return a.Sets >= 2 && a.Rounds >= 30
	}, 120*time.Second, 100*time.Millisecond, "weights set from 30 rounds; last %+v", v.Activity())
	set := v.Activity().WeightsHeight
	var m *metagraph.Metagraph
	require.Eventually(t, func() bool {
		var err error
		m, err = metagraph.Load(ctx, c, netuid, metagraph.Full)
		return err == nil && m.LastEpochBlock > uint64(set)
	}, 30*time.Second, 100*time.Millisecond)

	sum, err := s.Summary(ctx)
	require.NoError(t, err)
	require.Equal(t, netuid, sum.Netuid)
	incentive := map[string]float64{}
	for _, nr := range sum.Neurons {
		t.Logf("%-9s %-12s uid %2d incentive %.4f verified %.0f tok/s refusals %d", nr.Role, nr.Behaviour, nr.UID, nr.Incentive, nr.VerifiedTokensPerSecond, nr.Refusals)
		if nr.Role == "miner" {
			incentive[nr.Behaviour] = nr.Incentive
		}
	}
	for _, st := range v.Standings() {
		t.Logf("uid %2d score %.3f volume %.2f refusal rate %.2f requests %d verified %d refused %d busy %d failed %d checks %v",
			st.UID, st.Score, st.Volume, st.RefusalRate, st.Requests, st.Verified, st.Refused, st.Busy, st.Failed, st.Checks)
	}
	require.Len(t, incentive, len(miner.Behaviours))
	require.Greater(t, incentive[miner.HonestFast], incentive[miner.HonestSlow], "fast beats slow")
	for _, b := range miner.Behaviours[2:] {
		require.Greater(t, incentive[miner.HonestSlow], incentive[b], "honest slow beats %s", b)
		require.Less(t, incentive[b], 0.02, "%s earns about nothing", b)
	}
	require.Positive(t, sum.Neurons[0].VerifiedTokensPerSecond)

	// The shape a local network's JSON summary carries under "textgen".
	b, err := json.Marshal(sum)
	require.NoError(t, err)
	var shape struct {
		Netuid  uint16           `json:"netuid"`
		Neurons []map[string]any `json:"neurons"`
	}
	require.NoError(t, json.Unmarshal(b, &shape))
	for _, key := range []string{"uid", "role", "behaviour", "incentive", "verified_tokens_per_s", "refusals"} {
		require.Contains(t, shape.Neurons[0], key)
	}
	require.Equal(t, miner.HonestFast, shape.Neurons[0]["behaviour"])
}
