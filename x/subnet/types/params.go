package types

import (
	"fmt"
	"math"
)

// MaxU16 is 1.0 as a u16 proportion.
const MaxU16 = math.MaxUint16

// DefaultParams are subtensor's production values (§10.2).
func DefaultParams() Params {
	return Params{
		SubnetOwnerCut:                     11_796,
		TaoWeight:                          971_718_665_099_567_868,
		StakeThreshold:                     0,
		MinStake:                           2_000_000,
		MaxDelegateTake:                    11_796,
		MinDelegateTake:                    0,
		DelegateTakeRateLimit:              216_000,
		NetworkRateLimit:                   7_200,
		NetworkMinLockCost:                 1_000 * RaoPerTAO,
		NetworkLockReductionInterval:       100_800,
		NetworkImmunityPeriod:              1_296_000,
		SubnetLimit:                        128,
		StartCallDelay:                     0,
		MaxEpochsPerBlock:                  2,
		AdminFreezeWindow:                  10,
		OwnerHyperparamRateLimit:           2,
		SubnetMovingAlpha:                  DefaultSubnetMovingAlpha,
		SwapFeeRate:                        33,
		MinPoolReserve:                     1_000_000,
		AllowLoopbackAxons:                 false,
		WeightsVersionKeyRateLimit:         5,
		DissolutionStepsPerBlock:           1_024,
		KeySwapCost:                        100_000_000,
		KeySwapOnSubnetCost:                1_000_000,
		HotkeySwapRateLimit:                1_000,
		HotkeySwapOnSubnetInterval:         7_200,
		ColdkeySwapAnnouncementDelay:       36_000,
		ColdkeySwapReannouncementDelay:     7_200,
		NominatorMinRequiredStake:          0,
		MaxChildkeyTake:                    11_796,
		MinChildkeyTake:                    0,
		ChildkeyTakeRateLimit:              216_000,
		PendingChildkeyCooldown:            7_200,
		RootMaxUids:                        64,
		RootMaxRegistrationsPerBlock:       1,
		RootTargetRegistrationsPerInterval: 1,
		RootTempo:                          100,
		RootClaimThreshold:                 500_000,
	}
}

// MaxSwapFeeRate is the highest swap fee a chain may set (§6.2: 10 000/65535 ≈ 15 %).
const MaxSwapFeeRate = 10_000

// Validate checks every parameter's range and names the first one out of it.
func (p Params) Validate() error {
	checks := []struct {
		ok   bool
		name string
		why  string
	}{
		{p.SubnetOwnerCut <= MaxU16, "subnet_owner_cut", "must be a u16 proportion (≤ 65535)"},
		{p.MaxDelegateTake <= MaxU16, "max_delegate_take", "must be a u16 proportion (≤ 65535)"},
		{p.MinDelegateTake <= p.MaxDelegateTake, "min_delegate_take", "must not exceed max_delegate_take"},
		{p.MinStake > 0, "min_stake", "must be positive"},
		{p.NetworkMinLockCost > 0, "network_min_lock_cost", "must be positive"},
		{p.NetworkLockReductionInterval > 0, "network_lock_reduction_interval", "must be positive"},
		{p.SubnetLimit > 0 && p.SubnetLimit <= math.MaxUint16-1, "subnet_limit", "must be in [1, 65534]"},
		{p.MaxEpochsPerBlock > 0, "max_epochs_per_block", "must be at least 1"},
		{p.DissolutionStepsPerBlock > 0, "dissolution_steps_per_block", "must be at least 1"},
		{p.SwapFeeRate <= MaxSwapFeeRate, "swap_fee_rate", fmt.Sprintf("must be at most %d", MaxSwapFeeRate)},
		{p.MinPoolReserve > 0, "min_pool_reserve", "must be positive"},
		{p.MaxChildkeyTake <= MaxU16, "max_childkey_take", "must be a u16 proportion (≤ 65535)"},
		{p.MinChildkeyTake <= p.MaxChildkeyTake, "min_childkey_take", "must not exceed max_childkey_take"},
	}
	for _, c := range checks {
		if !c.ok {
			return fmt.Errorf("%w: %s %s", ErrInvalidParams, c.name, c.why)
		}
	}
	if _, err := ParseSubnetMovingAlpha(p.SubnetMovingAlpha); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidParams, err)
	}
	return nil
}
