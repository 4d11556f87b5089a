package node

import (
	"context"
	"errors"
	"fmt"

	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/sdk/metagraph"
)

// ensureRegistered returns the hotkey's uid, registering it first (paid by coldkey, at most
// maxBurn) if the metagraph does not list it. Without a coldkey an unregistered hotkey is an
// error: registering costs TAO, which only the owner may decide to spend.
func ensureRegistered(ctx context.Context, c *chain.Client, s *metagraph.Syncer, netuid uint16, hotkey, coldkey chain.Signer, maxBurn uint64) (uint16, error) {
	m, _, err := s.Sync(ctx)
	if err != nil {
		return 0, fmt.Errorf("reading subnet %d: %w", netuid, err)
	}
	if uid, ok := m.UID(hotkey.Address()); ok {
		return uid, nil
	}
	if coldkey == nil {
		return 0, fmt.Errorf("hotkey %s is not registered on subnet %d and no coldkey was given to pay for it", hotkey.Address(), netuid)
	}
	reg, _, err := c.Register(ctx, coldkey, netuid, hotkey.Address(), maxBurn)
	if err != nil {
		return 0, fmt.Errorf("registering %s on subnet %d: %w", hotkey.Address(), netuid, err)
	}
	if reg.Uid > 65535 {
		return 0, errors.New("the chain returned a uid beyond u16")
	}
	// The registration moved the subnet's topology marker: the next sync reads it.
	if _, _, err := s.Sync(ctx); err != nil {
		return 0, fmt.Errorf("reading subnet %d after registering: %w", netuid, err)
	}
	return uint16(reg.Uid), nil
}
