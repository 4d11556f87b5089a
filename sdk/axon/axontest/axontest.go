package axontest

import (
	"io"
	"log/slog"
	"testing"

	"github.com/gotensor/gotensor/sdk/axon"
)

// Start builds an axon from cfg, attaches routes with attach, and starts it
// on a free loopback port (unless cfg.ListenAddr is set). It is stopped when
// the test ends. Logs are discarded unless cfg.Logger is set.
func Start(t testing.TB, cfg axon.Config, attach func(*axon.Axon) error) *axon.Axon {
	t.Helper()
	if cfg.ListenAddr == "" {
		cfg.ListenAddr = "127.0.0.1:0"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	a, err := axon.New(cfg)
	if err != nil {
		t.Fatalf("axontest: %v", err)
	}
	if attach != nil {
		if err := attach(a); err != nil {
			t.Fatalf("axontest: attach routes: %v", err)
		}
	}
	if err := a.Start(); err != nil {
		t.Fatalf("axontest: %v", err)
	}
	t.Cleanup(func() {
		if a.IsRunning() {
			if err := a.Stop(); err != nil {
				t.Errorf("axontest: stop: %v", err)
			}
		}
	})
	return a
}
