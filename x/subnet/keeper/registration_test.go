package keeper_test

import (
	"testing"

	"github.com/cosmos/gogoproto/proto"
	"github.com/stretchr/testify/require"

	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

	"github.com/gotensor/gotensor/x/subnet/types"
)

// newSubnetFixture is a chain with subnet 1 owned by account 0, whose owner hotkey is returned.
func newSubnetFixture(t testing.TB) (*netFixture, sdk.AccAddress) {
	t.Helper()
	f := newNetFixture(t, withNetParams(func(p *types.Params) { p.NetworkRateLimit = 0 }))
	ownerHotkey := newKey()
	f.registerNetwork(f.account(0), ownerHotkey, "one")
	return f, ownerHotkey
}

// TestBurnedRegister_7_1: the burn moves from the coldkey into the pool, buys alpha (fee to the
// fee collector) that is recycled, the hotkey gets the next uid, and the price rises ×1.26.
func TestBurnedRegister_7_1(t *testing.T) {
	f, _ := newSubnetFixture(t)
	coldkey, hotkey := f.account(1), newKey()
	feeCollector := authtypes.NewModuleAddress(authtypes.FeeCollectorName)
	before, feesBefore := f.balance(coldkey), f.balance(feeCollector)

	cost, err := f.qry.RegistrationCost(f.ctx(), &types.QueryRegistrationCostRequest{Netuid: 1})
	require.NoError(t, err)
	require.Equal(t, oneTAO, cost.Burn, "a new subnet's price is 1 TAO")

	res := f.burnedRegister(coldkey, hotkey, 1)
	require.Equal(t, &types.MsgBurnedRegisterResponse{Uid: 1, Burn: oneTAO}, res)
	require.Equal(t, before-oneTAO, f.balance(coldkey))
	// fee = floor(1e9·33/65535); the rest enters the pool and buys floor(x·Δ/(y+Δ)) alpha.
	require.Equal(t, uint64(503_547), f.balance(feeCollector)-feesBefore)
	p := f.pool(1)
	require.Equal(t, 1_000*oneTAO+999_496_453, p.Tao)
	require.Equal(t, uint64(998_498_457), p.AlphaRecycled, "the alpha bought is recycled")
	require.Equal(t, 1_000*oneTAO-998_498_457, p.AlphaIn)
	require.Zero(t, p.AlphaOut)
	require.Equal(t, uint64(1_260_000_000), f.burn(1), "×1.26")

	block := f.block()
	require.Equal(t, types.Neuron{Uid: 1, Hotkey: hotkey, BlockAtRegistration: block, LastUpdate: block, Active: true}, f.neuron(1, 1))
	uid, err := f.k.UidOf(f.ctx(), 1, hotkey)
	require.NoError(t, err)
	require.Equal(t, uint32(1), uid)
	owner, ok, err := f.k.HotkeyOwner(f.ctx(), hotkey)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, coldkey, owner)
	d, err := f.k.Delegates.Get(f.ctx(), hotkey)
	require.NoError(t, err)
	require.Equal(t, uint32(11_796), d.Take)
	require.True(t, f.c.App.AccountKeeper.HasAccount(f.ctx(), hotkey), "the hotkey can sign without TAO")
	s := f.subnet(1)
	require.Equal(t, uint32(2), s.N)
	require.Equal(t, block, s.TopologyChangedAt)
	evs := f.events("gotensor.subnet.v1.EventNeuronRegistered")
	require.Len(t, evs, 2, "uid 0 at the subnet's registration, then uid 1")
	require.Equal(t, &types.EventNeuronRegistered{
		Netuid: 1, Uid: 1, Hotkey: hotkey.String(), Coldkey: coldkey.String(), Burn: oneTAO,
	}, evs[1])

	// A second registration in the block pays the raised price and raises it again.
	res = f.burnedRegister(f.account(2), newKey(), 1)
	require.Equal(t, &types.MsgBurnedRegisterResponse{Uid: 2, Burn: 1_260_000_000}, res)
	require.Equal(t, uint64(1_587_600_000), f.burn(1), "×1.26 again")
	require.Equal(t, uint64(998_498_457+1_255_272_567), f.pool(1).AlphaRecycled)

	// A coldkey may register more hotkeys of its own, over several blocks.
	for i := uint32(3); i < 6; i++ {
		f.next()
		require.Equal(t, i, f.burnedRegister(coldkey, newKey(), 1).Uid)
	}
	f.next()
}

// TestBurnDecay_7_1: every block the price falls by the half-life factor: 1 TAO becomes
// 998 076 443, 996 156 586, 994 240 422 rao over three blocks at h = 360; it stays within
// [min_burn, max_burn].
func TestBurnDecay_7_1(t *testing.T) {
	f, _ := newSubnetFixture(t)
	require.Equal(t, oneTAO, f.burn(1))
	for _, want := range []uint64{998_076_443, 996_156_586, 994_240_422} {
		require.NoError(t, f.k.DecayBurns(f.ctx()))
		require.Equal(t, want, f.burn(1))
	}
	f.next()

	// Raising min_burn above the price lifts it there at the next decay.
	f.tune(1, "min_burn", "995000000")
	setBurn(f, 1, 994_240_422)
	require.NoError(t, f.k.DecayBurns(f.ctx()))
	require.Equal(t, uint64(995_000_000), f.burn(1))
	f.next()

	// A max_burn below the price caps it, and caps the ×1.26 after a registration too.
	f.tune(1, "min_burn", "500000", "max_burn", "200000000")
	require.NoError(t, f.k.DecayBurns(f.ctx()))
	require.Equal(t, uint64(200_000_000), f.burn(1))
	f.burnedRegister(f.account(1), newKey(), 1)
	require.Equal(t, uint64(200_000_000), f.burn(1))
	f.next()

	// A price at min_burn stays there.
	f.tune(1, "max_burn", "100000000000")
	setBurn(f, 1, 500_000)
	require.NoError(t, f.k.DecayBurns(f.ctx()))
	require.Equal(t, uint64(500_000), f.burn(1))
	f.next()

	// With min_burn 0 the price can reach 0: registration is then free and moves no TAO.
	f.tune(1, "min_burn", "0")
	setBurn(f, 1, 1)
	require.NoError(t, f.k.DecayBurns(f.ctx()))
	require.Zero(t, f.burn(1))
	before, pool := f.balance(f.account(3)), f.pool(1)
	require.Zero(t, f.burnedRegister(f.account(3), newKey(), 1).Burn)
	require.Equal(t, before, f.balance(f.account(3)))
	require.Equal(t, pool, f.pool(1))
	require.Zero(t, f.burn(1), "0 × 1.26 is 0")
	f.next()
}

func setBurn(f *netFixture, netuid uint32, burn uint64) {
	f.t.Helper()
	require.NoError(f.t, f.k.Burns.Set(f.ctx(), netuid, burn))
}

// TestRegistrationLimitPrice_7_1: max_burn refuses a price above it (and changes nothing); a
// limit equal to the price registers.
func TestRegistrationLimitPrice_7_1(t *testing.T) {
	f, _ := newSubnetFixture(t)
	coldkey, hotkey := f.account(1), newKey()
	before := f.stateHash()
	_, err := f.srv.BurnedRegister(f.ctx(), &types.MsgBurnedRegister{Coldkey: coldkey.String(), Netuid: 1, Hotkey: hotkey.String(), MaxBurn: oneTAO - 1})
	require.ErrorIs(t, err, types.ErrBurnTooHigh)
	require.Equal(t, before, f.stateHash())
	res, err := f.srv.BurnedRegister(f.ctx(), &types.MsgBurnedRegister{Coldkey: coldkey.String(), Netuid: 1, Hotkey: hotkey.String(), MaxBurn: oneTAO})
	require.NoError(t, err)
	require.Equal(t, oneTAO, res.Burn)
	f.next()
}

// fullSubnet is subnet 1 with max_allowed_uids 4, filled by three hotkeys of account 1 (uids 1-3),
// nothing immune and no floor of non-immune uids, unless the caller tunes otherwise.
func fullSubnet(t *testing.T, tune ...string) (*netFixture, []sdk.AccAddress) {
	t.Helper()
	f, ownerHotkey := newSubnetFixture(t)
	f.tune(1, "min_allowed_uids", "0", "max_allowed_uids", "4", "min_non_immune_uids", "0", "immunity_period", "0")
	f.tune(1, tune...)
	keys := []sdk.AccAddress{ownerHotkey}
	for range 3 {
		k := newKey()
		f.burnedRegister(f.account(1), k, 1)
		keys = append(keys, k)
	}
	f.next()
	return f, keys
}

// TestPruneChoice_7_3: a full subnet replaces the lowest emission, then the earliest registered,
// then the lowest uid; the owner hotkey never, whatever its emission.
func TestPruneChoice_7_3(t *testing.T) {
	cases := []struct {
		name       string
		emission   [4]uint64
		registered [4]uint64 // blocks before now
		want       uint32
	}{
		{"lowest emission", [4]uint64{0, 7, 3, 9}, [4]uint64{9, 5, 5, 5}, 2},
		{"tie: earliest registration", [4]uint64{0, 3, 3, 9}, [4]uint64{9, 1, 2, 5}, 2},
		{"tie on both: lowest uid", [4]uint64{0, 3, 3, 3}, [4]uint64{9, 4, 4, 4}, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, _ := fullSubnet(t)
			now := f.block()
			for uid := range uint32(4) {
				f.editNeuron(1, uid, func(n *types.Neuron) {
					n.Emission, n.BlockAtRegistration = tc.emission[uid], now-tc.registered[uid]
				})
			}
			require.Equal(t, tc.want, f.burnedRegister(f.account(2), newKey(), 1).Uid)
			require.Equal(t, uint32(4), f.subnet(1).N, "a replacement does not grow the subnet")
			f.next()
		})
	}
}

// TestUidReplacementClearsTheNeuron_7_2: the new hotkey takes the uid with zero results; the old
// one loses its index, axon, commits, bonds and own weights, and every weight on the uid becomes
// an explicit 0; the old hotkey keeps its owner (stake belongs to hotkeys, not uids).
func TestUidReplacementClearsTheNeuron_7_2(t *testing.T) {
	f, keys := fullSubnet(t)
	ctx := f.ctx()
	now := f.block()
	for uid := range uint32(4) {
		f.editNeuron(1, uid, func(n *types.Neuron) {
			n.Emission, n.Consensus, n.Incentive, n.Dividends, n.ValidatorTrust, n.StakeWeight = 10, 1, 2, 3, 4, 5
			n.ValidatorPermit, n.Active = true, false
		})
	}
	f.editNeuron(1, 2, func(n *types.Neuron) { n.Emission = 1 })
	row := func(entries ...uint32) types.WeightRow {
		var r types.WeightRow
		for i := 0; i < len(entries); i += 2 {
			r.Entries = append(r.Entries, types.WeightEntry{Uid: entries[i], Value: entries[i+1]})
		}
		return r
	}
	require.NoError(t, f.k.Weights.Set(ctx, collections.Join(uint32(1), uint32(1)), row(0, 100, 2, 200, 3, 300)))
	require.NoError(t, f.k.Weights.Set(ctx, collections.Join(uint32(1), uint32(3)), row(2, 7)))
	require.NoError(t, f.k.Weights.Set(ctx, collections.Join(uint32(1), uint32(2)), row(1, 50)))
	require.NoError(t, f.k.Bonds.Set(ctx, collections.Join(uint32(1), uint32(2)), row(1, 10)))
	require.NoError(t, f.k.Bonds.Set(ctx, collections.Join(uint32(1), uint32(1)), row(2, 9)))
	require.NoError(t, f.k.Axons.Set(ctx, collections.Join(uint32(1), uint32(2)), types.AxonInfo{Ip: "10.0.0.2", Port: 8091}))
	require.NoError(t, f.k.Commits.Set(ctx, collections.Join(uint32(1), keys[2]), types.CommitQueue{Commits: []types.WeightCommit{{Hash: make([]byte, 32)}}}))

	newcomer := newKey()
	res := f.burnedRegister(f.account(2), newcomer, 1)
	require.Equal(t, uint32(2), res.Uid)

	require.Equal(t, types.Neuron{Uid: 2, Hotkey: newcomer, BlockAtRegistration: now, LastUpdate: now, Active: true}, f.neuron(1, 2))
	uid, err := f.k.UidOf(ctx, 1, newcomer)
	require.NoError(t, err)
	require.Equal(t, uint32(2), uid)
	_, err = f.k.UidOf(ctx, 1, keys[2])
	require.ErrorIs(t, err, types.ErrHotkeyNotRegistered)
	has := func(present func() (bool, error)) bool {
		ok, err := present()
		require.NoError(t, err)
		return ok
	}
	k12 := collections.Join(uint32(1), uint32(2))
	require.False(t, has(func() (bool, error) { return f.k.Weights.Has(ctx, k12) }), "own weights row deleted")
	require.False(t, has(func() (bool, error) { return f.k.Bonds.Has(ctx, k12) }), "own bonds deleted")
	require.False(t, has(func() (bool, error) { return f.k.Axons.Has(ctx, k12) }), "axon deleted")
	require.False(t, has(func() (bool, error) { return f.k.Commits.Has(ctx, collections.Join(uint32(1), keys[2])) }), "old commits deleted")
	w1, err := f.k.Weights.Get(ctx, collections.Join(uint32(1), uint32(1)))
	require.NoError(t, err)
	require.Equal(t, row(0, 100, 2, 0, 3, 300), w1, "weights on the uid become explicit zeros")
	w3, err := f.k.Weights.Get(ctx, collections.Join(uint32(1), uint32(3)))
	require.NoError(t, err)
	require.Equal(t, row(2, 0), w3)
	b1, err := f.k.Bonds.Get(ctx, collections.Join(uint32(1), uint32(1)))
	require.NoError(t, err)
	require.Equal(t, row(2, 9), b1, "other rows' bonds stay until the epoch rewrites them")
	_, ok, err := f.k.HotkeyOwner(ctx, keys[2])
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, []proto.Message{&types.EventNeuronRegistered{
		Netuid: 1, Uid: 2, Hotkey: newcomer.String(), Coldkey: f.account(2).String(), Burn: res.Burn, ReplacedHotkey: keys[2].String(),
	}}, f.events("gotensor.subnet.v1.EventNeuronRegistered"))
	require.Equal(t, now, f.subnet(1).TopologyChangedAt)
	f.next()
}

// TestImmunityAndOwnerKeys_7_3: immune uids are replaced only when too few non-immune ones remain
// (min_non_immune_uids); owner-immortal keys never; with nothing replaceable, registration fails
// and changes nothing.
func TestImmunityAndOwnerKeys_7_3(t *testing.T) {
	t.Run("all immune: the lowest emission among them", func(t *testing.T) {
		f, _ := fullSubnet(t, "immunity_period", "100")
		for uid, e := range map[uint32]uint64{1: 5, 2: 2, 3: 8} {
			f.editNeuron(1, uid, func(n *types.Neuron) { n.Emission = e })
		}
		immune, err := f.k.IsImmune(f.ctx(), 1, f.neuron(1, 2))
		require.NoError(t, err)
		require.True(t, immune)
		require.Equal(t, uint32(2), f.burnedRegister(f.account(2), newKey(), 1).Uid)
		f.next()
	})
	t.Run("min_non_immune_uids protects the non-immune", func(t *testing.T) {
		f, _ := fullSubnet(t, "immunity_period", "2", "min_non_immune_uids", "1")
		now := f.block()
		for uid, e := range map[uint32]uint64{1: 1, 2: 2, 3: 8} {
			f.editNeuron(1, uid, func(n *types.Neuron) { n.Emission = e })
		}
		require.GreaterOrEqual(t, now, uint64(2))
		f.editNeuron(1, 1, func(n *types.Neuron) { n.BlockAtRegistration = now - 2 })
		immune, err := f.k.IsImmune(f.ctx(), 1, f.neuron(1, 1))
		require.NoError(t, err)
		require.False(t, immune, "immune while fewer than immunity_period blocks old")
		// One non-immune uid is not more than min_non_immune_uids = 1: the best immune one goes.
		require.Equal(t, uint32(2), f.burnedRegister(f.account(2), newKey(), 1).Uid)
		f.next()
		f.tune(1, "min_non_immune_uids", "0")
		require.Equal(t, uint32(1), f.burnedRegister(f.account(2), newKey(), 1).Uid)
		f.next()
	})
	t.Run("owner keys up to immune_owner_uids_limit are immortal", func(t *testing.T) {
		f, keys := fullSubnet(t)
		// Replace uid 3 by a second hotkey of the owner's coldkey, with the lowest emission.
		for uid, e := range map[uint32]uint64{0: 0, 1: 5, 2: 6, 3: 1} {
			f.editNeuron(1, uid, func(n *types.Neuron) { n.Emission = e })
		}
		second := newKey()
		require.Equal(t, uint32(3), f.burnedRegister(f.account(0), second, 1).Uid)
		owned, err := f.k.OwnerHotkeys(f.ctx(), 1)
		require.NoError(t, err)
		require.Equal(t, []sdk.AccAddress{keys[0], second}, owned, "the owner hotkey first")
		f.next()

		// Limit 1: only the owner hotkey is immortal, so the second owner key (emission 0 now) goes.
		f.editNeuron(1, 1, func(n *types.Neuron) { n.Emission = 5 })
		f.editNeuron(1, 2, func(n *types.Neuron) { n.Emission = 6 })
		require.Equal(t, uint32(3), f.burnedRegister(f.account(0), newKey(), 1).Uid)
		f.next()

		// Limit 2: the owner's earliest other hotkey (now uid 3 again) is immortal too.
		f.tune(1, "immune_owner_uids_limit", "2")
		f.editNeuron(1, 1, func(n *types.Neuron) { n.Emission = 5 })
		f.editNeuron(1, 2, func(n *types.Neuron) { n.Emission = 6 })
		require.Equal(t, uint32(1), f.burnedRegister(f.account(2), newKey(), 1).Uid)
		f.next()
	})
	t.Run("nothing replaceable", func(t *testing.T) {
		f, _ := newSubnetFixture(t)
		f.tune(1, "min_allowed_uids", "0", "max_allowed_uids", "2", "immune_owner_uids_limit", "2")
		f.burnedRegister(f.account(0), newKey(), 1) // a second owner key: immortal
		f.next()
		before := f.stateHash()
		_, err := f.srv.BurnedRegister(f.ctx(), &types.MsgBurnedRegister{Coldkey: f.account(1).String(), Netuid: 1, Hotkey: newKey().String()})
		require.ErrorIs(t, err, types.ErrNoNeuronSlot)
		require.Equal(t, before, f.stateHash())
	})
}

// TestBurnedRegisterRefusesBadInput: each refusal names its error and changes no record, balance
// or account.
func TestBurnedRegisterRefusesBadInput(t *testing.T) {
	f, ownerHotkey := newSubnetFixture(t)
	f.registerNetwork(f.account(1), newKey(), "closed")
	f.tune(2, "registration_allowed", "false")
	registered := newKey()
	f.burnedRegister(f.account(2), registered, 1)
	f.next()
	poor := newKey()
	require.NoError(t, f.c.App.BankKeeper.SendCoins(f.ctx(), f.account(3), poor, sdk.NewCoins(sdk.NewInt64Coin(types.Denom, 1_000))))
	f.next()

	valid := func() types.MsgBurnedRegister {
		return types.MsgBurnedRegister{Coldkey: f.account(3).String(), Netuid: 1, Hotkey: newKey().String()}
	}
	cases := []struct {
		name string
		edit func(*types.MsgBurnedRegister)
		want error
	}{
		{"netuid 0", func(m *types.MsgBurnedRegister) { m.Netuid = 0 }, types.ErrRootNetuid},
		{"netuid beyond u16", func(m *types.MsgBurnedRegister) { m.Netuid = 65_536 }, types.ErrValueOutOfRange},
		{"unknown netuid", func(m *types.MsgBurnedRegister) { m.Netuid = 77 }, types.ErrSubnetNotFound},
		{"malformed coldkey", func(m *types.MsgBurnedRegister) { m.Coldkey = "tao1" }, types.ErrInvalidAddress},
		{"malformed hotkey", func(m *types.MsgBurnedRegister) { m.Hotkey = "not an address" }, types.ErrInvalidAddress},
		{"registration closed", func(m *types.MsgBurnedRegister) { m.Netuid = 2 }, types.ErrRegistrationDisabled},
		{"already registered", func(m *types.MsgBurnedRegister) { m.Coldkey, m.Hotkey = f.account(2).String(), registered.String() }, types.ErrAlreadyRegistered},
		{"owner hotkey again", func(m *types.MsgBurnedRegister) { m.Coldkey, m.Hotkey = f.account(0).String(), ownerHotkey.String() }, types.ErrAlreadyRegistered},
		{"balance too low", func(m *types.MsgBurnedRegister) { m.Coldkey = poor.String() }, types.ErrInsufficientBalance},
		{"module account as hotkey", func(m *types.MsgBurnedRegister) {
			m.Hotkey = authtypes.NewModuleAddress(authtypes.FeeCollectorName).String()
		}, types.ErrHotkeyIsSystemAccount},
		{"limit below the price", func(m *types.MsgBurnedRegister) { m.MaxBurn = 1 }, types.ErrBurnTooHigh},
	}
	for _, tc := range cases {
		msg := valid()
		tc.edit(&msg)
		before := f.stateHash()
		_, err := f.srv.BurnedRegister(f.ctx(), &msg)
		require.ErrorIs(t, err, tc.want, tc.name)
		require.Equal(t, before, f.stateHash(), tc.name)
	}

	// A hotkey of another coldkey cannot be registered on a subnet it is not on yet.
	f.registerNetwork(f.account(4), newKey(), "three")
	before := f.stateHash()
	_, err := f.srv.BurnedRegister(f.ctx(), &types.MsgBurnedRegister{Coldkey: f.account(3).String(), Netuid: 3, Hotkey: registered.String()})
	require.ErrorIs(t, err, types.ErrHotkeyNotOwned)
	require.Equal(t, before, f.stateHash())
	// Its own coldkey can.
	require.Equal(t, uint32(1), f.burnedRegister(f.account(2), registered, 3).Uid)

	for _, netuid := range []uint32{0, 70_000, 9} {
		_, err := f.qry.RegistrationCost(f.ctx(), &types.QueryRegistrationCostRequest{Netuid: netuid})
		require.Error(t, err, "netuid %d", netuid)
	}
	f.next()
}

// BenchmarkDecayBurns prices one block's decay of 128 subnets' registration prices (the subnet
// limit), every one of them changing.
func BenchmarkDecayBurns(b *testing.B) {
	f, _ := newSubnetFixture(b)
	ctx := f.ctx()
	h := types.NewSubnetHyperparams()
	h.BurnHalfLife = 36_100 // slow enough that every price still moves after b.N blocks
	for netuid := uint32(1); netuid <= 128; netuid++ {
		require.NoError(b, f.k.Hyperparams.Set(ctx, netuid, h))
		require.NoError(b, f.k.Burns.Set(ctx, netuid, h.MaxBurn))
	}
	b.ResetTimer()
	for range b.N {
		if err := f.k.DecayBurns(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBurnedRegisterReplacing prices the heaviest registration: a full subnet of 256 uids
// whose validators all weight every uid, so the replacement zeroes an entry in 256 rows.
func BenchmarkBurnedRegisterReplacing(b *testing.B) {
	f, _ := newSubnetFixture(b)
	ctx := f.ctx()
	h := f.hyperparams(1)
	h.MinNonImmuneUids, h.ImmunityPeriod, h.MaxBurn = 0, 0, 1_000_000 // cheap enough for any b.N
	require.NoError(b, f.k.Hyperparams.Set(ctx, 1, h))
	full := types.WeightRow{}
	for uid := range uint32(256) {
		full.Entries = append(full.Entries, types.WeightEntry{Uid: uid, Value: 1_000})
	}
	block := f.block()
	for uid := uint32(1); uid < 256; uid++ {
		key := newKey()
		require.NoError(b, f.k.Neurons.Set(ctx, collections.Join(uint32(1), uid), types.Neuron{Uid: uid, Hotkey: key, BlockAtRegistration: block}))
		require.NoError(b, f.k.Uids.Set(ctx, collections.Join(uint32(1), key), uid))
	}
	for uid := range uint32(256) {
		require.NoError(b, f.k.Weights.Set(ctx, collections.Join(uint32(1), uid), full))
	}
	s := f.subnet(1)
	s.N = 256
	require.NoError(b, f.k.Subnets.Set(ctx, 1, s))
	keys := make([]string, b.N)
	for i := range keys {
		keys[i] = newKey().String()
	}
	coldkey := f.account(1).String()
	b.ResetTimer()
	for i := range b.N {
		if _, err := f.srv.BurnedRegister(ctx, &types.MsgBurnedRegister{Coldkey: coldkey, Netuid: 1, Hotkey: keys[i]}); err != nil {
			b.Fatal(err)
		}
	}
}
