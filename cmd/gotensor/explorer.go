package main

import (
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/gotensor/gotensor/app"
	"github.com/gotensor/gotensor/explorer"
)

func explorerCmd() *cobra.Command {
	cfg := explorer.Config{}
	cmd := &cobra.Command{
		Use:   "explorer",
		Short: "index a node into a database and serve the network's pages",
		Long: `follow a node (its gRPC API, and its CometBFT RPC for blocks, transactions and events) into a
database, and serve pages on --listen: the network's supply and emission, the subnets, each
subnet's metagraph (sortable), per-uid history, a fairness panel (Gini, top-1 % share and NAK51 of
incentive and dividends per uid and per coldkey; each validator's dividend rate and the
correlation of its weights with the previous consensus), validators, accounts, blocks and
transactions with their events, and search. Every page has a JSON twin under /api/ (GET
/api/subnets, /api/subnets/{netuid}/metagraph, …) and redraws itself as blocks arrive.

--db is a SQLite file (default) or a postgres:// URL. A restarted explorer resumes from the last
block it stored.`,
		Example: `  gotensor explorer --node 127.0.0.1:9090 --listen 127.0.0.1:8080
  gotensor explorer --node 127.0.0.1:9090 --db postgres://explorer@127.0.0.1:5432/explorer?sslmode=disable`,
		Args:              cobra.NoArgs,
		PersistentPreRunE: standalone,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg.Logger = slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelInfo}))
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			e, err := explorer.Start(ctx, cfg)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "explorer %s\n", e.URL())
			<-ctx.Done()
			return e.Stop()
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Node, "node", "127.0.0.1:9090", "the node's gRPC address")
	f.StringVar(&cfg.RPC, "rpc", "", "the node's CometBFT RPC address (default: the one the node reports)")
	f.StringVar(&cfg.DB, "db", filepath.Join(app.DefaultNodeHome(), "explorer.db"), "a SQLite file or a postgres:// URL")
	f.StringVar(&cfg.Listen, "listen", "127.0.0.1:8080", "where to serve the pages")
	f.Int64Var(&cfg.From, "from", 0, "the first height an empty database indexes (default 1; the node must hold its state)")
	return cmd
}
