package keeper_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	sdkmath "cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	govtypes "github.com/cosmos/cosmos-sdk/x/gov/types"

	"github.com/gotensor/gotensor/app/apptesting"
	"github.com/gotensor/gotensor/x/subnet/keeper"
	"github.com/gotensor/gotensor/x/subnet/types"
)

const tao = types.RaoPerTAO

// The halving thresholds of §5.1, in rao: the emission halves when the issuance reaches
// 21M·(1 − 2^−k).
var thresholds = []struct {
	issuance uint64
	before   uint64 // emission just below the threshold
	after    uint64 // emission at and above it
}{
	{10_500_000 * tao, 1_000_000_000, 500_000_000},
	{15_750_000 * tao, 500_000_000, 250_000_000},
	{18_375_000 * tao, 250_000_000, 125_000_000},
	{19_687_500 * tao, 125_000_000, 62_500_000},
	{20_343_750 * tao, 62_500_000, 31_250_000},
}

func TestEmissionAroundEveryHalving_5_1(t *testing.T) {
	require.Equal(t, uint64(tao), keeper.EmissionForIssuance(0))
	for _, th := range thresholds {
		require.Equal(t, th.before, keeper.EmissionForIssuance(th.issuance-1), "just below %d", th.issuance)
		require.Equal(t, th.after, keeper.EmissionForIssuance(th.issuance), "at %d", th.issuance)
		require.Equal(t, th.after, keeper.EmissionForIssuance(th.issuance+1), "just above %d", th.issuance)
	}
	require.Equal(t, uint64(0), keeper.EmissionForIssuance(types.MaxSupply), "at the cap")
	require.Equal(t, uint64(0), keeper.EmissionForIssuance(types.MaxSupply+1), "past the cap")
	// The last rao below the cap still sees a non-zero emission after ~30 halvings run the
	// emission down to single rao.
	require.LessOrEqual(t, keeper.EmissionForIssuance(types.MaxSupply-1), uint64(1))
}

func TestScheduleFindsEachHalvingExactly_5_1(t *testing.T) {
	s := keeper.ScheduleAt(1_000 * tao)
	require.Equal(t, uint64(tao), s.Emission)
	require.Equal(t, uint32(0), s.Halvings)
	require.Equal(t, thresholds[0].issuance, s.NextHalvingIssuance)
	require.Equal(t, (thresholds[0].issuance-1_000*tao)/tao, s.BlocksToNextHalving)

	for i, th := range thresholds[:len(thresholds)-1] {
		s := keeper.ScheduleAt(th.issuance)
		require.Equal(t, th.after, s.Emission)
		require.Equal(t, uint32(i+1), s.Halvings)
		require.Equal(t, thresholds[i+1].issuance, s.NextHalvingIssuance)
		// One rao short of the next threshold needs exactly one more block.
		require.Equal(t, uint64(1), keeper.ScheduleAt(thresholds[i+1].issuance-1).BlocksToNextHalving)
	}

	end := keeper.ScheduleAt(types.MaxSupply)
	require.Equal(t, uint64(0), end.Emission)
	require.Equal(t, uint64(types.MaxSupply), end.NextHalvingIssuance)
	require.Equal(t, uint64(0), end.BlocksToNextHalving)
}

// Until subnets exist, every coinbase is minted and recycled: the issuance stays where genesis
// put it, and each block says so in its events.
func TestCoinbaseMintsThenRecyclesWithoutSubnets_5_1(t *testing.T) {
	c := apptesting.New(t)
	k := c.App.SubnetKeeper
	start, err := k.GetTotalIssuance(c.Ctx())
	require.NoError(t, err)
	require.Equal(t, k.BankSupply(c.Ctx()), start, "genesis balances count as issued")

	for range 5 {
		res := c.NextBlock()
		require.Len(t, apptesting.Events(res, "gotensor.subnet.v1.EventCoinbase"), 1)
		recycles := apptesting.Events(res, "gotensor.subnet.v1.EventRecycle")
		require.Len(t, recycles, 1)
		require.Contains(t, recycles[0].String(), "unspent_coinbase")

		issuance, err := k.GetTotalIssuance(c.Ctx())
		require.NoError(t, err)
		require.Equal(t, start, issuance)
		require.NoError(t, k.BrokenInvariants(c.Ctx()))
	}
}

// Genesis balances past a threshold start the chain on the halved emission.
func TestGenesisBalancesCountAsIssued_5_1(t *testing.T) {
	c := apptesting.New(t, apptesting.WithAccounts(3, 4_000_000*tao))
	emission, err := c.App.SubnetKeeper.BlockEmission(c.Ctx())
	require.NoError(t, err)
	require.Equal(t, uint64(500_000_000), emission, "12M TAO of genesis balances are past the first halving")
}

// TAO destroyed by other modules through x/bank (slashing, vetoed deposits) is counted as burned
// at the end of the block, so supply + burned = issuance keeps holding.
func TestExternalBurnsAreCounted(t *testing.T) {
	c := apptesting.New(t)
	k := c.App.SubnetKeeper
	ctx := c.Ctx()
	amount := sdk.NewCoins(sdk.NewCoin(types.Denom, sdkmath.NewInt(7*tao)))
	require.NoError(t, c.App.BankKeeper.SendCoinsFromAccountToModule(ctx, c.Accounts[0].Address, govtypes.ModuleName, amount))
	require.NoError(t, c.App.BankKeeper.BurnCoins(ctx, govtypes.ModuleName, amount))
	c.NextBlock()

	burned, err := k.GetBurned(c.Ctx())
	require.NoError(t, err)
	require.Equal(t, uint64(7*tao), burned)
	require.NoError(t, k.BrokenInvariants(c.Ctx()))
}

// Rao minted behind the coinbase's back is never absorbed: the invariant reports it.
func TestUnaccountedMintBreaksTheInvariant(t *testing.T) {
	c := apptesting.New(t)
	ctx := c.Ctx()
	require.NoError(t, c.App.BankKeeper.MintCoins(ctx, types.ModuleName, sdk.NewCoins(sdk.NewCoin(types.Denom, sdkmath.NewInt(3)))))
	err := c.App.SubnetKeeper.BrokenInvariants(ctx)
	require.ErrorIs(t, err, types.ErrSupplyAccounting)
	require.Contains(t, err.Error(), "supply-plus-burned-equals-issuance")
}
