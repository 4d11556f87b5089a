package main

import (
	"fmt"
	"log/slog"
	"net/url"

	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/flags"

	"github.com/gotensor/gotensor/sdk/chain"
)

// nodeList reads a client command's --node when it lists several CometBFT RPC endpoints
// (tcp://a:26657,tcp://b:26657) and leaves the first in the flag, so that the SDK's own reading
// of it, which takes one, succeeds. It returns nil for one endpoint or none.
func nodeList(cmd *cobra.Command) ([]string, error) {
	f := cmd.Flags().Lookup(flags.FlagNode)
	if f == nil || !f.Changed {
		return nil, nil
	}
	uris := chain.ParseNodes(f.Value.String())
	if len(uris) < 2 {
		return nil, nil
	}
	for _, u := range uris {
		if p, err := url.Parse(u); err != nil || p.Host == "" {
			return nil, fmt.Errorf("--node %q: want each node's CometBFT RPC address as tcp://host:port", u)
		}
	}
	if err := f.Value.Set(uris[0]); err != nil {
		return nil, err
	}
	return uris, nil
}

// withNodeList makes the command's client move through the endpoints, to the next when one
// stops answering, and marks --node as read, so that the SDK's later reading of the command's
// flags keeps this client instead of dialling the flag's one endpoint.
func withNodeList(cmd *cobra.Command, ctx client.Context, uris []string) (client.Context, error) {
	if uris == nil {
		return ctx, nil
	}
	rpc, err := chain.NewCometRPC(uris, 0, slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		return ctx, err
	}
	cmd.Flags().Lookup(flags.FlagNode).Changed = false
	return ctx.WithClient(rpc).WithNodeURI(uris[0]), nil
}
