package app_test

import (
	"fmt"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/stretchr/testify/require"

	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/app"
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
	// seq is the next sequence the node's check state expects of each signer.
	seq map[string]uint64
}

func newNode(t *testing.T, w *workChain) *node {
	return &node{t: t, w: w, height: w.c.Height(), time: w.c.Ctx().BlockTime(), seq: map[string]uint64{}}
}

// signed signs msgs by s at the sequence the check state expects of it, with gas and no fee.
func (n *node) signed(s signer, gas uint64, msgs ...sdk.Msg) []byte {
	n.t.Helper()
	return n.signedWithFee(s, 0, gas, msgs...)
}

func (n *node) signedWithFee(s signer, fee, gas uint64, msgs ...sdk.Msg) []byte {
	n.t.Helper()
	acc := n.w.c.App.AccountKeeper.GetAccount(n.w.c.Ctx(), s.addr)
	require.NotNil(n.t, acc)
	seq, ok := n.seq[s.addr.String()]
	if !ok {
		seq = acc.GetSequence()
	}
	bz, err := n.w.c.App.TxConfig().TxEncoder()(n.w.txAt(n.t, s, acc.GetAccountNumber(), seq, fee, gas, msgs...))
	require.NoError(n.t, err)
	return bz
}

// checkTx is a transaction's arrival at the node; an admitted one joins the mempool and uses its
// signer's sequence.
func (n *node) checkTx(bz []byte) *abci.ResponseCheckTx {
	n.t.Helper()
	res, err := n.w.c.App.CheckTx(&abci.RequestCheckTx{Tx: bz, Type: abci.CheckTxType_New})
	require.NoError(n.t, err)
	if res.Code == 0 {
		n.mempool = append(n.mempool, bz)
		tx, err := n.w.c.App.TxConfig().TxDecoder()(bz)
		require.NoError(n.t, err)
		signers, err := tx.(interface{ GetSigners() ([][]byte, error) }).GetSigners()
		require.NoError(n.t, err)
		addr := sdk.AccAddress(signers[0]).String()
		if _, ok := n.seq[addr]; !ok {
			n.seq[addr] = n.w.c.App.AccountKeeper.GetAccount(n.w.c.Ctx(), signers[0]).GetSequence()
		}
		n.seq[addr]++
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
