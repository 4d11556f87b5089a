package chain

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/cosmos/cosmos-sdk/client/grpc/cmtservice"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"
	grpctypes "github.com/cosmos/cosmos-sdk/types/grpc"
	txtypes "github.com/cosmos/cosmos-sdk/types/tx"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"

	"github.com/gotensor/gotensor/x/subnet/types"
)

// Client is a connection to a node, or to one of several that it moves between when one stops
// answering. It is safe for concurrent use; make one and keep it: its connections are what make
// calls cheap.
type Client struct {
	s       settings
	enc     Encoding
	conns   []*grpc.ClientConn // one per endpoint, in the order of s.endpoints
	current atomic.Int64       // the index of the node calls go to
	chainID string

	query types.QueryClient
	auth  authtypes.QueryClient
	bank  banktypes.QueryClient
	txs   txtypes.ServiceClient
	node  cmtservice.ServiceClient

	// signing holds one lock per signing key: a key's transactions are built, sent and waited for
	// one at a time, so that a client never races itself for a sequence number.
	signing sync.Map // address → *sync.Mutex
}

// broadcastMethod is the one call never retried blindly (see tx.go).
const broadcastMethod = "/cosmos.tx.v1beta1.Service/BroadcastTx"

// maxMessageBytes bounds a response: a full metagraph of 4096 uids with dense weights and bonds
// is about 200 MiB, far beyond any subnet the chain allows (256 uids: under 1 MiB).
const maxMessageBytes = 64 << 20

// Dial connects to the nodes. With Config.ChainID set it does not wait for a node (connections
// are made on the first call); without, it asks the nodes for the chain id, within ctx and
// CallTimeout.
func Dial(ctx context.Context, cfg Config) (*Client, error) {
	s, err := cfg.settle()
	if err != nil {
		return nil, err
	}
	enc, err := NewEncoding()
	if err != nil {
		return nil, err
	}
	creds := insecure.NewCredentials()
	if s.TLS != nil {
		creds = credentials.NewTLS(s.TLS)
	}
	c := &Client{s: s, enc: enc, chainID: s.ChainID}
	for _, addr := range s.endpoints {
		conn, err := grpc.NewClient(addr,
			grpc.WithTransportCredentials(creds),
			grpc.WithDefaultCallOptions(
				grpc.ForceCodec(enc.Codec.GRPCCodec()),
				grpc.MaxCallRecvMsgSize(maxMessageBytes),
			),
			// The SDK's gRPC server refuses pings more often than every 5 minutes; a dead
			// connection is otherwise noticed through the calls' own deadlines.
			grpc.WithKeepaliveParams(keepalive.ClientParameters{Time: 5 * time.Minute, Timeout: 20 * time.Second}),
		)
		if err != nil {
			_ = c.Close()
			return nil, fmt.Errorf("chain: connecting to %s: %w", addr, err)
		}
		c.conns = append(c.conns, conn)
	}
	nodes := failover{c}
	c.query = types.NewQueryClient(nodes)
	c.auth = authtypes.NewQueryClient(nodes)
	c.bank = banktypes.NewQueryClient(nodes)
	c.txs = txtypes.NewServiceClient(nodes)
	c.node = cmtservice.NewServiceClient(nodes)
	if c.chainID == "" {
		info, err := c.node.GetNodeInfo(ctx, &cmtservice.GetNodeInfoRequest{})
		if err != nil {
			_ = c.Close()
			return nil, fmt.Errorf("chain: asking %s for its chain id: %w", strings.Join(s.endpoints, ", "), err)
		}
		if info.DefaultNodeInfo == nil || info.DefaultNodeInfo.Network == "" {
			_ = c.Close()
			return nil, fmt.Errorf("chain: %s did not say its chain id; set Config.ChainID", c.Node())
		}
		c.chainID = info.DefaultNodeInfo.Network
	}
	return c, nil
}

// Close closes the connections; calls made after it fail at once.
func (c *Client) Close() error {
	var errs []error
	for _, conn := range c.conns {
		errs = append(errs, conn.Close())
	}
	return errors.Join(errs...)
}

// Node is the address of the node calls go to now.
func (c *Client) Node() string { return c.s.endpoints[c.current.Load()] }

// Nodes are the addresses the client was given, in the order it moves through them.
func (c *Client) Nodes() []string { return slices.Clone(c.s.endpoints) }

// ChainID is the network's chain id.
func (c *Client) ChainID() string { return c.chainID }

// Encoding is the chain's encoding as this client uses it.
func (c *Client) Encoding() Encoding { return c.enc }

// Query is the x/subnet read API, with this client's deadlines, retries and errors, for the
// queries the helper methods do not cover.
func (c *Client) Query() types.QueryClient { return c.query }

// AtHeight pins the queries made with the returned context to the state at a past height (the
// node must still hold it).
func AtHeight(ctx context.Context, height int64) context.Context {
	return metadata.AppendToOutgoingContext(ctx, grpctypes.GRPCBlockHeightHeader, strconv.FormatInt(height, 10))
}

// failover is the connection the service clients call through: it sends each call to the
// current node and moves on to the next when that one does not answer.
type failover struct{ c *Client }

func (f failover) Invoke(ctx context.Context, method string, req, reply any, opts ...grpc.CallOption) error {
	return f.c.invoke(ctx, method, req, reply, opts...)
}

// NewStream goes to the current node; the client makes no streaming calls of its own.
func (f failover) NewStream(ctx context.Context, desc *grpc.StreamDesc, method string, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	return f.c.conns[f.c.current.Load()].NewStream(ctx, desc, method, opts...)
}

// invoke puts every call under a deadline, moves to the next node when the current one does not
// answer, retries reads that failed for a passing reason, and turns failures into this package's
// errors. A broadcast is made once here: tx.go decides whether to send it again (to whichever
// node is current by then).
func (c *Client) invoke(ctx context.Context, method string, req, reply any, opts ...grpc.CallOption) error {
	ctx, cancel := bound(ctx, c.s.CallTimeout)
	defer cancel()
	attempts := c.s.Retry.Attempts
	if method == broadcastMethod {
		attempts = 1
	}
	several := len(c.conns) > 1
	var err error
	// Moving to another node does not use up an attempt, so each node is asked before the
	// retries back off; a round of nodes that all failed does.
	for attempt, moves := 1, 0; ; {
		i := c.current.Load()
		actx, acancel := ctx, context.CancelFunc(func() {})
		if several {
			actx, acancel = bound(ctx, c.s.AttemptTimeout)
		}
		err = c.conns[i].Invoke(actx, method, req, reply, opts...)
		acancel()
		if err == nil {
			return nil
		}
		silent := ctx.Err() == nil && unanswered(err)
		if several && silent {
			c.moveOn(i, method, err)
			if moves++; moves < len(c.conns) && method != broadcastMethod {
				continue
			}
		}
		moves = 0
		if attempt >= attempts || !(transient(err) || silent) {
			break
		}
		wait := c.s.Retry.delay(attempt)
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) <= wait {
			break // the retry could not finish in time: report what happened instead of a deadline
		}
		c.s.Logger.Debug("chain: retrying", "method", method, "attempt", attempt, "wait", wait, "err", err)
		if !sleep(ctx, wait) {
			break
		}
		attempt++
	}
	return fromStatus(method, err)
}

// unanswered failures say the node did not answer at all: unreachable, or silent until the
// attempt's deadline.
func unanswered(err error) bool {
	switch status.Code(err) {
	case codes.Unavailable, codes.DeadlineExceeded:
		return true
	}
	return false
}

// moveOn makes the node after from current, unless another call already moved on from it.
func (c *Client) moveOn(from int64, method string, err error) {
	next := (from + 1) % int64(len(c.conns))
	if c.current.CompareAndSwap(from, next) {
		c.s.Logger.Warn("chain: node not answering, moving to the next", "node", c.s.endpoints[from],
			"next", c.s.endpoints[next], "method", method, "err", err)
	}
}

// transient failures are worth retrying a read for: the node was unreachable, overloaded, or
// aborted the call, or it answered a read for the latest state while committing a block. A node
// that checks query heights (the SDK's default) refuses such a read with ErrInvalidHeight ("did
// not contain latest block height") for a moment every block; asked again, it answers.
func transient(err error) bool {
	switch status.Code(err) {
	case codes.Unavailable, codes.ResourceExhausted, codes.Aborted:
		return true
	case codes.Unknown:
		m := classified.FindStringSubmatch(status.Convert(err).Message())
		return m != nil && m[1] == sdkerrors.RootCodespace && m[2] == strconv.FormatUint(uint64(sdkerrors.ErrInvalidHeight.ABCICode()), 10)
	}
	return false
}

// delay is the wait before retry number attempt (from 1): a random duration up to
// Base·2^(attempt−1), capped at Max ("full jitter", so that clients retrying together spread out).
func (b Backoff) delay(attempt int) time.Duration {
	ceiling := b.Base << min(attempt-1, 30)
	if ceiling <= 0 || ceiling > b.Max {
		ceiling = b.Max
	}
	return time.Duration(rand.Int64N(int64(ceiling))) + 1
}

// bound gives ctx a deadline of at most d from now.
func bound(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) <= d {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, d)
}

// sleep waits d, or until ctx ends (false).
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// heightOf reads the height a query was answered at from the node's response header.
func heightOf(md metadata.MD) int64 {
	if v := md.Get(grpctypes.GRPCBlockHeightHeader); len(v) == 1 {
		if h, err := strconv.ParseInt(v[0], 10, 64); err == nil {
			return h
		}
	}
	return 0
}
