package types_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	sdkmath "cosmossdk.io/math"

	addresscodec "github.com/cosmos/cosmos-sdk/codec/address"
	"github.com/cosmos/cosmos-sdk/crypto/keys/secp256k1"

	"github.com/gotensor/gotensor/x/subnet/types"
)

func TestGenesisValidateNamesWhatIsWrong(t *testing.T) {
	codec := addresscodec.NewBech32Codec("tao")
	addr := func() string {
		s, err := codec.BytesToString(secp256k1.GenPrivKey().PubKey().Address())
		require.NoError(t, err)
		return s
	}
	hot := addr()
	subnet := func(netuid uint32, neurons ...types.GenesisNeuron) types.GenesisSubnet {
		return types.GenesisSubnet{Subnet: types.GenesisSubnetInfo{Netuid: netuid, Owner: hot, OwnerHotkey: hot, N: uint32(len(neurons))}, Hyperparams: types.NewSubnetHyperparams(), Neurons: neurons}
	}
	cases := []struct {
		name string
		edit func(*types.GenesisState)
		want string
	}{
		{"fine", func(*types.GenesisState) {}, ""},
		{"over the cap", func(g *types.GenesisState) { g.TotalIssuance = types.MaxSupply + 1 }, "exceeds the 21M TAO cap"},
		{"bad params", func(g *types.GenesisState) { g.Params.SwapFeeRate = 20_000 }, "swap_fee_rate"},
		{"bad authority", func(g *types.GenesisState) { g.LocalAuthority = "cosmos1xyz" }, "local_authority"},
		{"root netuid", func(g *types.GenesisState) { g.Subnets = []types.GenesisSubnet{subnet(0)} }, "netuid 0"},
		{"twice", func(g *types.GenesisState) { g.Subnets = []types.GenesisSubnet{subnet(3), subnet(3)} }, "appears twice"},
		{"n disagrees", func(g *types.GenesisState) {
			s := subnet(1, types.GenesisNeuron{Uid: 0, Hotkey: hot})
			s.Subnet.N = 2
			g.Subnets = []types.GenesisSubnet{s}
		}, "n = 2 but 1 neurons"},
		{"uid gap", func(g *types.GenesisState) {
			g.Subnets = []types.GenesisSubnet{subnet(1, types.GenesisNeuron{Uid: 1, Hotkey: hot})}
		}, "has uid 1"},
		{"hotkey twice", func(g *types.GenesisState) {
			g.Subnets = []types.GenesisSubnet{subnet(1, types.GenesisNeuron{Uid: 0, Hotkey: hot}, types.GenesisNeuron{Uid: 1, Hotkey: hot})}
		}, "holds two uids"},
		{"row beyond n", func(g *types.GenesisState) {
			s := subnet(1, types.GenesisNeuron{Uid: 0, Hotkey: hot})
			s.Weights = []types.MatrixRow{{Uid: 5}}
			g.Subnets = []types.GenesisSubnet{s}
		}, "beyond n = 1"},
		{"bad subnet owner", func(g *types.GenesisState) {
			s := subnet(1)
			s.Subnet.Owner = "tao1nope"
			g.Subnets = []types.GenesisSubnet{s}
		}, "subnet 1: owner \"tao1nope\" is not an account address"},
		{"no subnet owner hotkey", func(g *types.GenesisState) {
			s := subnet(1)
			s.Subnet.OwnerHotkey = ""
			g.Subnets = []types.GenesisSubnet{s}
		}, "subnet 1: owner_hotkey \"\" is not an account address"},
		{"bad owner", func(g *types.GenesisState) {
			g.Hotkeys = []types.GenesisHotkey{{Hotkey: hot, Coldkey: "nope"}}
		}, "not an account address"},
		{"bad moving alpha", func(g *types.GenesisState) { g.Params.SubnetMovingAlpha = "1.5" }, "subnet_moving_alpha \"1.5\" must be at most 1"},
		{"bad multiplier", func(g *types.GenesisState) {
			s := subnet(1)
			s.Hyperparams.BurnIncreaseMult = "1,26"
			g.Subnets = []types.GenesisSubnet{s}
		}, "burn_increase_mult \"1,26\" must be a decimal"},
		{"dissolving a subnet that exists", func(g *types.GenesisState) {
			g.Subnets = []types.GenesisSubnet{subnet(1)}
			g.Dissolutions = []types.GenesisDissolution{{Netuid: 1, Owner: hot, TotalValue: sdkmath.ZeroUint()}}
		}, "netuid 1 is also a subnet"},
		{"dissolution overpaid", func(g *types.GenesisState) {
			g.Dissolutions = []types.GenesisDissolution{{Netuid: 2, Owner: hot, Pot: 10, Paid: 8, ProtocolShare: 3, TotalValue: sdkmath.ZeroUint()}}
		}, "exceed the pot 10"},
		{"remainder without a dissolution", func(g *types.GenesisState) {
			g.DissolutionRemainders = []types.GenesisDissolutionRemainder{{Netuid: 2, Remainder: make([]byte, 16)}}
		}, "no dissolution of netuid 2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := types.DefaultGenesis()
			c.edit(g)
			err := g.Validate(codec)
			if c.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, types.ErrInvalidGenesis)
			require.ErrorContains(t, err, c.want)
		})
	}
}
