package localnet

import (
	"context"
	"strconv"

	"google.golang.org/grpc/metadata"

	grpctypes "github.com/cosmos/cosmos-sdk/types/grpc"

	subnettypes "github.com/gotensor/gotensor/x/subnet/types"
)

// supplyReader reads the supply and invariants through the node's query API, as any client does.
type supplyReader struct {
	q      subnettypes.QueryClient
	last   *subnettypes.QuerySupplyResponse
	height int64
}

func newSupplyReader(n *Node) *supplyReader {
	return &supplyReader{q: subnettypes.NewQueryClient(n.Client())}
}

// supply reads the figures committed at height.
func (r *supplyReader) supply(ctx context.Context, height int64) (*subnettypes.QuerySupplyResponse, error) {
	ctx = metadata.AppendToOutgoingContext(ctx, grpctypes.GRPCBlockHeightHeader, strconv.FormatInt(height, 10))
	s, err := r.q.Supply(ctx, &subnettypes.QuerySupplyRequest{})
	if err != nil {
		return nil, err
	}
	r.last, r.height = s, height
	return s, nil
}

// fill copies the last figures, and the invariants at that height, into the summary.
func (r *supplyReader) fill(s *Summary) error {
	if r.last == nil {
		return nil
	}
	ctx := metadata.AppendToOutgoingContext(context.Background(), grpctypes.GRPCBlockHeightHeader, strconv.FormatInt(r.height, 10))
	inv, err := r.q.Invariants(ctx, &subnettypes.QueryInvariantsRequest{})
	if err != nil {
		return err
	}
	s.BlockEmissionRao = r.last.BlockEmission
	s.TotalIssuanceRao = r.last.TotalIssuance
	s.BurnedRao = r.last.Burned
	s.BankSupplyRao = r.last.BankSupply
	s.InvariantsHold = inv.Ok
	return nil
}
