// Package metagraph is a subnet's state as miners and validators read it: every uid's keys, stake,
// axon and last epoch's results at one height, and on request the weight and bond rows, kept
// fresh as blocks come without re-reading what did not change.
//
//	m, err := metagraph.Load(ctx, client, netuid, metagraph.Lite)   // one snapshot
//
//	s := metagraph.NewSyncer(client, netuid, metagraph.Options{})   // a snapshot kept fresh
//	err = s.Start()
//	defer s.Stop()
//	a, err := axon.New(axon.Config{Peers: s, …})                    // the axon's blacklist and priority
//	uids, axons := s.Current().Serving()                            // what a dendrite queries
//
// A Metagraph never changes once read: a refresh builds a new one, and readers holding the old
// one keep a consistent view. Per-uid fields are slices indexed by uid.
//
// Refreshing: on every new block the syncer asks the node for the subnet's summary (one small
// read) and compares two markers with its snapshot's: topology_changed_at (a uid, hotkey or
// axon changed) and last_epoch_block (an epoch wrote new results). Only when one moved does it
// read the metagraph again, pinned to the height the summary came from so the two agree. Stake
// and last-update blocks also move between epochs; Options.MaxAge bounds how stale they may get.
package metagraph
