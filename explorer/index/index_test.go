package index_test

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/explorer/index"
	"github.com/gotensor/gotensor/explorer/internal/pgtest"
	"github.com/gotensor/gotensor/explorer/store"
	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/sdk/chain/chaintest"
	"github.com/gotensor/gotensor/sdk/synapse"
	"github.com/gotensor/gotensor/x/subnet/types"
)

func TestMain(m *testing.M) { os.Exit(chaintest.Main(m)) }

// fixture is a chain with a subnet that has run epochs: the owner's hotkey (a validator) weighs two
// miners of different coldkeys.
type fixture struct {
	n        *chaintest.Network
	c        *chain.Client
	rpc      string
	netuid   uint16
	regHash  string
	upTo     int64
	minerKey string
	// validator is the owner's hotkey; coldkeys are every coldkey of the chain that may stake to
	// it (the owner, the miners' owners and a nominator).
	validator string
	coldkeys  []string
	take      uint32
}

var shared *fixture

func setup(t testing.TB) *fixture {
	t.Helper()
	if shared != nil {
		return shared
	}
	n := chaintest.Shared(t)
	c := n.Client() // the fixture outlives the test that makes it
	ctx := context.Background()
	rpc, err := index.DiscoverRPC(ctx, n.GRPC)
	require.NoError(t, err)
	owner := n.Fund(t, 1_000*types.RaoPerTAO)
	ownerHotkey := synapse.GenerateKeySigner()
	netuid := n.Subnet(t, owner, ownerHotkey, "tempo", "3", "commit_reveal", "false", "weights_set_rate_limit", "0")
	f := &fixture{n: n, c: c, rpc: rpc, netuid: netuid, validator: ownerHotkey.Address(), coldkeys: []string{owner.Address()}, take: 5000}
	for i := range 2 {
		coldkey := n.Fund(t, 100*types.RaoPerTAO)
		f.coldkeys = append(f.coldkeys, coldkey.Address())
		miner := synapse.GenerateKeySigner()
		_, res, err := c.Register(ctx, coldkey, netuid, miner.Address(), 0)
		require.NoError(t, err)
		if i == 0 {
			f.regHash, f.minerKey = res.Hash, miner.Address()
		}
	}
	w, err := chain.WeightsFromScores(map[uint16]float64{1: 0.7, 2: 0.3}, 0)
	require.NoError(t, err)
	_, err = c.SetWeights(ctx, ownerHotkey, netuid, w)
	require.NoError(t, err)
	// A nominator stakes to the validator, whose owner lowers its take.
	nominator := n.Fund(t, 100*types.RaoPerTAO)
	f.coldkeys = append(f.coldkeys, nominator.Address())
	_, _, err = c.AddStake(ctx, nominator, ownerHotkey.Address(), netuid, 10*types.RaoPerTAO, chain.NoLimit)
	require.NoError(t, err)
	_, err = c.Send(ctx, owner, &types.MsgSetDelegateTake{Coldkey: owner.Address(), Hotkey: ownerHotkey.Address(), Take: f.take})
	require.NoError(t, err)
	now, err := c.Height(ctx)
	require.NoError(t, err)
	f.upTo, err = c.WaitForHeight(ctx, now+8) // two epochs or more after the weights
	require.NoError(t, err)
	shared = f
	return f
}

func (f *fixture) indexer(t *testing.T, db *store.DB) *index.Indexer {
	t.Helper()
	ix, err := index.New(index.Config{Chain: f.c, RPC: f.rpc, Store: db})
	require.NoError(t, err)
	return ix
}

func openSQLite(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "explorer.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// The stored history says what the chain's own queries say at the same heights.
func TestIndexMatchesTheChain(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	db := openSQLite(t)
	got, err := f.indexer(t, db).IndexTo(ctx, f.upTo)
	require.NoError(t, err)
	require.Equal(t, f.upTo, got)

	for _, h := range []int64{1, f.upTo / 2, f.upTo} {
		b, err := db.Block(ctx, h)
		require.NoError(t, err)
		sp, err := f.c.Query().Supply(chain.AtHeight(ctx, h), &types.QuerySupplyRequest{})
		require.NoError(t, err)
		require.Equal(t, sp.TotalIssuance, b.Supply.TotalIssuance, "issuance at %d", h)
		require.Equal(t, sp.Burned, b.Supply.Burned, "burned at %d", h)
	}
	height, subnets, err := db.Subnets(ctx)
	require.NoError(t, err)
	require.Equal(t, f.upTo, height)
	want, err := f.c.Query().Subnets(chain.AtHeight(ctx, f.upTo), &types.QuerySubnetsRequest{})
	require.NoError(t, err)
	require.Len(t, subnets, len(want.Subnets))
	for i, s := range want.Subnets {
		require.Equal(t, uint16(s.Netuid), subnets[i].Netuid)
		require.Equal(t, s.Price, subnets[i].Price)
		require.Equal(t, s.TaoReserve, subnets[i].TaoReserve)
		require.Equal(t, s.Burn, subnets[i].Burn)
		require.Equal(t, s.Owner, subnets[i].Owner)
	}

	mg, err := db.Metagraph(ctx, f.netuid)
	require.NoError(t, err)
	chainMG, err := f.c.Query().Metagraph(chain.AtHeight(ctx, mg.Block), &types.QueryMetagraphRequest{Netuid: uint32(f.netuid)})
	require.NoError(t, err)
	require.Equal(t, uint64(mg.Block), chainMG.LastEpochBlock, "the metagraph is stored at an epoch")
	require.Len(t, mg.Neurons, 3)
	for i, n := range chainMG.Neurons {
		require.Equal(t, n.Hotkey, mg.Neurons[i].Hotkey)
		require.Equal(t, n.Incentive, mg.Neurons[i].Incentive)
		require.Equal(t, n.Dividends, mg.Neurons[i].Dividends)
		require.Equal(t, n.Emission, mg.Neurons[i].Emission)
		require.Equal(t, n.AlphaStake, mg.Neurons[i].AlphaStake)
	}
	require.Greater(t, mg.Neurons[1].Incentive, mg.Neurons[2].Incentive, "the miner weighted 0.7 earns more than the one weighted 0.3")

	fp, err := db.Fairness(ctx, f.netuid, 100)
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(fp.History), 2)
	last := fp.History[len(fp.History)-1].Measures
	require.Len(t, last, 4, "incentive and dividends, per uid and per coldkey")
	for _, m := range last {
		if m.Measure == "incentive" && m.Entity == "uid" {
			require.Equal(t, 2, m.Holders, "%+v", mg.Neurons)
			require.Equal(t, 1, m.Nak51, "the miner weighted 0.7 alone holds over half")
			require.Greater(t, m.Gini, 0.0)
		}
	}
	require.Len(t, fp.Validators, 1)
	require.NotNil(t, fp.Validators[0].CopyNow, "the owner's weights correlate with the consensus")
	require.Greater(t, *fp.Validators[0].CopyNow, 0.9, "a single validator makes the consensus")
	require.NotNil(t, fp.Validators[0].CopyPrev)

	tx, err := db.Tx(ctx, f.regHash)
	require.NoError(t, err)
	require.Equal(t, []string{"/gotensor.subnet.v1.MsgBurnedRegister"}, tx.Msgs)
	require.True(t, slices.ContainsFunc(tx.Events, func(e store.Event) bool {
		return e.Type == "gotensor.subnet.v1.EventNeuronRegistered" && e.Attrs["hotkey"] == f.minerKey
	}), "the registration's event names the miner: %v", tx.Events)
	regs, err := db.Registrations(ctx, f.netuid, 10)
	require.NoError(t, err)
	require.Len(t, regs, 3, "the owner's hotkey and two miners")
	require.Equal(t, f.minerKey, regs[1].Hotkey, "newest first: the second miner, then the first")
	require.Equal(t, uint16(1), regs[1].UID)
	require.Positive(t, regs[1].Burn)
	events, err := db.AddressEvents(ctx, f.minerKey, 10)
	require.NoError(t, err)
	require.NotEmpty(t, events, "the miner's address finds its events")
}

// The validators page's take and nominators are what the chain's own queries say at the epoch: the
// hotkey query's take, and the coldkeys whose stakes query lists the validator's hotkey and subnet.
func TestValidatorsTakeAndNominators(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	db := openSQLite(t)
	_, err := f.indexer(t, db).IndexTo(ctx, f.upTo)
	require.NoError(t, err)
	rows, err := db.Validators(ctx, 100)
	require.NoError(t, err)
	i := slices.IndexFunc(rows, func(r store.ValidatorRow) bool { return r.Netuid == f.netuid && r.Hotkey == f.validator })
	require.GreaterOrEqual(t, i, 0, "the owner's hotkey validates: %+v", rows)
	v := rows[i]
	at := chain.AtHeight(ctx, v.Block)
	hk, err := f.c.Query().Hotkey(at, &types.QueryHotkeyRequest{Hotkey: f.validator})
	require.NoError(t, err)
	require.NotNil(t, v.Take)
	require.Equal(t, hk.Take, *v.Take)
	require.Equal(t, f.take, *v.Take, "the take the owner set")
	nominators := 0
	for _, c := range f.coldkeys {
		st, err := f.c.Query().Stakes(at, &types.QueryStakesRequest{Coldkey: c})
		require.NoError(t, err)
		if slices.ContainsFunc(st.Stakes, func(s types.StakeView) bool { return s.Hotkey == f.validator && s.Netuid == uint32(f.netuid) }) {
			nominators++
		}
	}
	require.GreaterOrEqual(t, nominators, 2, "the owner (paid its cut as stake) and the nominator")
	require.NotNil(t, v.Nominators)
	require.Equal(t, nominators, *v.Nominators)
	mg, err := f.c.Query().Metagraph(at, &types.QueryMetagraphRequest{Netuid: uint32(f.netuid)})
	require.NoError(t, err)
	require.Equal(t, mg.Neurons[v.UID].AlphaStake, v.AlphaStake)
	require.InDelta(t, 1, v.Dominance, 1e-12, "the only validator")
}

// answers are everything the explorer's pages read, as JSON: two stores that give the same
// answers hold the same history.
func answers(t *testing.T, db *store.DB, netuid uint16, upTo int64) string {
	t.Helper()
	ctx := context.Background()
	var all []any
	add := func(v any, err error) {
		t.Helper()
		require.NoError(t, err)
		all = append(all, v)
	}
	add(db.Network(ctx))
	_, subnets, err := db.Subnets(ctx)
	add(subnets, err)
	add(db.Subnet(ctx, netuid))
	add(db.Metagraph(ctx, netuid))
	add(db.Fairness(ctx, netuid, 1000))
	for uid := range uint16(3) {
		add(db.UIDHistory(ctx, netuid, uid, 1000))
	}
	add(db.Validators(ctx, 1000))
	add(db.Registrations(ctx, netuid, 1000))
	add(db.Blocks(ctx, upTo, int(upTo)))
	for h := int64(1); h <= upTo; h++ {
		add(db.Block(ctx, h))
	}
	bz, err := json.Marshal(all)
	require.NoError(t, err)
	return string(bz)
}

// An indexer killed at random moments (its context cancelled mid-block, as a crash would leave
// it) and started again each time ends with the same history as one that ran straight through;
// storing blocks again changes nothing.
func TestResumeAfterKillAndIdempotence(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	straight := openSQLite(t)
	_, err := f.indexer(t, straight).IndexTo(ctx, f.upTo)
	require.NoError(t, err)
	want := answers(t, straight, f.netuid, f.upTo)

	killed := openSQLite(t)
	kills := 0
	for {
		have, err := killed.Height(ctx)
		require.NoError(t, err)
		if have == f.upTo {
			break
		}
		run, cancel := context.WithTimeout(ctx, time.Duration(5+rand.IntN(40))*time.Millisecond)
		_, err = f.indexer(t, killed).IndexTo(run, f.upTo)
		cancel()
		if err != nil {
			require.True(t, errors.Is(err, context.DeadlineExceeded) || run.Err() != nil, "only the kill stops it: %v", err)
			kills++
		}
	}
	require.Positive(t, kills, "the indexer was killed mid-way")
	require.Equal(t, want, answers(t, killed, f.netuid, f.upTo), "after %d kills", kills)

	ix := f.indexer(t, killed)
	for _, h := range []int64{1, f.upTo / 2, f.upTo} {
		require.NoError(t, ix.Index(ctx, h))
	}
	require.Equal(t, want, answers(t, killed, f.netuid, f.upTo), "storing blocks again counts nothing twice")
}

// SQLite and PostgreSQL, fed the same chain, answer every page the same.
func TestSQLiteAndPostgresAgree(t *testing.T) {
	f := setup(t)
	dsn := pgtest.Start(t)
	ctx := context.Background()
	pg, err := store.Open(ctx, dsn)
	require.NoError(t, err)
	defer pg.Close()
	require.Equal(t, "postgres", pg.Engine())
	lite := openSQLite(t)
	for _, db := range []*store.DB{lite, pg} {
		_, err := f.indexer(t, db).IndexTo(ctx, f.upTo)
		require.NoError(t, err)
	}
	require.Equal(t, answers(t, lite, f.netuid, f.upTo), answers(t, pg, f.netuid, f.upTo))
}

// BenchmarkIndexChain is the whole indexer, node to database, on the test chain (one subnet of
// three uids, tempo 3: its fetches are the per-block minimum plus frequent small metagraphs).
//
//	go test ./explorer/index/ -run '^$' -bench IndexChain -benchtime 3x
func BenchmarkIndexChain(b *testing.B) {
	f := setup(b)
	ctx := context.Background()
	var blocks int64
	for range b.N {
		db, err := store.Open(ctx, filepath.Join(b.TempDir(), "explorer.db"))
		if err != nil {
			b.Fatal(err)
		}
		ix, err := index.New(index.Config{Chain: f.c, RPC: f.rpc, Store: db})
		if err != nil {
			b.Fatal(err)
		}
		n, err := ix.IndexTo(ctx, f.upTo)
		if err != nil {
			b.Fatal(err)
		}
		blocks += n
		_ = db.Close()
	}
	b.ReportMetric(float64(blocks)/b.Elapsed().Seconds(), "blocks/s")
}
