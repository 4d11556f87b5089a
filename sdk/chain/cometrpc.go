package chain

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/cometbft/cometbft/libs/bytes"
	rpcclient "github.com/cometbft/cometbft/rpc/client"
	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	coretypes "github.com/cometbft/cometbft/rpc/core/types"
	jsonrpcclient "github.com/cometbft/cometbft/rpc/jsonrpc/client"
	rpctypes "github.com/cometbft/cometbft/rpc/jsonrpc/types"
	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/cosmos/cosmos-sdk/client"
)

// CometRPC is a CometBFT RPC client over several nodes, for the SDK's client commands
// (`gotensor tx …`, `gotensor q …` with --node a,b,c): each call goes to the current node, and
// when that one does not answer (unreachable, or silent for the attempt timeout) to the next,
// which then stays current. A node that answers, even with an error, has answered: its error is
// the call's. Sending the same transaction bytes to another node cannot run them twice (a
// transaction's sequence is used once), so broadcasts move on like every other call.
type CometRPC struct {
	nodes   []*rpchttp.HTTP
	uris    []string
	timeout time.Duration
	current atomic.Int64
	logger  *slog.Logger
}

var _ client.CometRPC = (*CometRPC)(nil)

// NewCometRPC connects to the CometBFT RPC endpoints (tcp://host:26657, http://…); attempt
// bounds one call to one node (0: 10s).
func NewCometRPC(uris []string, attempt time.Duration, logger *slog.Logger) (*CometRPC, error) {
	if len(uris) == 0 {
		return nil, errors.New("chain: no CometBFT RPC endpoint given")
	}
	if attempt <= 0 {
		attempt = DefaultCallTimeout
	}
	if logger == nil {
		logger = slog.Default()
	}
	r := &CometRPC{uris: uris, timeout: attempt, logger: logger}
	for _, u := range uris {
		hc, err := jsonrpcclient.DefaultHTTPClient(u)
		if err != nil {
			return nil, fmt.Errorf("chain: CometBFT RPC endpoint %q: %w", u, err)
		}
		// A connection per call: a kept one can outlive the node's RPC server (a stopping node
		// goes on answering on it from closed stores) where a new one is refused at once.
		if t, ok := hc.Transport.(*http.Transport); ok {
			t.DisableKeepAlives = true
		}
		c, err := rpchttp.NewWithClient(u, "/websocket", hc)
		if err != nil {
			return nil, fmt.Errorf("chain: CometBFT RPC endpoint %q: %w", u, err)
		}
		r.nodes = append(r.nodes, c)
	}
	return r, nil
}

// Node is the endpoint calls go to now.
func (r *CometRPC) Node() string { return r.uris[r.current.Load()] }

// call asks the nodes in turn, from the current one, until one answers.
func call[T any](r *CometRPC, ctx context.Context, what string, f func(context.Context, *rpchttp.HTTP) (T, error)) (T, error) {
	var (
		zero T
		errs []string
	)
	for range r.nodes {
		i := r.current.Load()
		actx, cancel := bound(ctx, r.timeout)
		res, err := f(actx, r.nodes[i])
		cancel()
		var answered *rpctypes.RPCError
		if err == nil || errors.As(err, &answered) || ctx.Err() != nil {
			return res, err
		}
		errs = append(errs, fmt.Sprintf("%s: %v", r.uris[i], err))
		next := (i + 1) % int64(len(r.nodes))
		if r.current.CompareAndSwap(i, next) && len(r.nodes) > 1 {
			r.logger.Warn("chain: CometBFT RPC node not answering, moving to the next", "node", r.uris[i], "next", r.uris[next], "call", what, "err", err)
		}
	}
	return zero, fmt.Errorf("chain: %s: no node answered (%s): %w", what, strings.Join(errs, "; "), ErrUnavailable)
}

func (r *CometRPC) ABCIInfo(ctx context.Context) (*coretypes.ResultABCIInfo, error) {
	return call(r, ctx, "abci_info", func(ctx context.Context, c *rpchttp.HTTP) (*coretypes.ResultABCIInfo, error) { return c.ABCIInfo(ctx) })
}

func (r *CometRPC) ABCIQuery(ctx context.Context, path string, data bytes.HexBytes) (*coretypes.ResultABCIQuery, error) {
	return call(r, ctx, "abci_query", func(ctx context.Context, c *rpchttp.HTTP) (*coretypes.ResultABCIQuery, error) {
		return c.ABCIQuery(ctx, path, data)
	})
}

func (r *CometRPC) ABCIQueryWithOptions(ctx context.Context, path string, data bytes.HexBytes, opts rpcclient.ABCIQueryOptions) (*coretypes.ResultABCIQuery, error) {
	return call(r, ctx, "abci_query", func(ctx context.Context, c *rpchttp.HTTP) (*coretypes.ResultABCIQuery, error) {
		return c.ABCIQueryWithOptions(ctx, path, data, opts)
	})
}

// BroadcastTxCommit waits for a block, so its attempt is not cut short by the attempt timeout
// (the node bounds it with its own timeout_broadcast_tx_commit).
func (r *CometRPC) BroadcastTxCommit(ctx context.Context, tx cmttypes.Tx) (*coretypes.ResultBroadcastTxCommit, error) {
	return call(r, ctx, "broadcast_tx_commit", func(_ context.Context, c *rpchttp.HTTP) (*coretypes.ResultBroadcastTxCommit, error) {
		return c.BroadcastTxCommit(ctx, tx)
	})
}

func (r *CometRPC) BroadcastTxAsync(ctx context.Context, tx cmttypes.Tx) (*coretypes.ResultBroadcastTx, error) {
	return call(r, ctx, "broadcast_tx_async", func(ctx context.Context, c *rpchttp.HTTP) (*coretypes.ResultBroadcastTx, error) {
		return c.BroadcastTxAsync(ctx, tx)
	})
}

func (r *CometRPC) BroadcastTxSync(ctx context.Context, tx cmttypes.Tx) (*coretypes.ResultBroadcastTx, error) {
	return call(r, ctx, "broadcast_tx_sync", func(ctx context.Context, c *rpchttp.HTTP) (*coretypes.ResultBroadcastTx, error) {
		return c.BroadcastTxSync(ctx, tx)
	})
}

func (r *CometRPC) Validators(ctx context.Context, height *int64, page, perPage *int) (*coretypes.ResultValidators, error) {
	return call(r, ctx, "validators", func(ctx context.Context, c *rpchttp.HTTP) (*coretypes.ResultValidators, error) {
		return c.Validators(ctx, height, page, perPage)
	})
}

func (r *CometRPC) Status(ctx context.Context) (*coretypes.ResultStatus, error) {
	return call(r, ctx, "status", func(ctx context.Context, c *rpchttp.HTTP) (*coretypes.ResultStatus, error) { return c.Status(ctx) })
}

func (r *CometRPC) Block(ctx context.Context, height *int64) (*coretypes.ResultBlock, error) {
	return call(r, ctx, "block", func(ctx context.Context, c *rpchttp.HTTP) (*coretypes.ResultBlock, error) {
		return c.Block(ctx, height)
	})
}

func (r *CometRPC) BlockByHash(ctx context.Context, hash []byte) (*coretypes.ResultBlock, error) {
	return call(r, ctx, "block_by_hash", func(ctx context.Context, c *rpchttp.HTTP) (*coretypes.ResultBlock, error) {
		return c.BlockByHash(ctx, hash)
	})
}

func (r *CometRPC) BlockResults(ctx context.Context, height *int64) (*coretypes.ResultBlockResults, error) {
	return call(r, ctx, "block_results", func(ctx context.Context, c *rpchttp.HTTP) (*coretypes.ResultBlockResults, error) {
		return c.BlockResults(ctx, height)
	})
}

func (r *CometRPC) BlockchainInfo(ctx context.Context, minHeight, maxHeight int64) (*coretypes.ResultBlockchainInfo, error) {
	return call(r, ctx, "blockchain", func(ctx context.Context, c *rpchttp.HTTP) (*coretypes.ResultBlockchainInfo, error) {
		return c.BlockchainInfo(ctx, minHeight, maxHeight)
	})
}

func (r *CometRPC) Commit(ctx context.Context, height *int64) (*coretypes.ResultCommit, error) {
	return call(r, ctx, "commit", func(ctx context.Context, c *rpchttp.HTTP) (*coretypes.ResultCommit, error) {
		return c.Commit(ctx, height)
	})
}

func (r *CometRPC) Tx(ctx context.Context, hash []byte, prove bool) (*coretypes.ResultTx, error) {
	return call(r, ctx, "tx", func(ctx context.Context, c *rpchttp.HTTP) (*coretypes.ResultTx, error) { return c.Tx(ctx, hash, prove) })
}

func (r *CometRPC) TxSearch(ctx context.Context, query string, prove bool, page, perPage *int, orderBy string) (*coretypes.ResultTxSearch, error) {
	return call(r, ctx, "tx_search", func(ctx context.Context, c *rpchttp.HTTP) (*coretypes.ResultTxSearch, error) {
		return c.TxSearch(ctx, query, prove, page, perPage, orderBy)
	})
}

func (r *CometRPC) BlockSearch(ctx context.Context, query string, page, perPage *int, orderBy string) (*coretypes.ResultBlockSearch, error) {
	return call(r, ctx, "block_search", func(ctx context.Context, c *rpchttp.HTTP) (*coretypes.ResultBlockSearch, error) {
		return c.BlockSearch(ctx, query, page, perPage, orderBy)
	})
}
