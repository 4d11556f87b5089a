package app_test

import (
	"math/rand"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/stretchr/testify/require"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	sdkmath "cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/crypto/keys/secp256k1"
	cryptotypes "github.com/cosmos/cosmos-sdk/crypto/types"
	simtestutil "github.com/cosmos/cosmos-sdk/testutil/sims"
	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"

	"github.com/gotensor/gotensor/app"
	"github.com/gotensor/gotensor/app/apptesting"
	"github.com/gotensor/gotensor/x/subnet/keeper"
	subnettypes "github.com/gotensor/gotensor/x/subnet/types"
)

// signer is a key that signs test transactions.
type signer struct {
	priv cryptotypes.PrivKey
	addr sdk.AccAddress
}

func newSigner() signer {
	priv := secp256k1.GenPrivKey()
	return signer{priv: priv, addr: sdk.AccAddress(priv.PubKey().Address())}
}

// workChain is a chain with subnet 1, commit-reveal off, and hotkeys in every situation the fee
// rule distinguishes.
type workChain struct {
	c *apptesting.Chain
	// validators are registered hotkeys with a validator permit and no TAO.
	validators []signer
	// funded are registered hotkeys holding 1 TAO.
	funded []signer
	// stranger has an account but is registered nowhere, and holds no TAO.
	stranger signer
}

func newWorkChain(t *testing.T) *workChain {
	return newWorkChainWith(t, func(h *subnettypes.Hyperparams) {
		h.CommitReveal = false
		h.WeightsSetRateLimit = 0
		h.ServingRateLimit = 0
	})
}

// newWorkChainWith is newWorkChain with subnet 1's hyperparameters as hyper leaves them.
func newWorkChainWith(t *testing.T, hyper func(*subnettypes.Hyperparams)) *workChain {
	c := apptesting.New(t)
	k := c.App.SubnetKeeper
	srv := keeper.NewMsgServer(k)
	ctx := c.Ctx()
	w := &workChain{c: c, stranger: newSigner()}
	_, err := srv.RegisterNetwork(ctx, &subnettypes.MsgRegisterNetwork{
		Coldkey: c.Accounts[0].Address.String(), Hotkey: newSigner().addr.String(), Name: "free-work",
	})
	require.NoError(t, err)
	h, err := k.GetHyperparams(ctx, 1)
	require.NoError(t, err)
	hyper(&h)
	require.NoError(t, k.Hyperparams.Set(ctx, 1, h))
	register := func() signer {
		s := newSigner()
		res, err := srv.BurnedRegister(ctx, &subnettypes.MsgBurnedRegister{Coldkey: c.Accounts[1].Address.String(), Netuid: 1, Hotkey: s.addr.String()})
		require.NoError(t, err)
		n, err := k.GetNeuron(ctx, 1, res.Uid)
		require.NoError(t, err)
		n.ValidatorPermit = true
		n.LastUpdate = 0 // as if it never set weights: its weights rate limit starts unspent
		require.NoError(t, k.Neurons.Set(ctx, pair(uint32(1), res.Uid), n))
		return s
	}
	for range 5 {
		w.validators = append(w.validators, register())
	}
	for range 2 {
		s := register()
		require.NoError(t, c.App.BankKeeper.SendCoins(ctx, c.Accounts[2].Address, s.addr, rao(subnettypes.RaoPerTAO)))
		w.funded = append(w.funded, s)
	}
	c.App.AccountKeeper.SetAccount(ctx, c.App.AccountKeeper.NewAccountWithAddress(ctx, w.stranger.addr))
	c.NextBlock()
	for _, v := range w.validators {
		require.True(t, c.App.BankKeeper.GetBalance(c.Ctx(), v.addr, subnettypes.Denom).IsZero(), "registration gave the hotkey an account, not TAO")
	}
	return w
}

// tx signs msgs by s with the app's TxConfig, at s's current sequence.
func (w *workChain) tx(t *testing.T, s signer, fee uint64, gas uint64, msgs ...sdk.Msg) sdk.Tx {
	acc := w.c.App.AccountKeeper.GetAccount(w.c.Ctx(), s.addr)
	require.NotNil(t, acc)
	return w.txAt(t, s, acc.GetAccountNumber(), acc.GetSequence(), fee, gas, msgs...)
}

func (w *workChain) txAt(t *testing.T, s signer, number, sequence, fee, gas uint64, msgs ...sdk.Msg) sdk.Tx {
	var fees sdk.Coins
	if fee > 0 {
		fees = rao(fee)
	}
	tx, err := simtestutil.GenSignedMockTx(rand.New(rand.NewSource(1)), w.c.App.TxConfig(), msgs, fees, gas,
		apptesting.ChainID, []uint64{number}, []uint64{sequence}, s.priv)
	require.NoError(t, err)
	return tx
}

func setWeights(s signer) *subnettypes.MsgSetWeights {
	return &subnettypes.MsgSetWeights{Hotkey: s.addr.String(), Netuid: 1, Uids: []uint32{0, 1}, Values: []uint32{1, 2}}
}

func send(from, to signer) *banktypes.MsgSend {
	return banktypes.NewMsgSend(from.addr, to.addr, rao(1))
}

// Through a node's mempool check (CheckTx, with a minimum gas price): work from a registered
// hotkey needs neither fee nor balance; anything else pays the minimum gas price, and without
// TAO fails. Signatures and sequences are checked as always, and the work itself is validated
// before the transaction can reach a block.
func TestFreeWorkInTheMempool(t *testing.T) {
	w := newWorkChain(t)
	v := w.validators[0]
	minGasPrice := sdk.NewDecCoins(sdk.NewDecCoinFromDec(subnettypes.Denom, sdkmath.LegacyMustNewDecFromStr("0.1")))
	check := func(tx sdk.Tx) error {
		ctx, _ := w.c.Ctx().WithIsCheckTx(true).WithMinGasPrices(minGasPrice).CacheContext()
		_, err := w.c.App.AnteHandler()(ctx, tx, false)
		return err
	}
	const gas = 200_000
	// Each from its own hotkey: a hotkey has one free transaction pending at a time
	// (TestFreeWorkOnePendingPerHotkey), and v's stays free for the refusals below.
	a, b, c, d := w.validators[1], w.validators[2], w.validators[3], w.validators[4]
	require.NoError(t, check(w.tx(t, a, 0, gas, setWeights(a))), "set-weights")
	require.NoError(t, check(w.tx(t, b, 0, gas, &subnettypes.MsgServeAxon{Hotkey: b.addr.String(), Netuid: 1, Ip: "8.8.8.8", Port: 8091})), "serve-axon")
	require.NoError(t, check(w.tx(t, c, 0, gas, setWeights(c), &subnettypes.MsgServeAxon{Hotkey: c.addr.String(), Netuid: 1, Ip: "8.8.8.8", Port: 1})), "several work messages")
	require.NoError(t, check(w.tx(t, d, 0, app.FreeWorkGasLimit, setWeights(d))), "at the gas cap")

	rows := []struct {
		name string
		tx   sdk.Tx
		want *errorsmod.Error
	}{
		{"unregistered hotkey, no fee", w.tx(t, w.stranger, 0, gas, setWeights(w.stranger)), sdkerrors.ErrInsufficientFee},
		{"unregistered hotkey, no TAO for the fee", w.tx(t, w.stranger, 20_000, gas, setWeights(w.stranger)), sdkerrors.ErrInsufficientFunds},
		{"work mixed with a send, no fee", w.tx(t, v, 0, gas, setWeights(v), send(v, w.stranger)), sdkerrors.ErrInsufficientFee},
		{"work mixed with a send, no TAO for the fee", w.tx(t, v, 20_000, gas, setWeights(v), send(v, w.stranger)), sdkerrors.ErrInsufficientFunds},
		{"work on a subnet the hotkey is not on", w.tx(t, v, 0, gas, &subnettypes.MsgSetWeights{Hotkey: v.addr.String(), Netuid: 2, Uids: []uint32{0}, Values: []uint32{1}}), sdkerrors.ErrInsufficientFee},
		{"above the gas cap", w.tx(t, v, 0, app.FreeWorkGasLimit+1, setWeights(v)), sdkerrors.ErrInvalidGasLimit},
		{"no gas", w.tx(t, v, 0, 0, setWeights(v)), sdkerrors.ErrOutOfGas},
		{"invalid work", w.tx(t, v, 0, gas, &subnettypes.MsgSetWeights{Hotkey: v.addr.String(), Netuid: 1, Uids: []uint32{1, 1}, Values: []uint32{1, 1}}), subnettypes.ErrDuplicateUids},
		{"signed by another key", w.tx(t, w.stranger, 0, gas, setWeights(v)), sdkerrors.ErrInvalidPubKey},
		{"replayed sequence", w.txAt(t, v, w.c.App.AccountKeeper.GetAccount(w.c.Ctx(), v.addr).GetAccountNumber(), 7, 0, gas, setWeights(v)), sdkerrors.ErrWrongSequence},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			require.ErrorIs(t, check(r.tx), r.want)
		})
	}
	// A funded registered hotkey mixing work with a send pays like anyone.
	f := w.funded[0]
	require.NoError(t, check(w.tx(t, f, 20_000, gas, setWeights(f), send(f, w.stranger))))
	require.ErrorIs(t, check(w.tx(t, f, 19_999, gas, setWeights(f), send(f, w.stranger))), sdkerrors.ErrInsufficientFee)

	// With a non-work message the transaction is an ordinary one: its fee keeps spam out, and an
	// invalid work message in it fails when it runs, not here.
	require.NoError(t, check(w.tx(t, f, 20_000, gas, &subnettypes.MsgSetWeights{Hotkey: f.addr.String(), Netuid: 1, Uids: []uint32{1, 1}, Values: []uint32{1, 1}}, send(f, w.stranger))))
}

// Delivered in a block (FinalizeBlock, as a node runs it): the free transaction succeeds and
// costs nothing; the paying ones are charged or fail, and only the successful ones change state.
func TestFreeWorkInABlock(t *testing.T) {
	w := newWorkChain(t)
	v, v2, v3 := w.validators[0], w.validators[1], w.validators[2]
	f, g := w.funded[0], w.funded[1]
	const gas, fee = 300_000, 1_000
	txs := []struct {
		name string
		tx   sdk.Tx
		want *errorsmod.Error // nil: succeeds
	}{
		{"free set-weights", w.tx(t, v, 0, gas, setWeights(v)), nil},
		{"unregistered hotkey pays and cannot", w.tx(t, w.stranger, fee, gas, setWeights(w.stranger)), sdkerrors.ErrInsufficientFunds},
		{"work mixed with a send pays and cannot", w.tx(t, v2, fee, gas, setWeights(v2), send(v2, w.stranger)), sdkerrors.ErrInsufficientFunds},
		{"funded hotkey mixing work with a send pays", w.tx(t, f, fee, gas, setWeights(f), send(f, w.stranger)), nil},
		{"a fee offered on free work is not taken", w.tx(t, g, 5_000, gas, &subnettypes.MsgServeAxon{Hotkey: g.addr.String(), Netuid: 1, Ip: "8.8.8.8", Port: 8091}), nil},
		{"free work above the gas cap", w.tx(t, v3, 0, 2_000_000, setWeights(v3)), sdkerrors.ErrInvalidGasLimit},
	}
	var raw [][]byte
	for _, x := range txs {
		bz, err := w.c.App.TxConfig().TxEncoder()(x.tx)
		require.NoError(t, err)
		raw = append(raw, bz)
	}
	res := deliver(t, w.c, raw...)
	require.Len(t, res.TxResults, len(txs))
	for i, x := range txs {
		got := res.TxResults[i]
		if x.want == nil {
			require.Zero(t, got.Code, "%s: %s", x.name, got.Log)
			continue
		}
		require.Equal(t, x.want.Codespace(), got.Codespace, x.name)
		require.Equal(t, x.want.ABCICode(), got.Code, "%s: %s", x.name, got.Log)
	}
	require.LessOrEqual(t, res.TxResults[0].GasWanted, int64(app.FreeWorkGasLimit))

	ctx := w.c.App.NewContext(true)
	k := w.c.App.SubnetKeeper
	bank := w.c.App.BankKeeper
	balance := func(s signer) uint64 { return bank.GetBalance(ctx, s.addr, subnettypes.Denom).Amount.Uint64() }
	require.Zero(t, balance(v), "the free transaction cost nothing")
	require.Equal(t, uint64(subnettypes.RaoPerTAO-fee-1), balance(f), "the mixed one paid its fee and sent 1 rao")
	require.Equal(t, uint64(subnettypes.RaoPerTAO), balance(g), "the offered fee was not taken")
	require.Equal(t, uint64(1), balance(w.stranger), "only the funded send arrived")
	collector := w.c.App.AccountKeeper.GetModuleAddress(authtypes.FeeCollectorName)
	require.Equal(t, uint64(fee), bank.GetBalance(ctx, collector, subnettypes.Denom).Amount.Uint64())

	uidOf := func(s signer) uint32 {
		uid, err := k.UidOf(ctx, 1, s.addr)
		require.NoError(t, err)
		return uid
	}
	for _, s := range []signer{v, f} {
		row, err := k.Weights.Get(ctx, pair(uint32(1), uidOf(s)))
		require.NoError(t, err, "weights of the successful transactions are stored")
		require.Len(t, row.Entries, 2)
	}
	for _, s := range []signer{v2, v3} {
		_, err := k.Weights.Get(ctx, pair(uint32(1), uidOf(s)))
		require.Error(t, err, "the failed transactions stored nothing")
	}
	axon, err := k.Axons.Get(ctx, pair(uint32(1), uidOf(g)))
	require.NoError(t, err)
	require.Equal(t, "8.8.8.8", axon.Ip)
	// Failed in the ante handler, the failed transactions did not use their sequence.
	require.Equal(t, uint64(1), w.c.App.AccountKeeper.GetAccount(ctx, v.addr).GetSequence())
	require.Equal(t, uint64(0), w.c.App.AccountKeeper.GetAccount(ctx, v2.addr).GetSequence())
	require.Equal(t, uint64(0), w.c.App.AccountKeeper.GetAccount(ctx, v3.addr).GetSequence())
	require.NoError(t, k.BrokenInvariants(ctx))
}

// deliver finalizes and commits the chain's next block with txs, as a node would. The Chain then
// no longer drives blocks (its height is behind): a test reads the result with App.NewContext.
func deliver(t *testing.T, c *apptesting.Chain, txs ...[]byte) *abci.ResponseFinalizeBlock {
	t.Helper()
	res, err := c.App.FinalizeBlock(&abci.RequestFinalizeBlock{Height: c.Height() + 1, Time: c.Ctx().BlockTime(), Txs: txs})
	require.NoError(t, err)
	_, err = c.App.Commit()
	require.NoError(t, err)
	return res
}

func pair[A, B any](a A, b B) collections.Pair[A, B] { return collections.Join(a, b) }

func rao(amount uint64) sdk.Coins {
	return sdk.NewCoins(sdk.NewCoin(subnettypes.Denom, sdkmath.NewIntFromUint64(amount)))
}
