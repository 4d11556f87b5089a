package neuron

import (
	"context"
	"errors"
	"fmt"

	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// ErrNotRegistered is a hotkey that the subnet does not list.
var ErrNotRegistered = errors.New("not registered")

// CheckRegistered returns the hotkey's uid on the subnet. A subnet that does not exist is an
// error wrapping types.ErrSubnetNotFound, a hotkey it does not list one wrapping
// ErrNotRegistered, so that a program can say what to do about each.
func CheckRegistered(ctx context.Context, c *chain.Client, netuid uint16, hotkey string) (uint16, error) {
	if _, _, err := c.Subnet(ctx, netuid); err != nil {
		if errors.Is(err, types.ErrSubnetNotFound) {
			return 0, fmt.Errorf("subnet %d does not exist on chain %s: %w", netuid, c.ChainID(), types.ErrSubnetNotFound)
		}
		return 0, fmt.Errorf("reading subnet %d: %w", netuid, err)
	}
	res, err := c.Hotkey(ctx, hotkey)
	if err != nil {
		return 0, fmt.Errorf("reading hotkey %s: %w", hotkey, err)
	}
	for _, n := range res.Neurons {
		if n.Netuid == uint32(netuid) {
			if n.Uid > types.MaxU16 {
				return 0, fmt.Errorf("the chain lists hotkey %s at uid %d, beyond u16", hotkey, n.Uid)
			}
			return uint16(n.Uid), nil
		}
	}
	return 0, fmt.Errorf("hotkey %s on subnet %d of chain %s: %w", hotkey, netuid, c.ChainID(), ErrNotRegistered)
}
