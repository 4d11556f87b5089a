// Package synth writes a synthetic history into an explorer store: blocks at a fixed interval,
// every subnet's pool drifting each block, and an epoch every tempo blocks with a full metagraph
// (validators' weights included, so the fairness figures are computed as for a real chain). The
// explorer's tests and benchmarks measure pages on it at sizes no test chain reaches.
package synth

import (
	"context"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/cosmos/cosmos-sdk/types/bech32"

	"github.com/gotensor/gotensor/explorer/index"
	"github.com/gotensor/gotensor/explorer/store"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// Spec sizes a history.
type Spec struct {
	Subnets, UIDs, Validators int
	Blocks                    int64
	// From is the first height stored (0 or 1: all): the history is drawn from height 1 in
	// every case, so a store holding a part of it is completed, not changed.
	From      int64
	Tempo     int64
	BlockTime time.Duration
	Seed      uint64
}

// Address is a deterministic account address for synthetic account i of a kind (20 bytes of a
// hash, so no key behind it).
func Address(kind string, i int) string {
	sum := sha256.Sum256([]byte(kind + strconv.Itoa(i)))
	a, err := bech32.ConvertAndEncode(store.AddressPrefix, sum[:20])
	if err != nil {
		panic(err) // 20 bytes under a fixed prefix always encode
	}
	return a
}

// Write stores the history from height From (1 by default) to Blocks, one block at a time, as the
// indexer stores a chain's.
func Write(ctx context.Context, db *store.DB, s Spec) error {
	return generate(s, func(b store.Block) error { return db.Save(ctx, b) })
}

// loadBatch is how many blocks Load writes in one transaction.
const loadBatch = 200

// Load stores the same history as Write, many blocks to a transaction and many rows to a
// statement (store.Load): a month of 64 subnets in minutes rather than hours. The store must hold
// no block at or above From.
func Load(ctx context.Context, db *store.DB, s Spec) error {
	var pending []store.Block
	err := generate(s, func(b store.Block) error {
		if pending = append(pending, b); len(pending) < loadBatch {
			return nil
		}
		err := db.Load(ctx, pending)
		pending = pending[:0]
		return err
	})
	if err != nil {
		return err
	}
	return db.Load(ctx, pending)
}

// Nominators is how many coldkeys stake to the validator of a uid: 1 to 8.
func Nominators(uid int) int { return 1 + uid%8 }

// Take is the take of the validator of a uid: 5 % to 18 % of 65535.
func Take(uid int) uint32 { return uint32(65535 * (5 + uid%14) / 100) }

// generate draws the history and hands each block from height From to keep.
func generate(s Spec, keep func(store.Block) error) error {
	rng := rand.New(rand.NewPCG(s.Seed, 1))
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	prices := make([]float64, s.Subnets)
	for i := range prices {
		prices[i] = 0.01 + rng.Float64()*0.5
	}
	addrs := newAddresses()
	consensus := make([]map[uint16]uint32, s.Subnets)
	share := strconv.FormatFloat(1/float64(s.Subnets), 'f', 18, 64)
	for h := int64(1); h <= s.Blocks; h++ {
		b := store.Block{Height: h, Time: start.Add(time.Duration(h) * s.BlockTime), Hash: fmt.Sprintf("%064X", h), Proposer: fmt.Sprintf("%040X", 1),
			Supply: store.Supply{TotalIssuance: uint64(h) * types.RaoPerTAO, BlockEmission: types.RaoPerTAO, MaxSupply: 21_000_000 * types.RaoPerTAO,
				NextHalvingIssuance: 10_500_000 * types.RaoPerTAO, BlocksToNextHalving: uint64(10_500_000 - h)},
			Subnets: make([]store.Subnet, 0, s.Subnets), Txs: []store.Tx{}, Events: []store.Event{}}
		if h == 1 {
			b.Stakes = stakes(s, addrs)
		}
		for n := range s.Subnets {
			netuid := uint16(n + 1)
			prices[n] *= 1 + (rng.Float64()-0.5)*0.002
			tao := uint64(1000+n) * types.RaoPerTAO
			lastEpoch := h - (h+int64(n))%s.Tempo
			b.Subnets = append(b.Subnets, store.Subnet{Netuid: netuid, Name: "subnet-" + strconv.Itoa(int(netuid)), Symbol: "α",
				Owner: addrs.get("owner", n), OwnerHotkey: addrs.get("ownerhot", n), Tempo: uint32(s.Tempo), N: uint32(s.UIDs), MaxN: 256,
				Burn: types.RaoPerTAO, Price: strconv.FormatFloat(prices[n], 'f', 18, 64), TaoReserve: tao, AlphaIn: uint64(float64(tao) / prices[n]),
				AlphaOut: uint64(h) * types.RaoPerTAO / 2, EmissionShare: share, Started: true,
				LastEpochBlock: uint64(max(lastEpoch, 0))})
			if lastEpoch != h {
				continue
			}
			mg := metagraph(rng, addrs, netuid, h, s)
			e := index.Epoch(netuid, h, mg, consensus[n])
			e.Takes = map[uint16]uint32{}
			for _, v := range e.Validators {
				e.Takes[v.UID] = Take(int(v.UID))
			}
			consensus[n] = map[uint16]uint32{}
			for _, nv := range mg.Neurons {
				consensus[n][uint16(nv.Uid)] = nv.Consensus
			}
			b.Epochs = append(b.Epochs, e)
		}
		if h < s.From {
			continue
		}
		if err := keep(b); err != nil {
			return err
		}
	}
	return nil
}

// stakes are the history's stake records, all made at block 1: nominator coldkey j stakes to the
// validator of every uid whose Nominators exceed j.
func stakes(s Spec, addrs *addresses) []store.ColdkeyStakes {
	var out []store.ColdkeyStakes
	for j := range Nominators(7) {
		c := store.ColdkeyStakes{Coldkey: addrs.get("nominator", j)}
		for n := range s.Subnets {
			for uid := range s.Validators {
				if Nominators(uid) > j {
					c.Holdings = append(c.Holdings, store.StakeHolding{Hotkey: addrs.get("hot", (n+1)*1000+uid), Netuid: uint16(n + 1)})
				}
			}
		}
		out = append(out, c)
	}
	return out
}

// addresses remembers the addresses drawn: a month of history names the same few thousand
// accounts millions of times.
type addresses struct{ m map[string]string }

func newAddresses() *addresses { return &addresses{m: map[string]string{}} }

func (a *addresses) get(kind string, i int) string {
	key := kind + strconv.Itoa(i)
	if v, ok := a.m[key]; ok {
		return v
	}
	v := Address(kind, i)
	a.m[key] = v
	return v
}

// metagraph draws a subnet's metagraph: the first Validators uids validate (stake, dividends,
// weights on every miner), the rest mine (incentive by a skill that persists across epochs).
func metagraph(rng *rand.Rand, addrs *addresses, netuid uint16, h int64, s Spec) *types.QueryMetagraphResponse {
	mg := &types.QueryMetagraphResponse{Netuid: uint32(netuid), Height: h, LastEpochBlock: uint64(h)}
	for uid := range s.UIDs {
		v := uid < s.Validators
		skill := uint32(1000 + (uid*7919)%60000)
		nv := types.NeuronView{Netuid: uint32(netuid), Uid: uint32(uid), Hotkey: addrs.get("hot", int(netuid)*1000+uid),
			Coldkey: addrs.get("cold", uid%(s.UIDs/2+1)), Active: true, LastUpdate: uint64(h - 1), BlockAtRegistration: 1,
			ValidatorPermit: v, Emission: uint64(rng.IntN(1_000_000_000))}
		if v {
			nv.AlphaStake = uint64(1+rng.IntN(1000)) * types.RaoPerTAO
			nv.Dividends, nv.ValidatorTrust = uint32(rng.IntN(65536)), uint32(60000+rng.IntN(5536))
			row := types.MatrixRow{Uid: uint32(uid)}
			for m := s.Validators; m < s.UIDs; m++ {
				row.Entries = append(row.Entries, types.WeightEntry{Uid: uint32(m), Value: uint32(rng.IntN(65536))})
			}
			mg.Weights = append(mg.Weights, row)
		} else {
			nv.Incentive, nv.Consensus = skill, skill
		}
		mg.Neurons = append(mg.Neurons, nv)
	}
	return mg
}
