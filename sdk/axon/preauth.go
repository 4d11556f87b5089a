package axon

import (
	"net/http"
	"sync"

	"github.com/gotensor/gotensor/sdk/synapse"
)

// preAuthBudget accounts the body bytes held before their request's MAC is
// verified: in all, and per owner (the caller whose session the request
// names, or for a handshake its source), so that bodies announced and never
// finished cost their sender its own share and no more.
type preAuthBudget struct {
	max, perOwner int64

	mu      sync.Mutex
	total   int64
	byOwner map[string]int64
}

func newPreAuthBudget(max, perOwner int64) *preAuthBudget {
	return &preAuthBudget{max: max, perOwner: perOwner, byOwner: make(map[string]int64)}
}

// take reserves n more bytes for owner, or says why not: 429 when owner
// holds its share, 503 when the axon holds its whole budget.
func (b *preAuthBudget) take(owner string, n int64) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if held := b.byOwner[owner]; held+n > b.perOwner {
		return synapse.Errorf(http.StatusTooManyRequests, synapse.ReasonCallerBusy,
			"%s already has %d bytes of request bodies in flight that are not yet authenticated; %d is the most one may", owner, held, b.perOwner)
	}
	if b.total+n > b.max {
		return synapse.Errorf(http.StatusServiceUnavailable, synapse.ReasonBusy,
			"this axon holds %d bytes of request bodies not yet authenticated, near its limit of %d; retry", b.total, b.max)
	}
	b.total += n
	b.byOwner[owner] += n
	return nil
}

// give returns n bytes of owner's reservation.
func (b *preAuthBudget) give(owner string, n int64) {
	if n == 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.total -= n
	if b.byOwner[owner] <= n {
		delete(b.byOwner, owner)
	} else {
		b.byOwner[owner] -= n
	}
}

// held is the bytes reserved in all.
func (b *preAuthBudget) held() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.total
}
