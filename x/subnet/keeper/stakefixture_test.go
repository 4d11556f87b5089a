package keeper_test

import (
	"fmt"
	"sort"
	"testing"

	"github.com/cosmos/gogoproto/proto"
	"github.com/stretchr/testify/require"

	"cosmossdk.io/collections"
	sdkmath "cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

	"github.com/gotensor/gotensor/app/apptesting"
	"github.com/gotensor/gotensor/x/subnet/keeper"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// stakeFixture is a test chain for the pool and stake tests: subnets with pools of a chosen
// depth, hotkeys, and the checks every block must pass.
type stakeFixture struct {
	t       testing.TB
	c       *apptesting.Chain
	k       keeper.Keeper
	srv     types.MsgServer
	qry     types.QueryServer
	hotkeys byte
}

const taoUnit uint64 = types.RaoPerTAO

var (
	subnetModule = authtypes.NewModuleAddress(types.ModuleName)
	feeCollector = authtypes.NewModuleAddress(authtypes.FeeCollectorName)
)

// newStakeFixture starts a chain on which subnets register back to back; tune adjusts the root
// parameters further.
func newStakeFixture(t testing.TB, tune func(*types.Params)) *stakeFixture {
	t.Helper()
	c := apptesting.New(t, apptesting.WithParams(func(p *types.Params) {
		p.NetworkRateLimit = 0
		if tune != nil {
			tune(p)
		}
	}))
	k := c.App.SubnetKeeper
	f := &stakeFixture{t: t, c: c, k: k, srv: keeper.NewMsgServer(k), qry: keeper.NewQueryServer(k)}
	f.requireSound()
	return f
}

func (f *stakeFixture) ctx() sdk.Context { return f.c.Ctx() }

func (f *stakeFixture) coldkey(i int) sdk.AccAddress { return f.c.Accounts[i].Address }

// next commits a block, then checks every invariant and that the pools are backed.
func (f *stakeFixture) next() {
	f.t.Helper()
	f.c.NextBlock()
	f.requireSound()
}

// requireSound checks the module's invariants, that the module account holds exactly Σ pool.tao,
// and that every hotkey pool's shares are the sum of its holders' and worth no more than its alpha.
func (f *stakeFixture) requireSound() {
	f.t.Helper()
	ctx := f.ctx()
	require.NoError(f.t, f.k.BrokenInvariants(ctx))
	var poolTao uint64
	require.NoError(f.t, f.k.Pools.Walk(ctx, nil, func(_ uint32, p types.Pool) (bool, error) {
		poolTao += p.Tao
		return false, nil
	}))
	root, err := f.k.GetRootTao(ctx)
	require.NoError(f.t, err)
	require.Equal(f.t, poolTao+root, f.balance(subnetModule), "the module account holds Σ pool.tao and the root TAO")

	type poolKey = collections.Pair[sdk.AccAddress, uint32]
	shares := map[string]sdkmath.Uint{}
	values := map[string]uint64{}
	require.NoError(f.t, f.k.Stakes.Walk(ctx, nil, func(key collections.Triple[sdk.AccAddress, sdk.AccAddress, uint32], held sdkmath.Uint) (bool, error) {
		id := fmt.Sprint(key.K2(), "/", key.K3())
		require.False(f.t, held.IsZero(), "empty holdings are deleted")
		if s, ok := shares[id]; ok {
			shares[id] = s.Add(held)
		} else {
			shares[id] = held
		}
		v, err := f.k.StakeOf(ctx, key.K2(), key.K1(), key.K3())
		values[id] += v
		return false, err
	}))
	require.NoError(f.t, f.k.HotkeyPools.Walk(ctx, nil, func(key poolKey, p types.HotkeyPool) (bool, error) {
		id := fmt.Sprint(key.K1(), "/", key.K2())
		total, ok := shares[id]
		if !ok {
			total = sdkmath.ZeroUint()
		}
		require.Equal(f.t, p.Shares.String(), total.String(), "hotkey pool %s: shares add up", id)
		require.LessOrEqual(f.t, values[id], p.Alpha, "hotkey pool %s: stakes are worth at most its alpha", id)
		delete(shares, id)
		return false, nil
	}))
	require.Empty(f.t, shares, "every holding is in a hotkey pool")
}

func (f *stakeFixture) balance(addr sdk.AccAddress) uint64 {
	return f.c.App.BankKeeper.GetBalance(f.ctx(), addr, types.Denom).Amount.Uint64()
}

// staked is the alpha all hotkeys hold on a subnet. Outside the pool there is also the emission
// pending for the next epoch (and its rounding dust), so alpha_out is larger once emission runs.
func (f *stakeFixture) staked(netuid uint32) uint64 {
	f.t.Helper()
	var sum uint64
	require.NoError(f.t, f.k.HotkeyPools.Walk(f.ctx(), nil, func(key collections.Pair[sdk.AccAddress, uint32], hp types.HotkeyPool) (bool, error) {
		if key.K2() == netuid {
			sum += hp.Alpha
		}
		return false, nil
	}))
	return sum
}

func (f *stakeFixture) pool(netuid uint32) types.Pool {
	p, err := f.k.GetPool(f.ctx(), netuid)
	require.NoError(f.t, err)
	return p
}

func (f *stakeFixture) stakeOf(hotkey, coldkey sdk.AccAddress, netuid uint32) uint64 {
	v, err := f.k.StakeOf(f.ctx(), hotkey, coldkey, netuid)
	require.NoError(f.t, err)
	return v
}

// freshHotkey is a new address that no one has registered yet.
func (f *stakeFixture) freshHotkey() sdk.AccAddress {
	f.hotkeys++
	hotkey := make(sdk.AccAddress, 20)
	copy(hotkey, "stake-hotkey")
	hotkey[19] = f.hotkeys
	return hotkey
}

// registerSubnet registers the next subnet through register-network, paid by coldkey 0 with a
// fresh owner hotkey, and sets its pool to tao rao against alpha rao.
func (f *stakeFixture) registerSubnet(netuid uint32, tao, alpha uint64) (ownerHotkey sdk.AccAddress) {
	f.t.Helper()
	ownerHotkey = f.freshHotkey()
	res, err := f.srv.RegisterNetwork(f.ctx(), &types.MsgRegisterNetwork{
		Coldkey: f.coldkey(0).String(), Hotkey: ownerHotkey.String(), Name: fmt.Sprintf("stake-%d", netuid),
	})
	require.NoError(f.t, err)
	require.Equal(f.t, netuid, res.Netuid)
	f.reshapePool(netuid, tao, alpha)
	return ownerHotkey
}

// openSubnet is registerSubnet followed by the owner's start-call, which opens staking.
func (f *stakeFixture) openSubnet(netuid uint32, tao, alpha uint64) (ownerHotkey sdk.AccAddress) {
	f.t.Helper()
	ownerHotkey = f.registerSubnet(netuid, tao, alpha)
	_, err := f.srv.StartCall(f.ctx(), &types.MsgStartCall{Owner: f.coldkey(0).String(), Netuid: netuid})
	require.NoError(f.t, err)
	return ownerHotkey
}

// reshapePool stands in for the trading and emission that would have brought a pool to tao rao
// against alpha rao: coldkey 0 pays in (or is paid) the TAO difference, so the module account
// still holds Σ pool.tao, and the alpha difference counts as issued (or taken back).
func (f *stakeFixture) reshapePool(netuid uint32, tao, alpha uint64) {
	f.t.Helper()
	ctx := f.ctx()
	p := f.pool(netuid)
	bank := f.c.App.BankKeeper
	switch {
	case tao > p.Tao:
		require.NoError(f.t, bank.SendCoinsFromAccountToModule(ctx, f.coldkey(0), types.ModuleName, raoCoins(tao-p.Tao)))
	case tao < p.Tao:
		require.NoError(f.t, bank.SendCoinsFromModuleToAccount(ctx, types.ModuleName, f.coldkey(0), raoCoins(p.Tao-tao)))
	}
	p.AlphaIssued = p.AlphaIssued - p.AlphaIn + alpha
	p.Tao, p.AlphaIn = tao, alpha
	require.NoError(f.t, f.k.Pools.Set(ctx, netuid, p))
}

// registerHotkey registers a fresh hotkey of coldkey owner on a subnet through burned-register.
func (f *stakeFixture) registerHotkey(owner int, netuid uint32) sdk.AccAddress {
	f.t.Helper()
	hotkey := f.freshHotkey()
	_, err := f.srv.BurnedRegister(f.ctx(), &types.MsgBurnedRegister{Coldkey: f.coldkey(owner).String(), Netuid: netuid, Hotkey: hotkey.String()})
	require.NoError(f.t, err)
	return hotkey
}

// snapshot renders every balance and record a stake message could touch, to assert a refused
// message changed none of them.
func (f *stakeFixture) snapshot() []string {
	ctx := f.ctx()
	cdc := f.c.App.AppCodec()
	var out []string
	for _, a := range f.c.Accounts {
		out = append(out, fmt.Sprintf("balance %s %d", a.Address, f.balance(a.Address)))
	}
	out = append(out, fmt.Sprintf("module %d", f.balance(subnetModule)), fmt.Sprintf("fees %d", f.balance(feeCollector)))
	add := func(kind string, key any, v proto.Message) {
		out = append(out, fmt.Sprintf("%s %v %s", kind, key, cdc.MustMarshalJSON(v)))
	}
	require.NoError(f.t, f.k.Pools.Walk(ctx, nil, func(n uint32, p types.Pool) (bool, error) {
		add("pool", n, &p)
		return false, nil
	}))
	require.NoError(f.t, f.k.HotkeyPools.Walk(ctx, nil, func(key collections.Pair[sdk.AccAddress, uint32], p types.HotkeyPool) (bool, error) {
		add("hotkey_pool", fmt.Sprint(key.K1(), "/", key.K2()), &p)
		return false, nil
	}))
	require.NoError(f.t, f.k.Stakes.Walk(ctx, nil, func(key collections.Triple[sdk.AccAddress, sdk.AccAddress, uint32], s sdkmath.Uint) (bool, error) {
		out = append(out, fmt.Sprintf("stake %s/%s/%d %s", key.K1(), key.K2(), key.K3(), s))
		return false, nil
	}))
	require.NoError(f.t, f.k.Delegates.Walk(ctx, nil, func(key sdk.AccAddress, d types.Delegate) (bool, error) {
		add("delegate", key, &d)
		return false, nil
	}))
	sort.Strings(out)
	return out
}

// lastEvent decodes the last typed event of msg's type emitted in the current block context.
func (f *stakeFixture) lastEvent(msg proto.Message) proto.Message {
	f.t.Helper()
	name := proto.MessageName(msg)
	events := f.ctx().EventManager().ABCIEvents()
	for i := len(events) - 1; i >= 0; i-- {
		if events[i].Type == name {
			got, err := sdk.ParseTypedEvent(events[i])
			require.NoError(f.t, err)
			return got
		}
	}
	f.t.Fatalf("no %s in this block", name)
	return nil
}

func pairOf(hotkey sdk.AccAddress, netuid uint32) collections.Pair[sdk.AccAddress, uint32] {
	return collections.Join(hotkey, netuid)
}

func raoCoins(amount uint64) sdk.Coins {
	return sdk.NewCoins(sdk.NewCoin(types.Denom, sdkmath.NewIntFromUint64(amount)))
}
