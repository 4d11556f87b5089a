package neuron

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
)

// Lifecycle errors: Start and Stop each run once.
var (
	ErrAlreadyStarted = errors.New("already started")
	ErrAlreadyStopped = errors.New("already stopped")
	ErrNotStarted     = errors.New("not started")
)

// service is the lifecycle the miner and the validator share: loops under
// one context, started once, stopped once, Quit closed when they are gone.
type service struct {
	started, stopped atomic.Bool
	ctx              context.Context
	cancel           context.CancelFunc
	loops            sync.WaitGroup
	quit             chan struct{}
	closeQuit        sync.Once
}

func newService() service {
	ctx, cancel := context.WithCancel(context.Background())
	return service{ctx: ctx, cancel: cancel, quit: make(chan struct{})}
}

func (s *service) begin() error {
	if s.stopped.Load() {
		return ErrAlreadyStopped
	}
	if !s.started.CompareAndSwap(false, true) {
		return ErrAlreadyStarted
	}
	return nil
}

func (s *service) abort() {
	s.stopped.Store(true)
	s.cancel()
	s.loops.Wait()
	s.closeQuit.Do(func() { close(s.quit) })
}

func (s *service) run(loop func(ctx context.Context)) {
	s.loops.Add(1)
	go func() {
		defer s.loops.Done()
		loop(s.ctx)
	}()
}

func (s *service) end() error {
	if !s.started.Load() {
		return ErrNotStarted
	}
	if !s.stopped.CompareAndSwap(false, true) {
		return ErrAlreadyStopped
	}
	s.cancel()
	s.loops.Wait()
	return nil
}

func (s *service) finish() { s.closeQuit.Do(func() { close(s.quit) }) }

// IsRunning reports whether the service has started and not stopped.
func (s *service) IsRunning() bool { return s.started.Load() && !s.stopped.Load() }

// Quit is closed once the service has stopped.
func (s *service) Quit() <-chan struct{} { return s.quit }
