package node

import (
	"errors"
	"fmt"
	"io"

	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/sdk/wallet"
)

// WalletKeys opens a wallet's hotkey, and its coldkey if this keyring holds it (nil if not: the
// hotkey must then be registered already), for the example programs.
func WalletKeys(backend, home, name, hotkey string, input io.Reader) (hot, cold chain.Signer, err error) {
	store, err := wallet.Open(backend, home, input)
	if err != nil {
		return nil, nil, err
	}
	h, err := store.Hotkey(name, hotkey)
	if err != nil {
		return nil, nil, fmt.Errorf("hotkey: %w (make one with `gotensor wallet create %s`)", err, name)
	}
	c, err := store.Coldkey(name)
	switch {
	case errors.Is(err, wallet.ErrNotFound):
		return h, nil, nil
	case err != nil:
		return nil, nil, err
	}
	return h, c, nil
}
