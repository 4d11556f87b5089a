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
		return fmt.Errorf("%w: params: %w", ErrInvalidGenesis, err)
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
	seen := map[uint32]bool{}
	for i, s := range gs.Subnets {
		netuid := s.Subnet.Netuid
		switch {
		case netuid == 0 || netuid > MaxU16:
			return fmt.Errorf("%w: subnets[%d]: netuid %d is not in [1, 65535]", ErrInvalidGenesis, i, netuid)
		case seen[netuid]:
			return fmt.Errorf("%w: subnets[%d]: netuid %d appears twice", ErrInvalidGenesis, i, netuid)
		case int(s.Subnet.N) != len(s.Neurons):
			return fmt.Errorf("%w: subnet %d: n = %d but %d neurons are listed", ErrInvalidGenesis, netuid, s.Subnet.N, len(s.Neurons))
		}
		seen[netuid] = true
		if !ValidPoolWeight(s.Pool.QuoteWeight) {
			return fmt.Errorf("%w: subnet %d: pool quote_weight %d leaves a reserve weight below 0.01 (give 0 for equal weights, or a value in [%d, %d])",
				ErrInvalidGenesis, netuid, s.Pool.QuoteWeight, MinPoolWeight, PoolWeightAccuracy-MinPoolWeight)
		}
		if _, err := ParseBurnIncreaseMult(s.Hyperparams.BurnIncreaseMult); err != nil {
			return fmt.Errorf("%w: subnet %d: %v", ErrInvalidGenesis, netuid, err)
		}
		for _, a := range []struct{ field, addr string }{{"owner", s.Subnet.Owner}, {"owner_hotkey", s.Subnet.OwnerHotkey}} {
			if _, err := addrCodec.StringToBytes(a.addr); err != nil || a.addr == "" {
				return fmt.Errorf("%w: subnet %d: %s %q is not an account address: %v", ErrInvalidGenesis, netuid, a.field, a.addr, err)
			}
		}
		hotkeys := map[string]bool{}
		for j, n := range s.Neurons {
			if n.Uid != uint32(j) {
				return fmt.Errorf("%w: subnet %d: neurons[%d] has uid %d; list uids 0 … n−1 in order", ErrInvalidGenesis, netuid, j, n.Uid)
			}
			if _, err := addrCodec.StringToBytes(n.Hotkey); err != nil {
				return fmt.Errorf("%w: subnet %d uid %d: hotkey %q: %v", ErrInvalidGenesis, netuid, n.Uid, n.Hotkey, err)
			}
			if hotkeys[n.Hotkey] {
				return fmt.Errorf("%w: subnet %d: hotkey %s holds two uids", ErrInvalidGenesis, netuid, n.Hotkey)
			}
			hotkeys[n.Hotkey] = true
		}
		for _, rows := range [][]MatrixRow{s.Weights, s.Bonds} {
			for _, r := range rows {
				if r.Uid >= s.Subnet.N {
					return fmt.Errorf("%w: subnet %d: a weight or bond row belongs to uid %d, beyond n = %d", ErrInvalidGenesis, netuid, r.Uid, s.Subnet.N)
				}
			}
		}
	}
	owners := map[string]bool{}
	for i, h := range gs.Hotkeys {
		for _, a := range []string{h.Hotkey, h.Coldkey} {
			if _, err := addrCodec.StringToBytes(a); err != nil {
				return fmt.Errorf("%w: hotkeys[%d]: %q is not an account address: %v", ErrInvalidGenesis, i, a, err)
			}
		}
		if owners[h.Hotkey] {
			return fmt.Errorf("%w: hotkeys[%d]: hotkey %s appears twice", ErrInvalidGenesis, i, h.Hotkey)
		}
		owners[h.Hotkey] = true
	}
	dissolving := map[uint32]bool{}
	for i, d := range gs.Dissolutions {
		switch {
		case d.Netuid == 0 || d.Netuid > MaxU16:
			return fmt.Errorf("%w: dissolutions[%d]: netuid %d is not in [1, 65535]", ErrInvalidGenesis, i, d.Netuid)
		case seen[d.Netuid]:
			return fmt.Errorf("%w: dissolutions[%d]: netuid %d is also a subnet", ErrInvalidGenesis, i, d.Netuid)
		case dissolving[d.Netuid]:
			return fmt.Errorf("%w: dissolutions[%d]: netuid %d appears twice", ErrInvalidGenesis, i, d.Netuid)
		case DissolutionPhase_name[int32(d.Phase)] == "":
			return fmt.Errorf("%w: dissolutions[%d]: phase %d is not a dissolution phase", ErrInvalidGenesis, i, d.Phase)
		case d.Paid+d.ProtocolShare > d.Pot || d.Distributed > d.Pot || d.Paid+d.ProtocolShare < d.Paid:
			return fmt.Errorf("%w: dissolutions[%d]: paid %d + protocol share %d exceed the pot %d", ErrInvalidGenesis, i, d.Paid, d.ProtocolShare, d.Pot)
		}
		if _, err := addrCodec.StringToBytes(d.Owner); err != nil {
			return fmt.Errorf("%w: dissolutions[%d]: owner %q is not an account address: %v", ErrInvalidGenesis, i, d.Owner, err)
		}
		dissolving[d.Netuid] = true
	}
	for i, r := range gs.DissolutionRemainders {
		if !dissolving[r.Netuid] {
			return fmt.Errorf("%w: dissolution_remainders[%d]: no dissolution of netuid %d", ErrInvalidGenesis, i, r.Netuid)
		}
	}
	return nil
}
