package app_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmttypes "github.com/cometbft/cometbft/types"
	"github.com/stretchr/testify/require"

	"github.com/cosmos/cosmos-sdk/types/tx/signing"
	authsign "github.com/cosmos/cosmos-sdk/x/auth/signing"

	"github.com/gotensor/gotensor/app/apptesting"
	subnettypes "github.com/gotensor/gotensor/x/subnet/types"
)

// workSigner is a validator hotkey that signs its own set-weights transactions.
type workSigner struct {
	signer
	netuid           uint32
	number, sequence uint64
}

// setWeightsGas is what a set-weights transaction asks for: above what a 256-uid row uses, below
// the free-work cap.
const setWeightsGas = 400_000

// signSetWeights signs a set-weights transaction from s at its next sequence, as a validator's
// wallet does (SIGN_MODE_DIRECT, no fee, no memo).
func (n *benchNet) signSetWeights(s *workSigner, uids, values []uint32) []byte {
	txConfig := n.c.App.TxConfig()
	msg := &subnettypes.MsgSetWeights{Hotkey: s.addr.String(), Netuid: s.netuid, Uids: uids, Values: values}
	mode, err := authsign.APISignModeToInternal(txConfig.SignModeHandler().DefaultMode())
	require.NoError(n.b, err)
	builder := txConfig.NewTxBuilder()
	require.NoError(n.b, builder.SetMsgs(msg))
	builder.SetGasLimit(setWeightsGas)
	sig := signing.SignatureV2{PubKey: s.priv.PubKey(), Data: &signing.SingleSignatureData{SignMode: mode}, Sequence: s.sequence}
	require.NoError(n.b, builder.SetSignatures(sig))
	signBytes, err := authsign.GetSignBytesAdapter(context.Background(), txConfig.SignModeHandler(), mode, authsign.SignerData{
		Address: s.addr.String(), ChainID: apptesting.ChainID, AccountNumber: s.number, Sequence: s.sequence, PubKey: s.priv.PubKey(),
	}, builder.GetTx())
	require.NoError(n.b, err)
	sig.Data.(*signing.SingleSignatureData).Signature, err = s.priv.Sign(signBytes)
	require.NoError(n.b, err)
	require.NoError(n.b, builder.SetSignatures(sig))
	bz, err := txConfig.TxEncoder()(builder.GetTx())
	require.NoError(n.b, err)
	s.sequence++
	return bz
}

// nodeConsensusParams gives the chain the block limits of a gotensor node's genesis (CometBFT's
// defaults: 21 MiB blocks, no gas limit) in place of the test harness's 200 kB and 100 M gas.
func (n *benchNet) nodeConsensusParams() {
	ctx := n.c.Ctx()
	params, err := n.c.App.ConsensusKeeper.ParamsStore.Get(ctx)
	require.NoError(n.b, err)
	defaults := cmttypes.DefaultBlockParams()
	params.Block.MaxBytes, params.Block.MaxGas = defaults.MaxBytes, defaults.MaxGas
	require.NoError(n.b, n.c.App.ConsensusKeeper.ParamsStore.Set(ctx, params))
}

// txDriver runs blocks of transactions through the app as a node does: each transaction through
// CheckTx (the mempool's admission), then all of them in FinalizeBlock, then Commit.
type txDriver struct {
	n      *benchNet
	height int64
	time   time.Time
}

// txBlock is what one block of transactions cost.
type txBlock struct {
	check, finalize, commit time.Duration
	included                int
}

func (d *txDriver) block(txs [][]byte) txBlock {
	b := d.n.b
	app := d.n.c.App
	var out txBlock
	start := time.Now()
	for _, tx := range txs {
		res, err := app.CheckTx(&abci.RequestCheckTx{Tx: tx, Type: abci.CheckTxType_New})
		require.NoError(b, err)
		require.Zero(b, res.Code, "CheckTx: %s", res.Log)
	}
	out.check = time.Since(start)
	d.height++
	d.time = d.time.Add(time.Second)
	start = time.Now()
	res, err := app.FinalizeBlock(&abci.RequestFinalizeBlock{Height: d.height, Time: d.time, Txs: txs})
	out.finalize = time.Since(start)
	require.NoError(b, err)
	start = time.Now()
	_, err = app.Commit()
	out.commit = time.Since(start)
	require.NoError(b, err)
	for _, r := range res.TxResults {
		require.Zero(b, r.Code, "FinalizeBlock: %s", r.Log)
		out.included++
	}
	return out
}

// BenchmarkSetWeightsTxs measures how many set-weights transactions one node takes per second of
// block time. The chain: 16 subnets × 256 uids, commit-reveal off, weights rate limit 0, and 64
// validators with permits on each (uids 1–63 staked and the owner's hotkey): 1024 hotkeys, each
// signing its own transactions with increasing sequences, fee-free as registered hotkeys' work.
// One iteration is one block carrying one transaction from every hotkey (1024), driven in process
// through the app's ABCI methods as CometBFT calls them, under the single lock CometBFT's local
// client holds for all of them: every transaction through CheckTx, then FinalizeBlock with all of
// them, then Commit. Signing is the wallets' work and is not timed. The sub-benchmarks differ in
// the rows sent: every uid, or 32 of them.
func BenchmarkSetWeightsTxs(b *testing.B) {
	spec := benchSpec{subnets: 16, uids: 256, validators: 64, tempo: 360, rateLimit: 0}
	n := newBenchNet(b, spec)
	n.nodeConsensusParams()
	var signers []*workSigner
	for _, s := range n.subnets {
		for v := range spec.validators {
			acc := n.c.App.AccountKeeper.GetAccount(n.c.Ctx(), s.hotkeys[v].addr)
			require.NotNil(b, acc, "registration made the hotkey's account")
			signers = append(signers, &workSigner{signer: s.hotkeys[v], netuid: s.netuid, number: acc.GetAccountNumber(), sequence: acc.GetSequence()})
		}
	}
	n.next()
	d := &txDriver{n: n, height: n.c.Height(), time: n.c.Ctx().BlockTime().Add(-time.Second)}
	blockOf := func(rowLen int) [][]byte {
		txs := make([][]byte, len(signers))
		for i, s := range signers {
			uids, values := n.weightRow()
			txs[i] = n.signSetWeights(s, uids[:rowLen], values[:rowLen])
		}
		return txs
	}
	// The first transaction of each hotkey also records its public key.
	d.block(blockOf(spec.uids))

	for _, rowLen := range []int{spec.uids, 32} {
		b.Run(fmt.Sprintf("uids=%d", rowLen), func(b *testing.B) {
			n.b = b
			var total txBlock
			blocks := 0
			for b.Loop() {
				b.StopTimer()
				txs := blockOf(rowLen)
				b.StartTimer()
				r := d.block(txs)
				require.Equal(b, len(txs), r.included)
				total.check += r.check
				total.finalize += r.finalize
				total.commit += r.commit
				total.included += r.included
				blocks++
			}
			perTx := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(total.included) }
			perBlock := func(d time.Duration) float64 { return float64(d.Milliseconds()) / float64(blocks) }
			b.ReportMetric(float64(total.included)/float64(blocks), "txs/block")
			b.ReportMetric(perTx(total.check), "checktx-µs/tx")
			b.ReportMetric(perTx(total.finalize), "finalize-µs/tx")
			b.ReportMetric(perBlock(total.finalize), "finalize-ms/block")
			b.ReportMetric(perBlock(total.commit), "commit-ms/block")
			// Under CometBFT's one lock, admitting and executing a block's transactions and
			// committing it are serial: this is the most the node includes per second of its time.
			b.ReportMetric(float64(total.included)/(total.check+total.finalize+total.commit).Seconds(), "txs/s")
			b.ReportMetric(float64(total.included)/total.check.Seconds(), "checktx/s")
		})
	}
	n.b = b
	// The Chain's own context is behind the driver's blocks: read the committed state.
	ctx := n.c.App.NewContext(true)
	require.NoError(b, n.k.BrokenInvariants(ctx))
	for _, s := range signers {
		acc := n.c.App.AccountKeeper.GetAccount(ctx, s.addr)
		require.Equal(b, s.sequence, acc.GetSequence(), "every transaction was included")
		require.True(b, n.c.App.BankKeeper.GetBalance(ctx, s.addr, subnettypes.Denom).IsZero(), "the work paid no fee")
	}
}
