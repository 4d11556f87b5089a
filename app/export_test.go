package app_test

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	subnetkeeper "github.com/gotensor/gotensor/x/subnet/keeper"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// Heights after the export keep their distance, heights at or before it become the new chain's
// block 1, and 0 ("never") stays 0; counters are left alone.
func TestRebaseToZeroHeight(t *testing.T) {
	var gs types.GenesisState
	gs.NetworkRegistration.LastLockBlock = 40
	gs.Subnets = make([]types.GenesisSubnet, 1)
	s := &gs.Subnets[0]
	s.Subnet.RegisteredAt, s.Subnet.FirstEmissionBlock, s.Subnet.TopologyChangedAt = 10, 0, 100
	s.Schedule.LastEpochBlock, s.Schedule.PendingEpochAt, s.Schedule.EpochIndex, s.Schedule.BlocksSinceLastStep = 95, 103, 7, 5
	s.Neurons = slices.Grow(s.Neurons, 1)[:1] // the element type is changing; its fields are not
	s.Neurons[0].BlockAtRegistration, s.Neurons[0].LastUpdate = 12, 99
	s.Axons = []types.GenesisAxon{{Axon: types.AxonInfo{Block: 0}}, {Uid: 1, Axon: types.AxonInfo{Block: 50}}}
	s.Commits = []types.GenesisCommits{{Queue: types.CommitQueue{Commits: []types.WeightCommit{{CommitEpoch: 6, CommitBlock: 98}}}}}
	s.HyperparamsSetAt = []types.GenesisHyperparamSetAt{{Name: "tempo", Block: 60}}
	gs.Hotkeys = []types.GenesisHotkey{{Delegate: &types.Delegate{LastTakeIncrease: 30}}, {}}
	gs.Dissolutions = slices.Grow(gs.Dissolutions, 1)[:1]
	gs.Dissolutions[0].StartedAt = 100

	subnetkeeper.RebaseToZeroHeight(&gs, 100)
	require.Equal(t, uint64(1), gs.NetworkRegistration.LastLockBlock)
	require.Equal(t, []uint64{1, 0, 1}, []uint64{s.Subnet.RegisteredAt, s.Subnet.FirstEmissionBlock, s.Subnet.TopologyChangedAt})
	require.Equal(t, types.Schedule{LastEpochBlock: 1, PendingEpochAt: 3, EpochIndex: 7, BlocksSinceLastStep: 5}, s.Schedule)
	require.Equal(t, []uint64{1, 1}, []uint64{s.Neurons[0].BlockAtRegistration, s.Neurons[0].LastUpdate})
	require.Equal(t, []uint64{0, 1}, []uint64{s.Axons[0].Axon.Block, s.Axons[1].Axon.Block})
	require.Equal(t, types.WeightCommit{CommitEpoch: 6, CommitBlock: 1}, s.Commits[0].Queue.Commits[0])
	require.Equal(t, uint64(1), s.HyperparamsSetAt[0].Block)
	require.Equal(t, uint64(1), gs.Hotkeys[0].Delegate.LastTakeIncrease)
	require.Equal(t, uint64(1), gs.Dissolutions[0].StartedAt)
}
