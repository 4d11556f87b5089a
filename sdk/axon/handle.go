package axon

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/gotensor/gotensor/sdk/synapse"
)

// Call describes the request a handler is serving. Everything in it has been
// authenticated.
type Call struct {
	Route      string
	Caller     string   // the dendrite's hotkey
	Peer       PeerInfo // the caller on the subnet (zero if unregistered and allowed)
	Registered bool
	UUID       string // the dendrite instance
	Nonce      int64
	Deadline   time.Time // arrival plus the request's timeout: about when the caller stops waiting; ctx ends then
	RemoteAddr string
}

// Handler serves one route. ctx ends at the request's deadline. Return a
// *synapse.Error to choose the status (e.g. synapse.Errorf(400,
// synapse.ReasonBadRequest, …)); any other error answers 500.
type Handler[Req, Resp any] func(ctx context.Context, call Call, req Req) (Resp, error)

// StreamHandler serves a streamed route: it calls send for each chunk, in
// order, and returns when done. send fails once the deadline passed or the
// caller went away; the handler should then return.
type StreamHandler[Req, Chunk any] func(ctx context.Context, call Call, req Req, send func(Chunk) error) error

// Handle attaches h to route r. Routes are attached before Start.
func Handle[Req, Resp any](a *Axon, r synapse.Route[Req, Resp], h Handler[Req, Resp]) error {
	if h == nil {
		return fmt.Errorf("route %q: nil handler", r.Name())
	}
	return a.attach(r.Name(), &unary[Req, Resp]{h: h})
}

// HandleStream attaches a streamed route.
func HandleStream[Req, Chunk any](a *Axon, r synapse.StreamRoute[Req, Chunk], h StreamHandler[Req, Chunk]) error {
	if h == nil {
		return fmt.Errorf("route %q: nil handler", r.Name())
	}
	return a.attach(r.Name(), &streamed[Req, Chunk]{h: h})
}

// endpoint is a route with its types erased: the pipeline sees bytes.
type endpoint interface {
	// decode parses a request body; failures are 400.
	decode(body []byte) (any, error)
}

type unaryEndpoint interface {
	endpoint
	serve(ctx context.Context, call Call, req any) ([]byte, error)
}

type streamEndpoint interface {
	endpoint
	serve(ctx context.Context, call Call, req any, emit func(data []byte) error) error
}

type unary[Req, Resp any] struct{ h Handler[Req, Resp] }

func (u *unary[Req, Resp]) decode(body []byte) (any, error) { return decodeRequest[Req](body) }

func (u *unary[Req, Resp]) serve(ctx context.Context, call Call, req any) ([]byte, error) {
	resp, err := u.h(ctx, call, req.(Req))
	if err != nil {
		return nil, err
	}
	out, err := json.Marshal(resp)
	if err != nil {
		return nil, fmt.Errorf("encode %T response: %w", resp, err)
	}
	return out, nil
}

type streamed[Req, Chunk any] struct{ h StreamHandler[Req, Chunk] }

func (s *streamed[Req, Chunk]) decode(body []byte) (any, error) { return decodeRequest[Req](body) }

func (s *streamed[Req, Chunk]) serve(ctx context.Context, call Call, req any, emit func([]byte) error) error {
	return s.h(ctx, call, req.(Req), func(c Chunk) error {
		b, err := json.Marshal(c)
		if err != nil {
			return fmt.Errorf("encode %T chunk: %w", c, err)
		}
		return emit(b)
	})
}

func decodeRequest[Req any](body []byte) (any, error) {
	var req Req
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, synapse.Errorf(http.StatusBadRequest, synapse.ReasonBadJSON, "body is not a valid %T: %v", req, err)
	}
	return req, nil
}
