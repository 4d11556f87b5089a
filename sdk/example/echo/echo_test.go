package echo_test

import (
	"context"
	"math"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/sdk/axon"
	"github.com/gotensor/gotensor/sdk/example/echo"
	"github.com/gotensor/gotensor/sdk/synapse"
)

func TestHandleEcho(t *testing.T) {
	got, err := echo.HandleEcho(context.Background(), axon.Call{}, echo.EchoRequest{Text: "añb"})
	require.NoError(t, err)
	require.Equal(t, echo.EchoResponse{Text: "añb", Length: 3}, got, "length counts characters, not bytes")
}

func TestHandleSum(t *testing.T) {
	for _, tc := range []struct {
		name    string
		numbers []int64
		sum     int64
		err     string
	}{
		{"empty", nil, 0, ""},
		{"mixed", []int64{5, -7, 40}, 38, ""},
		{"up to the edge", []int64{math.MaxInt64 - 1, 1}, math.MaxInt64, ""},
		{"down to the edge", []int64{math.MinInt64 + 1, -1}, math.MinInt64, ""},
		{"overflow", []int64{math.MaxInt64, 1}, 0, "overflows int64 at numbers[1] = 1"},
		{"underflow", []int64{-1, math.MinInt64}, 0, "overflows int64 at numbers[1]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := echo.HandleSum(context.Background(), axon.Call{}, echo.SumRequest{Numbers: tc.numbers})
			if tc.err == "" {
				require.NoError(t, err)
				require.Equal(t, tc.sum, got.Sum)
				return
			}
			var e *synapse.Error
			require.ErrorAs(t, err, &e)
			require.Equal(t, http.StatusBadRequest, e.Status)
			require.Contains(t, e.Message, tc.err)
		})
	}
}

func TestHandleCount(t *testing.T) {
	var got []echo.CountChunk
	send := func(c echo.CountChunk) error { got = append(got, c); return nil }
	require.NoError(t, echo.HandleCount(context.Background(), axon.Call{}, echo.CountRequest{N: 3, Text: "z"}, send))
	require.Equal(t, []echo.CountChunk{{0, "z"}, {1, "z"}, {2, "z"}}, got)
	require.ErrorContains(t, echo.HandleCount(context.Background(), axon.Call{}, echo.CountRequest{N: echo.MaxCount + 1}, send), "want 0..100000")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, echo.HandleCount(ctx, axon.Call{}, echo.CountRequest{N: 0}, send), context.Canceled)
}
