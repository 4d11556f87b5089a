// Package explorer is gotensor's web explorer: an indexer that follows a node into a database
// (package index into package store) and the web server that shows it (package web), run together
// as one service. `gotensor explorer` and `gotensor localnet` start it.
package explorer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gotensor/gotensor/explorer/index"
	"github.com/gotensor/gotensor/explorer/store"
	"github.com/gotensor/gotensor/explorer/web"
	"github.com/gotensor/gotensor/sdk/chain"
)

// Config is what an explorer follows, where it keeps its history and where it serves.
type Config struct {
	// Node is the node's gRPC address (host:port).
	Node string
	// ChainID, if set, skips asking the node for it (so a node not up yet is no error).
	ChainID string
	// RPC is the node's CometBFT RPC address; empty asks the node for it.
	RPC string
	// DB is a SQLite file or a postgres:// URL.
	DB string
	// Listen is where the pages are served (127.0.0.1:8080).
	Listen string
	// From is the first height an empty database indexes (0 means 1).
	From int64
	// Poll is how often the indexer asks for a new block (0 means a second).
	Poll   time.Duration
	Logger *slog.Logger
}

// Explorer is a running indexer and web server. Stop it once.
type Explorer struct {
	url    string
	db     *store.DB
	client *chain.Client
	http   *http.Server
	cancel context.CancelFunc
	done   sync.WaitGroup
	stop   sync.Once
	err    error
}

// Start opens the database, starts following the node and serves the pages.
func Start(ctx context.Context, cfg Config) (*Explorer, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if _, _, err := net.SplitHostPort(cfg.Node); err != nil {
		return nil, fmt.Errorf("explorer: the node's gRPC address %q: want host:port", cfg.Node)
	}
	client, err := chain.Dial(ctx, chain.Config{Node: cfg.Node, ChainID: cfg.ChainID})
	if err != nil {
		return nil, err
	}
	if cfg.RPC == "" {
		if cfg.RPC, err = index.DiscoverRPC(ctx, cfg.Node); err != nil {
			_ = client.Close()
			return nil, err
		}
	}
	db, err := store.Open(ctx, cfg.DB)
	if err != nil {
		_ = client.Close()
		return nil, err
	}
	e := &Explorer{db: db, client: client}
	fail := func(err error) (*Explorer, error) {
		_ = db.Close()
		_ = client.Close()
		return nil, err
	}
	srv, err := web.New(web.Config{Store: db, Chain: client, Logger: cfg.Logger})
	if err != nil {
		return fail(err)
	}
	ix, err := index.New(index.Config{Chain: client, RPC: cfg.RPC, Store: db, From: cfg.From, Poll: cfg.Poll, OnBlock: srv.Notify, Logger: cfg.Logger})
	if err != nil {
		return fail(err)
	}
	skill, err := index.NewSkillReader(index.SkillConfig{Chain: client, Store: db, Poll: cfg.Poll, Logger: cfg.Logger})
	if err != nil {
		return fail(err)
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fail(fmt.Errorf("explorer: listening on %s: %w", cfg.Listen, err))
	}
	e.url = "http://" + ln.Addr().String()
	run, cancel := context.WithCancel(context.Background())
	e.cancel = cancel
	// Requests live in run: cancelling it ends the live streams, which never end by themselves.
	e.http = &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, BaseContext: func(net.Listener) context.Context { return run }}
	e.done.Add(3)
	go func() {
		defer e.done.Done()
		if err := e.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			cfg.Logger.Error("explorer: serving", "err", err)
		}
	}()
	go func() {
		defer e.done.Done()
		_ = ix.Run(run) // returns when run ends; failures are logged and retried
	}()
	go func() {
		defer e.done.Done()
		_ = skill.Run(run) // the validators' published skill, beside the indexer (never holding it up)
	}()
	return e, nil
}

// URL is where the pages are served.
func (e *Explorer) URL() string { return e.url }

// Stop stops serving and indexing and closes the database.
func (e *Explorer) Stop() error {
	e.stop.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		e.cancel()
		err := e.http.Shutdown(ctx)
		if errors.Is(err, context.DeadlineExceeded) {
			err = e.http.Close()
		}
		e.done.Wait()
		e.err = errors.Join(err, e.db.Close(), e.client.Close())
	})
	return e.err
}
