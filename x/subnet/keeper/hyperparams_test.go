package keeper_test

import (
	"testing"

	"github.com/cosmos/gogoproto/proto"
	"github.com/stretchr/testify/require"

	"cosmossdk.io/collections"

	"github.com/gotensor/gotensor/x/subnet/types"
)

func (f *netFixture) hyperparams(netuid uint32) types.Hyperparams {
	f.t.Helper()
	res, err := f.qry.Hyperparameters(f.ctx(), &types.QueryHyperparametersRequest{Netuid: netuid})
	require.NoError(f.t, err)
	return res.Hyperparameters
}

func (f *netFixture) schedule(netuid uint32) types.Schedule {
	f.t.Helper()
	s, err := f.k.GetSchedule(f.ctx(), netuid)
	require.NoError(f.t, err)
	return s
}

// TestSetHyperparameter_10_1: the owner sets owner hyperparameters within the owner's ranges; only
// the authority sets the others, or wider values; anyone else is refused; refusals change nothing.
func TestSetHyperparameter_10_1(t *testing.T) {
	f, _ := newSubnetFixture(t)
	owner, authority := f.account(0).String(), f.authority()

	require.NoError(t, f.setHyperparam(owner, 1, "immunity_period", "4000"))
	require.Equal(t, uint64(4_000), f.hyperparams(1).ImmunityPeriod)
	setAt, err := f.k.HyperparamSetAt.Get(f.ctx(), collections.Join(uint32(1), "immunity_period"))
	require.NoError(t, err)
	require.Equal(t, f.block(), setAt)
	require.Equal(t, []proto.Message{&types.EventHyperparameterSet{Netuid: 1, Name: "immunity_period", Value: "4000", Signer: owner}},
		f.events("gotensor.subnet.v1.EventHyperparameterSet"))

	require.NoError(t, f.setHyperparam(authority, 1, "kappa", "100"))
	require.Equal(t, uint32(100), f.hyperparams(1).Kappa)
	has, err := f.k.HyperparamSetAt.Has(f.ctx(), collections.Join(uint32(1), "kappa"))
	require.NoError(t, err)
	require.False(t, has, "the authority is not rate-limited, so nothing is recorded")
	require.NoError(t, f.setHyperparam(authority, 1, "bonds_moving_average", "990000"), "the authority's range is wider")
	require.NoError(t, f.setHyperparam(authority, 1, "emission_enabled", "true"))
	require.True(t, f.hyperparams(1).EmissionEnabled)

	refused := []struct {
		name                      string
		signer                    string
		netuid                    uint32
		param, value              string
		want                      error
		wantMessageMentionsSigner bool
	}{
		{"root-only by the owner", owner, 1, "kappa", "200", types.ErrHyperparameterRootOnly, false},
		{"root-only registration switch", owner, 1, "registration_allowed", "false", types.ErrHyperparameterRootOnly, false},
		{"owner range", owner, 1, "bonds_moving_average", "990000", types.ErrHyperparameterValue, false},
		{"out of range for anyone", authority, 1, "burn_half_life", "0", types.ErrHyperparameterValue, false},
		{"overflowing value", owner, 1, "serving_rate_limit", "18446744073709551616", types.ErrHyperparameterValue, false},
		{"not a number", owner, 1, "serving_rate_limit", "ten", types.ErrHyperparameterValue, false},
		{"not the owner", f.account(1).String(), 1, "serving_rate_limit", "10", types.ErrNotSubnetOwner, true},
		{"unknown hyperparameter", owner, 1, "difficulty", "10", types.ErrUnknownHyperparameter, false},
		{"root netuid", authority, 0, "kappa", "1", types.ErrRootNetuid, false},
		{"netuid beyond u16", authority, 65_536, "kappa", "1", types.ErrValueOutOfRange, false},
		{"unknown subnet", authority, 5, "kappa", "1", types.ErrSubnetNotFound, false},
		{"malformed signer", "tao1xyz", 1, "kappa", "1", types.ErrInvalidAddress, false},
	}
	for _, r := range refused {
		before := f.stateHash()
		err := f.setHyperparam(r.signer, r.netuid, r.param, r.value)
		require.ErrorIs(t, err, r.want, r.name)
		if r.wantMessageMentionsSigner {
			require.Contains(t, err.Error(), r.signer, r.name)
		}
		require.Equal(t, before, f.stateHash(), r.name)
	}

	// A tempo change restarts the epoch cycle at this block.
	f.next()
	require.NoError(t, f.setHyperparam(owner, 1, "tempo", "720"))
	require.Equal(t, uint32(720), f.hyperparams(1).Tempo)
	require.Equal(t, f.block(), f.schedule(1).LastEpochBlock)
	f.next()

	for _, netuid := range []uint32{0, 65_536, 5} {
		_, err := f.qry.Hyperparameters(f.ctx(), &types.QueryHyperparametersRequest{Netuid: netuid})
		require.Error(t, err, "netuid %d", netuid)
	}
}

// TestOwnerHyperparamRateLimit_10: an owner changes each hyperparameter at most once per
// OwnerHyperparamRateLimit tempos (the tempo itself once per 360 blocks); hyperparameters are
// limited separately; the authority is never limited.
func TestOwnerHyperparamRateLimit_10(t *testing.T) {
	f := newNetFixture(t, withNetParams(func(p *types.Params) { p.AdminFreezeWindow = 0 }))
	owner := f.account(0).String()
	f.registerNetwork(f.account(0), newKey(), "one")
	f.tune(1, "tempo", "20") // the owner's limit is now 2 × 20 = 40 blocks

	require.NoError(t, f.setHyperparam(owner, 1, "immunity_period", "100"))
	first := f.block()
	f.next()
	require.NoError(t, f.setHyperparam(owner, 1, "serving_rate_limit", "10"), "another hyperparameter has its own clock")
	require.NoError(t, f.setHyperparam(f.authority(), 1, "immunity_period", "200"), "the authority is not limited")
	for f.block() < first+39 {
		f.next()
	}
	before := f.stateHash()
	err := f.setHyperparam(owner, 1, "immunity_period", "300")
	require.ErrorIs(t, err, types.ErrHyperparameterRateLimit)
	require.Contains(t, err.Error(), "retry at block")
	require.Equal(t, before, f.stateHash())
	f.next()
	require.NoError(t, f.setHyperparam(owner, 1, "immunity_period", "300"))
	require.Equal(t, uint64(300), f.hyperparams(1).ImmunityPeriod)

	// The tempo: once per 360 blocks whatever the tempo.
	require.NoError(t, f.setHyperparam(owner, 1, "tempo", "400"))
	f.next()
	err = f.setHyperparam(owner, 1, "tempo", "500")
	require.ErrorIs(t, err, types.ErrHyperparameterRateLimit)
	require.Contains(t, err.Error(), "once every 360 blocks")

	// The weights version key: WeightsVersionKeyRateLimit (5) tempos.
	require.NoError(t, f.setHyperparam(owner, 1, "weights_version_key", "7"))
	f.next()
	err = f.setHyperparam(owner, 1, "weights_version_key", "8")
	require.ErrorIs(t, err, types.ErrHyperparameterRateLimit)
	require.Contains(t, err.Error(), "once every 2000 blocks")
	f.next()
}

// TestAdminFreezeWindow_3_1: owners may not change hyperparameters in the last AdminFreezeWindow
// (10) blocks before an epoch, nor while a triggered epoch is pending; the authority may.
func TestAdminFreezeWindow_3_1(t *testing.T) {
	f, _ := newSubnetFixture(t)
	owner := f.account(0).String()
	f.tune(1, "tempo", "20") // the cycle restarts here: the next epoch is 20 blocks away
	start := f.block()
	for f.block() < start+10 {
		f.next()
	}
	require.NoError(t, f.setHyperparam(owner, 1, "serving_rate_limit", "10"), "10 blocks before the epoch: open")
	f.next()

	before := f.stateHash()
	err := f.setHyperparam(owner, 1, "immunity_period", "100")
	require.ErrorIs(t, err, types.ErrAdminFreezeWindow, "9 blocks before the epoch: frozen")
	require.Contains(t, err.Error(), "9 blocks away")
	require.Equal(t, before, f.stateHash())
	require.NoError(t, f.setHyperparam(f.authority(), 1, "immunity_period", "100"), "the authority is never frozen")

	// A triggered epoch freezes owners until it runs.
	f.tune(1, "tempo", "20")
	sched := f.schedule(1)
	sched.PendingEpochAt = f.block() + 5
	require.NoError(t, f.k.Schedules.Set(f.ctx(), 1, sched))
	require.ErrorIs(t, f.setHyperparam(owner, 1, "bonds_penalty", "100"), types.ErrAdminFreezeWindow)

	// A subnet without epochs (tempo 0) never freezes.
	f.tune(1, "tempo", "0")
	require.NoError(t, f.setHyperparam(owner, 1, "bonds_penalty", "100"))
	f.next()
}
