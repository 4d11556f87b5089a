package keeper_test

import (
	"strings"
	"testing"

	"github.com/cosmos/gogoproto/proto"
	"github.com/stretchr/testify/require"

	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

	"github.com/gotensor/gotensor/app/apptesting"
	"github.com/gotensor/gotensor/x/subnet/types"
)

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
		Netuid: 1, Name: "forecast", Symbol: "α", Owner: owner, OwnerHotkey: hotkey,
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
	require.Equal(t, types.Neuron{Uid: 0, Hotkey: hotkey, BlockAtRegistration: block, LastUpdate: block, Active: true}, n)
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
