package testnet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math/rand/v2"
	"regexp"
	"sort"
	"sync"
	"time"

	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/bech32"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	govtypes "github.com/cosmos/cosmos-sdk/x/gov/types"
	govv1 "github.com/cosmos/cosmos-sdk/x/gov/types/v1"

	"github.com/gotensor/gotensor/localnet"
	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/sdk/synapse"
	"github.com/gotensor/gotensor/sdk/wallet"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// TxRecord is a transaction a node reported committed.
type TxRecord struct {
	Hash   string `json:"hash"`
	Height int64  `json:"height"`
	Kind   string `json:"kind"`
	Node   string `json:"node"`
}

// Workload sends a steady stream of real transactions through the nodes that are up — bank
// sends, stake added and removed, weights set by registered hotkeys — from the development
// accounts in node0's keyring, and records every transaction a node reported committed.
type Workload struct {
	m       *Manifest
	store   *wallet.Store
	clients map[string]*chain.Client
	netuid  uint16
	// up names the nodes transactions may be sent through now.
	up func() []string

	mu        sync.Mutex
	committed []TxRecord
	attempts  int
	// errors counts the transactions not committed, by kind and the start of the error.
	errors map[string]int
}

// numbers are the hashes and amounts that make every error's text different.
var numbers = regexp.MustCompile(`[0-9A-F]{64}|[0-9]+(\.[0-9]+)?`)

// workloadSubnet is the subnet the workload registers and sets weights on.
const workloadSubnet = "chaos"

// senders are the coldkeys that move TAO and stake (alice owns the subnet).
var senders = []string{"bob", "carol", "dave", "eve"}

// NewWorkload opens node0's keyring and a client per node.
func NewWorkload(m *Manifest, up func() []string) (*Workload, error) {
	store, err := wallet.Open(localnet.KeyringBackend, m.Nodes[0].Home, nil)
	if err != nil {
		return nil, err
	}
	w := &Workload{m: m, store: store, clients: map[string]*chain.Client{}, up: up}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, n := range m.Nodes {
		c, err := chain.Dial(context.Background(), chain.Config{
			Node: fmt.Sprintf("127.0.0.1:%d", n.Ports.GRPC), ChainID: m.ChainID, Logger: quiet,
			InclusionTimeout: 20 * time.Second, CallTimeout: 10 * time.Second,
		})
		if err != nil {
			w.Close()
			return nil, err
		}
		w.clients[n.Name] = c
	}
	return w, nil
}

// Close closes the clients.
func (w *Workload) Close() {
	for _, c := range w.clients {
		c.Close()
	}
}

// Committed are the transactions reported committed so far.
func (w *Workload) Committed() []TxRecord {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]TxRecord(nil), w.committed...)
}

// Errors counts the transactions that were not committed, by kind and error.
func (w *Workload) Errors() map[string]int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return maps.Clone(w.errors)
}

// Attempts is how many transactions were tried.
func (w *Workload) Attempts() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.attempts
}

func hotkey(store *wallet.Store, name string) (*wallet.Signer, error) {
	s, err := store.Hotkey(name, workloadSubnet)
	if errors.Is(err, wallet.ErrNotFound) {
		if _, err := store.NewHotkey(name, workloadSubnet); err != nil {
			return nil, err
		}
		return store.Hotkey(name, workloadSubnet)
	}
	return s, err
}

// record notes a transaction's fate: committed (also when it failed in its block) or not.
func (w *Workload) record(kind, node string, res *chain.TxResult, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.attempts++
	var cerr *chain.Error
	switch {
	case err == nil && res != nil:
		w.committed = append(w.committed, TxRecord{Hash: res.Hash, Height: res.Height, Kind: kind, Node: node})
	case errors.As(err, &cerr) && cerr.Height > 0 && cerr.TxHash != "":
		w.committed = append(w.committed, TxRecord{Hash: cerr.TxHash, Height: cerr.Height, Kind: kind + " (failed in its block)", Node: node})
	case err != nil:
		msg := "not included before the wait ended"
		if !errors.Is(err, chain.ErrNotIncluded) {
			msg = numbers.ReplaceAllString(err.Error(), "N")
		}
		if len(msg) > 160 {
			msg = msg[:160] + "…"
		}
		if w.errors == nil {
			w.errors = map[string]int{}
		}
		w.errors[kind+": "+msg]++
	}
}

// Setup registers the workload's subnet (owned by alice, without commit-reveal) and a hotkey
// for each sender, unless an earlier run did; it runs through node0 before any fault.
func (w *Workload) Setup(ctx context.Context) error {
	c := w.clients[w.m.Nodes[0].Name]
	if _, err := c.WaitForHeight(ctx, 2); err != nil {
		return fmt.Errorf("waiting for the network's second block: %w", err)
	}
	subnets, _, err := c.Subnets(ctx)
	if err != nil {
		return err
	}
	for _, s := range subnets {
		if s.Name == workloadSubnet {
			w.netuid = uint16(s.Netuid)
			return nil
		}
	}
	alice, err := w.store.Coldkey("alice")
	if err != nil {
		return err
	}
	owner, err := hotkey(w.store, "alice")
	if err != nil {
		return err
	}
	res, tx, err := c.RegisterNetwork(ctx, alice, owner.Address(), workloadSubnet, 0)
	w.record("register-network", w.m.Nodes[0].Name, tx, err)
	if err != nil {
		return fmt.Errorf("registering the workload's subnet: %w", err)
	}
	w.netuid = uint16(res.Netuid)
	tx, err = c.Send(ctx, alice,
		&types.MsgSetHyperparameter{Signer: alice.Address(), Netuid: res.Netuid, Name: "commit_reveal", Value: "false"},
		&types.MsgStartCall{Owner: alice.Address(), Netuid: res.Netuid})
	w.record("configure-subnet", w.m.Nodes[0].Name, tx, err)
	if err != nil {
		return fmt.Errorf("configuring the workload's subnet: %w", err)
	}
	if err := w.shortenRateLimit(ctx, c, alice); err != nil {
		return err
	}
	errs := make([]error, len(senders))
	var wg sync.WaitGroup
	for i, name := range senders {
		wg.Go(func() {
			cold, err := w.store.Coldkey(name)
			if err != nil {
				errs[i] = err
				return
			}
			hot, err := hotkey(w.store, name)
			if err != nil {
				errs[i] = err
				return
			}
			_, tx, err := c.Register(ctx, cold, w.netuid, hot.Address(), 0)
			w.record("register", w.m.Nodes[0].Name, tx, err)
			errs[i] = err
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// weightsRateLimit is the rate limit governance gives the workload's subnet: a weight row every
// ten blocks per hotkey instead of every 100, so that a short run sets weights too.
const weightsRateLimit = "10"

// shortenRateLimit proposes to governance (the chain authority of a testnet) the workload
// subnet's weights rate limit, and every validator votes yes; the proposal passes at the end of
// the voting period while the workload runs.
func (w *Workload) shortenRateLimit(ctx context.Context, c *chain.Client, proposer *wallet.Signer) error {
	govv1.RegisterInterfaces(c.Encoding().InterfaceRegistry)
	gov, err := bech32.ConvertAndEncode(synapse.AddressPrefix, authtypes.NewModuleAddress(govtypes.ModuleName))
	if err != nil {
		return err
	}
	msg, err := govv1.NewMsgSubmitProposal(
		[]sdk.Msg{&types.MsgSetHyperparameter{Signer: gov, Netuid: uint32(w.netuid), Name: "weights_set_rate_limit", Value: weightsRateLimit}},
		sdk.NewCoins(sdk.NewInt64Coin(types.Denom, 10_000_000)), proposer.Address(), "",
		"chaos: short weights rate limit", "weights every ten blocks on the chaos workload's subnet", false)
	if err != nil {
		return err
	}
	tx, err := c.Send(ctx, proposer, msg)
	w.record("submit-proposal", w.m.Nodes[0].Name, tx, err)
	if err != nil {
		return fmt.Errorf("proposing the workload subnet's rate limit: %w", err)
	}
	var resp govv1.MsgSubmitProposalResponse
	if err := tx.Response(0, &resp); err != nil {
		return err
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, n := range w.m.Nodes {
		if !n.Validator {
			continue
		}
		wg.Go(func() {
			store, err := wallet.Open(localnet.KeyringBackend, n.Home, nil)
			var voter *wallet.Signer
			if err == nil {
				voter, err = store.Coldkey(n.Name)
			}
			if err == nil {
				var tx *chain.TxResult
				tx, err = c.Send(ctx, voter, &govv1.MsgVote{ProposalId: resp.ProposalId, Voter: voter.Address(), Option: govv1.OptionYes})
				w.record("vote", w.m.Nodes[0].Name, tx, err)
			}
			if err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("%s voting: %w", n.Name, err))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// client picks a node that is up, at random.
func (w *Workload) client(rng *rand.Rand) (string, *chain.Client) {
	up := w.up()
	if len(up) == 0 {
		return "", nil
	}
	name := up[rng.IntN(len(up))]
	return name, w.clients[name]
}

// Run sends transactions until ctx ends: each sender in turn a bank send, a stake added or a
// stake removed; and every hotkey its weights whenever the rate limit allows.
func (w *Workload) Run(ctx context.Context, seed uint64) {
	var wg sync.WaitGroup
	for i, name := range senders {
		wg.Go(func() { w.sender(ctx, rand.New(rand.NewPCG(seed, uint64(i))), name, senders[(i+1)%len(senders)]) })
	}
	wg.Go(func() { w.weights(ctx, rand.New(rand.NewPCG(seed, 99))) })
	wg.Wait()
}

func (w *Workload) sender(ctx context.Context, rng *rand.Rand, name, payee string) {
	cold, err1 := w.store.Coldkey(name)
	to, err2 := w.store.Coldkey(payee)
	hot, err3 := hotkey(w.store, name)
	if err := errors.Join(err1, err2, err3); err != nil {
		return
	}
	for ctx.Err() == nil {
		node, c := w.client(rng)
		if c == nil {
			sleepCtx(ctx, 200*time.Millisecond)
			continue
		}
		tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		switch op := rng.IntN(4); op {
		case 0, 1:
			tx, err := c.Transfer(tctx, cold, to.Address(), 1_000+rng.Uint64N(1_000_000))
			w.record("bank-send", node, tx, err)
		case 2:
			_, tx, err := c.AddStake(tctx, cold, hot.Address(), w.netuid, 10_000_000+rng.Uint64N(10_000_000), chain.NoLimit)
			w.record("add-stake", node, tx, err)
		default:
			_, tx, err := c.RemoveStake(tctx, cold, hot.Address(), w.netuid, 3_000_000+rng.Uint64N(3_000_000), chain.NoLimit)
			w.record("remove-stake", node, tx, err)
		}
		cancel()
		sleepCtx(ctx, time.Duration(100+rng.IntN(300))*time.Millisecond)
	}
}

// weights sets each registered hotkey's weights as often as the subnet's rate limit allows: the
// owner's hotkey on every uid, the others on themselves (which needs no validator permit).
func (w *Workload) weights(ctx context.Context, rng *rand.Rand) {
	next := map[string]int64{}
	names := append([]string{"alice"}, senders...)
	for ctx.Err() == nil {
		sleepCtx(ctx, time.Second)
		node, c := w.client(rng)
		if c == nil {
			continue
		}
		mg, err := c.Metagraph(ctx, w.netuid, false, false)
		if err != nil {
			continue
		}
		hp, err := c.Hyperparameters(ctx, w.netuid)
		if err != nil {
			continue
		}
		uids := map[string]uint16{}
		var all []uint16
		for _, n := range mg.Neurons {
			uids[n.Hotkey] = uint16(n.Uid)
			all = append(all, uint16(n.Uid))
		}
		sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
		for _, name := range names {
			hot, err := hotkey(w.store, name)
			if err != nil || mg.Height < next[name] {
				continue
			}
			uid, ok := uids[hot.Address()]
			if !ok {
				continue
			}
			wt := chain.Weights{UIDs: []uint16{uid}, Values: []uint16{65535}}
			if name == "alice" {
				wt = chain.Weights{UIDs: all, Values: make([]uint16, len(all))}
				for i := range wt.Values {
					wt.Values[i] = uint16(1 + rng.IntN(65535))
				}
			}
			tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			tx, err := c.SetWeights(tctx, hot, w.netuid, wt)
			cancel()
			w.record("set-weights", node, tx, err)
			if err == nil {
				next[name] = tx.Height + int64(hp.WeightsSetRateLimit)
			} else {
				next[name] = mg.Height + 5
			}
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
