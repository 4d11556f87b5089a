package keeper_test

import (
	"crypto/sha256"
	"encoding/binary"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cosmos/gogoproto/proto"
	"github.com/stretchr/testify/require"

	"cosmossdk.io/collections"

	"github.com/cosmos/cosmos-sdk/crypto/keys/secp256k1"
	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

	"github.com/gotensor/gotensor/app/apptesting"
	"github.com/gotensor/gotensor/fixed"
	"github.com/gotensor/gotensor/x/subnet/keeper"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// netFixture drives subnet and neuron registration through the message and query servers of a
// test chain, checking the module's invariants after every block.
type netFixture struct {
	t   testing.TB
	c   *apptesting.Chain
	k   keeper.Keeper
	srv types.MsgServer
	qry types.QueryServer
}

func newNetFixture(t testing.TB, opts ...apptesting.Option) *netFixture {
	t.Helper()
	c := apptesting.New(t, opts...)
	k := c.App.SubnetKeeper
	return &netFixture{t: t, c: c, k: k, srv: keeper.NewMsgServer(k), qry: keeper.NewQueryServer(k)}
}

// oneTAO is 1 TAO in rao, typed so that expected amounts compare equal to the uint64 fields.
const oneTAO uint64 = types.RaoPerTAO

// withNetParams adjusts the root parameters the subnet tests depend on.
func withNetParams(f func(*types.Params)) apptesting.Option { return apptesting.WithParams(f) }

func (f *netFixture) ctx() sdk.Context { return f.c.Ctx() }
func (f *netFixture) block() uint64    { return uint64(f.c.Ctx().BlockHeight()) }
func (f *netFixture) account(i int) sdk.AccAddress {
	return f.c.Accounts[i].Address
}

// next commits a block and checks the invariants, and that the module account holds exactly the
// pools' TAO and what dissolutions in progress still owe.
func (f *netFixture) next() *abci.ResponseFinalizeBlock {
	f.t.Helper()
	res := f.c.NextBlock()
	require.NoError(f.t, f.k.BrokenInvariants(f.ctx()))
	var pooled uint64
	require.NoError(f.t, f.k.Pools.Walk(f.ctx(), nil, func(_ uint32, p types.Pool) (bool, error) {
		pooled += p.Tao
		return false, nil
	}))
	require.NoError(f.t, f.k.Dissolutions.Walk(f.ctx(), nil, func(_ uint32, d types.Dissolution) (bool, error) {
		pooled += d.Pot - d.Paid
		return false, nil
	}))
	root, err := f.k.GetRootTao(f.ctx())
	require.NoError(f.t, err)
	require.Equal(f.t, pooled+root, f.moduleBalance(), "the module account holds Σ pool.tao + Σ (pot − paid) + root TAO")
	return res
}

func (f *netFixture) advance(blocks int) {
	f.t.Helper()
	for range blocks {
		f.next()
	}
}

// newKey is a fresh hotkey with no account and no balance.
func newKey() sdk.AccAddress { return sdk.AccAddress(secp256k1.GenPrivKey().PubKey().Address()) }

func (f *netFixture) balance(addr sdk.AccAddress) uint64 {
	return f.c.App.BankKeeper.GetBalance(f.ctx(), addr, types.Denom).Amount.Uint64()
}

func (f *netFixture) moduleBalance() uint64 {
	return f.balance(authtypes.NewModuleAddress(types.ModuleName))
}

func (f *netFixture) registerNetwork(coldkey, hotkey sdk.AccAddress, name string) *types.MsgRegisterNetworkResponse {
	f.t.Helper()
	res, err := f.srv.RegisterNetwork(f.ctx(), &types.MsgRegisterNetwork{Coldkey: coldkey.String(), Hotkey: hotkey.String(), Name: name})
	require.NoError(f.t, err)
	return res
}

func (f *netFixture) burnedRegister(coldkey, hotkey sdk.AccAddress, netuid uint32) *types.MsgBurnedRegisterResponse {
	f.t.Helper()
	res, err := f.srv.BurnedRegister(f.ctx(), &types.MsgBurnedRegister{Coldkey: coldkey.String(), Netuid: netuid, Hotkey: hotkey.String()})
	require.NoError(f.t, err)
	return res
}

func (f *netFixture) authority() string {
	a, err := f.k.Authority(f.ctx())
	require.NoError(f.t, err)
	return a
}

func (f *netFixture) setHyperparam(signer string, netuid uint32, name, value string) error {
	_, err := f.srv.SetHyperparameter(f.ctx(), &types.MsgSetHyperparameter{Signer: signer, Netuid: netuid, Name: name, Value: value})
	return err
}

// tune sets hyperparameters as the chain authority.
func (f *netFixture) tune(netuid uint32, nameValues ...string) {
	f.t.Helper()
	for i := 0; i < len(nameValues); i += 2 {
		require.NoError(f.t, f.setHyperparam(f.authority(), netuid, nameValues[i], nameValues[i+1]), nameValues[i])
	}
}

func (f *netFixture) subnet(netuid uint32) types.Subnet {
	f.t.Helper()
	s, err := f.k.GetSubnet(f.ctx(), netuid)
	require.NoError(f.t, err)
	return s
}

func (f *netFixture) pool(netuid uint32) types.Pool {
	f.t.Helper()
	p, err := f.k.GetPool(f.ctx(), netuid)
	require.NoError(f.t, err)
	return p
}

func (f *netFixture) burn(netuid uint32) uint64 {
	f.t.Helper()
	b, err := f.k.Burns.Get(f.ctx(), netuid)
	require.NoError(f.t, err)
	return b
}

func (f *netFixture) neuron(netuid, uid uint32) types.Neuron {
	f.t.Helper()
	n, err := f.k.GetNeuron(f.ctx(), netuid, uid)
	require.NoError(f.t, err)
	return n
}

func (f *netFixture) editNeuron(netuid, uid uint32, edit func(*types.Neuron)) {
	f.t.Helper()
	n := f.neuron(netuid, uid)
	edit(&n)
	require.NoError(f.t, f.k.Neurons.Set(f.ctx(), collections.Join(netuid, uid), n))
}

// events decodes the typed events of a kind emitted so far in the current block's context.
func (f *netFixture) events(kind string) []proto.Message {
	f.t.Helper()
	var out []proto.Message
	for _, e := range f.ctx().EventManager().Events() {
		if e.Type != kind {
			continue
		}
		msg, err := sdk.ParseTypedEvent(abci.Event(e))
		require.NoError(f.t, err)
		out = append(out, msg)
	}
	return out
}

// stateHash digests every key and value of x/subnet, x/bank and x/auth, so a refused message can
// be shown to have changed nothing at all: no record, balance or account.
func (f *netFixture) stateHash() [32]byte {
	h := sha256.New()
	for _, name := range []string{types.StoreKey, "bank", "acc"} {
		key := f.c.App.UnsafeFindStoreKey(name)
		require.NotNil(f.t, key, name)
		it := f.ctx().KVStore(key).Iterator(nil, nil)
		for ; it.Valid(); it.Next() {
			for _, b := range [][]byte{it.Key(), it.Value()} {
				h.Write(binary.BigEndian.AppendUint32(nil, uint32(len(b))))
				h.Write(b)
			}
		}
		require.NoError(f.t, it.Close())
	}
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

// setMovingPrice writes a pool's moving price (I96F32 bits, big-endian) as the coinbase would.
func (f *netFixture) setMovingPrice(netuid uint32, price fixed.I96F32) {
	f.t.Helper()
	p := f.pool(netuid)
	hi, lo := price.Bits()
	p.MovingPrice = binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil, uint64(hi)), lo)
	require.NoError(f.t, f.k.Pools.Set(f.ctx(), netuid, p))
}

// untilDissolved commits blocks until netuid's dissolution finishes and returns its report.
func (f *netFixture) untilDissolved(netuid uint32) *types.EventDissolutionFinished {
	f.t.Helper()
	for range 10_000 {
		for _, ev := range apptesting.TypedEvents[*types.EventDissolutionFinished](f.t, f.next()) {
			if ev.Netuid == netuid {
				return ev
			}
		}
	}
	f.t.Fatalf("the dissolution of subnet %d did not finish", netuid)
	return nil
}
