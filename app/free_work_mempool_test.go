package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/stretchr/testify/require"

	errorsmod "cosmossdk.io/errors"

	"github.com/cosmos/cosmos-sdk/client"
	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"
	"github.com/cosmos/cosmos-sdk/types/tx/signing"
	authsigning "github.com/cosmos/cosmos-sdk/x/auth/signing"

	"github.com/gotensor/gotensor/app"
	"github.com/gotensor/gotensor/app/apptesting"
	subnettypes "github.com/gotensor/gotensor/x/subnet/types"
)

// node drives a workChain's app as CometBFT drives a node's: CheckTx admits transactions to a
// FIFO mempool, a block takes the oldest, and after its commit every transaction left is
// rechecked in order and dropped if it fails.
type node struct {
	t       *testing.T
	w       *workChain
	height  int64
	time    time.Time
	mempool [][]byte
}

func newNode(t *testing.T, w *workChain) *node {
	return &node{t: t, w: w, height: w.c.Height(), time: w.c.Ctx().BlockTime()}
}

// signed signs msgs by s at the sequence the check state expects of it, with gas and no fee.
func (n *node) signed(s signer, gas uint64, msgs ...sdk.Msg) []byte {
	n.t.Helper()
	return n.signedWithFee(s, 0, gas, msgs...)
}

func (n *node) signedWithFee(s signer, fee, gas uint64, msgs ...sdk.Msg) []byte {
	n.t.Helper()
	acc := n.account(s)
	bz, err := n.w.c.App.TxConfig().TxEncoder()(n.w.txAt(n.t, s, acc.GetAccountNumber(), acc.GetSequence(), fee, gas, msgs...))
	require.NoError(n.t, err)
	return bz
}

// account is s's account in the node's check state, with the sequence its next transaction
// needs there.
func (n *node) account(s signer) sdk.AccountI {
	n.t.Helper()
	acc := n.w.c.App.AccountKeeper.GetAccount(n.w.c.App.NewContext(true), s.addr)
	require.NotNil(n.t, acc)
	return acc
}

// checkTx is a transaction's arrival at the node; an admitted one joins the mempool.
func (n *node) checkTx(bz []byte) *abci.ResponseCheckTx {
	n.t.Helper()
	res, err := n.w.c.App.CheckTx(&abci.RequestCheckTx{Tx: bz, Type: abci.CheckTxType_New})
	require.NoError(n.t, err)
	if res.Code == 0 {
		n.mempool = append(n.mempool, bz)
	}
	return res
}

// block commits the next block with the mempool's first take transactions (all: -1), then
// rechecks the rest.
func (n *node) block(take int) *abci.ResponseFinalizeBlock {
	n.t.Helper()
	if take < 0 || take > len(n.mempool) {
		take = len(n.mempool)
	}
	txs := n.mempool[:take]
	n.mempool = n.mempool[take:]
	return n.finalize(txs)
}

// finalize commits the next block with txs, as a proposer chose them, then rechecks the mempool.
func (n *node) finalize(txs [][]byte) *abci.ResponseFinalizeBlock {
	n.t.Helper()
	n.height++
	n.time = n.time.Add(time.Second)
	res, err := n.w.c.App.FinalizeBlock(&abci.RequestFinalizeBlock{Height: n.height, Time: n.time, Txs: txs})
	require.NoError(n.t, err)
	_, err = n.w.c.App.Commit()
	require.NoError(n.t, err)
	var kept [][]byte
	for _, bz := range n.mempool {
		r, err := n.w.c.App.CheckTx(&abci.RequestCheckTx{Tx: bz, Type: abci.CheckTxType_Recheck})
		require.NoError(n.t, err)
		if r.Code == 0 {
			kept = append(kept, bz)
		}
	}
	n.mempool = kept
	return res
}

// requireCode asserts a transaction's result: success (want nil) or want's error. what, when
// given, is a format and its arguments naming the case.
func requireCode(t *testing.T, want *errorsmod.Error, codespace string, code uint32, log string, what ...any) {
	t.Helper()
	msg := log
	if len(what) > 0 {
		msg = fmt.Sprintf(what[0].(string), what[1:]...) + ": " + log
	}
	if want == nil {
		require.Zero(t, code, msg)
		return
	}
	require.Equal(t, want.Codespace(), codespace, msg)
	require.Equal(t, want.ABCICode(), code, msg)
}

// rateLimited is a subnet with the default rate limits: 100 blocks between a hotkey's weights,
// 50 between its axons.
func rateLimited(h *subnettypes.Hyperparams) {
	h.CommitReveal = false
	h.WeightsSetRateLimit = 100
	h.ServingRateLimit = 50
}

const workGas = 300_000

// Five set-weights from one hotkey, signed at once as the attack run sent them. Only the first
// can run before the weights rate limit: it enters the mempool, the other four are refused at
// CheckTx with the rate limit's error (they used to enter, and fail in the block at no cost), and
// the block runs the one without a failure.
func TestFreeWorkRateLimitCountsInTheMempool(t *testing.T) {
	w := newWorkChainWith(t, rateLimited)
	n := newNode(t, w)
	v := w.validators[0]
	acc := w.c.App.AccountKeeper.GetAccount(w.c.Ctx(), v.addr)
	for seq := range uint64(5) {
		bz, err := w.c.App.TxConfig().TxEncoder()(w.txAt(t, v, acc.GetAccountNumber(), seq, 0, workGas, setWeights(v)))
		require.NoError(t, err)
		res := n.checkTx(bz)
		if seq == 0 {
			requireCode(t, nil, res.Codespace, res.Code, res.Log)
			continue
		}
		requireCode(t, subnettypes.ErrSettingWeightsTooFast, res.Codespace, res.Code, res.Log, "set-weights %d", seq+1)
		require.Contains(t, res.Log, "next allowed at block")
	}
	require.Len(t, n.mempool, 1)
	res := n.block(-1)
	require.Len(t, res.TxResults, 1)
	require.Zero(t, res.TxResults[0].Code, res.TxResults[0].Log)

	// The same for axons, under the serving rate limit.
	for range 3 {
		n.checkTx(n.signed(v, workGas, serveAxon(v, 8091)))
	}
	require.Len(t, n.mempool, 1)
	res = n.block(-1)
	require.Len(t, res.TxResults, 1)
	require.Zero(t, res.TxResults[0].Code, res.TxResults[0].Log)
}

// The rate-limit use of a transaction still pending after a block is counted again on the
// recheck, against the new check state: a second set-weights stays out.
func TestFreeWorkRateLimitCountsOnRecheck(t *testing.T) {
	w := newWorkChainWith(t, rateLimited)
	n := newNode(t, w)
	v := w.validators[0]
	first := n.checkTx(n.signed(v, workGas, setWeights(v)))
	requireCode(t, nil, first.Codespace, first.Code, first.Log)
	n.block(0) // a full block, say: the transaction waits
	require.Len(t, n.mempool, 1, "the pending transaction passes its recheck")
	second := n.checkTx(n.signed(v, workGas, setWeights(v)))
	requireCode(t, subnettypes.ErrSettingWeightsTooFast, second.Codespace, second.Code, second.Log)
	res := n.block(-1)
	require.Len(t, res.TxResults, 1)
	require.Zero(t, res.TxResults[0].Code, res.TxResults[0].Log)
}

// One transaction with two serve-axon messages of a hotkey: the second breaks the serving rate
// limit the first sets, so the transaction is refused at CheckTx (it used to land in every block
// and fail there, at no cost). Without a serving rate limit both run.
func TestFreeWorkMessagesCheckedInOrder(t *testing.T) {
	w := newWorkChainWith(t, rateLimited)
	n := newNode(t, w)
	v := w.validators[0]
	two := n.signed(v, workGas, serveAxon(v, 8091), serveAxon(v, 8092))
	res := n.checkTx(two)
	requireCode(t, subnettypes.ErrServingRateLimit, res.Codespace, res.Code, res.Log)
	require.Contains(t, res.Log, "message 2 of 2")
	// A proposer that includes it anyway gets it refused by the block's ante handler, before its
	// messages run: no axon is stored and no sequence used.
	block := n.finalize([][]byte{two})
	require.Len(t, block.TxResults, 1)
	requireCode(t, subnettypes.ErrServingRateLimit, block.TxResults[0].Codespace, block.TxResults[0].Code, block.TxResults[0].Log)
	ctx := w.c.App.NewContext(true)
	require.Zero(t, w.c.App.AccountKeeper.GetAccount(ctx, v.addr).GetSequence())
	vUID, err := w.c.App.SubnetKeeper.UidOf(ctx, 1, v.addr)
	require.NoError(t, err)
	_, err = w.c.App.SubnetKeeper.Axons.Get(ctx, pair(uint32(1), vUID))
	require.Error(t, err, "no axon stored")

	// Set-weights and serve-axon have separate rate limits, so one transaction may carry both.
	both := n.checkTx(n.signed(v, workGas, setWeights(v), serveAxon(v, 8093)))
	requireCode(t, nil, both.Codespace, both.Code, both.Log)
	block = n.block(-1)
	require.Len(t, block.TxResults, 1)
	require.Zero(t, block.TxResults[0].Code, block.TxResults[0].Log)

	open := newWorkChain(t) // no rate limits
	n = newNode(t, open)
	u := open.validators[0]
	res = n.checkTx(n.signed(u, workGas, serveAxon(u, 8091), serveAxon(u, 8092)))
	requireCode(t, nil, res.Codespace, res.Code, res.Log)
	block = n.block(-1)
	require.Zero(t, block.TxResults[0].Code, block.TxResults[0].Log)
	ctx = open.c.App.NewContext(true)
	uid, err := open.c.App.SubnetKeeper.UidOf(ctx, 1, u.addr)
	require.NoError(t, err)
	axon, err := open.c.App.SubnetKeeper.Axons.Get(ctx, pair(uint32(1), uid))
	require.NoError(t, err)
	require.Equal(t, uint32(8092), axon.Port, "the later message's axon stands")
}

// Where a subnet sets no rate limits, nothing in the work itself stops one hotkey from sending
// thousands of valid free transactions per block; the mempool holds one per hotkey at a time.
// Others' hotkeys are not held up, a refused transaction does not use the hotkey's turn, and once
// the pending one is in a block the hotkey sends its next.
func TestFreeWorkOnePendingPerHotkey(t *testing.T) {
	w := newWorkChain(t)
	n := newNode(t, w)
	v, other := w.validators[0], w.validators[1]

	// A transaction claiming v's work but signed by another key fails its signature check and
	// does not use v's turn.
	forged, err := w.c.App.TxConfig().TxEncoder()(w.tx(t, w.stranger, 0, workGas, setWeights(v)))
	require.NoError(t, err)
	res := n.checkTx(forged)
	require.NotZero(t, res.Code)

	for i := range 5 {
		res := n.checkTx(n.signed(v, workGas, setWeights(v)))
		if i == 0 {
			requireCode(t, nil, res.Codespace, res.Code, res.Log)
			continue
		}
		requireCode(t, app.ErrFreeWorkPending, res.Codespace, res.Code, res.Log, "set-weights %d", i+1)
		require.Contains(t, res.Log, v.addr.String())
	}
	res = n.checkTx(n.signed(v, workGas, serveAxon(v, 8091)))
	requireCode(t, app.ErrFreeWorkPending, res.Codespace, res.Code, res.Log, "other work of the same hotkey")
	res = n.checkTx(n.signed(other, workGas, setWeights(other)))
	requireCode(t, nil, res.Codespace, res.Code, res.Log, "another hotkey")
	require.Len(t, n.mempool, 2)

	// Still pending after a block, v's transaction keeps its turn on the recheck.
	n.block(0)
	require.Len(t, n.mempool, 2)
	res = n.checkTx(n.signed(v, workGas, serveAxon(v, 8091)))
	requireCode(t, app.ErrFreeWorkPending, res.Codespace, res.Code, res.Log, "after a recheck")

	block := n.block(-1)
	require.Len(t, block.TxResults, 2)
	for _, r := range block.TxResults {
		require.Zero(t, r.Code, r.Log)
	}
	res = n.checkTx(n.signed(v, workGas, serveAxon(v, 8091)))
	requireCode(t, nil, res.Codespace, res.Code, res.Log, "the next block's turn")
	// Paying is no way around it: the fee of a free transaction is not taken, and it is not
	// a different transaction.
	res = n.checkTx(n.signedWithFee(v, 5_000, workGas, setWeights(v)))
	requireCode(t, app.ErrFreeWorkPending, res.Codespace, res.Code, res.Log, "with a fee offered")
}

// A free transaction's gas limit that CheckTx accepts is enough for the block: CheckTx meters the
// work's run as the block will, so a sender cannot set a limit that passes the mempool and runs
// out of gas in the block, for free.
func TestFreeWorkGasOfCheckTxSufficesInTheBlock(t *testing.T) {
	cases := func(w *workChain) [][]sdk.Msg {
		return [][]sdk.Msg{
			{setWeights(w.validators[0])},
			{serveAxon(w.validators[1], 8091)},
			{setWeights(w.validators[2]), serveAxon(w.validators[2], 8091)},
		}
	}
	w := newWorkChainWith(t, rateLimited)
	n := newNode(t, w)
	var checked []int64
	for i, msgs := range cases(w) {
		res := n.checkTx(n.signed(w.validators[i], workGas, msgs...))
		requireCode(t, nil, res.Codespace, res.Code, res.Log)
		checked = append(checked, res.GasUsed)
	}
	block := n.block(-1)
	require.Len(t, block.TxResults, len(checked))
	for i, r := range block.TxResults {
		require.Zero(t, r.Code, r.Log)
		require.LessOrEqual(t, r.GasUsed, checked[i], "case %d: the block used more gas than CheckTx metered", i)
	}

	// Signed with exactly the gas CheckTx used, each still runs in a block.
	w = newWorkChainWith(t, rateLimited)
	n = newNode(t, w)
	for i, msgs := range cases(w) {
		res := n.checkTx(n.signed(w.validators[i], uint64(checked[i]), msgs...))
		requireCode(t, nil, res.Codespace, res.Code, res.Log, "case %d with gas %d", i, checked[i])
	}
	block = n.block(-1)
	require.Len(t, block.TxResults, len(checked))
	for i, r := range block.TxResults {
		require.Zero(t, r.Code, "case %d: %s", i, r.Log)
	}
}

func serveAxon(s signer, port uint32) *subnettypes.MsgServeAxon {
	return &subnettypes.MsgServeAxon{Hotkey: s.addr.String(), Netuid: 1, Ip: "8.8.8.8", Port: port}
}

// signedWith signs msgs by s at its next sequence, free, after adjust has set what else the
// transaction carries.
func (n *node) signedWith(s signer, gas uint64, adjust func(client.TxBuilder), msgs ...sdk.Msg) []byte {
	n.t.Helper()
	acc := n.account(s)
	seq := acc.GetSequence()
	cfg := n.w.c.App.TxConfig()
	b := cfg.NewTxBuilder()
	require.NoError(n.t, b.SetMsgs(msgs...))
	b.SetGasLimit(gas)
	adjust(b)
	mode := signing.SignMode_SIGN_MODE_DIRECT
	sig := signing.SignatureV2{PubKey: s.priv.PubKey(), Data: &signing.SingleSignatureData{SignMode: mode}, Sequence: seq}
	require.NoError(n.t, b.SetSignatures(sig))
	signBytes, err := authsigning.GetSignBytesAdapter(context.Background(), cfg.SignModeHandler(), mode,
		authsigning.SignerData{Address: s.addr.String(), ChainID: apptesting.ChainID, AccountNumber: acc.GetAccountNumber(), Sequence: seq, PubKey: s.priv.PubKey()},
		b.GetTx())
	require.NoError(n.t, err)
	sig.Data.(*signing.SingleSignatureData).Signature, err = s.priv.Sign(signBytes)
	require.NoError(n.t, err)
	require.NoError(n.t, b.SetSignatures(sig))
	bz, err := cfg.TxEncoder()(b.GetTx())
	require.NoError(n.t, err)
	return bz
}

// A free transaction that could pass CheckTx and expire before a block includes it is refused:
// a timeout height before the next block, any timeout timestamp (the next block's time is not
// known). One that expires while it waits is dropped on the recheck. And a free transaction is
// at most FreeWorkMaxTxBytes long, however much padding its gas would pay for.
func TestFreeWorkExpiryAndSizeAtCheckTx(t *testing.T) {
	w := newWorkChain(t)
	n := newNode(t, w)
	v := w.validators[0]
	last := uint64(n.height) // the check state's height

	res := n.checkTx(n.signedWith(v, workGas, func(b client.TxBuilder) { b.SetTimeoutHeight(last) }, setWeights(v)))
	requireCode(t, sdkerrors.ErrTxTimeoutHeight, res.Codespace, res.Code, res.Log, "timeout at the last block")
	res = n.checkTx(n.signedWith(v, workGas, func(b client.TxBuilder) { b.SetTimeoutTimestamp(n.time.Add(time.Hour)) }, setWeights(v)))
	requireCode(t, sdkerrors.ErrTxTimeout, res.Codespace, res.Code, res.Log, "a timeout timestamp")

	res = n.checkTx(n.signedWith(v, workGas, func(b client.TxBuilder) { b.SetTimeoutHeight(last + 1) }, setWeights(v)))
	requireCode(t, nil, res.Codespace, res.Code, res.Log, "timeout at the next block")
	n.block(0) // not included in time: the recheck drops it
	require.Empty(t, n.mempool)
	res = n.checkTx(n.signedWith(v, workGas, func(b client.TxBuilder) { b.SetTimeoutHeight(last + 1) }, setWeights(v)))
	requireCode(t, sdkerrors.ErrTxTimeoutHeight, res.Codespace, res.Code, res.Log, "timeout at the block just committed")
	res = n.checkTx(n.signedWith(v, workGas, func(b client.TxBuilder) { b.SetTimeoutHeight(last + 2) }, setWeights(v)))
	requireCode(t, nil, res.Codespace, res.Code, res.Log, "timeout at the next block")
	block := n.block(-1)
	require.Zero(t, block.TxResults[0].Code, block.TxResults[0].Log)

	// A memo as long as the chain's parameters allow pads a transaction at 10 gas a byte.
	ctx := w.c.App.NewContext(true)
	params := w.c.App.AccountKeeper.GetParams(ctx)
	require.Equal(t, uint64(256), params.MaxMemoCharacters, "the default memo limit keeps a memo small")
	u := w.validators[1]
	res = n.checkTx(n.signedWith(u, app.FreeWorkGasLimit, func(b client.TxBuilder) {
		b.SetMemo(strings.Repeat("x", 256))
	}, setWeights(u)))
	requireCode(t, nil, res.Codespace, res.Code, res.Log, "the longest memo")
	n.block(-1)

	params.MaxMemoCharacters = 1 << 20 // as governance could set it
	big := newWorkChain(t)
	require.NoError(t, big.c.App.AccountKeeper.Params.Set(big.c.Ctx(), params))
	big.c.NextBlock()
	n = newNode(t, big)
	u = big.validators[0]
	padded := n.signedWith(u, app.FreeWorkGasLimit, func(b client.TxBuilder) { b.SetMemo(strings.Repeat("x", app.FreeWorkMaxTxBytes)) }, setWeights(u))
	res = n.checkTx(padded)
	requireCode(t, sdkerrors.ErrTxTooLarge, res.Codespace, res.Code, res.Log, "%d bytes", len(padded))
	block = n.finalize([][]byte{padded})
	requireCode(t, sdkerrors.ErrTxTooLarge, block.TxResults[0].Codespace, block.TxResults[0].Code, block.TxResults[0].Log, "in a block")
	res = n.checkTx(n.signedWith(u, app.FreeWorkGasLimit, func(b client.TxBuilder) { b.SetMemo(strings.Repeat("x", app.FreeWorkMaxTxBytes-400)) }, setWeights(u)))
	requireCode(t, nil, res.Codespace, res.Code, res.Log, "just under the cap")
}

// A reveal checked in the last block of its reveal epoch, when the next block runs the subnet's
// epoch: the block that can include it is in the next epoch, where the commit has expired. CheckTx
// judges the work as of that block and refuses it; it used to pass CheckTx and fail in the block.
// One block earlier, the same reveal enters and runs.
func TestFreeWorkRevealJudgedAsOfTheNextBlock(t *testing.T) {
	const tempo = 6
	w := newWorkChainWith(t, func(h *subnettypes.Hyperparams) {
		h.CommitReveal, h.RevealPeriodEpochs, h.Tempo = true, 1, tempo
		h.WeightsSetRateLimit, h.ServingRateLimit = 0, 0
	})
	n := newNode(t, w)
	k := w.c.App.SubnetKeeper
	schedule := func() subnettypes.Schedule {
		s, err := k.GetSchedule(w.c.App.NewContext(true), 1)
		require.NoError(t, err)
		return s
	}
	// epochDueNext is whether the block after the check state's runs an epoch.
	epochDueNext := func() bool { return uint64(n.height)+1-schedule().LastEpochBlock >= tempo }

	commitAndReveal := func(v signer, salt byte) (commitEpoch uint64, reveal *subnettypes.MsgRevealWeights) {
		// A weight on itself: the epochs on the way recompute permits, and these hotkeys have no stake.
		uid, err := k.UidOf(w.c.App.NewContext(true), 1, v.addr)
		require.NoError(t, err)
		reveal = &subnettypes.MsgRevealWeights{Hotkey: v.addr.String(), Netuid: 1, Uids: []uint32{uid}, Values: []uint32{1}, Salt: []byte{salt}}
		payload := reveal.CommitPayload()
		for epochDueNext() { // commit where the epoch index is plain
			n.block(0)
		}
		res := n.checkTx(n.signed(v, workGas, &subnettypes.MsgCommitWeights{Hotkey: v.addr.String(), Netuid: 1, Hash: subnettypes.CommitHash(payload)}))
		requireCode(t, nil, res.Codespace, res.Code, res.Log, "commit")
		commitEpoch = schedule().EpochIndex
		block := n.block(-1)
		require.Zero(t, block.TxResults[0].Code, block.TxResults[0].Log)
		return commitEpoch, reveal
	}
	// Blocks until the check state is in epoch e and the next block runs an epoch.
	untilLastBlockOf := func(e uint64) {
		for i := 0; !(schedule().EpochIndex == e && epochDueNext()); i++ {
			require.Less(t, i, 10*tempo, "epoch %d never reached its last block", e)
			n.block(0)
		}
	}

	v := w.validators[0]
	c, reveal := commitAndReveal(v, 1)
	untilLastBlockOf(c + 1)
	res := n.checkTx(n.signed(v, workGas, reveal))
	requireCode(t, subnettypes.ErrCommitExpired, res.Codespace, res.Code, res.Log, "reveal checked before the epoch that expires it")

	u := w.validators[1]
	c, reveal = commitAndReveal(u, 2)
	untilLastBlockOf(c) // the next block starts the reveal epoch
	res = n.checkTx(n.signed(u, workGas, reveal))
	requireCode(t, nil, res.Codespace, res.Code, res.Log, "reveal checked just before its epoch")
	block := n.block(-1)
	require.Zero(t, block.TxResults[0].Code, block.TxResults[0].Log)
}
