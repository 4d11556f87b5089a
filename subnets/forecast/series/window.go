package series

import (
	"errors"
	"fmt"

	"github.com/gotensor/gotensor/subnets/forecast/protocol"
)

// ErrUnavailable reports that a source cannot open the window asked for.
var ErrUnavailable = errors.New("series window unavailable")

// Source is anything a validator can draw challenge windows from.
type Source interface {
	// ID names the series in challenges; it says nothing about the data.
	ID() string
	// Open shows the last historyLen values before a cut and keeps the next
	// horizon values hidden until the window is revealed.
	Open(historyLen, horizon int) (*Window, error)
}

// Window is one challenge's view of a series: a history to show now and a
// future to reveal once, after the answers are in.
type Window struct {
	SeriesID string
	History  protocol.History
	Horizon  int

	reveal   func() ([]float64, error)
	revealed bool
}

// Reveal returns the values that followed the history. It may be called
// once: a live series draws them at that moment.
func (w *Window) Reveal() ([]float64, error) {
	if w.revealed {
		return nil, fmt.Errorf("%w: window on %s was already revealed", ErrUnavailable, w.SeriesID)
	}
	w.revealed = true
	return w.reveal()
}

func checkShape(id string, historyLen, horizon int) error {
	if historyLen < 1 || historyLen > protocol.MaxHistory {
		return fmt.Errorf("%w: %s: history length %d, want 1..%d", ErrUnavailable, id, historyLen, protocol.MaxHistory)
	}
	if horizon < 1 || horizon > protocol.MaxHorizon {
		return fmt.Errorf("%w: %s: horizon %d, want 1..%d", ErrUnavailable, id, horizon, protocol.MaxHorizon)
	}
	return nil
}
