package chain_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/gotensor/gotensor/sdk/chain/chaintest"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// A client in any language reads a node's gRPC API: what does not exist answers NotFound and a
// malformed argument InvalidArgument, with the module's codespace and code in the message.
func TestQueryErrorsCarryGRPCCodes(t *testing.T) {
	n := chaintest.Shared(t)
	conn, err := grpc.NewClient(n.GRPC, grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	defer conn.Close()
	q := types.NewQueryClient(conn)
	ctx := context.Background()

	_, err = q.Subnet(ctx, &types.QuerySubnetRequest{Netuid: 999})
	require.Equal(t, codes.NotFound, status.Code(err), "%v", err)
	require.Contains(t, status.Convert(err).Message(), "codespace subnet code 10")

	_, err = q.Hotkey(ctx, &types.QueryHotkeyRequest{Hotkey: "tao1notanaddress"})
	require.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)
}
