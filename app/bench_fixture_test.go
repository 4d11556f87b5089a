package app_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/collections"

	"github.com/gotensor/gotensor/app/apptesting"
	"github.com/gotensor/gotensor/x/subnet/keeper"
	subnettypes "github.com/gotensor/gotensor/x/subnet/types"
)

// benchNet is a chain of full subnets for the block and transaction benchmarks. It is built only
// through the messages a network's users send (register-network, start-call, burned-register,
// add-stake, set-weights) and epochs the chain runs itself, so its state is exactly what a real
// history produces. The few records written directly are ones an owner, the authority or an
// earlier history could have set: hyperparameters, and when each subnet's epochs fall.
type benchNet struct {
	b       testing.TB
	c       *apptesting.Chain
	k       keeper.Keeper
	srv     subnettypes.MsgServer
	spec    benchSpec
	subnets []benchSubnet
	rng     *rand.Rand
}

// benchSpec is the shape of a benchNet.
type benchSpec struct {
	subnets int
	uids    int // per subnet, uid 0 the owner's hotkey
	// validators are uids 0..validators-1: the owner's hotkey (uid 0, which always holds a
	// permit and needs no stake) and staked uids, which hold permits after the first epoch.
	validators int
	tempo      uint32
	// rateLimit is each subnet's weights_set_rate_limit in blocks.
	rateLimit uint64
}

// benchSubnet is one subnet of a benchNet and the keys that made it.
type benchSubnet struct {
	netuid uint32
	// owner registered the subnet; miner registered every other uid and staked to the validators.
	owner, miner apptesting.Account
	hotkeys      []signer // by uid
}

// benchStakeTAO is what validator uid v ≥ 1 gets staked.
func benchStakeTAO(v int) uint64 { return uint64(100 + v) }

// newBenchNet builds spec's subnets and runs one epoch on each, so the validators hold permits.
// No weights are set yet; the rate limit lets every validator set them in the current block.
func newBenchNet(b testing.TB, spec benchSpec) *benchNet {
	b.Helper()
	require.LessOrEqual(b, uint32(spec.validators), subnettypes.NewSubnetHyperparams().MaxAllowedValidators)
	// Each registering coldkey pays up to MaxBurn (100 TAO) per uid and stakes its validators.
	balance := uint64(spec.uids)*100*subnettypes.RaoPerTAO + uint64(spec.validators)*benchStakeTAO(spec.validators)*subnettypes.RaoPerTAO + 10_000*subnettypes.RaoPerTAO
	c := apptesting.New(b, apptesting.WithAccounts(2*spec.subnets, balance), apptesting.WithParams(func(p *subnettypes.Params) {
		// One subnet a block at the minimum lock: the lock cost doubles at a registration and
		// falls back by the last lock every block.
		p.NetworkRateLimit = 0
		p.NetworkLockReductionInterval = 1
		p.SubnetLimit = uint32(spec.subnets)
	}))
	n := &benchNet{b: b, c: c, k: c.App.SubnetKeeper, srv: keeper.NewMsgServer(c.App.SubnetKeeper), spec: spec, rng: rand.New(rand.NewPCG(1, 2))}
	for i := range spec.subnets {
		s := benchSubnet{owner: c.Accounts[i], miner: c.Accounts[spec.subnets+i]}
		for range spec.uids {
			s.hotkeys = append(s.hotkeys, newSigner())
		}
		res, err := n.srv.RegisterNetwork(c.Ctx(), &subnettypes.MsgRegisterNetwork{
			Coldkey: s.owner.Address.String(), Hotkey: s.hotkeys[0].addr.String(), Name: fmt.Sprintf("bench %d", i+1),
		})
		require.NoError(b, err)
		s.netuid = res.Netuid
		_, err = n.srv.StartCall(c.Ctx(), &subnettypes.MsgStartCall{Owner: s.owner.Address.String(), Netuid: s.netuid})
		require.NoError(b, err)
		n.setHyperparams(s.netuid, func(h *subnettypes.Hyperparams) {
			h.Tempo = spec.tempo
			h.CommitReveal = false
			h.WeightsSetRateLimit = spec.rateLimit
			h.EmissionEnabled = true
			h.MaxAllowedUids = uint32(spec.uids)
		})
		n.subnets = append(n.subnets, s)
		c.NextBlock()
	}
	// A subnet's uids register in one block and its validators stake in it.
	for _, s := range n.subnets {
		for uid := 1; uid < spec.uids; uid++ {
			res, err := n.srv.BurnedRegister(c.Ctx(), &subnettypes.MsgBurnedRegister{
				Coldkey: s.miner.Address.String(), Netuid: s.netuid, Hotkey: s.hotkeys[uid].addr.String(),
			})
			require.NoError(b, err)
			require.Equal(b, uint32(uid), res.Uid)
		}
		for v := 1; v < spec.validators; v++ {
			_, err := n.srv.AddStake(c.Ctx(), &subnettypes.MsgAddStake{
				Coldkey: s.miner.Address.String(), Hotkey: s.hotkeys[v].addr.String(), Netuid: s.netuid,
				Amount: benchStakeTAO(v) * subnettypes.RaoPerTAO,
			})
			require.NoError(b, err)
		}
		c.NextBlock()
	}
	// Every subnet runs an epoch now (as an owner-triggered one would), at most
	// MaxEpochsPerBlock a block; the permits go to the staked uids and the owner's.
	for _, s := range n.subnets {
		n.editSchedule(s.netuid, func(sc *subnettypes.Schedule) { sc.PendingEpochAt = uint64(c.Ctx().BlockHeight()) })
	}
	for n.minEpochIndex() == 0 {
		n.next()
	}
	for _, s := range n.subnets {
		for v := range spec.validators {
			nr, err := n.k.GetNeuron(c.Ctx(), s.netuid, uint32(v))
			require.NoError(b, err)
			require.True(b, nr.ValidatorPermit, "subnet %d uid %d holds a permit after the first epoch", s.netuid, v)
		}
	}
	// Registration counts as a weight update for the rate limit.
	for range spec.rateLimit {
		n.next()
	}
	return n
}

// next commits a block.
func (n *benchNet) next() {
	n.c.NextBlock()
}

// checkInvariants fails the benchmark if the module's accounting is broken.
func (n *benchNet) checkInvariants() {
	require.NoError(n.b, n.k.BrokenInvariants(n.c.Ctx()))
}

func (n *benchNet) setHyperparams(netuid uint32, edit func(*subnettypes.Hyperparams)) {
	h, err := n.k.GetHyperparams(n.c.Ctx(), netuid)
	require.NoError(n.b, err)
	edit(&h)
	require.NoError(n.b, n.k.Hyperparams.Set(n.c.Ctx(), netuid, h))
}

func (n *benchNet) editSchedule(netuid uint32, edit func(*subnettypes.Schedule)) {
	s, err := n.k.GetSchedule(n.c.Ctx(), netuid)
	require.NoError(n.b, err)
	edit(&s)
	require.NoError(n.b, n.k.Schedules.Set(n.c.Ctx(), netuid, s))
}

func (n *benchNet) minEpochIndex() uint64 {
	least := ^uint64(0)
	for _, s := range n.subnets {
		sc, err := n.k.GetSchedule(n.c.Ctx(), s.netuid)
		require.NoError(n.b, err)
		least = min(least, sc.EpochIndex)
	}
	return least
}

// staggerEpochs makes subnet i's next epoch fall offsets[i] blocks after the current block (an
// offset below the tempo), as registrations at different heights would have. It first lets a
// tempo of blocks pass since genesis if it has not.
func (n *benchNet) staggerEpochs(offsets []uint64) {
	tempo := uint64(n.spec.tempo)
	for uint64(n.c.Ctx().BlockHeight()) < tempo {
		n.next()
	}
	now := uint64(n.c.Ctx().BlockHeight())
	for i, s := range n.subnets {
		require.Less(n.b, offsets[i], tempo)
		n.editSchedule(s.netuid, func(sc *subnettypes.Schedule) {
			sc.LastEpochBlock = now + offsets[i] - tempo
			sc.PendingEpochAt = 0
		})
	}
}

// weightRow is a full row over every uid with random values.
func (n *benchNet) weightRow() (uids, values []uint32) {
	uids = make([]uint32, n.spec.uids)
	values = make([]uint32, n.spec.uids)
	for i := range uids {
		uids[i], values[i] = uint32(i), n.rng.Uint32N(1<<16)
	}
	return uids, values
}

// setWeights sends a full random row from validator uid v of subnet s.
func (n *benchNet) setWeights(s benchSubnet, v int) {
	uids, values := n.weightRow()
	_, err := n.srv.SetWeights(n.c.Ctx(), &subnettypes.MsgSetWeights{
		Hotkey: s.hotkeys[v].addr.String(), Netuid: s.netuid, Uids: uids, Values: values,
	})
	require.NoError(n.b, err)
}

// weightCount is how many weight rows a subnet stores.
func (n *benchNet) weightRows(netuid uint32) int {
	rows := 0
	err := n.k.Weights.Walk(n.c.Ctx(), collections.NewPrefixedPairRange[uint32, uint32](netuid), func(collections.Pair[uint32, uint32], subnettypes.WeightRow) (bool, error) {
		rows++
		return false, nil
	})
	require.NoError(n.b, err)
	return rows
}
