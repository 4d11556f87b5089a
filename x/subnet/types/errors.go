package types

import (
	"google.golang.org/grpc/codes"

	errorsmod "cosmossdk.io/errors"
)

// Errors of x/subnet. Codes are stable: clients match on them, so never renumber one. Each message
// says what was wrong; call sites wrap it with the specifics and, where it helps, what to do. Those
// a query can answer carry a gRPC code too (NotFound, InvalidArgument), so that a client of the
// node's gRPC API in any language can tell a missing subnet from a failing node.
var (
	ErrInvalidParams    = errorsmod.Register(ModuleName, 2, "invalid parameters")
	ErrUnauthorized     = errorsmod.Register(ModuleName, 3, "signer is not the chain authority")
	ErrInvalidGenesis   = errorsmod.Register(ModuleName, 4, "invalid genesis")
	ErrSupplyCap        = errorsmod.Register(ModuleName, 5, "TAO issuance would exceed the 21M cap")
	ErrSupplyAccounting = errorsmod.Register(ModuleName, 6, "TAO accounting out of balance")
	ErrInvalidAddress   = errorsmod.RegisterWithGRPCCode(ModuleName, 7, codes.InvalidArgument, "invalid address")

	// Subnets (§6.4, §10).
	ErrSubnetNotFound          = errorsmod.RegisterWithGRPCCode(ModuleName, 10, codes.NotFound, "subnet does not exist")
	ErrRootNetuid              = errorsmod.RegisterWithGRPCCode(ModuleName, 11, codes.InvalidArgument, "netuid 0 is the root network, where this is not done")
	ErrNetworkRateLimit        = errorsmod.Register(ModuleName, 12, "a subnet was registered too recently")
	ErrLockCostTooHigh         = errorsmod.Register(ModuleName, 13, "subnet lock cost exceeds the limit given")
	ErrInsufficientBalance     = errorsmod.Register(ModuleName, 14, "coldkey balance too low")
	ErrSubnetLimitReached      = errorsmod.Register(ModuleName, 15, "subnet limit reached and no subnet can be pruned")
	ErrNotSubnetOwner          = errorsmod.Register(ModuleName, 16, "signer does not own the subnet")
	ErrAlreadyStarted          = errorsmod.Register(ModuleName, 17, "subnet emission already started")
	ErrStartCallTooEarly       = errorsmod.Register(ModuleName, 18, "start call is not allowed yet")
	ErrSubnetNotStarted        = errorsmod.Register(ModuleName, 19, "subnet has not started: the owner must send start-call")
	ErrUnknownHyperparameter   = errorsmod.Register(ModuleName, 20, "unknown hyperparameter")
	ErrHyperparameterValue     = errorsmod.Register(ModuleName, 21, "hyperparameter value out of range")
	ErrHyperparameterRootOnly  = errorsmod.Register(ModuleName, 22, "only the chain authority may set this hyperparameter")
	ErrAdminFreezeWindow       = errorsmod.Register(ModuleName, 23, "hyperparameters are frozen just before an epoch")
	ErrHyperparameterRateLimit = errorsmod.Register(ModuleName, 24, "hyperparameter changed too recently")
	ErrInvalidName             = errorsmod.Register(ModuleName, 25, "invalid subnet name")

	// Keys and neurons (§7, §8.1).
	ErrHotkeyNotOwned        = errorsmod.Register(ModuleName, 30, "hotkey is owned by another coldkey")
	ErrAlreadyRegistered     = errorsmod.Register(ModuleName, 31, "hotkey already registered on this subnet")
	ErrRegistrationDisabled  = errorsmod.Register(ModuleName, 32, "registration is disabled on this subnet")
	ErrBurnTooHigh           = errorsmod.Register(ModuleName, 33, "registration price exceeds the limit given")
	ErrNoNeuronSlot          = errorsmod.Register(ModuleName, 34, "subnet is full and no uid can be replaced")
	ErrHotkeyNotRegistered   = errorsmod.RegisterWithGRPCCode(ModuleName, 35, codes.NotFound, "hotkey is not registered on this subnet")
	ErrHotkeyNotFound        = errorsmod.RegisterWithGRPCCode(ModuleName, 36, codes.NotFound, "hotkey does not exist: register it on a subnet first")
	ErrHotkeyIsSystemAccount = errorsmod.Register(ModuleName, 37, "a module account cannot be a hotkey")

	// Stake and pools (§6.2, §6.3, §8).
	ErrAmountTooLow       = errorsmod.Register(ModuleName, 40, "amount below the minimum stake")
	ErrInsufficientStake  = errorsmod.Register(ModuleName, 41, "not enough stake")
	ErrSlippage           = errorsmod.Register(ModuleName, 42, "price moved past the limit given")
	ErrPoolReservesTooLow = errorsmod.Register(ModuleName, 43, "pool reserves too low for this swap")
	ErrSwapTooLarge       = errorsmod.Register(ModuleName, 44, "swap too large for the pool")
	ErrZeroShares         = errorsmod.Register(ModuleName, 45, "stake too small to buy a share of the hotkey's pool")
	ErrTransfersDisabled  = errorsmod.Register(ModuleName, 46, "stake transfers are disabled on this subnet")
	ErrTakeOutOfRange     = errorsmod.Register(ModuleName, 47, "delegate take out of range")
	ErrTakeRateLimit      = errorsmod.Register(ModuleName, 48, "delegate take increased too recently")
	ErrTakeUnchanged      = errorsmod.Register(ModuleName, 49, "delegate take unchanged")
	ErrSameStakeLocation  = errorsmod.Register(ModuleName, 50, "origin and destination are the same")
	ErrInvalidAmount      = errorsmod.RegisterWithGRPCCode(ModuleName, 51, codes.InvalidArgument, "invalid amount")

	// Weights (§9.1, §9.2) in the order set-weights checks them.
	ErrWeightVecNotEqualSize    = errorsmod.Register(ModuleName, 60, "uids and values differ in length")
	ErrUidsLengthExceedsN       = errorsmod.Register(ModuleName, 61, "more uids than the subnet has")
	ErrNotEnoughStakeForWeights = errorsmod.Register(ModuleName, 62, "stake below the threshold to set weights")
	ErrIncorrectVersionKey      = errorsmod.Register(ModuleName, 63, "weights version key is older than the subnet requires")
	ErrSettingWeightsTooFast    = errorsmod.Register(ModuleName, 64, "weights set too recently")
	ErrNoValidatorPermit        = errorsmod.Register(ModuleName, 65, "neuron has no validator permit")
	ErrDuplicateUids            = errorsmod.Register(ModuleName, 66, "duplicate uids")
	ErrInvalidUid               = errorsmod.RegisterWithGRPCCode(ModuleName, 67, codes.NotFound, "uid does not exist on this subnet")
	ErrWeightVecLengthIsLow     = errorsmod.Register(ModuleName, 68, "fewer weights than the subnet's minimum")
	ErrMaxWeightExceeded        = errorsmod.Register(ModuleName, 69, "a weight exceeds the subnet's maximum")
	ErrCommitRevealDisabled     = errorsmod.Register(ModuleName, 70, "commit-reveal is disabled on this subnet: use set-weights")
	ErrCommitRevealEnabled      = errorsmod.Register(ModuleName, 71, "commit-reveal is enabled on this subnet: commit, then reveal")
	ErrCommittingTooFast        = errorsmod.Register(ModuleName, 72, "weights committed too recently")
	ErrTooManyCommits           = errorsmod.Register(ModuleName, 73, "too many unrevealed commits")
	ErrNoCommitFound            = errorsmod.Register(ModuleName, 74, "no commit matches the revealed weights")
	ErrRevealTooEarly           = errorsmod.Register(ModuleName, 75, "reveal is too early")
	ErrCommitExpired            = errorsmod.Register(ModuleName, 76, "commit expired before the reveal")
	ErrInvalidCommitHash        = errorsmod.Register(ModuleName, 77, "commit hash must be 32 bytes")
	ErrValueOutOfRange          = errorsmod.Register(ModuleName, 78, "value out of range")

	// Serving (§9.4).
	ErrInvalidIP        = errorsmod.Register(ModuleName, 80, "invalid axon ip")
	ErrInvalidPort      = errorsmod.Register(ModuleName, 81, "invalid axon port")
	ErrServingRateLimit = errorsmod.Register(ModuleName, 82, "axon served too recently")

	// Child keys (§8.4), in the order set-children checks them.
	ErrSetChildrenRateLimit      = errorsmod.Register(ModuleName, 100, "children set too recently")
	ErrChildkeysOnRoot           = errorsmod.RegisterWithGRPCCode(ModuleName, 101, codes.InvalidArgument, "child keys cannot be set on the root network")
	ErrDuplicateChild            = errorsmod.RegisterWithGRPCCode(ModuleName, 102, codes.InvalidArgument, "a child is listed twice")
	ErrChildIsSelf               = errorsmod.RegisterWithGRPCCode(ModuleName, 103, codes.InvalidArgument, "a hotkey cannot be its own child")
	ErrTooManyChildren           = errorsmod.RegisterWithGRPCCode(ModuleName, 104, codes.InvalidArgument, "too many children")
	ErrProportionOverflow        = errorsmod.RegisterWithGRPCCode(ModuleName, 105, codes.InvalidArgument, "child proportions sum to more than all of the stake")
	ErrChildIsParent             = errorsmod.RegisterWithGRPCCode(ModuleName, 106, codes.FailedPrecondition, "a child is a parent of the hotkey")
	ErrNotEnoughStakeForChildren = errorsmod.RegisterWithGRPCCode(ModuleName, 107, codes.FailedPrecondition, "stake below the threshold to set children")
	ErrChildrenMismatch          = errorsmod.RegisterWithGRPCCode(ModuleName, 108, codes.InvalidArgument, "children and proportions differ in length")
	ErrChildkeyTakeOutOfRange    = errorsmod.RegisterWithGRPCCode(ModuleName, 109, codes.InvalidArgument, "childkey take out of range")
	ErrChildkeyTakeRateLimit     = errorsmod.Register(ModuleName, 110, "childkey take increased too recently")

	// Owner-triggered epochs (§3.1).
	ErrNoEpochs                 = errorsmod.Register(ModuleName, 180, "the subnet runs no epochs (tempo 0)")
	ErrTriggerUnderCommitReveal = errorsmod.Register(ModuleName, 181, "epochs cannot be triggered while commit-reveal is on")

	// Key swaps and key hygiene (§8.1, §8.6).
	ErrSameHotkey              = errorsmod.RegisterWithGRPCCode(ModuleName, 120, codes.InvalidArgument, "new hotkey is the old hotkey")
	ErrHotkeySwapRateLimit     = errorsmod.Register(ModuleName, 121, "this coldkey swapped a hotkey too recently")
	ErrHotkeySwapOnSubnetLimit = errorsmod.Register(ModuleName, 122, "this coldkey swapped a hotkey on this subnet too recently")
	ErrNewHotkeyHoldsRootStake = errorsmod.Register(ModuleName, 123, "new hotkey holds root stake, so a swap touching the root network cannot merge into it")
	ErrColdkeySwapNotFound     = errorsmod.RegisterWithGRPCCode(ModuleName, 124, codes.NotFound, "no coldkey swap announced")
	ErrColdkeySwapTooEarly     = errorsmod.Register(ModuleName, 125, "coldkey swap re-announced or cleared too early")
	ErrColdkeySwapDisputed     = errorsmod.Register(ModuleName, 126, "the coldkey's swap is disputed: only the chain authority can reset it")
	ErrColdkeySwapAnnounced    = errorsmod.Register(ModuleName, 127, "the coldkey has a swap announced: it may only send swap messages until the swap runs")
	ErrNewColdkeyInUse         = errorsmod.Register(ModuleName, 128, "new coldkey is already in use")
	ErrSameColdkey             = errorsmod.RegisterWithGRPCCode(ModuleName, 129, codes.InvalidArgument, "new coldkey is the old coldkey")
	ErrHotkeyInUse             = errorsmod.Register(ModuleName, 130, "hotkey still holds a uid, stake or a subnet")

	// Internal consistency: panics are for these only where state is known to be broken.
	ErrInconsistentState = errorsmod.Register(ModuleName, 90, "inconsistent subnet state")
)

// The root network (§7.4, §5.9).
var (
	ErrRootStakeTooLow       = errorsmod.Register(ModuleName, 160, "root network is full and the hotkey's root stake does not exceed the lowest member's")
	ErrRootRegistrationLimit = errorsmod.Register(ModuleName, 161, "too many root registrations in this block or interval")
	ErrRootClosed            = errorsmod.Register(ModuleName, 162, "the root network admits no uids (root_max_uids is 0)")
	ErrRootClaimSubnets      = errorsmod.RegisterWithGRPCCode(ModuleName, 163, codes.InvalidArgument, "a root claim names 1 to 5 distinct subnets")
	ErrRootClaimType         = errorsmod.RegisterWithGRPCCode(ModuleName, 164, codes.InvalidArgument, "invalid root claim type")
)
