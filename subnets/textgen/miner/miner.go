package miner

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/gotensor/gotensor/sdk/synapse"
	"github.com/gotensor/gotensor/subnets/textgen/protocol"
)

// Miner serves requests with one backend, at most Capacity at once.
type Miner struct {
	backend   Backend
	capacity  int
	maxTokens int
	slots     chan struct{}
}

// New returns a miner serving backend at most capacity requests at once,
// each at most maxTokens long (1..protocol.MaxTokens).
func New(backend Backend, capacity, maxTokens int) (*Miner, error) {
	switch {
	case backend == nil:
		return nil, errors.New("miner: no backend")
	case capacity < 1:
		return nil, fmt.Errorf("miner: capacity %d, want ≥ 1", capacity)
	case maxTokens < 1 || maxTokens > protocol.MaxTokens:
		return nil, fmt.Errorf("miner: max tokens %d, want 1..%d", maxTokens, protocol.MaxTokens)
	}
	return &Miner{backend: backend, capacity: capacity, maxTokens: maxTokens, slots: make(chan struct{}, capacity)}, nil
}

// Info is what the miner declares.
func (m *Miner) Info() protocol.MinerInfo {
	return protocol.MinerInfo{Model: m.backend.Model(), Capacity: m.capacity, MaxTokens: m.maxTokens}
}

// Serve answers one request, streaming its chunks to send. The errors a
// caller should see are *synapse.Error: 400 for a request the miner cannot
// serve (invalid, another model, too long), 429 when it already serves
// Capacity requests (a refusal the subnet does not penalise).
func (m *Miner) Serve(ctx context.Context, req protocol.Request, send func(protocol.Chunk) error) error {
	if err := req.Validate(); err != nil {
		return synapse.Errorf(http.StatusBadRequest, synapse.ReasonBadRequest, "%v", err)
	}
	if req.Model != "" && req.Model != m.backend.Model() {
		return synapse.Errorf(http.StatusBadRequest, synapse.ReasonBadRequest, "this miner serves model %q, not %q", m.backend.Model(), req.Model)
	}
	if req.MaxTokens > m.maxTokens {
		return synapse.Errorf(http.StatusBadRequest, synapse.ReasonBadRequest, "max_tokens %d exceeds this miner's %d", req.MaxTokens, m.maxTokens)
	}
	select {
	case m.slots <- struct{}{}:
		defer func() { <-m.slots }()
	default:
		return synapse.Errorf(http.StatusTooManyRequests, synapse.ReasonCallerBusy, "serving %d requests, its declared capacity", m.capacity)
	}
	return m.backend.Generate(ctx, req, send)
}
