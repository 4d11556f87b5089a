package keeper

import "github.com/gotensor/gotensor/x/subnet/types"

// RebaseToZeroHeight rewrites the block heights in an exported x/subnet genesis for a chain that
// restarts at height 1 from the state committed at lastHeight (`export --for-zero-height`): the
// new chain's block 1 follows the old chain's block lastHeight, so a height h becomes
// h − lastHeight.
//
// Heights ahead of lastHeight (an epoch triggered for a later block) keep their distance. Heights
// at or before it become 1: the new chain's first block stands for "at or before the restart",
// and 0 keeps meaning "never" (a subnet not started, an axon never served, no epoch pending).
// What counts blocks since a past height therefore counts from the restart: rate limits (weights,
// serving, take increases, subnet registration), immunity periods (neurons, subnets), the start
// call delay, a subnet's age in its moving price, and the lock cost's decay start again, each
// the more restrictive way: nothing becomes allowed earlier than on the old chain. Each subnet's
// next epoch comes at most tempo blocks after the restart. Counters are not heights and are kept:
// epoch indexes (and so commit-reveal's commit and reveal epochs), blocks since the last step,
// dissolution progress.
//
// The order of any two heights is kept (the map is monotone), so checks that compare them, such
// as a neuron's last update not before its registration, still hold.
func RebaseToZeroHeight(gs *types.GenesisState, lastHeight uint64) {
	at := func(h *uint64) {
		switch {
		case *h == 0:
		case *h > lastHeight:
			*h -= lastHeight
		default:
			*h = 1
		}
	}
	at(&gs.NetworkRegistration.LastLockBlock)
	for i := range gs.Hotkeys {
		if d := gs.Hotkeys[i].Delegate; d != nil {
			at(&d.LastTakeIncrease)
		}
	}
	for i := range gs.Dissolutions {
		at(&gs.Dissolutions[i].StartedAt)
	}
	for i := range gs.Subnets {
		s := &gs.Subnets[i]
		at(&s.Subnet.RegisteredAt)
		at(&s.Subnet.FirstEmissionBlock)
		at(&s.Subnet.TopologyChangedAt)
		at(&s.Schedule.LastEpochBlock)
		at(&s.Schedule.PendingEpochAt)
		at(&s.Schedule.LastMechanismStepBlock)
		for j := range s.Neurons {
			at(&s.Neurons[j].BlockAtRegistration)
			at(&s.Neurons[j].LastUpdate)
		}
		for j := range s.Axons {
			at(&s.Axons[j].Axon.Block)
		}
		for j := range s.Commits {
			for k := range s.Commits[j].Queue.Commits {
				at(&s.Commits[j].Queue.Commits[k].CommitBlock)
			}
		}
		for j := range s.HyperparamsSetAt {
			at(&s.HyperparamsSetAt[j].Block)
		}
	}
}
