package localnet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/sdk/metagraph"
	"github.com/gotensor/gotensor/sdk/wallet"
	"github.com/gotensor/gotensor/subnets/forecast/neuron"
	subnettypes "github.com/gotensor/gotensor/x/subnet/types"
)

// demo is the forecasting subnet of a local network: created and started on chain by the chain
// authority, with its miners and validators running in this process as separate services, each
// with its own keys and talking to the node only through its gRPC API, as any outside program
// would.
type demo struct {
	roster     Roster
	netuid     uint16
	client     *chain.Client
	store      *wallet.Store
	syncer     *metagraph.Syncer
	miners     []*neuron.Miner
	validators []*neuron.Validator
	// referee measures the miners independently of the validators (see startReferee).
	referee *neuron.Validator
}

// DemoState records the demo subnet in a local network's manifest, so a restart resumes it.
type DemoState struct {
	Netuid uint16 `json:"netuid"`
	Roster Roster `json:"roster"`
}

// subnetHyperparams are the demo subnet's settings, set by the chain authority: an epoch every
// Tempo blocks, TAO-side emission on, weights hidden by commit-reveal until the next epoch, and a
// commit allowed every block (validators commit once an epoch).
func subnetHyperparams(tempo uint32) [][2]string {
	return [][2]string{
		{"tempo", strconv.FormatUint(uint64(tempo), 10)},
		{"emission_enabled", "true"},
		{"commit_reveal", "true"},
		{"reveal_period_epochs", "1"},
		{"weights_set_rate_limit", "0"},
	}
}

// startDemo opens the keys and the node connection, creates the subnet on a new network, and
// starts every miner and validator.
func startDemo(ctx context.Context, home string, state *DemoState, opts Options, logs io.Writer) (*demo, error) {
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
	d := &demo{roster: state.Roster, netuid: state.Netuid, client: client, store: store}
	// The node answers queries about state only once it has committed a block.
	if _, err := client.WaitForHeight(ctx, 1); err != nil {
		client.Close()
		return nil, fmt.Errorf("waiting for the first block: %w", err)
	}
	if d.netuid == 0 {
		if d.netuid, err = d.createSubnet(ctx); err != nil {
			client.Close()
			return nil, fmt.Errorf("creating the forecasting subnet: %w", err)
		}
		state.Netuid = d.netuid
	}
	if err := d.startNeurons(home, opts, logger); err != nil {
		d.stop()
		return nil, err
	}
	return d, nil
}

// createSubnet registers, configures and starts the subnet, then registers every neuron and
// stakes the validators. Each coldkey sends its own transaction, so they land together.
func (d *demo) createSubnet(ctx context.Context) (uint16, error) {
	alice, err := d.store.Coldkey(DevAccounts[0].Name)
	if err != nil {
		return 0, err
	}
	owner, err := d.hotkey(ownerHotkey)
	if err != nil {
		return 0, err
	}
	res, _, err := d.client.RegisterNetwork(ctx, alice, owner.Address(), "forecast", 0)
	if err != nil {
		return 0, err
	}
	netuid := uint16(res.Netuid)
	var msgs []sdk.Msg
	for _, hp := range subnetHyperparams(d.roster.Tempo) {
		msgs = append(msgs, &subnettypes.MsgSetHyperparameter{Signer: alice.Address(), Netuid: res.Netuid, Name: hp[0], Value: hp[1]})
	}
	msgs = append(msgs, &subnettypes.MsgStartCall{Owner: alice.Address(), Netuid: res.Netuid})
	if _, err := d.client.Send(ctx, alice, msgs...); err != nil {
		return 0, fmt.Errorf("configuring subnet %d: %w", netuid, err)
	}

	type join struct {
		name  string
		stake uint64
	}
	var joins []join
	for _, m := range d.roster.Miners {
		joins = append(joins, join{name: m.Name})
	}
	for _, v := range d.roster.Validators {
		joins = append(joins, join{name: v.Name, stake: v.Stake})
	}
	errs := make([]error, len(joins))
	var wg sync.WaitGroup
	for i, j := range joins {
		wg.Go(func() {
			errs[i] = d.join(ctx, netuid, j.name, j.stake)
		})
	}
	wg.Wait()
	return netuid, errors.Join(errs...)
}

// join registers a roster neuron's hotkey, paid by its coldkey, and stakes a validator's TAO.
func (d *demo) join(ctx context.Context, netuid uint16, name string, stake uint64) error {
	return joinSubnet(ctx, d.client, d.store, netuid, name, stake)
}

// joinSubnet registers the hotkey of the wallet name, paid by its coldkey, and stakes stake TAO
// to it (none when 0).
func joinSubnet(ctx context.Context, client *chain.Client, store *wallet.Store, netuid uint16, name string, stake uint64) error {
	cold, err := store.Coldkey(name)
	if err != nil {
		return err
	}
	hot, err := ensureHotkey(store, hotkeyOf(name))
	if err != nil {
		return err
	}
	msgs := []sdk.Msg{&subnettypes.MsgBurnedRegister{Coldkey: cold.Address(), Netuid: uint32(netuid), Hotkey: hot.Address()}}
	if stake > 0 {
		msgs = append(msgs, &subnettypes.MsgAddStake{Coldkey: cold.Address(), Hotkey: hot.Address(), Netuid: uint32(netuid), Amount: stake})
	}
	if _, err := client.Send(ctx, cold, msgs...); err != nil {
		return fmt.Errorf("%s joining subnet %d: %w", name, netuid, err)
	}
	return nil
}

// hotkey returns a signer for a hotkey of the home's keyring, creating the key the first time.
func (d *demo) hotkey(name string) (*wallet.Signer, error) { return ensureHotkey(d.store, name) }

// ensureHotkey returns a signer for the hotkey WALLET/HOTKEY of store, creating it the first time.
func ensureHotkey(store *wallet.Store, name string) (*wallet.Signer, error) {
	w, h, _ := strings.Cut(name, "/")
	s, err := store.Hotkey(w, h)
	if errors.Is(err, wallet.ErrNotFound) {
		if _, err := store.NewHotkey(w, h); err != nil {
			return nil, err
		}
		return store.Hotkey(w, h)
	}
	return s, err
}

// startNeurons starts the shared metagraph, the miners (each on its own loopback port, the same at
// every start so that a restart needs no new serve-axon), and the validators.
func (d *demo) startNeurons(home string, opts Options, logger *slog.Logger) error {
	d.syncer = metagraph.NewSyncer(d.client, d.netuid, metagraph.Options{Logger: logger})
	if err := d.syncer.Start(); err != nil {
		return err
	}
	loopback := netip.AddrFrom4([4]byte{127, 0, 0, 1})
	for i, m := range d.roster.Miners {
		hot, err := d.hotkey(hotkeyOf(m.Name))
		if err != nil {
			return err
		}
		port := opts.AxonPort + i
		miner, err := neuron.NewMiner(neuron.MinerConfig{
			Chain: d.client, Hotkey: hot, Netuid: d.netuid, Model: m.Model,
			ListenAddr: netip.AddrPortFrom(loopback, uint16(port)).String(), ExternalIP: loopback, ExternalPort: uint16(port),
			Metagraph: d.syncer, Logger: logger.With("miner", m.Name),
		})
		if err != nil {
			return fmt.Errorf("miner %s: %w", m.Name, err)
		}
		if err := miner.Start(); err != nil {
			return fmt.Errorf("miner %s on port %d: %w", m.Name, port, err)
		}
		d.miners = append(d.miners, miner)
	}
	stateDir := filepath.Join(home, "validators")
	if err := os.MkdirAll(stateDir, 0o755); err != nil {
		return err
	}
	for _, v := range d.roster.Validators {
		hot, err := d.hotkey(hotkeyOf(v.Name))
		if err != nil {
			return err
		}
		val, err := neuron.NewValidator(neuron.ValidatorConfig{
			Chain: d.client, Hotkey: hot, Netuid: d.netuid, Metagraph: d.syncer,
			StatePath: filepath.Join(stateDir, v.Name+".json"), RoundInterval: opts.ChallengeInterval,
			// The standings endpoint, announced with serve-axon, where the explorer reads the skill
			// each validator measures (a free loopback port at each start).
			PublishAddr: "127.0.0.1:0",
			Logger:      logger.With("validator", v.Name),
		})
		if err != nil {
			return fmt.Errorf("validator %s: %w", v.Name, err)
		}
		if err := val.Start(); err != nil {
			return fmt.Errorf("validator %s: %w", v.Name, err)
		}
		d.validators = append(d.validators, val)
	}
	return d.startReferee(opts.ChallengeInterval, logger)
}

// startReferee starts the referee: a score-only validator that challenges every miner through
// its axon, as any caller would, on series of its own (its secret is new at every start and
// never leaves it, so no validator ever shows them), and sets no weights, so its measure of skill
// takes no part in making the incentive it is compared with. It calls as the subnet owner's
// hotkey, which has no stake, so it weighs nothing in consensus. The owner's permit comes with
// the subnet's first epoch; until then the miners refuse it, and its rounds score nothing.
func (d *demo) startReferee(interval time.Duration, logger *slog.Logger) error {
	owner, err := d.hotkey(ownerHotkey)
	if err != nil {
		return err
	}
	ref, err := neuron.NewValidator(neuron.ValidatorConfig{
		Chain: d.client, Hotkey: owner, Netuid: d.netuid, Metagraph: d.syncer, ScoreOnly: true,
		RoundInterval: interval, Logger: logger.With("referee", ownerHotkey),
	})
	if err != nil {
		return fmt.Errorf("referee: %w", err)
	}
	if err := ref.Start(); err != nil {
		return fmt.Errorf("referee: %w", err)
	}
	d.referee = ref
	return nil
}

// stop ends the validators and the referee first (no more queries), then the miners, the
// metagraph and the connection.
func (d *demo) stop() {
	for _, v := range d.validators {
		_ = v.Stop()
	}
	if d.referee != nil {
		_ = d.referee.Stop()
	}
	for _, m := range d.miners {
		_ = m.Stop()
	}
	if d.syncer != nil && d.syncer.IsRunning() {
		_ = d.syncer.Stop()
	}
	_ = d.client.Close()
}
