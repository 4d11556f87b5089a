package keeper

import (
	"sync"

	addresscodec "github.com/cosmos/cosmos-sdk/codec/address"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/address"
	"github.com/cosmos/cosmos-sdk/types/bech32"
)

// The SDK's bech32 codec (v0.54) looks up the process-wide SDK configuration on every decode, to
// find an optional address verifier, and that look-up reads the executable's path and the host
// name from the kernel each time: 7.7 µs a decode against 0.65 µs here (BenchmarkParseAddress,
// BENCHMARKS.md), and more on a loaded machine. Every message names its keys in bech32 (the store
// holds bytes, so only messages, queries and genesis import decode), so the module decodes
// addresses itself and leaves the codec only the failures, for its exact error.

// sdkAddressVerifierSet reports whether the SDK configuration carries an address verifier, which
// the direct decoding would bypass. The configuration is sealed when the app is built, before any
// message or block runs, so asking once is enough.
var sdkAddressVerifierSet = sync.OnceValue(func() bool { return sdk.GetConfig().GetAddressVerifier() != nil })

// decodeAccAddress decodes a bech32 account address exactly as the account codec would accept it
// (the codec's prefix, 1 to 255 bytes). ok is false for anything the codec might judge otherwise:
// then ask the codec.
func (k Keeper) decodeAccAddress(text string) (addr sdk.AccAddress, ok bool) {
	codec, isBech32 := k.auth.AddressCodec().(addresscodec.Bech32Codec)
	if !isBech32 || sdkAddressVerifierSet() {
		return nil, false
	}
	hrp, bz, err := bech32.DecodeAndConvert(text)
	if err != nil || hrp != codec.Bech32Prefix || len(bz) == 0 || len(bz) > address.MaxAddrLen {
		return nil, false
	}
	return bz, true
}

// canonicalAddress renders an address as bech32 for the edges (events, queries, genesis): the
// store holds the bytes, so this is the one text every reader sees for them.
func (k Keeper) canonicalAddress(addr sdk.AccAddress) (string, error) {
	return k.AddressCodec().BytesToString(addr)
}

// canonicalKeys renders a coldkey and a hotkey, as canonicalAddress does.
func (k Keeper) canonicalKeys(coldkey, hotkey sdk.AccAddress) (coldkeyText, hotkeyText string, err error) {
	if coldkeyText, err = k.canonicalAddress(coldkey); err != nil {
		return "", "", err
	}
	hotkeyText, err = k.canonicalAddress(hotkey)
	return coldkeyText, hotkeyText, err
}
