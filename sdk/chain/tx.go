package chain

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cosmos/gogoproto/proto"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"
	txtypes "github.com/cosmos/cosmos-sdk/types/tx"
	signingtypes "github.com/cosmos/cosmos-sdk/types/tx/signing"
	authsigning "github.com/cosmos/cosmos-sdk/x/auth/signing"

	"github.com/gotensor/gotensor/sdk/synapse"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// Signer is a key that signs transactions: a coldkey for what moves TAO (registration, stake), a
// hotkey for work (weights, axons). Package wallet provides keyring-backed ones; it is the same
// interface as a hotkey on the wire.
type Signer = synapse.Signer

// TxResult is a transaction that a block included and ran successfully.
type TxResult struct {
	Hash      string
	Height    int64
	GasWanted int64
	GasUsed   int64
	// Fee is what it paid, in rao (0 for a registered hotkey's work).
	Fee uint64
	// Events are what it emitted, the SDK's and x/subnet's (gotensor.subnet.v1.Event…).
	Events []abci.Event
	// MsgResponses are its messages' responses, in order.
	MsgResponses []*codectypes.Any
}

// TxOptions adjust one transaction.
type TxOptions struct {
	// Gas, when set, is the gas limit, and the transaction is not simulated first.
	Gas uint64
	// Memo is the transaction's note.
	Memo string
}

// freeWorkGasLimit is the most gas the chain lets a fee-less work transaction ask for
// (app.FreeWorkGasLimit, restated so a client need not link the node).
const freeWorkGasLimit = 1_000_000

// maxResigns bounds how often one Send signs anew after the node refused a transaction's
// sequence or had no room for it.
const maxResigns = 4

// Send signs msgs with signer, broadcasts them as one transaction, and waits for a block to
// include it (see the package doc). A transaction the chain refused is an *Error.
func (c *Client) Send(ctx context.Context, signer Signer, msgs ...sdk.Msg) (*TxResult, error) {
	return c.SendWith(ctx, signer, TxOptions{}, msgs...)
}

// SendWith is Send with options.
func (c *Client) SendWith(ctx context.Context, signer Signer, opts TxOptions, msgs ...sdk.Msg) (*TxResult, error) {
	if signer == nil {
		return nil, errors.New("chain: no signer")
	}
	if len(msgs) == 0 {
		return nil, errors.New("chain: a transaction needs at least one message")
	}
	if err := checkSigner(signer); err != nil {
		return nil, err
	}
	op := "tx " + msgNames(msgs)
	unlock := c.lockSigner(signer.Address())
	defer unlock()

	acc, err := c.account(ctx, signer.Address())
	if err != nil {
		return nil, err
	}
	if acc.height <= 0 { // a node that did not say the height it read the account at
		if acc.height, err = c.Height(ctx); err != nil {
			return nil, err
		}
	}
	t := pendingTx{signer: signer, msgs: msgs, memo: opts.Memo, gas: opts.Gas}
	t.timeoutHeight = uint64(acc.height) + c.s.TxLifetimeBlocks
	work := isWork(msgs)
	if t.gas == 0 {
		used, err := c.simulate(ctx, op, t, acc)
		if err != nil {
			return nil, err
		}
		t.gas = uint64(math.Ceil(float64(used) * c.s.GasAdjustment))
		if work {
			t.gas = min(t.gas, freeWorkGasLimit)
		}
	}
	if !work {
		t.fee = c.s.fee(t.gas)
	}

	var hash string
	for attempt := 1; ; attempt++ {
		txBytes, err := c.encode(ctx, t, acc, true)
		if err != nil {
			return nil, err
		}
		hash = txHash(txBytes)
		res, err := c.broadcast(ctx, op, hash, txBytes, t.timeoutHeight)
		if err != nil {
			return nil, err
		}
		if res.Code == 0 || isCode(res, sdkerrors.ErrTxInMempoolCache) {
			break
		}
		// CheckTx refused it, so it is not in the mempool: signing anew cannot run it twice.
		refused := abciError(op, res.Codespace, res.Code, res.RawLog)
		refused.TxHash = hash
		if attempt >= maxResigns {
			return nil, refused
		}
		switch {
		case isCode(res, sdkerrors.ErrWrongSequence):
			fresh, err := c.account(ctx, signer.Address())
			if err != nil {
				return nil, err
			}
			acc.sequence = max(fresh.sequence, expectedSequence(res.RawLog))
			c.s.Logger.Info("chain: sequence mismatch, signing again", "op", op, "sequence", acc.sequence)
		case isCode(res, sdkerrors.ErrMempoolIsFull):
			wait := c.s.Retry.delay(attempt)
			c.s.Logger.Info("chain: mempool full, retrying", "op", op, "wait", wait)
			if !sleep(ctx, wait) {
				return nil, refused
			}
		default:
			return nil, refused
		}
	}
	return c.waitForInclusion(ctx, op, hash, t)
}

// pendingTx is what a transaction is built from.
type pendingTx struct {
	signer        Signer
	msgs          []sdk.Msg
	memo          string
	gas           uint64
	fee           sdk.Coins
	timeoutHeight uint64
}

// encode builds the transaction; signed false leaves the signature empty, which is what
// simulation takes.
func (c *Client) encode(ctx context.Context, t pendingTx, acc account, signed bool) ([]byte, error) {
	b := c.enc.TxConfig.NewTxBuilder()
	if err := b.SetMsgs(t.msgs...); err != nil {
		return nil, fmt.Errorf("chain: building the transaction: %w", err)
	}
	b.SetGasLimit(t.gas)
	b.SetFeeAmount(t.fee)
	b.SetMemo(t.memo)
	b.SetTimeoutHeight(t.timeoutHeight)
	pub := t.signer.PubKey()
	data := &signingtypes.SingleSignatureData{SignMode: signingtypes.SignMode_SIGN_MODE_DIRECT}
	sig := signingtypes.SignatureV2{PubKey: pub, Data: data, Sequence: acc.sequence}
	if err := b.SetSignatures(sig); err != nil {
		return nil, fmt.Errorf("chain: building the transaction: %w", err)
	}
	if signed {
		signBytes, err := authsigning.GetSignBytesAdapter(ctx, c.enc.TxConfig.SignModeHandler(), signingtypes.SignMode_SIGN_MODE_DIRECT,
			authsigning.SignerData{Address: t.signer.Address(), ChainID: c.chainID, AccountNumber: acc.number, Sequence: acc.sequence, PubKey: pub},
			b.GetTx())
		if err != nil {
			return nil, fmt.Errorf("chain: sign bytes: %w", err)
		}
		if data.Signature, err = t.signer.Sign(signBytes); err != nil {
			return nil, fmt.Errorf("chain: %s could not sign: %w", t.signer.Address(), err)
		}
		if err := b.SetSignatures(sig); err != nil {
			return nil, fmt.Errorf("chain: building the transaction: %w", err)
		}
	}
	bz, err := c.enc.TxConfig.TxEncoder()(b.GetTx())
	if err != nil {
		return nil, fmt.Errorf("chain: encoding the transaction: %w", err)
	}
	return bz, nil
}

// simulate runs the transaction on the node without committing it and returns the gas it used.
// A transaction the chain would refuse is refused here, before anything is broadcast.
func (c *Client) simulate(ctx context.Context, op string, t pendingTx, acc account) (uint64, error) {
	bz, err := c.encode(ctx, t, acc, false)
	if err != nil {
		return 0, err
	}
	res, err := c.txs.Simulate(ctx, &txtypes.SimulateRequest{TxBytes: bz})
	if err != nil {
		var chainErr *Error
		if errors.As(err, &chainErr) {
			chainErr.Op = op + " (simulated)"
		}
		return 0, err
	}
	if res.GasInfo == nil {
		return 0, fmt.Errorf("chain: %s: the node's simulation reported no gas", op)
	}
	return res.GasInfo.GasUsed, nil
}

// broadcast hands the signed bytes to the node and returns its CheckTx answer. A transport
// failure is answered by sending the same bytes again: the node takes a transaction once (a
// duplicate is "already in mempool", an included one has used its sequence), so a resend can
// never run it twice.
func (c *Client) broadcast(ctx context.Context, op, hash string, txBytes []byte, timeoutHeight uint64) (*sdk.TxResponse, error) {
	var err error
	for attempt := 1; attempt <= c.s.Retry.Attempts; attempt++ {
		var res *txtypes.BroadcastTxResponse
		res, err = c.txs.BroadcastTx(ctx, &txtypes.BroadcastTxRequest{TxBytes: txBytes, Mode: txtypes.BroadcastMode_BROADCAST_MODE_SYNC})
		if err == nil {
			if res.TxResponse == nil {
				return nil, fmt.Errorf("chain: %s: the node answered the broadcast of %s without a result", op, hash)
			}
			return res.TxResponse, nil
		}
		// Only a failure that may be passing is worth a resend: the node unreachable, or this
		// attempt's deadline over while the caller's still runs.
		if ctx.Err() != nil || !(errors.Is(err, ErrUnavailable) || errors.Is(err, context.DeadlineExceeded)) {
			break
		}
		wait := c.s.Retry.delay(attempt)
		c.s.Logger.Info("chain: broadcast failed, sending the same transaction again", "op", op, "tx", hash, "wait", wait, "err", err)
		if !sleep(ctx, wait) {
			break
		}
	}
	return nil, fmt.Errorf("chain: %s: broadcasting tx %s (it may or may not have reached the mempool; it cannot be included after height %d): %w",
		op, hash, timeoutHeight, err)
}

// waitForInclusion polls for the transaction until a block includes it, its timeout height has
// passed (it never will be), or InclusionTimeout (or ctx) ends.
func (c *Client) waitForInclusion(ctx context.Context, op, hash string, t pendingTx) (*TxResult, error) {
	timeoutHeight := t.timeoutHeight
	ctx, cancel := bound(ctx, c.s.InclusionTimeout)
	defer cancel()
	for {
		// The height first: if the tx is still missing at a height past its timeout (with a
		// block of slack for the node's indexer), no later block can include it.
		height, herr := c.Height(ctx)
		res, err := c.txs.GetTx(ctx, &txtypes.GetTxRequest{Hash: hash})
		if err == nil && res.TxResponse != nil {
			return c.result(op, res.TxResponse, t.fee)
		}
		if err != nil && status.Code(err) != codes.NotFound && ctx.Err() == nil {
			c.s.Logger.Debug("chain: checking inclusion", "tx", hash, "err", err)
		}
		if herr == nil && height > int64(timeoutHeight)+1 {
			return nil, &Error{Op: op, TxHash: hash, Expired: true, cause: ErrNotIncluded,
				Log: fmt.Sprintf("not included by its timeout height %d (now %d): it never will be; send it again", timeoutHeight, height)}
		}
		if !sleep(ctx, c.s.PollInterval) {
			return nil, &Error{Op: op, TxHash: hash, cause: ErrNotIncluded,
				Log: fmt.Sprintf("not included yet when the wait ended (%v); it may still be, up to height %d", context.Cause(ctx), timeoutHeight)}
		}
	}
}

// Tx looks up a transaction by hash: the result of one included in a block (an *Error if it
// failed there), or ErrNotIncluded if the node knows of no block including it (yet). This is how
// to learn the fate of a transaction whose wait ended without an answer.
func (c *Client) Tx(ctx context.Context, hash string) (*TxResult, error) {
	res, err := c.txs.GetTx(ctx, &txtypes.GetTxRequest{Hash: hash})
	if status.Code(err) == codes.NotFound {
		return nil, &Error{Op: "tx " + hash, TxHash: hash, cause: ErrNotIncluded, Log: "no block includes it"}
	}
	if err != nil {
		return nil, err
	}
	if res.TxResponse == nil {
		return nil, fmt.Errorf("chain: the node answered for tx %s without a result", hash)
	}
	var fee sdk.Coins
	if res.Tx != nil && res.Tx.AuthInfo != nil && res.Tx.AuthInfo.Fee != nil {
		fee = res.Tx.AuthInfo.Fee.Amount
	}
	return c.result("tx "+hash, res.TxResponse, fee)
}

// result turns an included transaction into a TxResult, or into an *Error if it failed.
func (c *Client) result(op string, r *sdk.TxResponse, fee sdk.Coins) (*TxResult, error) {
	if r.Code != 0 {
		e := abciError(op, r.Codespace, r.Code, r.RawLog)
		e.TxHash, e.Height = r.TxHash, r.Height
		return nil, e
	}
	out := &TxResult{Hash: r.TxHash, Height: r.Height, GasWanted: r.GasWanted, GasUsed: r.GasUsed, Events: r.Events,
		Fee: fee.AmountOf(types.Denom).Uint64()}
	if r.Data != "" {
		raw, err := hex.DecodeString(r.Data)
		if err != nil {
			return nil, fmt.Errorf("chain: %s (tx %s): result data is not hex: %w", op, r.TxHash, err)
		}
		var data sdk.TxMsgData
		if err := c.enc.Codec.Unmarshal(raw, &data); err != nil {
			return nil, fmt.Errorf("chain: %s (tx %s): decoding the messages' responses: %w", op, r.TxHash, err)
		}
		out.MsgResponses = data.MsgResponses
	}
	return out, nil
}

// Response decodes the i-th message's response into resp (e.g. *types.MsgBurnedRegisterResponse).
func (r *TxResult) Response(i int, resp proto.Message) error {
	if i < 0 || i >= len(r.MsgResponses) {
		return fmt.Errorf("chain: tx %s has %d message responses, not a %d-th", r.Hash, len(r.MsgResponses), i+1)
	}
	a := r.MsgResponses[i]
	if want := "/" + proto.MessageName(resp); a.TypeUrl != want {
		return fmt.Errorf("chain: tx %s: response %d is %s, not %s", r.Hash, i, a.TypeUrl, want)
	}
	return proto.Unmarshal(a.Value, resp)
}

// lockSigner serializes one key's transactions.
func (c *Client) lockSigner(address string) func() {
	m, _ := c.signing.LoadOrStore(address, new(sync.Mutex))
	mu := m.(*sync.Mutex)
	mu.Lock()
	return mu.Unlock
}

// checkSigner refuses a signer whose public key is not the address it claims, which the chain
// would refuse anyway, with a less useful message.
func checkSigner(s Signer) error {
	pub := s.PubKey()
	if pub == nil {
		return fmt.Errorf("chain: signer %s has no public key", s.Address())
	}
	addr, err := synapse.AddressOf(pub.Bytes())
	if err != nil {
		return fmt.Errorf("chain: signer %s: %w", s.Address(), err)
	}
	if addr != s.Address() {
		return fmt.Errorf("chain: signer claims %s but its public key is %s's", s.Address(), addr)
	}
	return nil
}

// isWork reports whether every message is a hotkey's work, which the chain runs without a fee
// when the hotkey is registered (app/ante_free_work.go).
func isWork(msgs []sdk.Msg) bool {
	for _, m := range msgs {
		switch m.(type) {
		case *types.MsgSetWeights, *types.MsgCommitWeights, *types.MsgRevealWeights, *types.MsgServeAxon:
		default:
			return false
		}
	}
	return true
}

func isCode(r *sdk.TxResponse, e interface {
	Codespace() string
	ABCICode() uint32
}) bool {
	return r.Codespace == e.Codespace() && r.Code == e.ABCICode()
}

// sequenceMismatch reads the sequence the node expects from its refusal.
var sequenceMismatch = regexp.MustCompile(`expected (\d+), got \d+`)

func expectedSequence(log string) uint64 {
	m := sequenceMismatch.FindStringSubmatch(log)
	if m == nil {
		return 0
	}
	n, _ := strconv.ParseUint(m[1], 10, 64)
	return n
}

// txHash is CometBFT's name for a transaction: SHA-256 of its bytes, upper-case hex.
func txHash(txBytes []byte) string {
	sum := sha256.Sum256(txBytes)
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// msgNames names a transaction's messages for errors and logs ("MsgSetWeights").
func msgNames(msgs []sdk.Msg) string {
	names := make([]string, len(msgs))
	for i, m := range msgs {
		name := proto.MessageName(m)
		names[i] = name[strings.LastIndexByte(name, '.')+1:]
	}
	return strings.Join(names, ",")
}
