package app_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/metadata"

	"github.com/cosmos/cosmos-sdk/testutil/network"
	grpctypes "github.com/cosmos/cosmos-sdk/types/grpc"

	"github.com/gotensor/gotensor/app/apptesting"
	subnettypes "github.com/gotensor/gotensor/x/subnet/types"
)

// A real CometBFT node runs the app for more than 20 blocks: heights advance, every block mints
// its emission and (without subnets) recycles all of it, and the invariants hold at every height.
func TestChainMintsAndRecyclesEveryBlock(t *testing.T) {
	cfg, err := apptesting.NetworkConfig()
	require.NoError(t, err)
	net, err := network.New(t, t.TempDir(), cfg)
	require.NoError(t, err)
	defer net.Cleanup()

	const blocks = 22
	_, err = net.WaitForHeight(blocks)
	require.NoError(t, err)

	val := net.Validators[0]
	q := subnettypes.NewQueryClient(val.ClientCtx)
	var issuance uint64
	for h := int64(1); h <= blocks; h++ {
		ctx := metadata.AppendToOutgoingContext(context.Background(), grpctypes.GRPCBlockHeightHeader, strconv.FormatInt(h, 10))
		supply, err := q.Supply(ctx, &subnettypes.QuerySupplyRequest{})
		require.NoError(t, err)
		require.Equal(t, h, supply.Height)
		require.Equal(t, uint64(subnettypes.InitialBlockEmission), supply.BlockEmission)
		if h == 1 {
			issuance = supply.TotalIssuance
		}
		require.Equal(t, issuance, supply.TotalIssuance, "height %d: recycling keeps the issuance", h)
		require.Equal(t, supply.BankSupply+supply.Burned, supply.TotalIssuance)

		inv, err := q.Invariants(ctx, &subnettypes.QueryInvariantsRequest{})
		require.NoError(t, err)
		require.True(t, inv.Ok, "height %d: %v", h, inv.Results)

		res, err := val.RPCClient.BlockResults(context.Background(), &h)
		require.NoError(t, err)
		kinds := map[string]int{}
		for _, e := range res.FinalizeBlockEvents {
			kinds[e.Type]++
		}
		require.Equal(t, 1, kinds["gotensor.subnet.v1.EventCoinbase"], "height %d mints once", h)
		require.Equal(t, 1, kinds["gotensor.subnet.v1.EventRecycle"], "height %d recycles the unspent coinbase", h)
	}
}
