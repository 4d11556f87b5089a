package keeper_test

import (
	"crypto/sha256"
	"encoding/binary"
	"math/big"
	"strings"
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
	require.Equal(f.t, pooled, f.moduleBalance(), "the module account holds Σ pool.tao + Σ (pot − paid)")
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

// TestRegisterNetwork_6_4 follows a first subnet registration into every record it writes.
func TestRegisterNetwork_6_4(t *testing.T) {
	f := newNetFixture(t)
	owner, hotkey := f.account(0), newKey()
	before := f.balance(owner)
	moduleBefore := f.moduleBalance()

	cost, err := f.k.LockCost(f.ctx())
	require.NoError(t, err)
	require.Equal(t, 1_000*oneTAO, cost, "the first subnet locks the minimum")

	res := f.registerNetwork(owner, hotkey, "forecast")
	require.Equal(t, uint32(1), res.Netuid, "netuids start at 1")
	require.Equal(t, 1_000*oneTAO, res.LockCost)
	require.Equal(t, before-1_000*oneTAO, f.balance(owner))
	require.Equal(t, moduleBefore+1_000*oneTAO, f.moduleBalance(), "the lock is pool TAO in the module account")

	block := f.block()
	s := f.subnet(1)
	require.Equal(t, types.Subnet{
		Netuid: 1, Name: "forecast", Symbol: "α", Owner: owner.String(), OwnerHotkey: hotkey.String(),
		RegisteredAt: block, LockCost: 1_000 * oneTAO, N: 1, TopologyChangedAt: block,
	}, s)
	h, err := f.k.GetHyperparams(f.ctx(), 1)
	require.NoError(t, err)
	require.Equal(t, types.NewSubnetHyperparams(), h)

	p := f.pool(1)
	require.Equal(t, 1_000*oneTAO, p.Tao)
	require.Equal(t, 1_000*oneTAO, p.AlphaIn, "no other subnet: the median price is 1.0")
	require.Equal(t, 1_000*oneTAO, p.AlphaIssued)
	require.Zero(t, p.AlphaOut)
	require.Equal(t, make([]byte, 16), p.MovingPrice)

	sched, err := f.k.GetSchedule(f.ctx(), 1)
	require.NoError(t, err)
	require.Equal(t, block-1, sched.LastEpochBlock, "staggered by netuid mod tempo")
	require.Equal(t, uint64(types.InitialBurn), f.burn(1))

	// The owner hotkey is uid 0, owned by the coldkey, a delegate at the default take, with an
	// account so it can sign without TAO.
	n := f.neuron(1, 0)
	require.Equal(t, types.Neuron{Uid: 0, Hotkey: hotkey.String(), BlockAtRegistration: block, LastUpdate: block, Active: true}, n)
	uid, err := f.k.UidOf(f.ctx(), 1, hotkey)
	require.NoError(t, err)
	require.Zero(t, uid)
	coldkey, ok, err := f.k.HotkeyOwner(f.ctx(), hotkey)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, owner, coldkey)
	has, err := f.k.OwnedHotkeys.Has(f.ctx(), collections.Join(owner, hotkey))
	require.NoError(t, err)
	require.True(t, has)
	d, err := f.k.Delegates.Get(f.ctx(), hotkey)
	require.NoError(t, err)
	require.Equal(t, uint32(11_796), d.Take)
	require.True(t, f.c.App.AccountKeeper.HasAccount(f.ctx(), hotkey))
	owners, err := f.k.OwnerHotkeys(f.ctx(), 1)
	require.NoError(t, err)
	require.Equal(t, []sdk.AccAddress{hotkey}, owners)

	reg, err := f.k.NetworkRegistration.Get(f.ctx())
	require.NoError(t, err)
	require.Equal(t, types.NetworkRegistration{LastLockCost: 1_000 * oneTAO, LastLockBlock: block, Registered: true}, reg)

	evs := f.events("gotensor.subnet.v1.EventNetworkRegistered")
	require.Len(t, evs, 1)
	require.Equal(t, &types.EventNetworkRegistered{Netuid: 1, Owner: owner.String(), OwnerHotkey: hotkey.String(), LockCost: 1_000 * oneTAO}, evs[0])
	require.Equal(t, []proto.Message{&types.EventNeuronRegistered{Netuid: 1, Uid: 0, Hotkey: hotkey.String(), Coldkey: owner.String()}},
		f.events("gotensor.subnet.v1.EventNeuronRegistered"))

	q, err := f.qry.Hyperparameters(f.ctx(), &types.QueryHyperparametersRequest{Netuid: 1})
	require.NoError(t, err)
	require.Equal(t, types.NewSubnetHyperparams(), q.Hyperparameters)
	f.next()
}

// TestLockCostDoublesThenDecays_6_4: each registration sets the price to twice the lock just paid,
// falling by last_lock/interval a block back to last_lock after interval blocks, never below the
// minimum.
func TestLockCostDoublesThenDecays_6_4(t *testing.T) {
	f := newNetFixture(t, withNetParams(func(p *types.Params) {
		p.NetworkRateLimit = 3
		p.NetworkLockReductionInterval = 100 // 1000 TAO / 100 = 10 TAO a block
	}))
	lockCost := func() uint64 {
		res, err := f.qry.LockCost(f.ctx(), &types.QueryLockCostRequest{})
		require.NoError(t, err)
		return res.LockCost
	}
	require.Equal(t, 1_000*oneTAO, lockCost())
	f.registerNetwork(f.account(0), newKey(), "one")
	require.Equal(t, 2_000*oneTAO, lockCost(), "twice the lock just paid")
	for i := uint64(1); i <= 3; i++ {
		f.next()
		require.Equal(t, 2_000*oneTAO-i*10*oneTAO, lockCost(), "block %d after", i)
	}
	res := f.registerNetwork(f.account(1), newKey(), "two")
	require.Equal(t, 1_970*oneTAO, res.LockCost)
	require.Equal(t, 3_940*oneTAO, lockCost(), "twice 1970")

	f.advance(100)
	require.Equal(t, 1_970*oneTAO, lockCost(), "back to the last lock after one interval")
	f.advance(100)
	require.Equal(t, 1_000*oneTAO, lockCost(), "floored at the minimum")
}

// TestNetworkRateLimit_6_4: one registration per NetworkRateLimit blocks; a refused one changes
// nothing.
func TestNetworkRateLimit_6_4(t *testing.T) {
	f := newNetFixture(t, withNetParams(func(p *types.Params) { p.NetworkRateLimit = 5 }))
	f.registerNetwork(f.account(0), newKey(), "one")
	first := f.block()
	for range 4 {
		f.next()
		before := f.stateHash()
		_, err := f.srv.RegisterNetwork(f.ctx(), &types.MsgRegisterNetwork{Coldkey: f.account(1).String(), Hotkey: newKey().String(), Name: "two"})
		require.ErrorIs(t, err, types.ErrNetworkRateLimit)
		require.Contains(t, err.Error(), "retry at block")
		require.Equal(t, before, f.stateHash())
	}
	f.next()
	require.Equal(t, first+5, f.block())
	require.Equal(t, uint32(2), f.registerNetwork(f.account(1), newKey(), "two").Netuid)
}

// TestMedianPriceSeedsTheNewPool_6_4: a new pool starts at the median price of the others (the
// mean of the middle two for an even count).
func TestMedianPriceSeedsTheNewPool_6_4(t *testing.T) {
	f := newNetFixture(t, withNetParams(func(p *types.Params) {
		p.NetworkRateLimit = 0
		p.NetworkLockReductionInterval = 1 << 62 // no decay: each lock is twice the last
	}))
	setPrice := func(netuid uint32, alphaIn uint64) {
		p := f.pool(netuid)
		p.AlphaIssued = p.AlphaIssued - p.AlphaIn + alphaIn
		p.AlphaIn = alphaIn
		require.NoError(t, f.k.Pools.Set(f.ctx(), netuid, p))
	}
	f.registerNetwork(f.account(0), newKey(), "one")
	setPrice(1, 500*oneTAO) // 1000 TAO / 500 alpha = 2.0
	f.registerNetwork(f.account(1), newKey(), "two")
	require.Equal(t, 2_000*oneTAO, f.pool(2).Tao)
	require.Equal(t, 1_000*oneTAO, f.pool(2).AlphaIn, "2000 TAO at the median price 2.0")
	setPrice(2, 500*oneTAO) // 2000 / 500 = 4.0
	f.registerNetwork(f.account(2), newKey(), "three")
	require.Equal(t, 4_000*oneTAO, f.pool(3).Tao)
	require.Equal(t, 4_000*oneTAO/3, f.pool(3).AlphaIn, "4000 TAO at the mean of 2.0 and 4.0")
	f.next()
}

// TestSubnetLimitPrunesLowestMovingPrice_6_4: past the subnet limit, a registration dissolves the
// subnet with the lowest moving price among those out of immunity (tie: earliest registered),
// pays its pool TAO to its stakers pro rata and reuses its netuid.
func TestSubnetLimitPrunesLowestMovingPrice_6_4(t *testing.T) {
	f := newNetFixture(t, withNetParams(func(p *types.Params) {
		p.NetworkRateLimit = 0
		p.SubnetLimit = 3
		p.NetworkImmunityPeriod = 10
		p.NetworkLockReductionInterval = 1
	}))
	f.registerNetwork(f.account(0), newKey(), "one")
	f.next()
	f.registerNetwork(f.account(1), newKey(), "two")
	f.next()
	f.registerNetwork(f.account(2), newKey(), "three")

	// All three are immune: nothing can be pruned, and the refusal changes nothing.
	before := f.stateHash()
	_, err := f.srv.RegisterNetwork(f.ctx(), &types.MsgRegisterNetwork{Coldkey: f.account(3).String(), Hotkey: newKey().String(), Name: "four"})
	require.ErrorIs(t, err, types.ErrSubnetLimitReached)
	require.Equal(t, before, f.stateHash())

	f.advance(10)
	// A staker on subnet 2: start it, stake 100 TAO through account 4.
	staker, stakeHotkey := f.account(4), newKey()
	_, err = f.srv.StartCall(f.ctx(), &types.MsgStartCall{Owner: f.account(1).String(), Netuid: 2})
	require.NoError(t, err)
	f.next()
	f.burnedRegister(staker, stakeHotkey, 2)
	_, err = f.srv.AddStake(f.ctx(), &types.MsgAddStake{Coldkey: staker.String(), Hotkey: stakeHotkey.String(), Netuid: 2, Amount: 100 * oneTAO})
	require.NoError(t, err)
	f.next()

	// Subnets 2 and 3 tie on the lowest moving price; 2 was registered first.
	f.setMovingPrice(1, fixed.MustI96F32FromLiteral("0.5"))
	f.setMovingPrice(2, fixed.MustI96F32FromLiteral("0.25"))
	f.setMovingPrice(3, fixed.MustI96F32FromLiteral("0.25"))
	pool := f.pool(2)
	stake, err := f.k.StakeOf(f.ctx(), stakeHotkey, staker, 2)
	require.NoError(t, err)
	require.NotZero(t, stake)
	total := new(big.Int).SetUint64(pool.AlphaIn)
	total.Add(total, new(big.Int).SetUint64(pool.ProtocolAlpha)).Add(total, new(big.Int).SetUint64(stake))
	fairShare := new(big.Int).Mul(new(big.Int).SetUint64(pool.Tao), new(big.Int).SetUint64(stake))
	fair := fairShare.Quo(fairShare, total).Uint64()
	stakerBefore := f.balance(staker)
	issuanceBefore, err := f.k.GetTotalIssuance(f.ctx())
	require.NoError(t, err)

	res := f.registerNetwork(f.account(3), newKey(), "four")
	require.Equal(t, uint32(4), res.Netuid, "the pruned netuid stays reserved while its stakers are paid")
	evs := f.events("gotensor.subnet.v1.EventNetworkPruned")
	require.Len(t, evs, 1)
	pruned := evs[0].(*types.EventNetworkPruned)
	require.Equal(t, uint32(2), pruned.Netuid)
	require.Equal(t, pool.Tao, pruned.Pot)
	reg := f.events("gotensor.subnet.v1.EventNetworkRegistered")
	require.Equal(t, uint32(2), reg[len(reg)-1].(*types.EventNetworkRegistered).PrunedNetuid)
	// The registration did not touch the stake: it is paid in the following blocks.
	held, err := f.k.StakeOf(f.ctx(), stakeHotkey, staker, 2)
	require.NoError(t, err)
	require.Equal(t, stake, held)

	finished := f.untilDissolved(2)
	paid := f.balance(staker) - stakerBefore
	require.Equal(t, paid, finished.TaoReturned)
	require.GreaterOrEqual(t, paid, fair)
	require.LessOrEqual(t, paid, fair+1, "largest remainder adds at most a rao")
	require.Equal(t, pool.Tao-paid, finished.TaoRecycled, "the protocol's share of the pool is recycled")
	issuance, err := f.k.GetTotalIssuance(f.ctx())
	require.NoError(t, err)
	require.Equal(t, issuanceBefore-(pool.Tao-paid), issuance, "no coinbase TAO was taken; the dissolution recycled the rest")

	// Nothing of the old subnet 2 survives; the new one starts fresh.
	s := f.subnet(4)
	require.Equal(t, "four", s.Name)
	require.Equal(t, uint32(1), s.N)
	stake, err = f.k.StakeOf(f.ctx(), stakeHotkey, staker, 2)
	require.NoError(t, err)
	require.Zero(t, stake)
	has, err := f.k.HotkeyPools.Has(f.ctx(), collections.Join(stakeHotkey, uint32(2)))
	require.NoError(t, err)
	require.False(t, has)
	_, ok, err := f.k.HotkeyOwner(f.ctx(), stakeHotkey)
	require.NoError(t, err)
	require.True(t, ok, "hotkeys outlive the subnets they were registered on")
	require.Equal(t, res.LockCost, f.pool(4).Tao)
	netuids, err := f.k.Netuids(f.ctx())
	require.NoError(t, err)
	require.Equal(t, []uint32{1, 3, 4}, netuids)
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

// TestStartCall_6_4: only the owner, not before StartCallDelay blocks, once; emission starts the
// next block.
func TestStartCall_6_4(t *testing.T) {
	f := newNetFixture(t, withNetParams(func(p *types.Params) { p.StartCallDelay = 3 }))
	owner := f.account(0)
	f.registerNetwork(owner, newKey(), "one")
	registered := f.block()
	start := func(signer sdk.AccAddress, netuid uint32) error {
		_, err := f.srv.StartCall(f.ctx(), &types.MsgStartCall{Owner: signer.String(), Netuid: netuid})
		return err
	}
	refused := []struct {
		name   string
		signer sdk.AccAddress
		netuid uint32
		want   error
	}{
		{"not the owner", f.account(1), 1, types.ErrNotSubnetOwner},
		{"too early", owner, 1, types.ErrStartCallTooEarly},
		{"root netuid", owner, 0, types.ErrRootNetuid},
		{"unknown subnet", owner, 9, types.ErrSubnetNotFound},
		{"netuid beyond u16", owner, 70_000, types.ErrValueOutOfRange},
	}
	for _, r := range refused {
		before := f.stateHash()
		require.ErrorIs(t, start(r.signer, r.netuid), r.want, r.name)
		require.Equal(t, before, f.stateHash(), r.name)
	}
	_, err := f.srv.StartCall(f.ctx(), &types.MsgStartCall{Owner: "tao1notanaddress", Netuid: 1})
	require.ErrorIs(t, err, types.ErrInvalidAddress)

	f.advance(2)
	require.ErrorIs(t, start(owner, 1), types.ErrStartCallTooEarly)
	f.next()
	require.Equal(t, registered+3, f.block())
	require.NoError(t, start(owner, 1))
	require.Equal(t, f.block()+1, f.subnet(1).FirstEmissionBlock)
	evs := f.events("gotensor.subnet.v1.EventStartCall")
	require.Equal(t, []proto.Message{&types.EventStartCall{Netuid: 1, FirstEmissionBlock: f.block() + 1}}, evs)
	require.ErrorIs(t, start(owner, 1), types.ErrAlreadyStarted)
	f.next()
}

// TestRegisterNetworkRefusesBadInput: each bad message fails with its error and leaves every
// record and balance as it was.
func TestRegisterNetworkRefusesBadInput(t *testing.T) {
	f := newNetFixture(t, apptesting.WithAccounts(5, 2_000*oneTAO), withNetParams(func(p *types.Params) {
		p.NetworkRateLimit = 0
		p.NetworkLockReductionInterval = 1 << 62 // no decay: the second lock is exactly 2000 TAO
	}))
	owner := f.account(0)
	taken := newKey()
	f.registerNetwork(owner, taken, "one") // taken now belongs to owner
	f.next()
	poor := f.account(1)
	require.NoError(t, f.c.App.BankKeeper.SendCoins(f.ctx(), poor, owner, sdk.NewCoins(sdk.NewInt64Coin(types.Denom, int64(1_500*oneTAO)))))
	f.next()

	valid := func() types.MsgRegisterNetwork {
		return types.MsgRegisterNetwork{Coldkey: f.account(2).String(), Hotkey: newKey().String(), Name: "two"}
	}
	cases := []struct {
		name string
		edit func(*types.MsgRegisterNetwork)
		want error
	}{
		{"malformed coldkey", func(m *types.MsgRegisterNetwork) { m.Coldkey = "tao1qqqq" }, types.ErrInvalidAddress},
		{"empty coldkey", func(m *types.MsgRegisterNetwork) { m.Coldkey = "" }, types.ErrInvalidAddress},
		{"wrong prefix", func(m *types.MsgRegisterNetwork) { m.Hotkey = "cosmos1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5lzv7xu" }, types.ErrInvalidAddress},
		{"empty name", func(m *types.MsgRegisterNetwork) { m.Name = "" }, types.ErrInvalidName},
		{"name too long", func(m *types.MsgRegisterNetwork) { m.Name = strings.Repeat("a", 65) }, types.ErrInvalidName},
		{"control character", func(m *types.MsgRegisterNetwork) { m.Name = "evil\nname" }, types.ErrInvalidName},
		{"bidi override", func(m *types.MsgRegisterNetwork) { m.Name = "abc\u202edcba" }, types.ErrInvalidName},
		{"invalid utf-8", func(m *types.MsgRegisterNetwork) { m.Name = "bad\xffname" }, types.ErrInvalidName},
		{"surrounding space", func(m *types.MsgRegisterNetwork) { m.Name = " padded" }, types.ErrInvalidName},
		{"hotkey owned by another coldkey", func(m *types.MsgRegisterNetwork) { m.Hotkey = taken.String() }, types.ErrHotkeyNotOwned},
		{"module account as hotkey", func(m *types.MsgRegisterNetwork) {
			m.Hotkey = authtypes.NewModuleAddress(authtypes.FeeCollectorName).String()
		}, types.ErrHotkeyIsSystemAccount},
		{"subnet module as hotkey", func(m *types.MsgRegisterNetwork) { m.Hotkey = authtypes.NewModuleAddress(types.ModuleName).String() }, types.ErrHotkeyIsSystemAccount},
		{"lock above the limit", func(m *types.MsgRegisterNetwork) { m.MaxLockCost = 2_000*oneTAO - 1 }, types.ErrLockCostTooHigh},
		{"balance too low", func(m *types.MsgRegisterNetwork) { m.Coldkey = poor.String() }, types.ErrInsufficientBalance},
	}
	for _, tc := range cases {
		msg := valid()
		tc.edit(&msg)
		before := f.stateHash()
		_, err := f.srv.RegisterNetwork(f.ctx(), &msg)
		require.ErrorIs(t, err, tc.want, tc.name)
		require.Equal(t, before, f.stateHash(), tc.name)
		require.Empty(t, f.events("gotensor.subnet.v1.EventNetworkRegistered"), "%s: no event for a refused registration", tc.name)
	}
	// The limit is inclusive, and the refusals left the way open.
	msg := valid()
	msg.MaxLockCost = 2_000 * oneTAO
	res, err := f.srv.RegisterNetwork(f.ctx(), &msg)
	require.NoError(t, err)
	require.Equal(t, uint32(2), res.Netuid)
	require.Equal(t, "β", f.subnet(2).Symbol)
	f.next()
}
