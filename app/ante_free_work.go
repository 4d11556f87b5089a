package app

import (
	"context"
	"sync"

	errorsmod "cosmossdk.io/errors"

	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"
	"github.com/cosmos/cosmos-sdk/x/auth/ante"
	authsigning "github.com/cosmos/cosmos-sdk/x/auth/signing"
)

// FreeWorkGasLimit is the most gas a fee-less work transaction may ask for. A full weight row of
// 256 uids needs well under a tenth of it; the cap keeps free transactions from filling blocks.
const FreeWorkGasLimit = 1_000_000

// FreeWorkMaxTxBytes is the largest fee-less work transaction. A reveal of a full 256-uid row
// is under 2 KiB; the cap leaves room to batch a hotkey's work on a dozen subnets in one
// transaction, and keeps padding (a long memo, non-critical fields) from making a free
// transaction up to the 100 KB its gas cap would allow.
const FreeWorkMaxTxBytes = 32 << 10

// ErrFreeWorkPending refuses a hotkey's second fee-less work transaction while its first waits in
// the node's mempool (CheckTx only).
var ErrFreeWorkPending = errorsmod.Register("freework", 2, "the hotkey already has a fee-less work transaction pending")

// freeWorkKeeper is what the fee step asks x/subnet: whether every message of a transaction is a
// registered hotkey's work on its subnet (keeper.IsFreeWork), whether that work is valid
// (keeper.CheckWork), and to run it on the check state (keeper.RunWork).
type freeWorkKeeper interface {
	IsFreeWork(ctx context.Context, msgs []sdk.Msg) (bool, error)
	CheckWork(ctx context.Context, msgs []sdk.Msg) error
	RunWork(ctx context.Context, msgs []sdk.Msg) error
}

// freeWorkFeeDecorator stands where the SDK's DeductFeeDecorator stands. Miners' and validators'
// hotkeys hold no TAO, so their work (weights, commits, reveals, axons) pays no fee, as on
// subtensor: such a transaction skips fee deduction and the node's minimum gas price, and must
// instead pass its messages' checks here, ask for at most FreeWorkGasLimit gas and be at most
// FreeWorkMaxTxBytes long. Signatures, sequence and gas metering still run. Any other
// transaction, including one that mixes work with other messages, pays through
// DeductFeeDecorator.
//
// A free transaction that fails in a block costs its sender nothing, so it must fail at CheckTx
// instead, and the mempool must hold few of them:
//   - The messages are checked in order, each against the state the earlier ones leave.
//   - At CheckTx (and on recheck after each block) they also run on the node's check state, as of
//     the next block, the earliest that can include them: the hotkey's LastUpdate, axon block and
//     commits then stand as the pending transaction leaves them, and a second one from the same
//     hotkey meets the rate limits the first one spent.
//   - A hotkey has at most one free transaction in the mempool (freeWorkPending): more would each
//     need a block of their own, and where a subnet sets its rate limits to 0 nothing else stops
//     one hotkey from sending thousands per block. More messages go in the one transaction.
//   - A timeout height before the next block, or any timeout timestamp, is refused: either
//     could pass CheckTx and expire in the block.
//
// What changes state between CheckTx and the block can still make one fail there; every such
// cause is bounded in BENCHMARKS.md ("Free transactions").
type freeWorkFeeDecorator struct {
	work    freeWorkKeeper
	deduct  ante.DeductFeeDecorator
	pending *freeWorkPending
}

func newFreeWorkFeeDecorator(work freeWorkKeeper, deduct ante.DeductFeeDecorator) freeWorkFeeDecorator {
	return freeWorkFeeDecorator{work: work, deduct: deduct, pending: &freeWorkPending{}}
}

func (d freeWorkFeeDecorator) AnteHandle(ctx sdk.Context, tx sdk.Tx, simulate bool, next sdk.AnteHandler) (sdk.Context, error) {
	// Whether a transaction is free does not depend on its gas: the look-up is not metered, so
	// that a gas limit too low or too high is reported as such.
	free, err := d.work.IsFreeWork(ctx.WithGasMeter(storetypes.NewInfiniteGasMeter()), tx.GetMsgs())
	if err != nil {
		return ctx, err
	}
	if !free {
		return d.deduct.AnteHandle(ctx, tx, simulate, next)
	}
	feeTx, ok := tx.(sdk.FeeTx)
	if !ok {
		return ctx, errorsmod.Wrap(sdkerrors.ErrTxDecode, "Tx must be a FeeTx")
	}
	sigTx, ok := tx.(authsigning.SigVerifiableTx)
	if !ok {
		return ctx, errorsmod.Wrap(sdkerrors.ErrTxDecode, "Tx must be a SigVerifiableTx")
	}
	hotkeys, err := sigTx.GetSigners()
	if err != nil {
		return ctx, err
	}
	if n := len(ctx.TxBytes()); n > FreeWorkMaxTxBytes {
		return ctx, errorsmod.Wrapf(sdkerrors.ErrTxTooLarge,
			"a fee-less work transaction may be at most %d bytes, this one is %d: send the work in several transactions", FreeWorkMaxTxBytes, n)
	}
	// Simulation estimates the gas, so it has no limit to check yet.
	if gas := feeTx.GetGas(); !simulate {
		if gas == 0 && ctx.BlockHeight() > 0 {
			return ctx, errorsmod.Wrap(sdkerrors.ErrInvalidGasLimit, "must provide positive gas")
		}
		if gas > FreeWorkGasLimit {
			return ctx, errorsmod.Wrapf(sdkerrors.ErrInvalidGasLimit,
				"a fee-less work transaction may ask for at most %d gas, this one asks for %d: lower --gas", FreeWorkGasLimit, gas)
		}
	}
	timeoutTx, ok := tx.(ante.TxWithTimeoutHeight)
	if !ok {
		return ctx, errorsmod.Wrap(sdkerrors.ErrTxDecode, "expected tx to implement TxWithTimeoutHeight")
	}
	// Nobody knows the next block's time at CheckTx, so a timeout timestamp could pass there and
	// expire in the block.
	if ts := timeoutTx.GetTimeoutTimeStamp(); !ts.IsZero() && ts.Unix() != 0 {
		return ctx, errorsmod.Wrap(sdkerrors.ErrTxTimeout,
			"a fee-less work transaction cannot carry a timeout timestamp (the time of the block that includes it is not known beforehand): give a timeout height")
	}
	// The work is checked as the block's ante handler checks it; in a block its messages then run.
	// (Simulation runs with IsCheckTx set, on a branch of the check state: it is not a mempool
	// admission, so it neither runs the work on that state nor counts as pending.)
	mempool := ctx.IsCheckTx() && !simulate
	workCtx := ctx
	if mempool {
		// The check state is that of the last block; no block before the next can include this.
		nextHeight := ctx.BlockHeight() + 1
		if timeout := timeoutTx.GetTimeoutHeight(); timeout > 0 && timeout < uint64(nextHeight) {
			return ctx, errorsmod.Wrapf(sdkerrors.ErrTxTimeoutHeight,
				"timeout height %d: the next block, %d, is the first that can include this transaction", timeout, nextHeight)
		}
		workCtx = ctx.WithBlockHeight(nextHeight)
	}
	if err := d.work.CheckWork(workCtx, tx.GetMsgs()); err != nil {
		return ctx, err
	}
	if mempool {
		// After the work's own checks, so that a rate limit is reported as such.
		if err := d.pending.check(ctx.BlockHeight(), hotkeys); err != nil {
			return ctx, err
		}
		// What the messages would do in the block, on the check state. It also meters what they
		// will cost there, so a gas limit enough for CheckTx is enough for the block.
		if err := d.work.RunWork(workCtx.WithEventManager(sdk.NewEventManager()), tx.GetMsgs()); err != nil {
			return ctx, err
		}
	}
	// The same event DeductFeeDecorator emits, with no fee, so indexers see who sent it.
	ctx.EventManager().EmitEvent(sdk.NewEvent(sdk.EventTypeTx,
		sdk.NewAttribute(sdk.AttributeKeyFee, ""),
		sdk.NewAttribute(sdk.AttributeKeyFeePayer, sdk.AccAddress(feeTx.FeePayer()).String()),
	))
	newCtx, err := next(ctx, tx, simulate)
	if err == nil && mempool {
		// Counted only once the signatures and sequence checked out: nobody can use up another
		// hotkey's turn.
		d.pending.add(ctx.BlockHeight(), hotkeys)
	}
	return newCtx, err
}

// freeWorkPending is the set of hotkeys with a free transaction admitted to the mempool since the
// last block. A node's check state is rebuilt from each new block and every pending transaction
// is rechecked on it in mempool order, so the set starts afresh at each check-state height and
// refills as the rechecks pass. It lives beside the check state, not in it, because it is the
// node's mempool policy and no part of consensus; it holds at most one entry per registered hotkey.
type freeWorkPending struct {
	mu      sync.Mutex
	height  int64
	hotkeys map[string]struct{}
}

// check refuses hotkeys of which one already has a pending free transaction.
func (p *freeWorkPending) check(height int64, hotkeys [][]byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if height != p.height {
		return nil
	}
	for _, h := range hotkeys {
		if _, ok := p.hotkeys[string(h)]; ok {
			return errorsmod.Wrapf(ErrFreeWorkPending,
				"hotkey %s: one fee-less work transaction per hotkey waits in the mempool at a time; send this one after the pending one is in a block, or put all the work in one transaction",
				sdk.AccAddress(h))
		}
	}
	return nil
}

// add records hotkeys' free transaction admitted at the check state of height.
func (p *freeWorkPending) add(height int64, hotkeys [][]byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if height != p.height || p.hotkeys == nil {
		p.height, p.hotkeys = height, make(map[string]struct{})
	}
	for _, h := range hotkeys {
		p.hotkeys[string(h)] = struct{}{}
	}
}
