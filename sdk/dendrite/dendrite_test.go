package dendrite_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/sdk/axon"
	"github.com/gotensor/gotensor/sdk/axon/axontest"
	"github.com/gotensor/gotensor/sdk/dendrite"
	"github.com/gotensor/gotensor/sdk/example/echo"
	"github.com/gotensor/gotensor/sdk/synapse"
)

var scope = synapse.Scope{ChainID: "gotensor-test", NetUID: 1}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// net is one miner and one validator that knows it.
type net struct {
	miner     *axon.Axon
	validator *dendrite.Dendrite
	target    dendrite.Axon
}

func newNet(t *testing.T, mutate func(*axon.Config, *dendrite.Config)) *net {
	t.Helper()
	vkey, mkey := synapse.GenerateKeySigner(), synapse.GenerateKeySigner()
	acfg := axon.Config{Signer: mkey, Scope: scope, Logger: quiet,
		Peers: axon.StaticPeers{vkey.Address(): {UID: 0, Stake: 1000, ValidatorPermit: true}}}
	dcfg := dendrite.Config{Signer: vkey, Scope: scope, Logger: quiet}
	if mutate != nil {
		mutate(&acfg, &dcfg)
	}
	a := axontest.Start(t, acfg, echo.Register)
	d, err := dendrite.New(dcfg)
	require.NoError(t, err)
	t.Cleanup(d.Close)
	return &net{miner: a, validator: d, target: dendrite.Axon{Hotkey: mkey.Address(), Addr: a.Addr().String()}}
}

func TestCallEchoSumCount(t *testing.T) {
	for _, h2 := range []bool{false, true} {
		n := newNet(t, func(_ *axon.Config, d *dendrite.Config) { d.HTTP2 = h2 })
		ctx := context.Background()

		r := dendrite.Call(ctx, n.validator, echo.Echo, n.target, echo.EchoRequest{Text: "héllo"})
		require.NoError(t, r.Err)
		require.Equal(t, http.StatusOK, r.Status)
		require.Equal(t, echo.EchoResponse{Text: "héllo", Length: 5}, r.Response)

		s := dendrite.Call(ctx, n.validator, echo.Sum, n.target, echo.SumRequest{Numbers: []int64{1, 2, 39}})
		require.NoError(t, s.Err)
		require.Equal(t, int64(42), s.Response.Sum)

		o := dendrite.Call(ctx, n.validator, echo.Sum, n.target, echo.SumRequest{Numbers: []int64{1 << 62, 1 << 62}})
		require.Equal(t, http.StatusBadRequest, o.Status)
		require.Equal(t, synapse.ReasonBadRequest, o.Reason)
		require.ErrorContains(t, o.Err, "overflows int64 at numbers[1]")

		var got []echo.CountChunk
		c := dendrite.Stream(ctx, n.validator, echo.Count, n.target, echo.CountRequest{N: 5, Text: "x"},
			func(c echo.CountChunk) error { got = append(got, c); return nil })
		require.NoError(t, c.Err)
		require.Equal(t, 5, c.Chunks)
		for i, ch := range got {
			require.Equal(t, echo.CountChunk{Index: i, Text: "x"}, ch)
		}
	}
}
