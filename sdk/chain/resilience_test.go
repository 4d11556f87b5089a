package chain_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"

	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/sdk/synapse"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// Pain point 1 (spec/bittensor-sdk.md §7): a node that accepts the connection and never answers
// costs a call its deadline, never more, whether the client is dialling or already dialled.
func TestHangingNodeHitsTheDeadline(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer lis.Close()
	go func() {
		for {
			conn, err := lis.Accept()
			if err != nil {
				return
			}
			defer conn.Close() // held open, never read or written
		}
	}()
	cfg := chain.Config{Node: lis.Addr().String(), CallTimeout: 200 * time.Millisecond}

	_, err = chain.Dial(context.Background(), cfg) // asks for the chain id
	require.ErrorIs(t, err, context.DeadlineExceeded)

	cfg.ChainID = "gotensor-test"
	c, err := chain.Dial(context.Background(), cfg) // lazy: no call yet
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Params(context.Background())
	require.ErrorIs(t, err, context.DeadlineExceeded)
	_, err = c.Transfer(context.Background(), synapse.GenerateKeySigner(), synapse.GenerateKeySigner().Address(), 1)
	require.ErrorIs(t, err, context.DeadlineExceeded)

	// A caller's own shorter deadline wins.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err = c.Height(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestUnreachableNodeIsUnavailable(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := lis.Addr().String()
	require.NoError(t, lis.Close()) // nothing listens there now
	c, err := chain.Dial(context.Background(), chain.Config{Node: addr, ChainID: "x", CallTimeout: 2 * time.Second,
		Retry: chain.Backoff{Attempts: 3, Base: time.Millisecond, Max: 2 * time.Millisecond}})
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Params(context.Background())
	require.ErrorIs(t, err, chain.ErrUnavailable)
}

func TestFlakyQueryIsRetried(t *testing.T) {
	// What a node checking query heights answers a read that arrives while it commits a block.
	committing := sdkerrors.ErrInvalidHeight.Wrap("context did not contain latest block height in either check state or finalize block state (102)")
	tests := []struct {
		name     string
		failures int
		failure  error
		attempts int
		wantErr  error
		calls    int
	}{
		{"recovers on the third attempt", 2, nil, 5, nil, 3},
		{"gives up after its attempts", 10, nil, 3, chain.ErrUnavailable, 3},
		{"one attempt when retries are off", 1, nil, 1, chain.ErrUnavailable, 1},
		{"a read caught by a commit is asked again", 1, committing, 5, nil, 2},
		{"a refusal is not retried", 1, sdkerrors.ErrInvalidRequest.Wrap("no"), 5, sdkerrors.ErrInvalidRequest, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := startFakeNode(t)
			f.paramsFailures, f.paramsFailure = tc.failures, tc.failure
			c := f.dial(t, chain.Config{Retry: chain.Backoff{Attempts: tc.attempts, Base: time.Millisecond, Max: 5 * time.Millisecond}})
			p, err := c.Params(context.Background())
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
			} else {
				require.NoError(t, err)
				require.Equal(t, types.DefaultParams(), p)
			}
			require.Equal(t, tc.calls, f.paramsCalls)
		})
	}
}

// A refusal is not retried, and reaches the caller as the registered error the node named.
func TestQueryRefusalIsTypedAndNotRetried(t *testing.T) {
	f := startFakeNode(t)
	c := f.dial(t, chain.Config{})
	_, _, err := c.Subnet(context.Background(), 7)
	require.ErrorIs(t, err, types.ErrSubnetNotFound)
	var chainErr *chain.Error
	require.ErrorAs(t, err, &chainErr)
	require.Equal(t, types.ModuleName, chainErr.Codespace)
	require.Equal(t, types.ErrSubnetNotFound.ABCICode(), chainErr.Code)
	require.Contains(t, chainErr.Log, "netuid 7")
	require.Equal(t, 1, f.paramsCalls)
}

func TestBroadcast(t *testing.T) {
	key := synapse.GenerateKeySigner()
	t.Run("a transport failure resends the same bytes", func(t *testing.T) {
		f := startFakeNode(t)
		f.broadcastFailures = 1
		c := f.dial(t, chain.Config{})
		res, err := sendOnce(t, c, key)
		require.NoError(t, err)
		require.Len(t, f.broadcasts, 2)
		require.Equal(t, f.broadcasts[0], f.broadcasts[1])
		require.NoError(t, res.Response(0, &banktypes.MsgSendResponse{}))
		require.Equal(t, hashOf(f.broadcasts[0]), res.Hash)
	})
	t.Run("a resend of a transaction the node already took counts as taken", func(t *testing.T) {
		f := startFakeNode(t)
		f.loseAnswers = 1
		c := f.dial(t, chain.Config{})
		res, err := sendOnce(t, c, key)
		require.NoError(t, err)
		require.Len(t, f.broadcasts, 2)
		require.Equal(t, f.broadcasts[0], f.broadcasts[1])
		require.Equal(t, hashOf(f.broadcasts[0]), res.Hash)
	})
	t.Run("a sequence mismatch signs again with the sequence the node expects", func(t *testing.T) {
		f := startFakeNode(t)
		f.accountSequence, f.chainSequence = 4, 5 // one of ours waits in the mempool
		c := f.dial(t, chain.Config{})
		_, err := sendOnce(t, c, key)
		require.NoError(t, err)
		require.Equal(t, []uint64{4, 5}, f.sequences)
	})
	t.Run("a refusal in CheckTx is typed and not resent", func(t *testing.T) {
		f := startFakeNode(t)
		f.checkTx = func(uint64) *sdk.TxResponse {
			return &sdk.TxResponse{Codespace: sdkerrors.RootCodespace, Code: sdkerrors.ErrInsufficientFee.ABCICode(), RawLog: "insufficient fees; got: 0rao required: 5rao: insufficient fee"}
		}
		c := f.dial(t, chain.Config{})
		_, err := sendOnce(t, c, key)
		require.ErrorIs(t, err, sdkerrors.ErrInsufficientFee)
		var chainErr *chain.Error
		require.ErrorAs(t, err, &chainErr)
		require.Equal(t, hashOf(f.broadcasts[0]), chainErr.TxHash)
		require.Zero(t, chainErr.Height)
		require.Len(t, f.broadcasts, 1)
	})
	t.Run("a full mempool is retried after a pause", func(t *testing.T) {
		f := startFakeNode(t)
		full := 2
		f.checkTx = func(uint64) *sdk.TxResponse {
			if full > 0 {
				full--
				return &sdk.TxResponse{Codespace: sdkerrors.RootCodespace, Code: sdkerrors.ErrMempoolIsFull.ABCICode(), RawLog: "mempool is full"}
			}
			return &sdk.TxResponse{}
		}
		c := f.dial(t, chain.Config{})
		_, err := sendOnce(t, c, key)
		require.NoError(t, err)
		require.Len(t, f.broadcasts, 3)
	})
	t.Run("a transaction past its timeout height is known never to land", func(t *testing.T) {
		f := startFakeNode(t)
		f.neverInclude = true
		c := f.dial(t, chain.Config{TxLifetimeBlocks: 3})
		_, err := sendOnce(t, c, key)
		require.ErrorIs(t, err, chain.ErrNotIncluded)
		var chainErr *chain.Error
		require.ErrorAs(t, err, &chainErr)
		require.True(t, chainErr.Expired)
	})
	t.Run("a wait that runs out leaves the outcome open, and Tx learns it later", func(t *testing.T) {
		f := startFakeNode(t)
		f.neverInclude = true
		c := f.dial(t, chain.Config{TxLifetimeBlocks: 1 << 40, InclusionTimeout: 30 * time.Millisecond})
		_, err := sendOnce(t, c, key)
		require.ErrorIs(t, err, chain.ErrNotIncluded)
		var chainErr *chain.Error
		require.ErrorAs(t, err, &chainErr)
		require.False(t, chainErr.Expired)

		_, err = c.Tx(context.Background(), chainErr.TxHash)
		require.ErrorIs(t, err, chain.ErrNotIncluded)
		f.mu.Lock()
		f.neverInclude = false // a later block includes it
		f.mu.Unlock()
		res, err := c.Tx(context.Background(), chainErr.TxHash)
		require.NoError(t, err)
		require.Equal(t, chainErr.TxHash, res.Hash)
	})
}

func TestSignerMustMatchItsAddress(t *testing.T) {
	f := startFakeNode(t)
	c := f.dial(t, chain.Config{})
	_, err := c.Transfer(context.Background(), liar{synapse.GenerateKeySigner()}, synapse.GenerateKeySigner().Address(), 1)
	require.ErrorContains(t, err, "public key is")
	require.Empty(t, f.broadcasts)
	_, err = c.Send(context.Background(), synapse.GenerateKeySigner())
	require.Error(t, err)
	_, err = c.Send(context.Background(), nil, &banktypes.MsgSend{})
	require.Error(t, err)
}

// liar claims another key's address.
type liar struct{ *synapse.KeySigner }

func (liar) Address() string { return synapse.GenerateKeySigner().Address() }
