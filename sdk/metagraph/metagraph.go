package metagraph

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"strconv"

	"github.com/gotensor/gotensor/sdk/axon"
	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/sdk/dendrite"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// Mode says how much to read: Lite is the per-uid vectors, Full adds the weight and bond rows
// (n² at worst, which validators computing consensus need and miners do not).
type Mode bool

const (
	Lite Mode = false
	Full Mode = true
)

func (m Mode) String() string {
	if m == Full {
		return "full"
	}
	return "lite"
}

// Metagraph is a subnet at one height. Proportions (StakeWeight, Consensus, Incentive,
// Dividends, ValidatorTrust) are u16 shares, 65535 = 1 (Share converts them).
type Metagraph struct {
	Netuid uint16 `json:"netuid"`
	// Height is the block it was read at.
	Height int64 `json:"height"`
	// LastEpochBlock and TopologyChangedAt are the markers a refresh compares.
	LastEpochBlock    uint64 `json:"last_epoch_block"`
	TopologyChangedAt uint64 `json:"topology_changed_at"`
	Mode              Mode   `json:"full"`

	Hotkeys             []string `json:"hotkeys"`
	Coldkeys            []string `json:"coldkeys"`
	AlphaStake          []uint64 `json:"alpha_stake"` // alpha staked to the hotkey on this subnet, rao
	StakeWeight         []uint16 `json:"stake_weight"`
	ValidatorPermit     []bool   `json:"validator_permit"`
	Active              []bool   `json:"active"`
	Immune              []bool   `json:"immune"`
	LastUpdate          []uint64 `json:"last_update"`
	BlockAtRegistration []uint64 `json:"block_at_registration"`
	Consensus           []uint16 `json:"consensus"`
	Incentive           []uint16 `json:"incentive"`
	Dividends           []uint16 `json:"dividends"`
	ValidatorTrust      []uint16 `json:"validator_trust"`
	Emission            []uint64 `json:"emission"` // alpha rao received in the last epoch
	Axons               []Axon   `json:"axons"`

	// Weights and Bonds are each uid's sparse row (Full only; nil in Lite).
	Weights [][]Entry `json:"weights,omitempty"`
	Bonds   [][]Entry `json:"bonds,omitempty"`

	index map[string]uint16
}

// Axon is where a uid serves; the zero Axon means it does not.
type Axon struct {
	IP       netip.Addr `json:"ip"`
	Port     uint16     `json:"port"`
	Version  uint32     `json:"version"`
	Protocol uint8      `json:"protocol"`
	// Block is when it was published.
	Block uint64 `json:"block"`
}

// Serving reports whether the uid published an axon.
func (a Axon) Serving() bool { return a.IP.IsValid() && a.Port != 0 }

// Addr is host:port.
func (a Axon) Addr() string { return netip.AddrPortFrom(a.IP, a.Port).String() }

// Entry is one (uid, value) of a weight or bond row.
type Entry struct {
	UID   uint16 `json:"uid"`
	Value uint16 `json:"value"`
}

// Share is a u16 proportion as a fraction of 1.
func Share(v uint16) float64 { return float64(v) / types.MaxU16 }

// Load reads a subnet's metagraph from the node, at its latest height or the one ctx pins
// (chain.AtHeight).
func Load(ctx context.Context, c *chain.Client, netuid uint16, mode Mode) (*Metagraph, error) {
	res, err := c.Metagraph(ctx, netuid, bool(mode), bool(mode))
	if err != nil {
		return nil, err
	}
	return FromResponse(res, mode)
}

// FromResponse builds a metagraph from the node's answer, checking that it describes a
// well-formed subnet (uids 0..n−1, each once, rows pointing at existing uids).
func FromResponse(res *types.QueryMetagraphResponse, mode Mode) (*Metagraph, error) {
	if res.Netuid > types.MaxU16 {
		return nil, fmt.Errorf("metagraph: netuid %d is not a u16", res.Netuid)
	}
	n := len(res.Neurons)
	m := &Metagraph{
		Netuid: uint16(res.Netuid), Height: res.Height, LastEpochBlock: res.LastEpochBlock,
		TopologyChangedAt: res.TopologyChangedAt, Mode: mode,
		Hotkeys: make([]string, n), Coldkeys: make([]string, n), AlphaStake: make([]uint64, n),
		StakeWeight: make([]uint16, n), ValidatorPermit: make([]bool, n), Active: make([]bool, n),
		Immune: make([]bool, n), LastUpdate: make([]uint64, n), BlockAtRegistration: make([]uint64, n),
		Consensus: make([]uint16, n), Incentive: make([]uint16, n), Dividends: make([]uint16, n),
		ValidatorTrust: make([]uint16, n), Emission: make([]uint64, n), Axons: make([]Axon, n),
	}
	seen := make([]bool, n)
	for i := range res.Neurons {
		v := &res.Neurons[i]
		if int(v.Uid) >= n || seen[v.Uid] {
			return nil, fmt.Errorf("metagraph: subnet %d at height %d: uid %d is out of range or repeated among %d neurons", res.Netuid, res.Height, v.Uid, n)
		}
		u := v.Uid
		seen[u] = true
		shares := []uint32{v.StakeWeight, v.Consensus, v.Incentive, v.Dividends, v.ValidatorTrust}
		for _, s := range shares {
			if s > types.MaxU16 {
				return nil, fmt.Errorf("metagraph: subnet %d uid %d: share %d is not a u16", res.Netuid, u, s)
			}
		}
		m.Hotkeys[u], m.Coldkeys[u] = v.Hotkey, v.Coldkey
		m.AlphaStake[u] = v.AlphaStake
		m.StakeWeight[u] = uint16(v.StakeWeight)
		m.ValidatorPermit[u], m.Active[u], m.Immune[u] = v.ValidatorPermit, v.Active, v.Immune
		m.LastUpdate[u], m.BlockAtRegistration[u] = v.LastUpdate, v.BlockAtRegistration
		m.Consensus[u], m.Incentive[u] = uint16(v.Consensus), uint16(v.Incentive)
		m.Dividends[u], m.ValidatorTrust[u] = uint16(v.Dividends), uint16(v.ValidatorTrust)
		m.Emission[u] = v.Emission
		if v.Axon != nil {
			a, err := axonOf(v.Axon)
			if err != nil {
				return nil, fmt.Errorf("metagraph: subnet %d uid %d: %w", res.Netuid, u, err)
			}
			m.Axons[u] = a
		}
	}
	m.reindex()
	if mode == Full {
		var err error
		if m.Weights, err = rows(res.Weights, n, "weights"); err != nil {
			return nil, fmt.Errorf("metagraph: subnet %d: %w", res.Netuid, err)
		}
		if m.Bonds, err = rows(res.Bonds, n, "bonds"); err != nil {
			return nil, fmt.Errorf("metagraph: subnet %d: %w", res.Netuid, err)
		}
	}
	return m, nil
}

func axonOf(a *types.AxonInfo) (Axon, error) {
	ip, err := netip.ParseAddr(a.Ip)
	if err != nil {
		return Axon{}, fmt.Errorf("axon ip %q: %w", a.Ip, err)
	}
	if a.Port > 65535 || a.Protocol > 255 {
		return Axon{}, fmt.Errorf("axon port %d or protocol %d out of range", a.Port, a.Protocol)
	}
	return Axon{IP: ip, Port: uint16(a.Port), Version: a.Version, Protocol: uint8(a.Protocol), Block: a.Block}, nil
}

// rows spreads the node's sparse rows over uids; a uid without a row has an empty one.
func rows(in []types.MatrixRow, n int, what string) ([][]Entry, error) {
	out := make([][]Entry, n)
	for _, r := range in {
		if int(r.Uid) >= n {
			return nil, fmt.Errorf("%s row of uid %d, but there are %d uids", what, r.Uid, n)
		}
		row := make([]Entry, len(r.Entries))
		for i, e := range r.Entries {
			if int(e.Uid) >= n || e.Value > types.MaxU16 {
				return nil, fmt.Errorf("%s row of uid %d: entry (%d, %d) out of range", what, r.Uid, e.Uid, e.Value)
			}
			row[i] = Entry{UID: uint16(e.Uid), Value: uint16(e.Value)}
		}
		out[r.Uid] = row
	}
	return out, nil
}

// reindex builds the hotkey index.
func (m *Metagraph) reindex() {
	m.index = make(map[string]uint16, len(m.Hotkeys))
	for u, h := range m.Hotkeys {
		m.index[h] = uint16(u)
	}
}

// UnmarshalJSON reads a snapshot saved with encoding/json.
func (m *Metagraph) UnmarshalJSON(b []byte) error {
	type plain Metagraph
	if err := json.Unmarshal(b, (*plain)(m)); err != nil {
		return err
	}
	m.reindex()
	return nil
}

// N is the number of uids.
func (m *Metagraph) N() int { return len(m.Hotkeys) }

// UID is a hotkey's uid, if it is registered.
func (m *Metagraph) UID(hotkey string) (uint16, bool) {
	u, ok := m.index[hotkey]
	return u, ok
}

// Lookup makes a metagraph an axon's Peers: who a caller is on the subnet, by its proven hotkey.
func (m *Metagraph) Lookup(hotkey string) (axon.PeerInfo, bool) {
	u, ok := m.index[hotkey]
	if !ok {
		return axon.PeerInfo{}, false
	}
	return axon.PeerInfo{UID: u, Stake: m.AlphaStake[u], ValidatorPermit: m.ValidatorPermit[u]}, true
}

// Serving lists the uids with a published axon and where to reach each, in uid order, as a
// dendrite queries them.
func (m *Metagraph) Serving() ([]uint16, []dendrite.Axon) {
	var uids []uint16
	var axons []dendrite.Axon
	for u, a := range m.Axons {
		if a.Serving() {
			uids = append(uids, uint16(u))
			axons = append(axons, dendrite.Axon{Hotkey: m.Hotkeys[u], Addr: a.Addr()})
		}
	}
	return uids, axons
}

// String summarizes the snapshot.
func (m *Metagraph) String() string {
	return "metagraph(netuid " + strconv.Itoa(int(m.Netuid)) + ", " + strconv.Itoa(m.N()) + " uids, " + m.Mode.String() +
		", height " + strconv.FormatInt(m.Height, 10) + ")"
}

var _ axon.Peers = (*Metagraph)(nil)
