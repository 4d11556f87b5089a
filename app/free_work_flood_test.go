package app_test

import (
	"context"
	"fmt"
	"math/rand"
	"testing"
	"time"

	"github.com/cometbft/cometbft/crypto/tmhash"
	"github.com/stretchr/testify/require"

	sdkmath "cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/testutil/network"
	simtestutil "github.com/cosmos/cosmos-sdk/testutil/sims"
	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"

	"github.com/gotensor/gotensor/app/apptesting"
	subnettypes "github.com/gotensor/gotensor/x/subnet/types"
)

// floodNet is a real CometBFT node (one validator, 100 ms blocks) whose operators charge 1 rao per
// gas for paid transactions, with keys the flood test signs with.
type floodNet struct {
	t   *testing.T
	cfg network.Config
	net *network.Network
	// funder holds TAO and is the chain's local authority; owner is its subnet's owner hotkey,
	// the honest validator; attacker is a hotkey registered on the subnet; strangers have
	// accounts but no TAO and are registered nowhere.
	funder, owner, attacker, receiver signer
	strangers                         []signer
	// seq is each signer's next sequence once it has a transaction admitted; signedAt the
	// sequence of its last signed one.
	seq, signedAt map[string]uint64
}

const floodGasPrice = 1 // rao per gas, the nodes' minimum

func newFloodNet(t *testing.T, strangers int) *floodNet {
	cfg, err := apptesting.NetworkConfig()
	require.NoError(t, err)
	cfg.MinGasPrices = fmt.Sprintf("%d%s", floodGasPrice, subnettypes.Denom)
	f := &floodNet{t: t, cfg: cfg, funder: newSigner(), owner: newSigner(), attacker: newSigner(), receiver: newSigner(),
		seq: map[string]uint64{}, signedAt: map[string]uint64{}}
	for range strangers {
		f.strangers = append(f.strangers, newSigner())
	}

	var auth authtypes.GenesisState
	cfg.Codec.MustUnmarshalJSON(cfg.GenesisState[authtypes.ModuleName], &auth)
	var accounts []authtypes.GenesisAccount
	for _, s := range append([]signer{f.funder, f.owner, f.attacker, f.receiver}, f.strangers...) {
		accounts = append(accounts, authtypes.NewBaseAccount(s.addr, s.priv.PubKey(), 0, 0))
	}
	packed, err := authtypes.PackAccounts(accounts)
	require.NoError(t, err)
	auth.Accounts = append(auth.Accounts, packed...)
	cfg.GenesisState[authtypes.ModuleName] = cfg.Codec.MustMarshalJSON(&auth)

	var bank banktypes.GenesisState
	cfg.Codec.MustUnmarshalJSON(cfg.GenesisState[banktypes.ModuleName], &bank)
	bank.Balances = append(bank.Balances, banktypes.Balance{Address: f.funder.addr.String(),
		Coins: sdk.NewCoins(sdk.NewCoin(subnettypes.Denom, sdkmath.NewInt(100_000*subnettypes.RaoPerTAO)))})
	cfg.GenesisState[banktypes.ModuleName] = cfg.Codec.MustMarshalJSON(&bank)

	var subnet subnettypes.GenesisState
	cfg.Codec.MustUnmarshalJSON(cfg.GenesisState[subnettypes.ModuleName], &subnet)
	subnet.LocalAuthority = f.funder.addr.String()
	cfg.GenesisState[subnettypes.ModuleName] = cfg.Codec.MustMarshalJSON(&subnet)

	f.cfg = cfg
	f.net, err = network.New(t, t.TempDir(), cfg)
	require.NoError(t, err)
	t.Cleanup(f.net.Cleanup)
	_, err = f.net.WaitForHeight(1)
	require.NoError(t, err)
	return f
}

// sign signs msgs by s at its next sequence as this test counts them (the chain's, the first
// time), paying gas × the minimum gas price unless free.
func (f *floodNet) sign(s signer, free bool, gas uint64, msgs ...sdk.Msg) []byte {
	f.t.Helper()
	number, seq, err := authtypes.AccountRetriever{}.GetAccountNumberSequence(f.net.Validators[0].ClientCtx, s.addr)
	require.NoError(f.t, err)
	if next, ok := f.seq[s.addr.String()]; ok {
		seq = next
	}
	f.signedAt[s.addr.String()] = seq
	var fees sdk.Coins
	if !free {
		fees = rao(gas * floodGasPrice)
	}
	tx, err := simtestutil.GenSignedMockTx(rand.New(rand.NewSource(1)), f.cfg.TxConfig, msgs, fees, gas,
		f.cfg.ChainID, []uint64{number}, []uint64{seq}, s.priv)
	require.NoError(f.t, err)
	bz, err := f.cfg.TxConfig.TxEncoder()(tx)
	require.NoError(f.t, err)
	return bz
}

// broadcast hands bz to the node's mempool and returns its CheckTx code; an admitted transaction
// uses its signer's sequence.
func (f *floodNet) broadcast(s signer, bz []byte) uint32 {
	f.t.Helper()
	res, err := f.net.Validators[0].RPCClient.BroadcastTxSync(context.Background(), bz)
	require.NoError(f.t, err)
	if res.Code == 0 {
		f.seq[s.addr.String()] = f.signedAt[s.addr.String()] + 1
	}
	return res.Code
}

// included waits up to blocks blocks for the transaction to be in a block and returns the
// height and its result code.
func (f *floodNet) included(bz []byte, from int64, blocks int64) (int64, uint32) {
	f.t.Helper()
	hash := tmhash.Sum(bz)
	rpc := f.net.Validators[0].RPCClient
	for h := from; h <= from+blocks; h++ {
		_, err := f.net.WaitForHeightWithTimeout(h, 10*time.Second)
		require.NoError(f.t, err)
		block, err := rpc.Block(context.Background(), &h)
		require.NoError(f.t, err)
		for i, tx := range block.Block.Txs {
			if string(tx.Hash()) == string(hash) {
				res, err := rpc.BlockResults(context.Background(), &h)
				require.NoError(f.t, err)
				return h, res.TxsResults[i].Code
			}
		}
	}
	f.t.Fatalf("transaction %X not in a block within %d blocks of height %d", hash, blocks, from)
	return 0, 0
}

// send broadcasts one paid or free transaction and waits for it to succeed in a block.
func (f *floodNet) send(s signer, free bool, msgs ...sdk.Msg) {
	f.t.Helper()
	bz := f.sign(s, free, 400_000, msgs...)
	height, err := f.net.LatestHeight()
	require.NoError(f.t, err)
	require.Zero(f.t, f.broadcast(s, bz), "CheckTx of %T", msgs[0])
	at, code := f.included(bz, height, 5)
	f.t.Logf("%T: broadcast after block %d, in block %d", msgs[0], height, at)
	require.Zero(f.t, code, "%T in its block", msgs[0])
}

// An attacker floods a node's mempool with free work from one registered hotkey and with
// transactions from strangers who hold no TAO and are registered nowhere; meanwhile an honest
// paid send and the honest validator's set-weights arrive. The node admits one of the attacker's
// transactions and none of the strangers', no transaction fails in any block (each failure would
// have been free), and both honest transactions land in the next block or the one after.
// Before the free-work decorator counted the work in the check state, all the attacker's entered
// the mempool and failed in the blocks.
func TestFreeWorkFloodLeavesBlocksToOthers(t *testing.T) {
	const strangers, attacks = 40, 60
	f := newFloodNet(t, strangers)
	funder := f.funder.addr.String()

	// The subnet: its owner hotkey is the honest validator (the owner sets weights without stake
	// or permit), the attacker registers, weights have no rate limit and axons 50 blocks.
	f.send(f.funder, false, &subnettypes.MsgRegisterNetwork{Coldkey: funder, Hotkey: f.owner.addr.String(), Name: "flood"})
	f.send(f.funder, false,
		&subnettypes.MsgBurnedRegister{Coldkey: funder, Netuid: 1, Hotkey: f.attacker.addr.String()},
		&subnettypes.MsgSetHyperparameter{Signer: funder, Netuid: 1, Name: "commit_reveal", Value: "false"},
		&subnettypes.MsgSetHyperparameter{Signer: funder, Netuid: 1, Name: "weights_set_rate_limit", Value: "0"},
		&subnettypes.MsgSetHyperparameter{Signer: funder, Netuid: 1, Name: "serving_rate_limit", Value: "50"},
	)
	q := subnettypes.NewQueryClient(f.net.Validators[0].ClientCtx)
	hk, err := q.Hotkey(context.Background(), &subnettypes.QueryHotkeyRequest{Hotkey: f.attacker.addr.String()})
	require.NoError(t, err)
	require.Len(t, hk.Neurons, 1)
	attackerUID := hk.Neurons[0].Uid

	start, err := f.net.LatestHeight()
	require.NoError(t, err)
	// The attacker's transactions, signed at consecutive sequences as fast as it can: axons that
	// each break the rate limit the one before sets, and self-weights, which no rate limit stops.
	number, seq, err := authtypes.AccountRetriever{}.GetAccountNumberSequence(f.net.Validators[0].ClientCtx, f.attacker.addr)
	require.NoError(t, err)
	admitted := 0
	for i := range attacks {
		var msg sdk.Msg = &subnettypes.MsgSetWeights{Hotkey: f.attacker.addr.String(), Netuid: 1, Uids: []uint32{attackerUID}, Values: []uint32{uint32(i + 1)}}
		if i%2 == 0 {
			msg = &subnettypes.MsgServeAxon{Hotkey: f.attacker.addr.String(), Netuid: 1, Ip: "8.8.8.8", Port: uint32(1000 + i)}
		}
		tx, err := simtestutil.GenSignedMockTx(rand.New(rand.NewSource(1)), f.cfg.TxConfig, []sdk.Msg{msg}, nil, 200_000,
			f.cfg.ChainID, []uint64{number}, []uint64{seq + uint64(i)}, f.attacker.priv)
		require.NoError(t, err)
		bz, err := f.cfg.TxConfig.TxEncoder()(tx)
		require.NoError(t, err)
		res, err := f.net.Validators[0].RPCClient.BroadcastTxSync(context.Background(), bz)
		require.NoError(t, err)
		if res.Code == 0 {
			admitted++
		}
	}
	// Strangers' work is not free, and they cannot pay: without a fee below the minimum gas
	// price, with one offered out of funds they do not have.
	for i, s := range f.strangers {
		msg := &subnettypes.MsgSetWeights{Hotkey: s.addr.String(), Netuid: 1, Uids: []uint32{0}, Values: []uint32{1}}
		bz := f.sign(s, i%2 == 0, 200_000, msg)
		require.NotZero(t, f.broadcast(s, bz), "stranger %d's transaction was admitted", i)
	}

	// The honest ones, after the flood.
	send := f.sign(f.funder, false, 200_000, banktypes.NewMsgSend(f.funder.addr, f.receiver.addr, rao(1_000)))
	weights := f.sign(f.owner, true, 400_000, &subnettypes.MsgSetWeights{Hotkey: f.owner.addr.String(), Netuid: 1, Uids: []uint32{0, attackerUID}, Values: []uint32{1, 1}})
	arrived, err := f.net.LatestHeight()
	require.NoError(t, err)
	require.Zero(t, f.broadcast(f.funder, send), "the honest send")
	require.Zero(t, f.broadcast(f.owner, weights), "the honest validator's set-weights")
	sendAt, code := f.included(send, arrived, 3)
	require.Zero(t, code, "the honest send in its block")
	weightsAt, code := f.included(weights, arrived, 3)
	require.Zero(t, code, "the honest set-weights in its block")
	t.Logf("flood: %d of the attacker's %d transactions admitted, %d strangers refused; honest send in block %d, set-weights in %d (arrived after %d)",
		admitted, attacks, strangers, sendAt, weightsAt, arrived)
	require.Equal(t, 1, admitted, "the attacker's hotkey has one free transaction in the mempool")

	// No transaction failed in any block since the flood began.
	end := max(sendAt, weightsAt) + 1
	_, err = f.net.WaitForHeightWithTimeout(end, 10*time.Second)
	require.NoError(t, err)
	for h := start; h <= end; h++ {
		res, err := f.net.Validators[0].RPCClient.BlockResults(context.Background(), &h)
		require.NoError(t, err)
		for i, r := range res.TxsResults {
			require.Zero(t, r.Code, "block %d transaction %d failed: %s", h, i, r.Log)
		}
	}
}
