package keeper_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/x/subnet"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// subnetStore copies every key and value of x/subnet's store.
func (f *netFixture) subnetStore() map[string][]byte {
	f.t.Helper()
	key := f.c.App.UnsafeFindStoreKey(types.StoreKey)
	require.NotNil(f.t, key)
	out := map[string][]byte{}
	it := f.ctx().KVStore(key).Iterator(nil, nil)
	defer it.Close()
	for ; it.Valid(); it.Next() {
		out[string(it.Key())] = append([]byte(nil), it.Value()...)
	}
	return out
}

// writeV2Layout rewrites the records whose addresses v3 stores as bytes the way v2 stored them, as
// bech32 text. A proto3 string field and a bytes field of the same number encode alike (tag,
// length, content), so a v3 record holding the text's bytes is byte for byte the v2 record.
func (f *netFixture) writeV2Layout() {
	f.t.Helper()
	ctx := f.ctx()
	text := func(addr sdk.AccAddress) sdk.AccAddress {
		s, err := f.k.AddressCodec().BytesToString(addr)
		require.NoError(f.t, err)
		require.NotEmpty(f.t, s)
		return sdk.AccAddress(s)
	}
	netuids, err := f.k.Netuids(ctx)
	require.NoError(f.t, err)
	for _, netuid := range netuids {
		s := f.subnet(netuid)
		s.Owner, s.OwnerHotkey = text(s.Owner), text(s.OwnerHotkey)
		require.NoError(f.t, f.k.Subnets.Set(ctx, netuid, s))
		for uid := range s.N {
			f.editNeuron(netuid, uid, func(n *types.Neuron) { n.Hotkey = text(n.Hotkey) })
		}
	}
	var dissolutions []types.Dissolution
	require.NoError(f.t, f.k.Dissolutions.Walk(ctx, nil, func(_ uint32, d types.Dissolution) (bool, error) {
		dissolutions = append(dissolutions, d)
		return false, nil
	}))
	for _, d := range dissolutions {
		d.Owner = text(d.Owner)
		require.NoError(f.t, f.k.Dissolutions.Set(ctx, d.Netuid, d))
	}
}

// newMigrating is a chain with every kind of record the v2→v3 migration converts: subnets with
// neurons beyond the owner's, and a dissolution still paying out.
func newMigrating(t *testing.T) *netFixture {
	f := newDissolving(t, 5, 1)
	for i := 2; i < 5; i++ {
		f.burnedRegister(f.account(i), newKey(), 1)
		f.burnedRegister(f.account(i), newKey(), 2)
	}
	f.next()
	f.prune()
	f.next()
	has, err := f.k.Dissolutions.Has(f.ctx(), 2)
	require.NoError(t, err)
	require.True(t, has, "subnet 2's dissolution is still paying out")
	return f
}

// The v2→v3 migration (AddressesAsBytes), run by the module manager as an upgrade runs it: a store
// written in the v2 layout, addresses as bech32 text, reads back after it exactly as the same state
// written in the v3 layout: the same store, key for key and byte for byte, and the same genesis.
// The chain then runs on with its invariants holding.
func TestAddressesAsBytesMigration(t *testing.T) {
	f := newMigrating(t)
	ctx := f.ctx()
	want := f.subnetStore()
	wantGenesis, err := f.k.ExportGenesis(ctx)
	require.NoError(t, err)

	f.writeV2Layout()
	v2 := f.subnetStore()
	require.NotEqual(t, want, v2)
	require.Len(t, v2, len(want), "the layout changes values, not keys")
	owner := f.subnet(1).Owner
	require.Equal(t, f.account(0).String(), string(owner), "v2 holds the bech32 text")

	vm := f.c.App.ModuleManager.GetVersionMap()
	require.Equal(t, uint64(subnet.ConsensusVersion), vm[types.ModuleName])
	require.Equal(t, uint64(3), vm[types.ModuleName])
	vm[types.ModuleName] = 2
	after, err := f.c.App.ModuleManager.RunMigrations(ctx, f.c.App.Configurator(), vm)
	require.NoError(t, err)
	require.Equal(t, uint64(3), after[types.ModuleName])

	require.Equal(t, want, f.subnetStore())
	gotGenesis, err := f.k.ExportGenesis(ctx)
	require.NoError(t, err)
	require.Equal(t, wantGenesis, gotGenesis)
	require.Equal(t, f.account(0).String(), gotGenesis.Subnets[0].Subnet.Owner, "genesis stays bech32")
	require.NoError(t, f.k.BrokenInvariants(ctx))
	f.advance(3)
}

// A v2 record whose address is not bech32 fails the migration, naming the record.
func TestAddressesAsBytesMigrationRefusesBadText(t *testing.T) {
	f := newMigrating(t)
	f.writeV2Layout()
	f.editNeuron(1, 2, func(n *types.Neuron) { n.Hotkey = sdk.AccAddress("tao1notanaddress") })
	err := f.k.AddressesAsBytes(f.ctx())
	require.ErrorIs(t, err, types.ErrInconsistentState)
	require.ErrorContains(t, err, `subnet 1 uid 2 hotkey "tao1notanaddress"`)
}
