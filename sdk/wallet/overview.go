package wallet

import (
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"text/tabwriter"

	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/sdk/metagraph"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// Overview is a wallet on chain at one height: the coldkey's TAO and stakes, and every hotkey's
// registrations with their last epoch's results (btcli's `wallet overview`).
type Overview struct {
	Wallet  string `json:"wallet"`
	Coldkey string `json:"coldkey"`
	Height  int64  `json:"height"`
	// Balance is the coldkey's free TAO; StakedValue what unstaking everything would pay now;
	// Total their sum. All in rao.
	Balance     uint64       `json:"balance_rao"`
	StakedValue uint64       `json:"staked_value_rao"`
	Total       uint64       `json:"total_rao"`
	Stakes      []StakeView  `json:"stakes"`
	Hotkeys     []HotkeyView `json:"hotkeys"`
}

// StakeView is the coldkey's stake on one hotkey and subnet.
type StakeView struct {
	Hotkey string `json:"hotkey"`
	// HotkeyName is the hotkey's name in this wallet, or "" for another's hotkey (a delegate).
	HotkeyName string `json:"hotkey_name"`
	Netuid     uint16 `json:"netuid"`
	Alpha      uint64 `json:"alpha_rao"`
	TaoValue   uint64 `json:"tao_value_rao"`
}

// HotkeyView is one hotkey of the wallet and where it is registered.
type HotkeyView struct {
	Name          string         `json:"name"`
	Address       string         `json:"address"`
	Registrations []Registration `json:"registrations"`
}

// Registration is a hotkey's uid on one subnet. Proportions are fractions of 1.
type Registration struct {
	Netuid          uint16  `json:"netuid"`
	UID             uint16  `json:"uid"`
	Active          bool    `json:"active"`
	ValidatorPermit bool    `json:"validator_permit"`
	Immune          bool    `json:"immune"`
	AlphaStake      uint64  `json:"alpha_stake_rao"`
	Emission        uint64  `json:"emission_rao"`
	Incentive       float64 `json:"incentive"`
	Dividends       float64 `json:"dividends"`
	Consensus       float64 `json:"consensus"`
	ValidatorTrust  float64 `json:"validator_trust"`
	LastUpdate      uint64  `json:"last_update"`
	// Axon is host:port, or "" if the neuron does not serve.
	Axon string `json:"axon"`
}

// ReadOverview reads a wallet's overview from the node, every part at the same height.
func ReadOverview(ctx context.Context, c *chain.Client, w Wallet) (Overview, error) {
	if w.Coldkey == nil {
		return Overview{}, fmt.Errorf("wallet: %s has no coldkey in this keyring: its balance and stakes are the coldkey's", w.Name)
	}
	height, err := c.Height(ctx)
	if err != nil {
		return Overview{}, err
	}
	ctx = chain.AtHeight(ctx, height)
	o := Overview{Wallet: w.Name, Coldkey: w.Coldkey.Address, Height: height, Stakes: []StakeView{}, Hotkeys: []HotkeyView{}}

	stakes, err := c.Stakes(ctx, w.Coldkey.Address)
	if err != nil {
		return Overview{}, err
	}
	names := map[string]string{}
	for _, h := range w.Hotkeys {
		names[h.Address] = h.Hotkey
	}
	o.Balance = stakes.Balance
	for _, s := range stakes.Stakes {
		o.Stakes = append(o.Stakes, StakeView{Hotkey: s.Hotkey, HotkeyName: names[s.Hotkey], Netuid: uint16(s.Netuid), Alpha: s.Alpha, TaoValue: s.TaoValue})
		o.StakedValue += s.TaoValue
	}
	o.Total = o.Balance + o.StakedValue

	for _, h := range w.Hotkeys {
		res, err := c.Hotkey(ctx, h.Address)
		if err != nil {
			return Overview{}, err
		}
		v := HotkeyView{Name: h.Hotkey, Address: h.Address, Registrations: []Registration{}}
		for _, n := range res.Neurons {
			r := Registration{
				Netuid: uint16(n.Netuid), UID: uint16(n.Uid), Active: n.Active, ValidatorPermit: n.ValidatorPermit,
				Immune: n.Immune, AlphaStake: n.AlphaStake, Emission: n.Emission, LastUpdate: n.LastUpdate,
				Incentive: metagraph.Share(uint16(n.Incentive)), Dividends: metagraph.Share(uint16(n.Dividends)),
				Consensus: metagraph.Share(uint16(n.Consensus)), ValidatorTrust: metagraph.Share(uint16(n.ValidatorTrust)),
			}
			if n.Axon != nil {
				r.Axon = net.JoinHostPort(n.Axon.Ip, strconv.FormatUint(uint64(n.Axon.Port), 10))
			}
			v.Registrations = append(v.Registrations, r)
		}
		o.Hotkeys = append(o.Hotkeys, v)
	}
	return o, nil
}

// WriteTable writes the overview as btcli's tables: the wallet's registrations, its stakes, and
// its TAO.
func (o Overview) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "wallet %s   coldkey %s   height %d\n\n", o.Wallet, o.Coldkey, o.Height)
	fmt.Fprintln(tw, "HOTKEY\tNETUID\tUID\tACTIVE\tSTAKE(α)\tEMISSION(α)\tINCENTIVE\tDIVIDENDS\tCONSENSUS\tVTRUST\tVPERMIT\tUPDATED\tAXON\tADDRESS")
	registered := false
	for _, h := range o.Hotkeys {
		for _, r := range h.Registrations {
			registered = true
			fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\t%.5f\t%.5f\t%.5f\t%.5f\t%s\t%d\t%s\t%s\n",
				h.Name, r.Netuid, r.UID, yesNo(r.Active), types.FormatTAO(r.AlphaStake), types.FormatTAO(r.Emission),
				r.Incentive, r.Dividends, r.Consensus, r.ValidatorTrust, yesNo(r.ValidatorPermit), r.LastUpdate, dash(r.Axon), h.Address)
		}
	}
	if !registered {
		fmt.Fprintln(tw, "(no hotkey of this wallet is registered on a subnet)")
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "STAKED TO\tNETUID\tALPHA\tVALUE(τ)\tHOTKEY ADDRESS")
	for _, s := range o.Stakes {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\n", dash(s.HotkeyName), s.Netuid, types.FormatTAO(s.Alpha), types.FormatTAO(s.TaoValue), s.Hotkey)
	}
	if len(o.Stakes) == 0 {
		fmt.Fprintln(tw, "(no stake)")
	}
	fmt.Fprintln(tw)
	fmt.Fprintf(tw, "free\t%s τ\n", types.FormatTAO(o.Balance))
	fmt.Fprintf(tw, "staked\t%s τ\n", types.FormatTAO(o.StakedValue))
	fmt.Fprintf(tw, "total\t%s τ\n", types.FormatTAO(o.Total))
	return tw.Flush()
}

// WriteTree writes wallets as btcli's `wallet list`: each coldkey, its hotkeys under it.
func WriteTree(w io.Writer, wallets []Wallet) error {
	if len(wallets) == 0 {
		_, err := fmt.Fprintln(w, "no wallets: make one with `gotensor wallet create NAME`")
		return err
	}
	for _, wal := range wallets {
		cold := "(coldkey not in this keyring)"
		if wal.Coldkey != nil {
			cold = wal.Coldkey.Address
		}
		fmt.Fprintf(w, "%s  %s\n", wal.Name, cold)
		for i, h := range wal.Hotkeys {
			branch := "├──"
			if i == len(wal.Hotkeys)-1 {
				branch = "└──"
			}
			fmt.Fprintf(w, "%s %s  %s\n", branch, h.Hotkey, h.Address)
		}
	}
	return nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
