package keeper

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/core/address"

	addresscodec "github.com/cosmos/cosmos-sdk/codec/address"
	"github.com/cosmos/cosmos-sdk/types/bech32"

	"github.com/gotensor/gotensor/x/subnet/types"
)

// codecOnlyAuth is an account keeper that offers only its address codec, all parseAddress asks.
type codecOnlyAuth struct {
	types.AccountKeeper
	codec address.Codec
}

func (a codecOnlyAuth) AddressCodec() address.Codec { return a.codec }

func mustBech32(t testing.TB, hrp string, bz []byte) string {
	s, err := bech32.ConvertAndEncode(hrp, bz)
	require.NoError(t, err)
	return s
}

// parseAddress decodes addresses itself (address.go): whatever the text, it must accept exactly
// what the SDK's codec accepts, with the same bytes, and refuse the rest with the codec's error.
func TestParseAddressAgreesWithTheCodec(t *testing.T) {
	codec := addresscodec.NewBech32Codec("tao")
	k := Keeper{auth: codecOnlyAuth{codec: codec}}
	key20 := bytes.Repeat([]byte{0xab}, 20)
	valid := mustBech32(t, "tao", key20)
	inputs := map[string]string{
		"20-byte account":             valid,
		"32-byte account":             mustBech32(t, "tao", bytes.Repeat([]byte{7}, 32)),
		"255 bytes, the most allowed": mustBech32(t, "tao", bytes.Repeat([]byte{1}, 255)),
		"256 bytes":                   mustBech32(t, "tao", bytes.Repeat([]byte{1}, 256)),
		"no bytes":                    mustBech32(t, "tao", nil),
		"upper case":                  strings.ToUpper(valid),
		"mixed case":                  "TAO" + valid[3:],
		"another prefix":              mustBech32(t, "cosmos", key20),
		"validator prefix":            mustBech32(t, "taovaloper", key20),
		"bad checksum":                valid[:len(valid)-1] + "q",
		"empty":                       "",
		"spaces":                      "   ",
		"leading space":               " " + valid,
		"not bech32":                  "hello",
	}
	for name, text := range inputs {
		t.Run(name, func(t *testing.T) {
			want, wantErr := codec.StringToBytes(text)
			got, err := k.parseAddress("hotkey", text)
			_, fast := k.decodeAccAddress(text)
			if wantErr != nil || len(want) == 0 {
				require.ErrorIs(t, err, types.ErrInvalidAddress)
				require.False(t, fast)
				if wantErr != nil {
					require.ErrorContains(t, err, wantErr.Error())
				}
				return
			}
			require.NoError(t, err)
			require.True(t, fast, "the codec accepts it, so the direct path must too")
			require.Equal(t, want, []byte(got))
		})
	}
}

// BenchmarkParseAddress is one hotkey decoded as every message and every epoch's uid does.
func BenchmarkParseAddress(b *testing.B) {
	k := Keeper{auth: codecOnlyAuth{codec: addresscodec.NewBech32Codec("tao")}}
	text := mustBech32(b, "tao", bytes.Repeat([]byte{0xab}, 20))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.parseAddress("hotkey", text); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCodecStringToBytes is the SDK codec's decode of the same address, for comparison.
func BenchmarkCodecStringToBytes(b *testing.B) {
	codec := addresscodec.NewBech32Codec("tao")
	text := mustBech32(b, "tao", bytes.Repeat([]byte{0xab}, 20))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := codec.StringToBytes(text); err != nil {
			b.Fatal(err)
		}
	}
}
