package keeper_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/app/apptesting"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// economy is one subnet with an owner, miners and validators, driven through the message servers
// block by block, with the invariants checked after every block.
type economy struct {
	*netFixture
	netuid     uint32
	owner      sdk.AccAddress
	ownerHot   sdk.AccAddress
	miners     []sdk.AccAddress
	validators []sdk.AccAddress
	epochs     []types.EventEpoch
}

func newEconomy(t *testing.T, miners int, validatorStakes []uint64) *economy {
	f := newNetFixture(t, apptesting.WithAccounts(10, 100_000*oneTAO))
	e := &economy{netFixture: f, owner: f.account(0), ownerHot: newKey()}
	e.netuid = f.registerNetwork(e.owner, e.ownerHot, "economy").Netuid
	f.tune(e.netuid, "tempo", "10", "emission_enabled", "true", "weights_set_rate_limit", "0",
		"commit_reveal", "true", "reveal_period_epochs", "1")
	_, err := f.srv.StartCall(f.ctx(), &types.MsgStartCall{Owner: e.owner.String(), Netuid: e.netuid})
	require.NoError(t, err)
	f.next()
	for i := range miners {
		hot := newKey()
		f.burnedRegister(f.account(1+i%4), hot, e.netuid)
		e.miners = append(e.miners, hot)
	}
	for i, stake := range validatorStakes {
		hot := newKey()
		cold := f.account(5 + i)
		f.burnedRegister(cold, hot, e.netuid)
		_, err := f.srv.AddStake(f.ctx(), &types.MsgAddStake{Coldkey: cold.String(), Hotkey: hot.String(), Netuid: e.netuid, Amount: stake})
		require.NoError(t, err)
		e.validators = append(e.validators, hot)
	}
	f.next()
	return e
}

func (e *economy) uid(hotkey sdk.AccAddress) uint32 {
	uid, err := e.k.UidOf(e.ctx(), e.netuid, hotkey)
	require.NoError(e.t, err)
	return uid
}

func (e *economy) epochIndex() uint64 {
	s, err := e.k.GetSchedule(e.ctx(), e.netuid)
	require.NoError(e.t, err)
	return s.EpochIndex
}

// step commits a block, checks the invariants, and keeps the block's epoch reports.
func (e *economy) step() {
	res := e.c.NextBlock()
	require.NoError(e.t, e.k.BrokenInvariants(e.ctx()))
	for _, ev := range apptesting.TypedEvents[*types.EventEpoch](e.t, res) {
		e.epochs = append(e.epochs, *ev)
	}
}

// untilEpoch advances blocks until the subnet's next epoch has run.
func (e *economy) untilEpoch() {
	start := e.epochIndex()
	for e.epochIndex() == start {
		e.step()
	}
}

// commitThenReveal commits each validator's weights, waits for the reveal epoch, and reveals (§9.2).
func (e *economy) commitThenReveal(weights map[string][]uint32) {
	reveals := map[string]*types.MsgRevealWeights{}
	for _, v := range e.validators {
		uids := make([]uint32, len(e.miners))
		for i, m := range e.miners {
			uids[i] = e.uid(m)
		}
		reveal := &types.MsgRevealWeights{
			Hotkey: v.String(), Netuid: e.netuid, Uids: uids, Values: weights[v.String()], Salt: []byte("salt-" + v.String()),
		}
		hash := types.CommitHash(&types.WeightCommitPayload{
			Hotkey: reveal.Hotkey, Netuid: e.netuid, Uids: reveal.Uids, Values: reveal.Values, Salt: reveal.Salt,
		})
		_, err := e.srv.CommitWeights(e.ctx(), &types.MsgCommitWeights{Hotkey: v.String(), Netuid: e.netuid, Hash: hash})
		require.NoError(e.t, err)
		reveals[v.String()] = reveal
	}
	e.untilEpoch()
	for _, v := range e.validators {
		_, err := e.srv.RevealWeights(e.ctx(), reveals[v.String()])
		require.NoError(e.t, err)
	}
}

func (e *economy) neurons() map[string]types.Neuron {
	ns, err := e.k.SubnetNeurons(e.ctx(), e.netuid)
	require.NoError(e.t, err)
	out := map[string]types.Neuron{}
	for _, n := range ns {
		out[n.Hotkey.String()] = n
	}
	return out
}

// Six miners, three validators with stakes 3:2:1 that agree on favouring miner 0, commit-reveal on:
// after a few epochs miner 0 earns the most incentive, the validators' dividends follow their stake,
// and the owner has received its 18 % of every block's alpha.
func TestSubnetEconomyOverEpochs_5(t *testing.T) {
	e := newEconomy(t, 6, []uint64{300 * oneTAO, 200 * oneTAO, 100 * oneTAO})
	favour := []uint32{65_535, 20_000, 15_000, 10_000, 5_000, 1_000}
	weights := map[string][]uint32{}
	for _, v := range e.validators {
		weights[v.String()] = favour
	}
	e.untilEpoch() // permits for the staked validators
	e.commitThenReveal(weights)
	for range 4 {
		e.untilEpoch()
	}

	ns := e.neurons()
	best := ns[e.miners[0].String()]
	for i, m := range e.miners[1:] {
		require.Greater(t, best.Incentive, ns[m.String()].Incentive, "miner 0 out-earns miner %d", i+1)
	}
	for i := 1; i < len(e.miners); i++ {
		require.GreaterOrEqual(t, ns[e.miners[i-1].String()].Incentive, ns[e.miners[i].String()].Incentive,
			"incentive follows the agreed weights")
	}
	d := func(i int) uint32 { return ns[e.validators[i].String()].Dividends }
	require.Greater(t, d(0), d(1), "dividends follow stake")
	require.Greater(t, d(1), d(2), "dividends follow stake")
	for _, v := range e.validators {
		require.True(t, ns[v.String()].ValidatorPermit)
		require.Greater(t, ns[v.String()].ValidatorTrust, uint32(60_000), "agreeing validators keep their trust")
	}

	// The owner cut is 11796/65535 (18 %) of every block's alpha emission, staked to the owner
	// hotkey at each epoch; miners and validators share the rest half and half.
	var ownerCut, stakers, miners, validators uint64
	for _, ep := range e.epochs {
		ownerCut += ep.OwnerCut
		stakers += ep.Emission
		miners += ep.Miners
		validators += ep.Validators
	}
	require.NotZero(t, ownerCut)
	share := float64(ownerCut) / float64(ownerCut+stakers)
	require.InDelta(t, 11_796.0/65_535.0, share, 0.0001, fmt.Sprintf("owner share %.6f", share))
	ownerStake, err := e.k.StakeOf(e.ctx(), e.ownerHot, e.owner, e.netuid)
	require.NoError(t, err)
	// The owner hotkey also holds a permit, so its stake earns dividends in epochs before weights exist.
	require.GreaterOrEqual(t, ownerStake, ownerCut, "the cut is staked to the owner")
}

// A validator that disagrees with the others loses validator trust and dividends relative to its
// stake (§4.8, §4.11a).
func TestDisagreeingValidatorLosesDividends_4_8(t *testing.T) {
	e := newEconomy(t, 4, []uint64{200 * oneTAO, 200 * oneTAO, 200 * oneTAO})
	agree := []uint32{65_535, 30_000, 10_000, 1_000}
	weights := map[string][]uint32{
		e.validators[0].String(): agree,
		e.validators[1].String(): agree,
		e.validators[2].String(): {1_000, 10_000, 30_000, 65_535},
	}
	e.untilEpoch()
	e.commitThenReveal(weights)
	for range 4 {
		e.untilEpoch()
	}
	ns := e.neurons()
	honest, rogue := ns[e.validators[0].String()], ns[e.validators[2].String()]
	require.Greater(t, honest.ValidatorTrust, rogue.ValidatorTrust)
	require.Greater(t, honest.Dividends, rogue.Dividends)
	require.Greater(t, ns[e.miners[0].String()].Incentive, ns[e.miners[3].String()].Incentive, "the majority decides")
}

// A running subnet economy exported as a genesis starts a new chain with the same subnets, neurons,
// stakes and pools, and the new chain exports the same x/subnet state again.
func TestGenesisRoundTripsTheEconomy(t *testing.T) {
	e := newEconomy(t, 3, []uint64{200 * oneTAO, 100 * oneTAO})
	e.untilEpoch()
	e.commitThenReveal(map[string][]uint32{
		e.validators[0].String(): {65_535, 1_000, 0},
		e.validators[1].String(): {65_535, 2_000, 0},
	})
	e.untilEpoch()

	exported, err := e.k.ExportGenesis(e.ctx())
	require.NoError(t, err)
	require.Len(t, exported.Subnets, 1)
	require.Len(t, exported.Subnets[0].Neurons, 6, "owner, three miners, two validators")
	require.NotEmpty(t, exported.Stakes)

	restarted := apptesting.NewFromState(t, e.c.Export())
	again, err := restarted.App.SubnetKeeper.ExportGenesis(restarted.Ctx())
	require.NoError(t, err)
	// One block ran on the new chain: the schedule, pending emission, pool and burn moved on.
	for i := range again.Subnets {
		again.Subnets[i].Schedule = exported.Subnets[i].Schedule
		again.Subnets[i].Pending = exported.Subnets[i].Pending
		again.Subnets[i].Pool = exported.Subnets[i].Pool
		again.Subnets[i].Burn = exported.Subnets[i].Burn
	}
	again.TotalIssuance, again.Burned = exported.TotalIssuance, exported.Burned
	require.Equal(t, exported, again)
	require.NoError(t, restarted.App.SubnetKeeper.BrokenInvariants(restarted.Ctx()))
}

// Three subnets due in the same block with MaxEpochsPerBlock = 2 (§3.1): the two lowest netuids
// run, the third is deferred to the next block and runs there, and its period then counts from
// the block it ran.
func TestEpochsBeyondTheBlockLimitAreDeferred_3_1(t *testing.T) {
	f := newNetFixture(t, apptesting.WithAccounts(4, 100_000*oneTAO), withNetParams(func(p *types.Params) {
		p.NetworkRateLimit = 0
		p.MaxEpochsPerBlock = 2
	}))
	var netuids []uint32
	for i := range 3 {
		netuid := f.registerNetwork(f.account(i), newKey(), fmt.Sprintf("deferred %d", i)).Netuid
		f.tune(netuid, "tempo", "10")
		netuids = append(netuids, netuid)
	}
	f.advance(10)
	due := f.block() // the block the context is building, which NextBlock finalizes
	for _, netuid := range netuids {
		s := f.schedule(netuid)
		s.LastEpochBlock, s.PendingEpochAt = due-10, 0
		require.NoError(t, f.k.Schedules.Set(f.ctx(), netuid, s))
	}

	res := f.c.NextBlock()
	var ran []uint32
	for _, ev := range apptesting.TypedEvents[*types.EventEpoch](t, res) {
		ran = append(ran, ev.Netuid)
	}
	require.Equal(t, netuids[:2], ran)
	deferred := apptesting.TypedEvents[*types.EventEpochDeferred](t, res)
	require.Len(t, deferred, 1)
	require.Equal(t, netuids[2], deferred[0].Netuid)
	require.Equal(t, due+1, deferred[0].RunAt)
	require.Equal(t, due+1, f.schedule(netuids[2]).PendingEpochAt)

	res = f.c.NextBlock()
	ran = ran[:0]
	for _, ev := range apptesting.TypedEvents[*types.EventEpoch](t, res) {
		ran = append(ran, ev.Netuid)
	}
	require.Equal(t, []uint32{netuids[2]}, ran)
	require.Empty(t, apptesting.TypedEvents[*types.EventEpochDeferred](t, res))
	s := f.schedule(netuids[2])
	require.Equal(t, due+1, s.LastEpochBlock)
	require.Zero(t, s.PendingEpochAt)
	require.NoError(t, f.k.BrokenInvariants(f.ctx()))
}
