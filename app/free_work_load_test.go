package app_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cosmos/cosmos-sdk/client"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/app"
	subnettypes "github.com/gotensor/gotensor/x/subnet/types"
)

// The most free work an attacker's H registered hotkeys can put in one block, and how much of it
// can fail there (BENCHMARKS.md, "Free transactions"). Each hotkey floods the mempool with every
// kind of free transaction it can make, as large as it may; the node admits one per hotkey, and
// the block runs them all. The only way left to make them fail in the block is to change, ahead
// of them in the block, the state they were checked against: here the subnet owner's one paid
// set-hyperparameter (commit-reveal on) fails every pending set-weights on the subnet.
//
//	go test ./app -run TestFreeWorkLoadPerBlock -v
func TestFreeWorkLoadPerBlock(t *testing.T) {
	w := newWorkChain(t) // no rate limits: the most the work itself allows
	n := newNode(t, w)
	hotkeys := append(append([]signer(nil), w.validators...), w.funded...)
	H := len(hotkeys)

	// Scenario 1: the flood, every hotkey sending 10 transactions of every kind.
	const perHotkey = 10
	var sent, admittedBytes int
	var admittedGasWanted int64
	pad := func(b client.TxBuilder) { b.SetMemo(strings.Repeat("x", 256)) } // the longest memo
	for _, s := range hotkeys {
		for i := range perHotkey {
			var msgs []sdk.Msg
			switch i % 3 {
			case 0:
				msgs = []sdk.Msg{setWeights(s)}
			case 1:
				msgs = []sdk.Msg{serveAxon(s, uint32(1000+i))}
			default:
				msgs = []sdk.Msg{setWeights(s), serveAxon(s, uint32(2000+i)), serveAxon(s, uint32(3000+i))}
			}
			bz := n.signedWith(s, app.FreeWorkGasLimit, pad, msgs...)
			sent++
			if res := n.checkTx(bz); res.Code == 0 {
				admittedBytes += len(bz)
				admittedGasWanted += res.GasWanted
			}
		}
	}
	require.Len(t, n.mempool, H, "one free transaction per hotkey")
	block := n.block(-1)
	var gasUsed int64
	for _, r := range block.TxResults {
		require.Zero(t, r.Code, r.Log)
		gasUsed += r.GasUsed
	}
	t.Logf("flood: %d hotkeys sent %d free transactions; admitted %d (%d bytes, %d gas wanted, %d gas used in the block); failed in the block: 0",
		H, sent, len(block.TxResults), admittedBytes, admittedGasWanted, gasUsed)

	// Scenario 2: the owner turns commit-reveal on in a paid transaction that reaches the mempool
	// before its hotkeys' set-weights; CheckTx does not run paid messages, so it cannot see it.
	owner := signer{priv: w.c.Accounts[0].Priv, addr: w.c.Accounts[0].Address}
	const paidGas, gasPrice = 200_000, 1
	toggle := n.signedWithFee(owner, paidGas*gasPrice, paidGas,
		&subnettypes.MsgSetHyperparameter{Signer: owner.addr.String(), Netuid: 1, Name: "commit_reveal", Value: "true"})
	res := n.checkTx(toggle)
	requireCode(t, nil, res.Codespace, res.Code, res.Log, "the owner's paid change")
	var pendingBytes int
	for _, s := range hotkeys {
		bz := n.signedWith(s, app.FreeWorkGasLimit, pad, setWeights(s))
		res := n.checkTx(bz)
		requireCode(t, nil, res.Codespace, res.Code, res.Log)
		pendingBytes += len(bz)
	}
	block = n.block(-1)
	require.Len(t, block.TxResults, H+1)
	requireCode(t, nil, block.TxResults[0].Codespace, block.TxResults[0].Code, block.TxResults[0].Log, "the owner's change")
	var failedGas int64
	for _, r := range block.TxResults[1:] {
		requireCode(t, subnettypes.ErrCommitRevealEnabled, r.Codespace, r.Code, r.Log)
		failedGas += r.GasUsed
	}
	t.Logf("owner's change ahead of them: %d free transactions failed in the block (%d bytes, %d gas used) for one paid transaction of %d gas used (fee %d rao at %d rao/gas)",
		H, pendingBytes, failedGas, block.TxResults[0].GasUsed, paidGas*gasPrice, gasPrice)
	// The owner may do it again only OwnerHyperparamRateLimit tempos later.
	again := n.signedWithFee(owner, paidGas*gasPrice, paidGas,
		&subnettypes.MsgSetHyperparameter{Signer: owner.addr.String(), Netuid: 1, Name: "commit_reveal", Value: "false"})
	res = n.checkTx(again)
	requireCode(t, nil, res.Codespace, res.Code, res.Log, "the owner's second change, at CheckTx")
	block = n.block(-1)
	requireCode(t, subnettypes.ErrHyperparameterRateLimit, block.TxResults[0].Codespace, block.TxResults[0].Code, block.TxResults[0].Log, "the owner's second change")
}
