package chain_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"
	grpctypes "github.com/cosmos/cosmos-sdk/types/grpc"
	txtypes "github.com/cosmos/cosmos-sdk/types/tx"
	authsigning "github.com/cosmos/cosmos-sdk/x/auth/signing"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"

	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/sdk/synapse"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// fakeNode is a scripted node on loopback: just enough of the gRPC API to drive a client's
// retries, resends and waits exactly, which a real node cannot be made to misbehave for.
type fakeNode struct {
	t    *testing.T
	enc  chain.Encoding
	addr string

	mu sync.Mutex
	// height grows by one on every read of it (each Params call).
	height int64
	// paramsFailures Params calls fail with Unavailable before one succeeds.
	paramsFailures int
	paramsFailure  error // what they fail with (default Unavailable)
	paramsCalls    int
	// chainSequence is the account's sequence as the node's mempool sees it; accountSequence
	// is what the Account query reports (lower while a transaction waits in the mempool).
	chainSequence, accountSequence uint64
	// broadcastFailures broadcasts fail with Unavailable (after arriving) before one is handled.
	broadcastFailures int
	// loseAnswers broadcasts are handled but their answers lost (Unavailable).
	loseAnswers int
	// checkTx, when set, answers a broadcast instead of the default (sequence check, then
	// accepted).
	checkTx func(seq uint64) *sdk.TxResponse
	// neverInclude leaves accepted transactions out of every block.
	neverInclude bool

	broadcasts [][]byte
	sequences  []uint64
	accepted   map[string]bool
}

func startFakeNode(t *testing.T) *fakeNode {
	enc, err := chain.NewEncoding()
	require.NoError(t, err)
	f := &fakeNode{t: t, enc: enc, height: 10, accepted: map[string]bool{}}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := grpc.NewServer(grpc.ForceServerCodec(enc.Codec.GRPCCodec()))
	types.RegisterQueryServer(srv, &fakeSubnetQuery{f: f})
	authtypes.RegisterQueryServer(srv, &fakeAuthQuery{f: f})
	txtypes.RegisterServiceServer(srv, &fakeTxService{f: f})
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	f.addr = lis.Addr().String()
	return f
}

func (f *fakeNode) dial(t *testing.T, cfg chain.Config) *chain.Client {
	cfg.Node, cfg.ChainID = f.addr, "fake-1"
	if cfg.PollInterval == 0 {
		cfg.PollInterval = time.Millisecond
	}
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	if cfg.Retry.Base == 0 {
		cfg.Retry = chain.Backoff{Base: time.Millisecond, Max: 5 * time.Millisecond}
	}
	c, err := chain.Dial(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

type fakeSubnetQuery struct {
	types.UnimplementedQueryServer
	f *fakeNode
}

func (q fakeSubnetQuery) Params(ctx context.Context, _ *types.QueryParamsRequest) (*types.QueryParamsResponse, error) {
	f := q.f
	f.mu.Lock()
	defer f.mu.Unlock()
	f.paramsCalls++
	if f.paramsCalls <= f.paramsFailures {
		if f.paramsFailure != nil {
			return nil, f.paramsFailure
		}
		return nil, status.Error(codes.Unavailable, "node restarting")
	}
	f.height++
	_ = grpc.SetHeader(ctx, metadata.Pairs(grpctypes.GRPCBlockHeightHeader, strconv.FormatInt(f.height, 10)))
	return &types.QueryParamsResponse{Params: types.DefaultParams()}, nil
}

// Subnet refuses as the real node does for an unknown subnet: a registered error, sent as text.
func (q fakeSubnetQuery) Subnet(context.Context, *types.QuerySubnetRequest) (*types.QuerySubnetResponse, error) {
	q.f.mu.Lock()
	q.f.paramsCalls++ // counted with Params: both are reads
	q.f.mu.Unlock()
	return nil, types.ErrSubnetNotFound.Wrap("netuid 7")
}

type fakeAuthQuery struct {
	authtypes.UnimplementedQueryServer
	f *fakeNode
}

func (q fakeAuthQuery) Account(ctx context.Context, req *authtypes.QueryAccountRequest) (*authtypes.QueryAccountResponse, error) {
	f := q.f
	f.mu.Lock()
	defer f.mu.Unlock()
	_ = grpc.SetHeader(ctx, metadata.Pairs(grpctypes.GRPCBlockHeightHeader, strconv.FormatInt(f.height, 10)))
	acc := &authtypes.BaseAccount{Address: req.Address, AccountNumber: 3, Sequence: f.accountSequence}
	packed, err := codectypes.NewAnyWithValue(acc)
	if err != nil {
		return nil, err
	}
	return &authtypes.QueryAccountResponse{Account: packed}, nil
}

type fakeTxService struct {
	txtypes.UnimplementedServiceServer
	f *fakeNode
}

func (s fakeTxService) Simulate(context.Context, *txtypes.SimulateRequest) (*txtypes.SimulateResponse, error) {
	return &txtypes.SimulateResponse{GasInfo: &sdk.GasInfo{GasUsed: 100_000}}, nil
}

func (s fakeTxService) BroadcastTx(_ context.Context, req *txtypes.BroadcastTxRequest) (*txtypes.BroadcastTxResponse, error) {
	f := s.f
	f.mu.Lock()
	defer f.mu.Unlock()
	tx, err := f.enc.TxConfig.TxDecoder()(req.TxBytes)
	require.NoError(f.t, err)
	sigs, err := tx.(authsigning.SigVerifiableTx).GetSignaturesV2()
	require.NoError(f.t, err)
	seq := sigs[0].Sequence
	f.broadcasts = append(f.broadcasts, req.TxBytes)
	f.sequences = append(f.sequences, seq)
	if len(f.broadcasts) <= f.broadcastFailures {
		return nil, status.Error(codes.Unavailable, "connection reset")
	}
	hash := hashOf(req.TxBytes)
	var res *sdk.TxResponse
	switch {
	case f.accepted[hash]:
		res = &sdk.TxResponse{Codespace: sdkerrors.RootCodespace, Code: sdkerrors.ErrTxInMempoolCache.ABCICode(), RawLog: "tx already in mempool"}
	case f.checkTx != nil:
		res = f.checkTx(seq)
	case seq != f.chainSequence:
		res = &sdk.TxResponse{Codespace: sdkerrors.RootCodespace, Code: sdkerrors.ErrWrongSequence.ABCICode(),
			RawLog: fmt.Sprintf("account sequence mismatch, expected %d, got %d: incorrect account sequence", f.chainSequence, seq)}
	default:
		res = &sdk.TxResponse{}
	}
	res.TxHash = hash
	if res.Code == 0 {
		f.accepted[hash] = true
	}
	if f.loseAnswers > 0 {
		f.loseAnswers--
		return nil, status.Error(codes.Unavailable, "connection reset after the request arrived")
	}
	return &txtypes.BroadcastTxResponse{TxResponse: res}, nil
}

func (s fakeTxService) GetTx(_ context.Context, req *txtypes.GetTxRequest) (*txtypes.GetTxResponse, error) {
	f := s.f
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.accepted[req.Hash] || f.neverInclude {
		return nil, status.Errorf(codes.NotFound, "tx not found: %s", req.Hash)
	}
	resp, err := codectypes.NewAnyWithValue(&banktypes.MsgSendResponse{})
	require.NoError(f.t, err)
	data, err := (&sdk.TxMsgData{MsgResponses: []*codectypes.Any{resp}}).Marshal()
	require.NoError(f.t, err)
	return &txtypes.GetTxResponse{TxResponse: &sdk.TxResponse{TxHash: req.Hash, Height: f.height, GasUsed: 90_000, GasWanted: 130_000, Data: hex.EncodeToString(data)}}, nil
}

func hashOf(txBytes []byte) string {
	return fmt.Sprintf("%X", sha256.Sum256(txBytes))
}

// A transfer that the fake node takes at once.
func sendOnce(t *testing.T, c *chain.Client, key *synapse.KeySigner) (*chain.TxResult, error) {
	t.Helper()
	return c.Transfer(context.Background(), key, synapse.GenerateKeySigner().Address(), 1)
}
