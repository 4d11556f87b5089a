package index

import (
	"net"
	"strconv"

	"github.com/gotensor/gotensor/explorer/fairness"
	"github.com/gotensor/gotensor/explorer/store"
	"github.com/gotensor/gotensor/sim/stats"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// Epoch is what the store keeps of a subnet's metagraph read right after an epoch at block: every
// uid, the concentration of incentive (over miners) and dividends (over validators) per uid and per
// coldkey, and each validator's dividend rate and the correlation of its weights with the previous
// epoch's consensus (prev; nil when there was none) and with this one's.
func Epoch(netuid uint16, block int64, mg *types.QueryMetagraphResponse, prev map[uint16]uint32) store.Epoch {
	e := store.Epoch{Netuid: netuid, Block: block, Neurons: []store.Neuron{}, Fairness: []store.Fairness{}, Validators: []store.ValidatorScore{}}
	for _, n := range mg.Neurons {
		axon := ""
		if n.Axon != nil && n.Axon.Ip != "" {
			axon = net.JoinHostPort(n.Axon.Ip, strconv.FormatUint(uint64(n.Axon.Port), 10))
		}
		e.Neurons = append(e.Neurons, store.Neuron{UID: uint16(n.Uid), Hotkey: n.Hotkey, Coldkey: n.Coldkey, ValidatorPermit: n.ValidatorPermit,
			Active: n.Active, StakeWeight: n.StakeWeight, AlphaStake: n.AlphaStake, Consensus: n.Consensus, Incentive: n.Incentive,
			Dividends: n.Dividends, ValidatorTrust: n.ValidatorTrust, Emission: n.Emission, LastUpdate: n.LastUpdate,
			RegisteredAt: n.BlockAtRegistration, Axon: axon})
	}
	var minerInc, valDiv []float64
	var minerOwners, valOwners []string
	var divTotal, stakeTotal float64
	for _, n := range e.Neurons {
		if n.IsValidator() {
			valDiv = append(valDiv, float64(n.Dividends))
			valOwners = append(valOwners, n.Coldkey)
			divTotal += float64(n.Dividends)
			stakeTotal += float64(n.AlphaStake)
		} else {
			minerInc = append(minerInc, float64(n.Incentive))
			minerOwners = append(minerOwners, n.Coldkey)
		}
	}
	for _, m := range []struct {
		measure string
		x       []float64
		owners  []string
	}{{"incentive", minerInc, minerOwners}, {"dividends", valDiv, valOwners}} {
		e.Fairness = append(e.Fairness, measure(m.measure, "uid", m.x), measure(m.measure, "coldkey", fairness.ByOwner(m.owners, m.x)))
	}

	size := len(e.Neurons)
	for _, n := range e.Neurons {
		if int(n.UID) >= size {
			size = int(n.UID) + 1
		}
	}
	consensus := make([]float64, size)
	for _, n := range e.Neurons {
		consensus[n.UID] = float64(n.Consensus)
	}
	var previous []float64
	if prev != nil {
		previous = make([]float64, size)
		for uid, c := range prev {
			if int(uid) < size {
				previous[uid] = float64(c)
			}
		}
	}
	rows := map[uint32][]float64{}
	for _, r := range mg.Weights {
		row := make([]float64, size)
		for _, w := range r.Entries {
			if int(w.Uid) < size {
				row[w.Uid] = float64(w.Value)
			}
		}
		rows[r.Uid] = row
	}
	for _, n := range e.Neurons {
		if !n.IsValidator() {
			continue
		}
		v := store.ValidatorScore{UID: n.UID, Hotkey: n.Hotkey}
		if n.AlphaStake > 0 && divTotal > 0 {
			v.DividendRate = some((float64(n.Dividends) / divTotal) / (float64(n.AlphaStake) / stakeTotal))
		}
		if row, ok := rows[uint32(n.UID)]; ok {
			if r, ok := stats.PearsonDefined(row, consensus); ok {
				v.CopyNow = some(r)
			}
			if previous != nil {
				if r, ok := stats.PearsonDefined(row, previous); ok {
					v.CopyPrev = some(r)
				}
			}
		}
		e.Validators = append(e.Validators, v)
	}
	return e
}

func measure(name, entity string, x []float64) store.Fairness {
	return store.Fairness{Measure: name, Entity: entity, Holders: len(x), Gini: stats.Gini(x), Top1: stats.TopShare(x, 0.01),
		Nak51: stats.Nakamoto(x, 0.51)}
}

func some(f float64) *float64 { return &f }
