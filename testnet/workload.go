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
	"slices"
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
// sends, stake added and removed, weights set by registered hotkeys, weights committed and
// revealed by other hotkeys on a commit-reveal subnet — from the development accounts in node0's
// keyring, and records every transaction a node reported committed.
type Workload struct {
	m       *Manifest
	store   *wallet.Store
	clients map[string]*chain.Client
	// gov is the governance module's address, the chain authority.
	gov string
	// netuid is the subnet of set-weights, crNetuid the commit-reveal subnet's.
	netuid, crNetuid uint16
	// crSkipped says why the workload does not commit and reveal, if it does not.
	crSkipped string
	// up names the nodes transactions may be sent through now.
	up func() []string

	mu        sync.Mutex
	committed []TxRecord
	attempts  int
	// errors counts the transactions not committed, by kind and the start of the error.
	errors map[string]int
	// reveals are every reveal tried, by hotkey, in order; openAtEnd counts the commits still
	// waiting for their reveal epoch when the workload stopped.
	reveals   map[string][]Reveal
	openAtEnd int
}

// Reveal is a reveal the workload sent: the row, and whether a node reported it committed and
// accepted (Landed: in its commit's reveal window) or its fate is unknown (not included before
// the wait ended, so it may still have landed).
type Reveal struct {
	Weights chain.Weights
	Landed  bool
	Unknown bool
}

// numbers are the hashes and amounts that make every error's text different.
var numbers = regexp.MustCompile(`[0-9A-F]{64}|[0-9]+(\.[0-9]+)?`)

// workloadSubnet is the subnet the workload registers and sets weights on; commitRevealSubnet
// the one on which it commits and reveals them. Each is also the name of the senders' hotkeys
// registered on it.
const (
	workloadSubnet     = "chaos"
	commitRevealSubnet = "chaos-cr"
)

// senders are the coldkeys that move TAO and stake (alice owns the subnet).
var senders = []string{"bob", "carol", "dave", "eve"}

// NewWorkload opens node0's keyring and a client per node.
func NewWorkload(m *Manifest, up func() []string) (*Workload, error) {
	store, err := wallet.Open(localnet.KeyringBackend, m.Nodes[0].Home, nil)
	if err != nil {
		return nil, err
	}
	gov, err := bech32.ConvertAndEncode(synapse.AddressPrefix, authtypes.NewModuleAddress(govtypes.ModuleName))
	if err != nil {
		return nil, err
	}
	w := &Workload{m: m, store: store, clients: map[string]*chain.Client{}, gov: gov, up: up, reveals: map[string][]Reveal{}}
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

// hotkeyOf is coldkey name's hotkey named after subnet, made on first use.
func hotkeyOf(store *wallet.Store, name, subnet string) (*wallet.Signer, error) {
	s, err := store.Hotkey(name, subnet)
	if errors.Is(err, wallet.ErrNotFound) {
		if _, err := store.NewHotkey(name, subnet); err != nil {
			return nil, err
		}
		return store.Hotkey(name, subnet)
	}
	return s, err
}

// CommitRevealSkipped says why the workload sends no commits and reveals ("" when it does).
func (w *Workload) CommitRevealSkipped() string { return w.crSkipped }

// CommitsOpenAtEnd counts the commits that were waiting for their reveal epoch when Run ended.
func (w *Workload) CommitsOpenAtEnd() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.openAtEnd
}

// Reveals are the reveals tried so far, by hotkey address.
func (w *Workload) Reveals() map[string][]Reveal {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := map[string][]Reveal{}
	for k, v := range w.reveals {
		out[k] = slices.Clone(v)
	}
	return out
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

// Setup registers the workload's two subnets (owned by alice: one without commit-reveal for
// set-weights, one with it for commit and reveal) and a hotkey for each sender on each, and
// proposes to governance the short rate limits and tempo they run with, unless an earlier run
// did; it runs through node0 before any fault. Homes written before the second subnet existed
// refuse a second subnet within network_rate_limit blocks: then the workload runs without
// commit-reveal and CommitRevealSkipped says why.
func (w *Workload) Setup(ctx context.Context) error {
	c := w.clients[w.m.Nodes[0].Name]
	if _, err := c.WaitForHeight(ctx, 2); err != nil {
		return fmt.Errorf("waiting for the network's second block: %w", err)
	}
	subnets, _, err := c.Subnets(ctx)
	if err != nil {
		return err
	}
	haveWeights, haveCommitReveal, newCommitReveal := false, false, false
	for _, s := range subnets {
		switch s.Name {
		case workloadSubnet:
			w.netuid, haveWeights = uint16(s.Netuid), true
		case commitRevealSubnet:
			w.crNetuid, haveCommitReveal = uint16(s.Netuid), true
		}
	}
	alice, err := w.store.Coldkey("alice")
	if err != nil {
		return err
	}
	var proposal []sdk.Msg
	if !haveWeights {
		netuid, err := w.registerSubnet(ctx, c, alice, workloadSubnet,
			&types.MsgSetHyperparameter{Signer: alice.Address(), Name: "commit_reveal", Value: "false"})
		if err != nil {
			return err
		}
		w.netuid = netuid
		proposal = append(proposal, w.authority(netuid, "weights_set_rate_limit", weightsRateLimit))
	}
	if !haveCommitReveal {
		netuid, err := w.registerSubnet(ctx, c, alice, commitRevealSubnet)
		switch {
		case errors.Is(err, types.ErrNetworkRateLimit):
			w.crSkipped = "the homes allow one subnet registration per network_rate_limit blocks (written before testnet start lowered it): " + err.Error()
		case err != nil:
			return err
		default:
			w.crNetuid, newCommitReveal = netuid, true
			proposal = append(proposal,
				w.authority(netuid, "tempo", commitRevealTempo),
				w.authority(netuid, "weights_set_rate_limit", commitRateLimit))
		}
	}
	if len(proposal) > 0 {
		if err := w.propose(ctx, c, alice, proposal); err != nil {
			return err
		}
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
			for _, s := range []struct {
				new    bool
				netuid uint16
				subnet string
			}{{!haveWeights, w.netuid, workloadSubnet}, {newCommitReveal, w.crNetuid, commitRevealSubnet}} {
				if !s.new {
					continue
				}
				hot, err := hotkeyOf(w.store, name, s.subnet)
				if err == nil {
					var tx *chain.TxResult
					_, tx, err = c.Register(ctx, cold, s.netuid, hot.Address(), 0)
					w.record("register", w.m.Nodes[0].Name, tx, err)
				}
				if err != nil {
					errs[i] = fmt.Errorf("registering %s's hotkey on %s: %w", name, s.subnet, err)
					return
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// registerSubnet registers subnet name owned by alice, with alice's hotkey of that name as the
// owner's hotkey, and starts it, with the owner's settings more in the same transaction.
func (w *Workload) registerSubnet(ctx context.Context, c *chain.Client, alice *wallet.Signer, name string, settings ...*types.MsgSetHyperparameter) (uint16, error) {
	owner, err := hotkeyOf(w.store, "alice", name)
	if err != nil {
		return 0, err
	}
	res, tx, err := c.RegisterNetwork(ctx, alice, owner.Address(), name, 0)
	w.record("register-network", w.m.Nodes[0].Name, tx, err)
	if err != nil {
		return 0, fmt.Errorf("registering the workload's subnet %s: %w", name, err)
	}
	msgs := []sdk.Msg{&types.MsgStartCall{Owner: alice.Address(), Netuid: res.Netuid}}
	for _, s := range settings {
		s.Netuid = res.Netuid
		msgs = append(msgs, s)
	}
	tx, err = c.Send(ctx, alice, msgs...)
	w.record("configure-subnet", w.m.Nodes[0].Name, tx, err)
	if err != nil {
		return 0, fmt.Errorf("configuring the workload's subnet %s: %w", name, err)
	}
	return uint16(res.Netuid), nil
}

// The settings governance gives the workload's subnets: a weight row every ten blocks per hotkey
// instead of every 100, so that a short run sets weights too; on the commit-reveal subnet an
// epoch every commitRevealTempo blocks instead of 360 (a commit is revealed in the next epoch, so
// this is also the reveal window) and a commit every commitRateLimit blocks.
const (
	weightsRateLimit  = "10"
	commitRevealTempo = "12"
	commitRateLimit   = "5"
)

// authority is a hyperparameter change by the chain authority (governance on a testnet).
func (w *Workload) authority(netuid uint16, name, value string) sdk.Msg {
	return &types.MsgSetHyperparameter{Signer: w.gov, Netuid: uint32(netuid), Name: name, Value: value}
}

// propose submits msgs to governance and every validator votes yes; the proposal passes at the
// end of the voting period while the workload runs.
func (w *Workload) propose(ctx context.Context, c *chain.Client, proposer *wallet.Signer, msgs []sdk.Msg) error {
	govv1.RegisterInterfaces(c.Encoding().InterfaceRegistry)
	msg, err := govv1.NewMsgSubmitProposal(msgs, sdk.NewCoins(sdk.NewInt64Coin(types.Denom, 10_000_000)), proposer.Address(), "",
		"chaos: the workload's subnets", "short weights and commit rate limits and a short commit-reveal tempo on the chaos workload's subnets", false)
	if err != nil {
		return err
	}
	tx, err := c.Send(ctx, proposer, msg)
	w.record("submit-proposal", w.m.Nodes[0].Name, tx, err)
	if err != nil {
		return fmt.Errorf("proposing the workload subnets' settings: %w", err)
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
// stake removed; every hotkey its weights whenever the rate limit allows; and on the
// commit-reveal subnet every hotkey a commit, its reveal in the next epoch, and so on.
func (w *Workload) Run(ctx context.Context, seed uint64) {
	var wg sync.WaitGroup
	for i, name := range senders {
		wg.Go(func() { w.sender(ctx, rand.New(rand.NewPCG(seed, uint64(i))), name, senders[(i+1)%len(senders)]) })
	}
	wg.Go(func() { w.weights(ctx, rand.New(rand.NewPCG(seed, 99))) })
	if w.crSkipped == "" {
		for i, name := range append([]string{"alice"}, senders...) {
			wg.Go(func() { w.commitReveal(ctx, rand.New(rand.NewPCG(seed, uint64(200+i))), name) })
		}
	}
	wg.Wait()
}

func (w *Workload) sender(ctx context.Context, rng *rand.Rand, name, payee string) {
	cold, err1 := w.store.Coldkey(name)
	to, err2 := w.store.Coldkey(payee)
	hot, err3 := hotkeyOf(w.store, name, workloadSubnet)
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
			hot, err := hotkeyOf(w.store, name, workloadSubnet)
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

// maxCommitTempo is the longest tempo at which the workload commits: above it governance has not
// yet shortened the commit-reveal subnet's, and a reveal would wait 360 blocks.
const maxCommitTempo = 24

// commitReveal commits weights by name's hotkey on the commit-reveal subnet, reveals them once
// the subnet's next epoch has run (its reveal period is one epoch), and commits again once the
// rate limit allows. alice's is the owner's hotkey and commits a row over every uid (its largest
// value 65535, so the chain stores it unscaled); the others a weight on themselves.
func (w *Workload) commitReveal(ctx context.Context, rng *rand.Rand, name string) {
	hot, err := hotkeyOf(w.store, name, commitRevealSubnet)
	if err != nil {
		return
	}
	type pending struct {
		commit chain.Commit
		// after is the block an epoch must run after before the reveal is due.
		after    int64
		attempts int
	}
	var (
		open       *pending
		nextCommit int64
	)
	defer func() {
		if open != nil {
			w.mu.Lock()
			w.openAtEnd++
			w.mu.Unlock()
		}
	}()
	for ctx.Err() == nil {
		sleepCtx(ctx, 500*time.Millisecond)
		node, c := w.client(rng)
		if c == nil {
			continue
		}
		mg, err := c.Metagraph(ctx, w.crNetuid, false, false)
		if err != nil {
			continue
		}
		if open != nil {
			if int64(mg.LastEpochBlock) <= open.after {
				continue // the reveal epoch has not begun
			}
			tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			tx, err := c.RevealWeights(tctx, hot, open.commit)
			cancel()
			w.record("reveal-weights", node, tx, err)
			w.noteReveal(hot.Address(), open.commit.Weights, tx, err)
			open.attempts++
			switch {
			case err == nil:
				open = nil
			case errors.Is(err, types.ErrRevealTooEarly):
				// An epoch deferred to the next block (max_epochs_per_block): wait for the next.
				open.after = int64(mg.LastEpochBlock)
			case errors.Is(err, chain.ErrNotIncluded) && open.attempts < 3:
				// Lost with a node that went down, perhaps: again, while the window lasts.
			default:
				open = nil
			}
			continue
		}
		if mg.Height < nextCommit {
			continue
		}
		hp, err := c.Hyperparameters(ctx, w.crNetuid)
		if err != nil || hp.Tempo > maxCommitTempo {
			continue
		}
		var uid uint16
		var all []uint16
		found := false
		for _, n := range mg.Neurons {
			all = append(all, uint16(n.Uid))
			if n.Hotkey == hot.Address() {
				uid, found = uint16(n.Uid), true
			}
		}
		if !found {
			continue
		}
		row := chain.Weights{UIDs: []uint16{uid}, Values: []uint16{65535}}
		if name == "alice" {
			slices.Sort(all)
			row = chain.Weights{UIDs: all, Values: make([]uint16, len(all))}
			for i := range row.Values {
				row.Values[i] = uint16(1 + rng.IntN(65535))
			}
			row.Values[rng.IntN(len(all))] = 65535
		}
		commit, err := chain.NewCommit(hot.Address(), w.crNetuid, row)
		if err != nil {
			continue
		}
		tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		_, tx, err := c.CommitWeights(tctx, hot, commit)
		cancel()
		w.record("commit-weights", node, tx, err)
		if err == nil {
			open = &pending{commit: commit, after: tx.Height}
			nextCommit = tx.Height + int64(hp.WeightsSetRateLimit)
		} else {
			nextCommit = mg.Height + 3
		}
	}
}

// noteReveal keeps a reveal's row and fate, for the check of every node's stored weights.
func (w *Workload) noteReveal(hotkey string, row chain.Weights, res *chain.TxResult, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var cerr *chain.Error
	failedInBlock := errors.As(err, &cerr) && cerr.Height > 0
	switch {
	case err == nil && res != nil:
		w.reveals[hotkey] = append(w.reveals[hotkey], Reveal{Weights: row, Landed: true})
	case err != nil && !failedInBlock && errors.Is(err, chain.ErrNotIncluded):
		w.reveals[hotkey] = append(w.reveals[hotkey], Reveal{Weights: row, Unknown: true})
	}
}

func sleepCtx(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
