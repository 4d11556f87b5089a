// Package index follows a gotensor node and writes its history into the explorer's store: per
// block the supply, the subnets, the transactions and events (from the node's CometBFT RPC), per
// epoch each subnet's metagraph with its fairness figures (from its gRPC API through sdk/chain,
// read at the block's own height). One block is one store transaction, so an indexer killed at
// any moment resumes from the store's height and never counts a block twice.
package index

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	cmttypes "github.com/cometbft/cometbft/types"

	abci "github.com/cometbft/cometbft/abci/types"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/explorer/store"
	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// Config is what an Indexer follows and where it writes.
type Config struct {
	// Chain is a client of the node's gRPC API.
	Chain *chain.Client
	// RPC is the same node's CometBFT RPC address (tcp://127.0.0.1:26657).
	RPC   string
	Store *store.DB
	// From is the first height an empty store indexes (0 means 1); the node must still hold
	// the state of every height from there.
	From int64
	// Poll is how often a caught-up indexer asks for a new block (0 means a second).
	Poll time.Duration
	// OnBlock, if set, is called after each block is stored.
	OnBlock func(height int64)
	Logger  *slog.Logger
}

// Indexer follows one node. Run it once.
type Indexer struct {
	cfg    Config
	rpc    *rpchttp.HTTP
	decode sdk.TxDecoder
	mu     sync.Mutex // one Index at a time: the store has one writer
}

// New prepares an indexer; it contacts nothing until it runs.
func New(cfg Config) (*Indexer, error) {
	if cfg.Chain == nil || cfg.Store == nil {
		return nil, errors.New("explorer index: a chain client and a store are required")
	}
	u, err := url.Parse(cfg.RPC)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("explorer index: the node's CometBFT RPC address %q: want tcp://host:port", cfg.RPC)
	}
	rpc, err := rpchttp.New(cfg.RPC, "/websocket")
	if err != nil {
		return nil, fmt.Errorf("explorer index: the node's CometBFT RPC at %s: %w", cfg.RPC, err)
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	if cfg.From <= 0 {
		cfg.From = 1
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Indexer{cfg: cfg, rpc: rpc, decode: cfg.Chain.Encoding().TxConfig.TxDecoder()}, nil
}

// Run indexes every block the node has and then each new one, until ctx ends. A block that fails
// is tried again after Poll; the error is logged, not returned, so that a node restarting does not
// stop the explorer.
func (ix *Indexer) Run(ctx context.Context) error {
	for {
		if _, err := ix.CatchUp(ctx); err != nil && ctx.Err() == nil {
			ix.cfg.Logger.Warn("explorer: indexing", "err", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(ix.cfg.Poll):
		}
	}
}

// CatchUp indexes the blocks between the store's height and the node's latest, and returns the
// height the store then holds.
func (ix *Indexer) CatchUp(ctx context.Context) (int64, error) {
	latest, err := ix.cfg.Chain.Height(ctx)
	if err != nil {
		return 0, err
	}
	return ix.IndexTo(ctx, latest)
}

// IndexTo indexes from the block after the store's height up to to, and returns the height the
// store then holds.
func (ix *Indexer) IndexTo(ctx context.Context, to int64) (int64, error) {
	have, err := ix.cfg.Store.Height(ctx)
	if err != nil {
		return 0, err
	}
	for h := max(have+1, ix.cfg.From); h <= to; h++ {
		if err := ix.Index(ctx, h); err != nil {
			return h - 1, err
		}
		have = h
	}
	return have, nil
}

// Index reads block h from the node and stores it (again, if it was stored: the result is the
// same).
func (ix *Indexer) Index(ctx context.Context, h int64) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	b, err := ix.Fetch(ctx, h)
	if err != nil {
		return err
	}
	if err := ix.cfg.Store.Save(ctx, b); err != nil {
		return err
	}
	if ix.cfg.OnBlock != nil {
		ix.cfg.OnBlock(h)
	}
	return nil
}

// Fetch reads everything the store keeps of block h.
func (ix *Indexer) Fetch(ctx context.Context, h int64) (store.Block, error) {
	b := store.Block{Height: h, Subnets: []store.Subnet{}, Txs: []store.Tx{}, Events: []store.Event{}}
	blk, err := ix.rpc.Block(ctx, &h)
	if err != nil {
		return b, fmt.Errorf("explorer index: block %d from %s: %w", h, ix.cfg.RPC, err)
	}
	res, err := ix.rpc.BlockResults(ctx, &h)
	if err != nil {
		return b, fmt.Errorf("explorer index: results of block %d from %s: %w", h, ix.cfg.RPC, err)
	}
	if len(res.TxsResults) != len(blk.Block.Txs) {
		return b, fmt.Errorf("explorer index: block %d has %d transactions and %d results", h, len(blk.Block.Txs), len(res.TxsResults))
	}
	b.Time, b.Hash = blk.Block.Time.UTC(), blk.BlockID.Hash.String()
	b.Proposer = blk.Block.ProposerAddress.String()
	for i, raw := range blk.Block.Txs {
		r := res.TxsResults[i]
		t := store.Tx{Hash: strings.ToUpper(hex.EncodeToString(cmttypes.Tx(raw).Hash())), Height: h, Index: i,
			Code: r.Code, GasUsed: r.GasUsed, Msgs: ix.messageTypes(raw)}
		if r.Code != 0 {
			t.Log = r.Log
		}
		b.Txs = append(b.Txs, t)
		ix.addEvents(&b, t.Hash, r.Events)
	}
	ix.addEvents(&b, "", res.FinalizeBlockEvents)
	for _, e := range b.Events {
		if e.Type == "gotensor.subnet.v1.EventRecycle" {
			var amount uint64
			if _, err := fmt.Sscan(e.Attrs["amount"], &amount); err == nil {
				b.Recycled += amount
			}
		}
	}

	at := chain.AtHeight(ctx, h)
	sp, err := ix.cfg.Chain.Query().Supply(at, &types.QuerySupplyRequest{})
	if err != nil {
		return b, fmt.Errorf("explorer index: supply at %d: %w", h, err)
	}
	b.Supply = store.Supply{TotalIssuance: sp.TotalIssuance, Burned: sp.Burned, BlockEmission: sp.BlockEmission, MaxSupply: sp.MaxSupply,
		Halvings: sp.Halvings, NextHalvingIssuance: sp.NextHalvingIssuance, BlocksToNextHalving: sp.BlocksToNextHalving}
	subnets, err := ix.cfg.Chain.Query().Subnets(at, &types.QuerySubnetsRequest{})
	if err != nil {
		return b, fmt.Errorf("explorer index: subnets at %d: %w", h, err)
	}
	for _, s := range subnets.Subnets {
		b.Subnets = append(b.Subnets, store.Subnet{Netuid: uint16(s.Netuid), Name: s.Name, Symbol: s.Symbol, Owner: s.Owner,
			OwnerHotkey: s.OwnerHotkey, Tempo: s.Tempo, N: s.N, MaxN: s.MaxN, Burn: s.Burn, Price: s.Price, TaoReserve: s.TaoReserve,
			AlphaIn: s.AlphaIn, AlphaOut: s.AlphaOut, EmissionShare: s.EmissionShare, Started: s.Started, LastEpochBlock: s.LastEpochBlock})
		if int64(s.LastEpochBlock) != h {
			continue
		}
		mg, err := ix.cfg.Chain.Query().Metagraph(at, &types.QueryMetagraphRequest{Netuid: s.Netuid, Weights: true})
		if err != nil {
			return b, fmt.Errorf("explorer index: metagraph of subnet %d at %d: %w", s.Netuid, h, err)
		}
		prev, err := ix.cfg.Store.Consensus(ctx, uint16(s.Netuid), h)
		if err != nil {
			return b, err
		}
		e := Epoch(uint16(s.Netuid), h, mg, prev)
		if e.Takes, err = ix.takes(at, e); err != nil {
			return b, err
		}
		b.Epochs = append(b.Epochs, e)
	}
	if b.Stakes, err = ix.stakes(ctx, at, b); err != nil {
		return b, err
	}
	return b, nil
}

// takes asks the node for the take of each of the epoch's validators at its block.
func (ix *Indexer) takes(at context.Context, e store.Epoch) (map[uint16]uint32, error) {
	out := make(map[uint16]uint32, len(e.Validators))
	for _, v := range e.Validators {
		hk, err := ix.cfg.Chain.Query().Hotkey(at, &types.QueryHotkeyRequest{Hotkey: v.Hotkey})
		if err != nil {
			return nil, fmt.Errorf("explorer index: hotkey %s at %d: %w", v.Hotkey, e.Block, err)
		}
		out[v.UID] = hk.Take
	}
	return out, nil
}

// quietEvents are the subnet events that change no stake record: the others name the coldkeys
// (and hotkeys) whose records the indexer reads again.
var quietEvents = map[string]bool{
	"gotensor.subnet.v1.EventCoinbase": true, "gotensor.subnet.v1.EventRecycle": true, "gotensor.subnet.v1.EventBurn": true,
	"gotensor.subnet.v1.EventParamsUpdated": true, "gotensor.subnet.v1.EventStartCall": true,
	"gotensor.subnet.v1.EventHyperparameterSet": true, "gotensor.subnet.v1.EventNeuronRegistered": true,
	"gotensor.subnet.v1.EventDelegateTakeSet": true, "gotensor.subnet.v1.EventWeightsSet": true,
	"gotensor.subnet.v1.EventWeightsCommitted": true, "gotensor.subnet.v1.EventAxonServed": true,
	"gotensor.subnet.v1.EventEpoch": true, "gotensor.subnet.v1.EventEpochTriggered": true,
	"gotensor.subnet.v1.EventEpochDeferred": true, "gotensor.subnet.v1.EventEpochSkipped": true,
}

// stakes reads again, at block b, the stake records of every coldkey b may have changed: each
// address a stake-moving event names (as a coldkey, and the coldkeys staking to it as a hotkey),
// every coldkey staking on a subnet being dissolved, and the owners an epoch pays (a uid's paid
// emission is staked to its hotkey for the hotkey's owner, the owner's cut to the owner's hotkey)
// where the store does not already hold that record. Records end only through transactions and
// dissolutions, which name them.
func (ix *Indexer) stakes(ctx, at context.Context, b store.Block) ([]store.ColdkeyStakes, error) {
	db := ix.cfg.Store
	var coldkeys []string
	seen := map[string]bool{}
	add := func(cs ...string) {
		for _, c := range cs {
			if c != "" && !seen[c] {
				seen[c] = true
				coldkeys = append(coldkeys, c)
			}
		}
	}
	for _, e := range b.Events {
		if !strings.HasPrefix(e.Type, "gotensor.subnet.v1.") || quietEvents[e.Type] {
			continue
		}
		if e.Type == "gotensor.subnet.v1.EventDissolutionProgress" || e.Type == "gotensor.subnet.v1.EventDissolutionFinished" ||
			e.Type == "gotensor.subnet.v1.EventNetworkPruned" {
			var netuid uint16
			if _, err := fmt.Sscan(e.Attrs["netuid"], &netuid); err != nil {
				return nil, fmt.Errorf("explorer index: %s at %d names no netuid: %v", e.Type, b.Height, e.Attrs)
			}
			cs, err := db.StakersOn(ctx, netuid)
			if err != nil {
				return nil, err
			}
			add(cs...)
		}
		for _, a := range e.Addresses(store.AddressPrefix) {
			add(a)
			cs, err := db.StakersTo(ctx, a)
			if err != nil {
				return nil, err
			}
			add(cs...)
		}
	}
	owners := map[uint16]store.Subnet{}
	for _, s := range b.Subnets {
		owners[s.Netuid] = s
	}
	for _, e := range b.Epochs {
		paid := []store.StakeHolding{{Hotkey: owners[e.Netuid].OwnerHotkey, Netuid: e.Netuid}}
		owner := []string{owners[e.Netuid].Owner}
		for _, n := range e.Neurons {
			if n.Emission > 0 {
				paid, owner = append(paid, store.StakeHolding{Hotkey: n.Hotkey, Netuid: e.Netuid}), append(owner, n.Coldkey)
			}
		}
		for i, p := range paid {
			if seen[owner[i]] || p.Hotkey == "" {
				continue
			}
			held, err := db.Holds(ctx, owner[i], p)
			if err != nil {
				return nil, err
			}
			if !held {
				add(owner[i])
			}
		}
	}
	out := make([]store.ColdkeyStakes, 0, len(coldkeys))
	for _, c := range coldkeys {
		res, err := ix.cfg.Chain.Query().Stakes(at, &types.QueryStakesRequest{Coldkey: c})
		if err != nil {
			return nil, fmt.Errorf("explorer index: stakes of %s at %d: %w", c, b.Height, err)
		}
		cs := store.ColdkeyStakes{Coldkey: c, Holdings: []store.StakeHolding{}}
		for _, st := range res.Stakes {
			cs.Holdings = append(cs.Holdings, store.StakeHolding{Hotkey: st.Hotkey, Netuid: uint16(st.Netuid)})
		}
		out = append(out, cs)
	}
	return out, nil
}

// messageTypes are a transaction's message type URLs, or "undecodable".
func (ix *Indexer) messageTypes(raw []byte) []string {
	tx, err := ix.decode(raw)
	if err != nil {
		return []string{"undecodable"}
	}
	var out []string
	for _, m := range tx.GetMsgs() {
		out = append(out, sdk.MsgTypeURL(m))
	}
	return out
}

// addEvents appends events with their attributes; typed events' JSON-quoted strings are unquoted.
func (ix *Indexer) addEvents(b *store.Block, txHash string, events []abci.Event) {
	for _, e := range events {
		attrs := make(map[string]string, len(e.Attributes))
		for _, a := range e.Attributes {
			v := a.Value
			var s string
			if strings.HasPrefix(v, `"`) && json.Unmarshal([]byte(v), &s) == nil {
				v = s
			}
			attrs[a.Key] = v
		}
		b.Events = append(b.Events, store.Event{Height: b.Height, Index: len(b.Events), TxHash: txHash, Type: e.Type, Attrs: attrs})
	}
}
