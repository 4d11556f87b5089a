package chain

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
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

// Client is a connection to one node. It is safe for concurrent use; make one per node and keep
// it: its connection is what makes calls cheap.
type Client struct {
	s       settings
	enc     Encoding
	conn    *grpc.ClientConn
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

// Dial connects to a node. With Config.ChainID set it does not wait for the node (connections are
// made on the first call); without, it asks the node for its chain id, within ctx and CallTimeout.
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
	c.conn, err = grpc.NewClient(s.Node,
		grpc.WithTransportCredentials(creds),
		grpc.WithDefaultCallOptions(
			grpc.ForceCodec(enc.Codec.GRPCCodec()),
			grpc.MaxCallRecvMsgSize(maxMessageBytes),
		),
		grpc.WithUnaryInterceptor(c.intercept),
		// The SDK's gRPC server refuses pings more often than every 5 minutes; a dead
		// connection is otherwise noticed through the calls' own deadlines.
		grpc.WithKeepaliveParams(keepalive.ClientParameters{Time: 5 * time.Minute, Timeout: 20 * time.Second}),
	)
	if err != nil {
		return nil, fmt.Errorf("chain: connecting to %s: %w", s.Node, err)
	}
	c.query = types.NewQueryClient(c.conn)
	c.auth = authtypes.NewQueryClient(c.conn)
	c.bank = banktypes.NewQueryClient(c.conn)
	c.txs = txtypes.NewServiceClient(c.conn)
	c.node = cmtservice.NewServiceClient(c.conn)
	if c.chainID == "" {
		info, err := c.node.GetNodeInfo(ctx, &cmtservice.GetNodeInfoRequest{})
		if err != nil {
			_ = c.conn.Close()
			return nil, fmt.Errorf("chain: asking %s for its chain id: %w", s.Node, err)
		}
		if info.DefaultNodeInfo == nil || info.DefaultNodeInfo.Network == "" {
			_ = c.conn.Close()
			return nil, fmt.Errorf("chain: %s did not say its chain id; set Config.ChainID", s.Node)
		}
		c.chainID = info.DefaultNodeInfo.Network
	}
	return c, nil
}

// Close closes the connection; calls made after it fail at once.
func (c *Client) Close() error { return c.conn.Close() }

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

// intercept puts every call under a deadline, retries reads that failed for a passing reason,
// and turns failures into this package's errors.
func (c *Client) intercept(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	ctx, cancel := bound(ctx, c.s.CallTimeout)
	defer cancel()
	attempts := c.s.Retry.Attempts
	if method == broadcastMethod {
		attempts = 1
	}
	var err error
	for attempt := 1; ; attempt++ {
		err = invoker(ctx, method, req, reply, cc, opts...)
		if err == nil || attempt >= attempts || !transient(err) {
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
	}
	return fromStatus(method, err)
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
