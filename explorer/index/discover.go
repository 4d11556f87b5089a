package index

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/cosmos/cosmos-sdk/client/grpc/cmtservice"

	"github.com/gotensor/gotensor/sdk/chain"
)

// DiscoverRPC asks the node at grpcAddr for its CometBFT RPC address (the rpc_address of its node
// info), so that pointing the explorer at one gRPC address is enough. A node listening on every
// interface (0.0.0.0) is reached on grpcAddr's host.
func DiscoverRPC(ctx context.Context, grpcAddr string) (string, error) {
	enc, err := chain.NewEncoding()
	if err != nil {
		return "", err
	}
	conn, err := grpc.NewClient(grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.ForceCodec(enc.Codec.GRPCCodec())))
	if err != nil {
		return "", fmt.Errorf("explorer: connecting to %s: %w", grpcAddr, err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	info, err := cmtservice.NewServiceClient(conn).GetNodeInfo(ctx, &cmtservice.GetNodeInfoRequest{})
	if err != nil {
		return "", fmt.Errorf("explorer: asking %s for its CometBFT RPC address: %w (pass --rpc)", grpcAddr, err)
	}
	if info.DefaultNodeInfo == nil || info.DefaultNodeInfo.Other.RPCAddress == "" {
		return "", fmt.Errorf("explorer: %s did not say its CometBFT RPC address: pass --rpc", grpcAddr)
	}
	u, err := url.Parse(info.DefaultNodeInfo.Other.RPCAddress)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("explorer: %s gave an unreadable RPC address %q: pass --rpc", grpcAddr, info.DefaultNodeInfo.Other.RPCAddress)
	}
	host, port, err := net.SplitHostPort(u.Host)
	if err != nil {
		return "", fmt.Errorf("explorer: %s gave an unreadable RPC address %q: pass --rpc", grpcAddr, info.DefaultNodeInfo.Other.RPCAddress)
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		if host, _, err = net.SplitHostPort(grpcAddr); err != nil {
			return "", fmt.Errorf("explorer: --node %q: want host:port", grpcAddr)
		}
	}
	return "tcp://" + net.JoinHostPort(host, port), nil
}
