package keeper_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/collections"
	sdkmath "cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/crypto/keys/secp256k1"
	cryptotypes "github.com/cosmos/cosmos-sdk/crypto/types"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/app/apptesting"
	"github.com/gotensor/gotensor/x/subnet/keeper"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// workNet is a subnet for the weight, commit-reveal and serving tests: n neurons whose hotkeys
// are fresh keys with an x/auth account and no balance; uid 0 is the owner's hotkey.
type workNet struct {
	t      *testing.T
	c      *apptesting.Chain
	k      keeper.Keeper
	srv    types.MsgServer
	netuid uint32
	keys   []workKey // by uid
}

type workKey struct {
	priv cryptotypes.PrivKey
	addr sdk.AccAddress
}

func (w workKey) String() string { return w.addr.String() }

func newWorkKey() workKey {
	priv := secp256k1.GenPrivKey()
	return workKey{priv: priv, addr: sdk.AccAddress(priv.PubKey().Address())}
}

// newWorkNet makes subnet netuid with n neurons registered at the current block, the subnet's
// hyperparameters adjusted by tune. It writes the records registration writes.
func newWorkNet(t *testing.T, c *apptesting.Chain, netuid uint32, n int, tune func(*types.Hyperparams)) *workNet {
	t.Helper()
	k := c.App.SubnetKeeper
	ctx := c.Ctx()
	block := uint64(ctx.BlockHeight())
	w := &workNet{t: t, c: c, k: k, srv: keeper.NewMsgServer(k), netuid: netuid}
	for range n {
		w.keys = append(w.keys, newWorkKey())
	}
	owner := c.Accounts[0].Address
	h := types.NewSubnetHyperparams()
	if tune != nil {
		tune(&h)
	}
	require.NoError(t, k.Subnets.Set(ctx, netuid, types.Subnet{
		Netuid: netuid, Name: "work", Symbol: "α", Owner: owner.String(), OwnerHotkey: w.keys[0].String(),
		RegisteredAt: block, N: uint32(n), TopologyChangedAt: block,
	}))
	require.NoError(t, k.Hyperparams.Set(ctx, netuid, h))
	require.NoError(t, k.Pools.Set(ctx, netuid, types.Pool{MovingPrice: make([]byte, 16), Volume: sdkmath.ZeroUint()}))
	require.NoError(t, k.Schedules.Set(ctx, netuid, types.Schedule{LastEpochBlock: block}))
	require.NoError(t, k.Burns.Set(ctx, netuid, types.InitialBurn))
	for uid, key := range w.keys {
		w.register(uint32(uid), key, block)
	}
	return w
}

// register writes key as uid: the neuron, the uid index, the owner, and the hotkey's account.
func (w *workNet) register(uid uint32, key workKey, block uint64) {
	ctx := w.c.Ctx()
	owner := w.c.Accounts[0].Address
	require.NoError(w.t, w.k.Neurons.Set(ctx, collections.Join(w.netuid, uid), types.Neuron{
		Uid: uid, Hotkey: key.String(), BlockAtRegistration: block,
	}))
	require.NoError(w.t, w.k.Uids.Set(ctx, collections.Join(w.netuid, key.addr), uid))
	require.NoError(w.t, w.k.Owners.Set(ctx, key.addr, owner))
	require.NoError(w.t, w.k.OwnedHotkeys.Set(ctx, collections.Join(owner, key.addr)))
	ak := w.c.App.AccountKeeper
	if ak.GetAccount(ctx, key.addr) == nil {
		ak.SetAccount(ctx, ak.NewAccountWithAddress(ctx, key.addr))
	}
}

func (w *workNet) hyperparams() types.Hyperparams {
	h, err := w.k.GetHyperparams(w.c.Ctx(), w.netuid)
	require.NoError(w.t, err)
	return h
}

func (w *workNet) setHyperparams(tune func(*types.Hyperparams)) {
	h := w.hyperparams()
	tune(&h)
	require.NoError(w.t, w.k.Hyperparams.Set(w.c.Ctx(), w.netuid, h))
}

func (w *workNet) neuron(uid uint32) types.Neuron {
	n, err := w.k.GetNeuron(w.c.Ctx(), w.netuid, uid)
	require.NoError(w.t, err)
	return n
}

func (w *workNet) setNeuron(uid uint32, edit func(*types.Neuron)) {
	n := w.neuron(uid)
	edit(&n)
	require.NoError(w.t, w.k.Neurons.Set(w.c.Ctx(), collections.Join(w.netuid, uid), n))
}

// stake gives uid's hotkey alpha stake on the subnet, as the epoch reads it.
func (w *workNet) stake(uid uint32, alpha uint64) {
	require.NoError(w.t, w.k.HotkeyPools.Set(w.c.Ctx(), collections.Join(w.keys[uid].addr, w.netuid),
		types.HotkeyPool{Alpha: alpha, Shares: sdkmath.NewUint(alpha)}))
}

// epoch moves the subnet's schedule on as a run epoch does (§3.1): index + 1, last epoch now.
func (w *workNet) epoch() {
	s, err := w.k.GetSchedule(w.c.Ctx(), w.netuid)
	require.NoError(w.t, err)
	s.EpochIndex++
	s.LastEpochBlock = uint64(w.c.Ctx().BlockHeight())
	require.NoError(w.t, w.k.Schedules.Set(w.c.Ctx(), w.netuid, s))
}

func (w *workNet) weights(uid uint32) (types.WeightRow, bool) {
	row, err := w.k.Weights.Get(w.c.Ctx(), collections.Join(w.netuid, uid))
	if err != nil {
		return types.WeightRow{}, false
	}
	return row, true
}

func (w *workNet) commits(uid uint32) []types.WeightCommit {
	q, err := w.k.Commits.Get(w.c.Ctx(), collections.Join(w.netuid, w.keys[uid].addr))
	if err != nil {
		return nil
	}
	return q.Commits
}

// workState is everything a weight, commit or axon message may write on a subnet, to prove a
// refused message wrote nothing.
type workState struct {
	Subnet  types.Subnet
	Neurons []types.Neuron
	Weights map[uint32]types.WeightRow
	Axons   map[uint32]types.AxonInfo
	Commits map[string][]types.WeightCommit
	Events  int
}

func (w *workNet) state() workState {
	ctx := w.c.Ctx()
	s := workState{Weights: map[uint32]types.WeightRow{}, Axons: map[uint32]types.AxonInfo{}, Commits: map[string][]types.WeightCommit{}}
	var err error
	s.Subnet, err = w.k.GetSubnet(ctx, w.netuid)
	require.NoError(w.t, err)
	s.Neurons, err = w.k.SubnetNeurons(ctx, w.netuid)
	require.NoError(w.t, err)
	for uid := range w.keys {
		if row, ok := w.weights(uint32(uid)); ok {
			s.Weights[uint32(uid)] = row
		}
		if axon, err := w.k.Axons.Get(ctx, collections.Join(w.netuid, uint32(uid))); err == nil {
			s.Axons[uint32(uid)] = axon
		}
		if q := w.commits(uint32(uid)); q != nil {
			s.Commits[w.keys[uid].String()] = q
		}
	}
	s.Events = len(ctx.EventManager().Events())
	return s
}

// next commits the block and checks the module's invariants.
func (w *workNet) next() {
	w.c.NextBlock()
	require.NoError(w.t, w.k.BrokenInvariants(w.c.Ctx()))
}

// advance commits blocks until the current block is height.
func (w *workNet) advanceTo(height int64) {
	for w.c.Ctx().BlockHeight() < height {
		w.next()
	}
}

func (w *workNet) block() uint64 { return uint64(w.c.Ctx().BlockHeight()) }
