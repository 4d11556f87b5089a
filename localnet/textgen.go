package localnet

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/sdk/wallet"
	"github.com/gotensor/gotensor/subnets/textgen"
	"github.com/gotensor/gotensor/subnets/textgen/miner"
	tgneuron "github.com/gotensor/gotensor/subnets/textgen/neuron"
	subnettypes "github.com/gotensor/gotensor/x/subnet/types"
)

// The subnets a local network can run, by the names --subnets takes.
const (
	SubnetForecast = "forecast"
	SubnetTextGen  = "textgen"
)

// DefaultSubnets are what a new local network runs when Options.Subnets is nil.
var DefaultSubnets = []string{SubnetForecast, SubnetTextGen}

// ParseSubnets reads a comma-separated list of subnet names, such as --subnets takes.
func ParseSubnets(list string) ([]string, error) {
	known := []string{SubnetForecast, SubnetTextGen}
	var out []string
	for name := range strings.SplitSeq(list, ",") {
		name = strings.TrimSpace(name)
		switch {
		case name == "":
			return nil, fmt.Errorf("--subnets %q names an empty subnet: list some of %s, comma-separated (or pass --chain-only)", list, strings.Join(known, ", "))
		case !slices.Contains(known, name):
			return nil, fmt.Errorf("--subnets: unknown subnet %q: choose from %s", name, strings.Join(known, ", "))
		case slices.Contains(out, name):
			return nil, fmt.Errorf("--subnets names %q twice", name)
		}
		out = append(out, name)
	}
	return out, nil
}

// TextGenRoster is the text-generation subnet of a new local network: one miner per behaviour
// (see miner.Behaviours: honest at two speeds, and each way of cheating the validator catches),
// one validator staking ValidatorStake, an epoch every Tempo blocks.
type TextGenRoster struct {
	Behaviours     []string `json:"behaviours"`
	ValidatorStake uint64   `json:"validator_stake_rao"`
	Tempo          uint32   `json:"tempo"`
}

// NewTextGenRoster is a miner of every behaviour and a validator staking 200 TAO.
func NewTextGenRoster(tempo uint32) TextGenRoster {
	return TextGenRoster{Behaviours: slices.Clone(miner.Behaviours), ValidatorStake: 200 * subnettypes.RaoPerTAO, Tempo: tempo}
}

// TextGenState records the text-generation subnet in a local network's manifest.
type TextGenState struct {
	Netuid uint16        `json:"netuid"`
	Roster TextGenRoster `json:"roster"`
}

// Keyring names of the text-generation subnet's neurons (a coldkey NAME and its hotkey
// NAME/default each).
func textgenMinerName(i int, behaviour string) string {
	return fmt.Sprintf("textgen-%d-%s", i+1, behaviour)
}

const textgenValidatorName = "textgen-validator"

var textgenOwnerHotkey = wallet.HotkeyName(DevAccounts[0].Name, "textgen-owner")

// accounts are the roster's coldkeys, funded at genesis.
func (r TextGenRoster) accounts() []AccountSpec {
	var out []AccountSpec
	for i, b := range r.Behaviours {
		out = append(out, AccountSpec{Name: textgenMinerName(i, b), Balance: registrationAllowance})
	}
	return append(out, AccountSpec{Name: textgenValidatorName, Balance: r.ValidatorStake + registrationAllowance})
}

// textgenNet is the running text-generation subnet: its miners and validator run in this process
// (see tgneuron.StartSubnet), each with its own keys, talking to the node over gRPC.
type textgenNet struct {
	state  TextGenState
	client *chain.Client
	subnet *tgneuron.Subnet
	// validatorHotkey is the subnet validator's: the local gateway calls miners with it.
	validatorHotkey *wallet.Signer
}

// textgenConfig is the validator's challenge and scoring setup in a local network: short answers
// (a tiny model shares two busy cores with the chain and the forecasting subnet) and a scoreboard
// that follows the miners within a few dozen rounds.
func textgenConfig() textgen.ValidatorConfig {
	cfg := textgen.DefaultValidatorConfig()
	cfg.Challenge.MinTokens, cfg.Challenge.MaxTokens = 4, 8
	cfg.Board.Alpha = 0.1
	return cfg
}

// startTextGen creates the subnet on a new network (state.Netuid 0) and starts its neurons.
func startTextGen(ctx context.Context, home string, state *TextGenState, opts Options, logs io.Writer) (*textgenNet, error) {
	store, err := wallet.Open(KeyringBackend, home, nil)
	if err != nil {
		return nil, err
	}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	client, err := chain.Dial(ctx, chain.Config{
		Node: fmt.Sprintf("127.0.0.1:%d", opts.Ports.GRPC), ChainID: opts.ChainID, Logger: logger,
	})
	if err != nil {
		return nil, err
	}
	if _, err := client.WaitForHeight(ctx, 1); err != nil {
		client.Close()
		return nil, fmt.Errorf("waiting for the first block: %w", err)
	}
	hotkey := func(name string) (*wallet.Signer, error) { return ensureHotkey(store, name) }
	if state.Netuid == 0 {
		if state.Netuid, err = createTextGenSubnet(ctx, client, store, state.Roster); err != nil {
			client.Close()
			return nil, fmt.Errorf("creating the text-generation subnet: %w", err)
		}
	}
	var miners []tgneuron.SubnetMiner
	for i, b := range state.Roster.Behaviours {
		hot, err := hotkey(hotkeyOf(textgenMinerName(i, b)))
		if err != nil {
			client.Close()
			return nil, err
		}
		miners = append(miners, tgneuron.SubnetMiner{Hotkey: hot, Behaviour: b})
	}
	vhot, err := hotkey(hotkeyOf(textgenValidatorName))
	if err != nil {
		client.Close()
		return nil, err
	}
	// A new secret at every start: the challenges derive from it, and nobody else ever sees it.
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	subnet, err := tgneuron.StartSubnet(tgneuron.SubnetConfig{
		Chain: client, Netuid: state.Netuid, ModelPath: opts.TextGenModel, Miners: miners,
		Validators:    []tgneuron.SubnetValidator{{Hotkey: vhot, Secret: secret}},
		TextGen:       textgenConfig(),
		RoundInterval: 200 * time.Millisecond, QueryTimeout: 5 * time.Second,
		Logger: logger.With("subnet", SubnetTextGen),
	})
	if err != nil {
		client.Close()
		return nil, err
	}
	return &textgenNet{state: *state, client: client, subnet: subnet, validatorHotkey: vhot}, nil
}

// createTextGenSubnet has the chain authority register, configure and start the subnet, then
// registers every neuron and stakes the validator, each coldkey sending its own transaction.
// Weights are set in the open (no commit-reveal), so an epoch pays for them at once.
func createTextGenSubnet(ctx context.Context, client *chain.Client, store *wallet.Store, r TextGenRoster) (uint16, error) {
	alice, err := store.Coldkey(DevAccounts[0].Name)
	if err != nil {
		return 0, err
	}
	owner, err := ensureHotkey(store, textgenOwnerHotkey)
	if err != nil {
		return 0, err
	}
	res, _, err := client.RegisterNetwork(ctx, alice, owner.Address(), SubnetTextGen, 0)
	if err != nil {
		return 0, err
	}
	netuid := uint16(res.Netuid)
	var msgs []sdk.Msg
	for _, hp := range [][2]string{
		{"tempo", fmt.Sprint(r.Tempo)}, {"emission_enabled", "true"}, {"commit_reveal", "false"}, {"weights_set_rate_limit", "0"},
	} {
		msgs = append(msgs, &subnettypes.MsgSetHyperparameter{Signer: alice.Address(), Netuid: res.Netuid, Name: hp[0], Value: hp[1]})
	}
	msgs = append(msgs, &subnettypes.MsgStartCall{Owner: alice.Address(), Netuid: res.Netuid})
	if _, err := client.Send(ctx, alice, msgs...); err != nil {
		return 0, fmt.Errorf("configuring subnet %d: %w", netuid, err)
	}
	type join struct {
		name  string
		stake uint64
	}
	var joins []join
	for i, b := range r.Behaviours {
		joins = append(joins, join{name: textgenMinerName(i, b)})
	}
	joins = append(joins, join{name: textgenValidatorName, stake: r.ValidatorStake})
	errs := make([]error, len(joins))
	var wg sync.WaitGroup
	for i, j := range joins {
		wg.Go(func() {
			errs[i] = joinSubnet(ctx, client, store, netuid, j.name, j.stake)
		})
	}
	wg.Wait()
	return netuid, errors.Join(errs...)
}

// summary is the subnet's final state, as the JSON summary carries it under "textgen".
func (t *textgenNet) summary(ctx context.Context) (*tgneuron.Summary, error) {
	s, err := t.subnet.Summary(ctx)
	if err != nil {
		return nil, fmt.Errorf("the text-generation subnet's summary: %w", err)
	}
	return &s, nil
}

func (t *textgenNet) stop() {
	_ = t.subnet.Stop()
	_ = t.client.Close()
}

// printTextGen says what runs.
func printTextGen(w io.Writer, t *textgenNet) {
	fmt.Fprintf(w, "text-generation subnet %d: %d miners (%s) and a validator, an epoch every %d blocks\n",
		t.state.Netuid, len(t.state.Roster.Behaviours), strings.Join(t.state.Roster.Behaviours, ", "), t.state.Roster.Tempo)
}

// writeTextGenTable prints the text-generation subnet's uids: what each miner is, what it earns,
// how fast its verified answers came and how many answers the validator refused.
func writeTextGenTable(w io.Writer, s *tgneuron.Summary) {
	fmt.Fprintf(w, "text-generation subnet %d\n", s.Netuid)
	fmt.Fprintf(w, "%4s  %-9s  %-11s  %9s  %14s  %8s\n", "uid", "role", "behaviour", "incentive", "verified tok/s", "refusals")
	for _, n := range s.Neurons {
		behaviour := n.Behaviour
		if behaviour == "" {
			behaviour = "-"
		}
		fmt.Fprintf(w, "%4d  %-9s  %-11s  %9.4f  %14.1f  %8d\n", n.UID, n.Role, behaviour, n.Incentive, n.VerifiedTokensPerSecond, n.Refusals)
	}
}
