package localnet

import (
	"fmt"
	"os"
	"path/filepath"

	subnettypes "github.com/gotensor/gotensor/x/subnet/types"
)

// TestnetOptions configure `gotensor testnet init-files`.
type TestnetOptions struct {
	Validators int
	Dir        string
	ChainID    string
}

// portStride separates the ports of consecutive nodes of a testnet on one machine.
const portStride = 10

// InitFiles writes the homes of a multi-validator network into opts.Dir/node0 … nodeN-1. Unlike a
// local network, its authority is governance.
func InitFiles(opts TestnetOptions) (Network, error) {
	if entries, err := os.ReadDir(opts.Dir); err == nil && len(entries) > 0 {
		return Network{}, fmt.Errorf("%s is not empty: pass a new or empty folder as --output", opts.Dir)
	}
	spec := Spec{ChainID: opts.ChainID, Accounts: DevAccounts}
	dirs := make([]string, opts.Validators)
	for i := range dirs {
		dirs[i] = filepath.Join(opts.Dir, fmt.Sprintf("node%d", i))
		off := i * portStride
		spec.Validators = append(spec.Validators, ValidatorSpec{
			Moniker: fmt.Sprintf("node%d", i),
			Bond:    1_000 * subnettypes.RaoPerTAO, Balance: 1_000 * subnettypes.RaoPerTAO,
			Ports: Ports{
				P2P: StandardPorts.P2P + off, RPC: StandardPorts.RPC + off,
				GRPC: StandardPorts.GRPC + off, API: StandardPorts.API + off,
			},
		})
	}
	return Create(spec, dirs)
}
