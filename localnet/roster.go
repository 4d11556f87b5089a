package localnet

import (
	"fmt"

	"github.com/gotensor/gotensor/sdk/wallet"
	subnettypes "github.com/gotensor/gotensor/x/subnet/types"
)

// The demo network as data: who mines with which model and who validates with what stake. Each
// neuron is a wallet in the home's keyring — a funded coldkey NAME and its hotkey NAME/default —
// as a user would make with `gotensor wallet create NAME`.

// DemoMiner is one miner of the demo subnet.
type DemoMiner struct {
	Name  string `json:"name"`
	Model string `json:"model"`
}

// DemoValidator is one validator of the demo subnet, with the TAO it stakes to itself.
type DemoValidator struct {
	Name  string `json:"name"`
	Stake uint64 `json:"stake_rao"`
}

// Roster is the demo subnet's neurons and its epoch length.
type Roster struct {
	Miners     []DemoMiner     `json:"miners"`
	Validators []DemoValidator `json:"validators"`
	// Tempo is the subnet's epoch length in blocks.
	Tempo uint32 `json:"tempo"`
}

// demoModels are the miners' models, best first on the validators' live series (see
// subnets/forecast's tournament): more miners than models reuse them in this order.
var demoModels = []string{"gbt", "ar", "holt-winters", "seasonal-naive", "ses", "naive", "drift", "mean"}

// demoStakes are the validators' stakes, largest first, so dividends can be seen to follow stake.
var demoStakes = []uint64{300 * subnettypes.RaoPerTAO, 200 * subnettypes.RaoPerTAO, 100 * subnettypes.RaoPerTAO}

// DefaultTempo gives an epoch about every 20 s with 1 s blocks.
const DefaultTempo = 20

// NewRoster is the demo with the given numbers of miners and validators.
func NewRoster(miners, validators int) Roster {
	r := Roster{Tempo: DefaultTempo}
	for i := range miners {
		r.Miners = append(r.Miners, DemoMiner{Name: fmt.Sprintf("miner-%d", i+1), Model: demoModels[i%len(demoModels)]})
	}
	for i := range validators {
		stake := demoStakes[min(i, len(demoStakes)-1)]
		r.Validators = append(r.Validators, DemoValidator{Name: fmt.Sprintf("validator-%d", i+1), Stake: stake})
	}
	return r
}

// registrationAllowance is what each neuron's coldkey holds besides stake: enough for a few
// registrations at the rising burn price, and fees.
const registrationAllowance = 50 * subnettypes.RaoPerTAO

// accounts are the roster's coldkeys, funded at genesis.
func (r Roster) accounts() []AccountSpec {
	var out []AccountSpec
	for _, m := range r.Miners {
		out = append(out, AccountSpec{Name: m.Name, Balance: registrationAllowance})
	}
	for _, v := range r.Validators {
		out = append(out, AccountSpec{Name: v.Name, Balance: v.Stake + registrationAllowance})
	}
	return out
}

// hotkeyOf is the keyring name of a roster neuron's hotkey.
func hotkeyOf(name string) string { return wallet.HotkeyName(name, wallet.DefaultHotkey) }

// ownerHotkey is the subnet owner's hotkey: uid 0 of the demo subnet.
var ownerHotkey = wallet.HotkeyName(DevAccounts[0].Name, "owner")
