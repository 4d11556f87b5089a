package types

import (
	"fmt"

	"cosmossdk.io/core/address"
)

// DefaultGenesis is the genesis of a new chain: default parameters, issuance taken from the
// genesis balances, governance as the authority.
func DefaultGenesis() *GenesisState {
	return &GenesisState{Params: DefaultParams()}
}

// Validate checks what can be checked without the bank: parameters, the cap, and the authority
// address. InitGenesis checks the issuance against the genesis balances.
func (gs GenesisState) Validate(addrCodec address.Codec) error {
	if err := gs.Params.Validate(); err != nil {
		return err
	}
	if gs.TotalIssuance > MaxSupply {
		return fmt.Errorf("%w: total_issuance %d rao exceeds the 21M TAO cap", ErrInvalidGenesis, gs.TotalIssuance)
	}
	if gs.Burned > gs.TotalIssuance && gs.TotalIssuance != 0 {
		return fmt.Errorf("%w: burned %d rao exceeds total_issuance %d rao", ErrInvalidGenesis, gs.Burned, gs.TotalIssuance)
	}
	if gs.LocalAuthority != "" {
		if _, err := addrCodec.StringToBytes(gs.LocalAuthority); err != nil {
			return fmt.Errorf("%w: local_authority %q is not an account address: %v", ErrInvalidGenesis, gs.LocalAuthority, err)
		}
	}
	return nil
}
