package localnet

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"

	"github.com/gotensor/gotensor/explorer"
)

// DefaultExplorerPort is where a local network's explorer serves its pages.
const DefaultExplorerPort = 8080

func checkExplorerPortFree(port int) error {
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return fmt.Errorf("port %d (the explorer) is already in use: stop what uses it, pass --explorer-port, or --explorer-port 0 for no explorer", port)
	}
	return l.Close()
}

// startExplorer starts the explorer on 127.0.0.1:port, following the local node, with its
// database in the home (so that a resumed network resumes its history), and prints its URL.
func startExplorer(ctx context.Context, home, chainID string, ports Ports, port int, logs, progress io.Writer) (*explorer.Explorer, error) {
	e, err := explorer.Start(ctx, explorer.Config{
		Node: fmt.Sprintf("127.0.0.1:%d", ports.GRPC), ChainID: chainID, RPC: fmt.Sprintf("tcp://127.0.0.1:%d", ports.RPC),
		DB: filepath.Join(home, "explorer.db"), Listen: fmt.Sprintf("127.0.0.1:%d", port),
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn})).With("service", "explorer"),
	})
	if err != nil {
		return nil, fmt.Errorf("starting the explorer: %w", err)
	}
	fmt.Fprintf(progress, "explorer %s\n", e.URL())
	return e, nil
}
