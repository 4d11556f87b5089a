package keeper_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/collections"

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
	t      testing.TB
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

// newWorkChain is a test chain where subnets register back to back (no network rate limit), its
// root parameters adjusted by tune.
func newWorkChain(t testing.TB, tune func(*types.Params)) *apptesting.Chain {
	return apptesting.New(t, apptesting.WithParams(func(p *types.Params) {
		p.NetworkRateLimit = 0
		if tune != nil {
			tune(p)
		}
	}))
}

// newWorkNet registers a subnet, expected to get netuid, owned by the chain's first account, and
// n neurons: uid 0 the owner's hotkey, the others registered by the second account with
// burned-register. Their LastUpdate is then reset to 0 (never set weights), so that each test
// states the rate-limit history it needs; the subnet's hyperparameters are adjusted by tune.
func newWorkNet(t testing.TB, c *apptesting.Chain, netuid uint32, n int, tune func(*types.Hyperparams)) *workNet {
	t.Helper()
	k := c.App.SubnetKeeper
	w := &workNet{t: t, c: c, k: k, srv: keeper.NewMsgServer(k), netuid: netuid}
	for range n {
		w.keys = append(w.keys, newWorkKey())
	}
	res, err := w.srv.RegisterNetwork(c.Ctx(), &types.MsgRegisterNetwork{
		Coldkey: c.Accounts[0].Address.String(), Hotkey: w.keys[0].String(), Name: fmt.Sprintf("work%d", netuid),
	})
	require.NoError(t, err)
	require.Equal(t, netuid, res.Netuid)
	for uid, key := range w.keys[1:] {
		res, err := w.srv.BurnedRegister(c.Ctx(), &types.MsgBurnedRegister{
			Coldkey: c.Accounts[1].Address.String(), Netuid: netuid, Hotkey: key.String(),
		})
		require.NoError(t, err)
		require.Equal(t, uint32(uid+1), res.Uid)
	}
	for uid := range w.keys {
		w.setNeuron(uint32(uid), func(n *types.Neuron) { n.LastUpdate = 0 })
	}
	if tune != nil {
		w.setHyperparams(tune)
	}
	return w
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

// stake starts the subnet if needed and stakes tao rao from the second account to uid's hotkey.
func (w *workNet) stake(uid uint32, tao uint64) {
	subnet, err := w.k.GetSubnet(w.c.Ctx(), w.netuid)
	require.NoError(w.t, err)
	if subnet.FirstEmissionBlock == 0 {
		_, err := w.srv.StartCall(w.c.Ctx(), &types.MsgStartCall{Owner: w.c.Accounts[0].Address.String(), Netuid: w.netuid})
		require.NoError(w.t, err)
	}
	_, err = w.srv.AddStake(w.c.Ctx(), &types.MsgAddStake{
		Coldkey: w.c.Accounts[1].Address.String(), Hotkey: w.keys[uid].String(), Netuid: w.netuid, Amount: tao,
	})
	require.NoError(w.t, err)
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
