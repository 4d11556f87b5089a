package types

import errorsmod "cosmossdk.io/errors"

// Errors of x/subnet. Codes are stable: clients match on them. Each message says what was wrong;
// call sites wrap it with the specifics and, where it helps, what to do.
var (
	ErrInvalidParams    = errorsmod.Register(ModuleName, 2, "invalid parameters")
	ErrUnauthorized     = errorsmod.Register(ModuleName, 3, "signer is not the chain authority")
	ErrInvalidGenesis   = errorsmod.Register(ModuleName, 4, "invalid genesis")
	ErrSupplyCap        = errorsmod.Register(ModuleName, 5, "TAO issuance would exceed the 21M cap")
	ErrSupplyAccounting = errorsmod.Register(ModuleName, 6, "TAO accounting out of balance")
)
