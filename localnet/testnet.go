package localnet

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	subnettypes "github.com/gotensor/gotensor/x/subnet/types"
)

// TestnetOptions configure `gotensor testnet init-files`.
type TestnetOptions struct {
	Validators int
	Dir        string
	ChainID    string
	// Ports are the first node's; node i adds i × PortStride to each. Zero: StandardPorts.
	Ports        Ports
	BlockTime    time.Duration
	VotingPeriod time.Duration
}

// PortStride separates the ports of consecutive nodes of a testnet on one machine.
const PortStride = 10

// InitFiles writes the homes of a multi-validator network into opts.Dir/node0 … nodeN-1. Unlike a
// local network, its authority is governance.
func InitFiles(opts TestnetOptions) (Network, error) {
	if entries, err := os.ReadDir(opts.Dir); err == nil && len(entries) > 0 {
		return Network{}, fmt.Errorf("%s is not empty: pass a new or empty folder as --output", opts.Dir)
	}
	// The nodes, and the miners that join them, share this machine's loopback interface, so its
	// axons may publish loopback addresses as on a local network.
	spec := Spec{
		ChainID: opts.ChainID, Accounts: DevAccounts, BlockTime: opts.BlockTime, VotingPeriod: opts.VotingPeriod,
		Params: func(p *subnettypes.Params) { p.AllowLoopbackAxons = true },
	}
	base := opts.Ports
	if base == (Ports{}) {
		base = StandardPorts
	}
	dirs := make([]string, opts.Validators)
	for i := range dirs {
		dirs[i] = filepath.Join(opts.Dir, fmt.Sprintf("node%d", i))
		off := i * PortStride
		spec.Validators = append(spec.Validators, ValidatorSpec{
			Moniker: fmt.Sprintf("node%d", i),
			Bond:    1_000 * subnettypes.RaoPerTAO, Balance: 1_000 * subnettypes.RaoPerTAO,
			Ports: Ports{
				P2P: base.P2P + off, RPC: base.RPC + off,
				GRPC: base.GRPC + off, API: base.API + off,
			},
		})
	}
	return Create(spec, dirs)
}
