package app

import (
	"context"

	errorsmod "cosmossdk.io/errors"

	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"
	"github.com/cosmos/cosmos-sdk/x/auth/ante"
)

// FreeWorkGasLimit is the most gas a fee-less work transaction may ask for. A full weight row of
// 256 uids needs well under a tenth of it; the cap keeps free transactions from filling blocks.
const FreeWorkGasLimit = 1_000_000

// freeWorkKeeper is what the fee step asks x/subnet: whether every message of a transaction is a
// registered hotkey's work on its subnet (keeper.IsFreeWork), and whether that work is valid
// (keeper.CheckWork).
type freeWorkKeeper interface {
	IsFreeWork(ctx context.Context, msgs []sdk.Msg) (bool, error)
	CheckWork(ctx context.Context, msgs []sdk.Msg) error
}

// freeWorkFeeDecorator stands where the SDK's DeductFeeDecorator stands. Miners' and validators'
// hotkeys hold no TAO, so their work (weights, commits, reveals, axons) pays no fee, as on
// subtensor: such a transaction skips fee deduction and the node's minimum gas price, and must
// instead pass its messages' checks here and ask for at most FreeWorkGasLimit gas. Signatures,
// sequence and gas metering still run. Any other transaction, including one that mixes work with
// other messages, pays through DeductFeeDecorator.
type freeWorkFeeDecorator struct {
	work   freeWorkKeeper
	deduct ante.DeductFeeDecorator
}

func newFreeWorkFeeDecorator(work freeWorkKeeper, deduct ante.DeductFeeDecorator) freeWorkFeeDecorator {
	return freeWorkFeeDecorator{work: work, deduct: deduct}
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
	if err := d.work.CheckWork(ctx, tx.GetMsgs()); err != nil {
		return ctx, err
	}
	// The same event DeductFeeDecorator emits, with no fee, so indexers see who sent it.
	ctx.EventManager().EmitEvent(sdk.NewEvent(sdk.EventTypeTx,
		sdk.NewAttribute(sdk.AttributeKeyFee, ""),
		sdk.NewAttribute(sdk.AttributeKeyFeePayer, sdk.AccAddress(feeTx.FeePayer()).String()),
	))
	return next(ctx, tx, simulate)
}
