package echo

import (
	"context"
	"errors"
	"math"
	"net/http"
	"unicode/utf8"

	"github.com/gotensor/gotensor/sdk/axon"
	"github.com/gotensor/gotensor/sdk/synapse"
)

// EchoRequest asks the miner to say Text back.
type EchoRequest struct {
	Text string `json:"text"`
}

// EchoResponse is Text said back, with its length in characters (runes).
type EchoResponse struct {
	Text   string `json:"text"`
	Length int    `json:"length"`
}

// SumRequest asks for the sum of Numbers.
type SumRequest struct {
	Numbers []int64 `json:"numbers"`
}

// SumResponse is the exact sum.
type SumResponse struct {
	Sum int64 `json:"sum"`
}

// CountRequest asks for N chunks, each carrying Text.
type CountRequest struct {
	N    int    `json:"n"`
	Text string `json:"text"`
}

// CountChunk is the Index-th chunk (from 0).
type CountChunk struct {
	Index int    `json:"index"`
	Text  string `json:"text"`
}

// MaxCount bounds CountRequest.N.
const MaxCount = 100_000

// The routes, shared by miners and validators.
var (
	Echo  = synapse.MustRoute[EchoRequest, EchoResponse]("Echo")
	Sum   = synapse.MustRoute[SumRequest, SumResponse]("Sum")
	Count = synapse.MustStreamRoute[CountRequest, CountChunk]("Count")
)

// Register attaches the three routes to a miner's axon.
func Register(a *axon.Axon) error {
	return errors.Join(
		axon.Handle(a, Echo, HandleEcho),
		axon.Handle(a, Sum, HandleSum),
		axon.HandleStream(a, Count, HandleCount),
	)
}

// HandleEcho says the text back.
func HandleEcho(_ context.Context, _ axon.Call, req EchoRequest) (EchoResponse, error) {
	return EchoResponse{Text: req.Text, Length: utf8.RuneCountInString(req.Text)}, nil
}

// HandleSum adds the numbers, refusing with 400 a sum that overflows int64.
func HandleSum(_ context.Context, _ axon.Call, req SumRequest) (SumResponse, error) {
	var sum int64
	for i, n := range req.Numbers {
		if (n > 0 && sum > math.MaxInt64-n) || (n < 0 && sum < math.MinInt64-n) {
			return SumResponse{}, synapse.Errorf(http.StatusBadRequest, synapse.ReasonBadRequest,
				"sum overflows int64 at numbers[%d] = %d", i, n)
		}
		sum += n
	}
	return SumResponse{Sum: sum}, nil
}

// HandleCount sends N chunks, stopping early if the deadline passes.
func HandleCount(ctx context.Context, _ axon.Call, req CountRequest, send func(CountChunk) error) error {
	if req.N < 0 || req.N > MaxCount {
		return synapse.Errorf(http.StatusBadRequest, synapse.ReasonBadRequest, "n = %d: want 0..%d", req.N, MaxCount)
	}
	for i := range req.N {
		if err := send(CountChunk{Index: i, Text: req.Text}); err != nil {
			return err
		}
	}
	return ctx.Err()
}
