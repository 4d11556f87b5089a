package localnet

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func freePorts(t *testing.T) Ports {
	t.Helper()
	var ports [4]int
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		ports[i] = l.Addr().(*net.TCPAddr).Port
		defer l.Close()
	}
	return Ports{P2P: ports[0], RPC: ports[1], GRPC: ports[2], API: ports[3]}
}

func runLocalnet(t *testing.T, home string, stopAt int64) (Summary, string) {
	t.Helper()
	var out, progress bytes.Buffer
	opts := Options{
		Home: home, ChainID: DefaultChainID, Ports: freePorts(t), BlockTime: 200 * time.Millisecond,
		StopAt: stopAt, JSON: true, Out: &out, Progress: &progress, ChainOnly: true,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	sum, err := Run(ctx, opts)
	require.NoError(t, err, progress.String())
	var printed Summary
	require.NoError(t, json.Unmarshal(out.Bytes(), &printed), "stdout is one JSON object: %q", out.String())
	require.Equal(t, sum, printed)
	return sum, progress.String()
}

// `gotensor localnet --blocks N -o json` reaches N, prints one JSON summary, and a second run with
// the same home continues from the stored height.
func TestLocalnetStopsAndResumes(t *testing.T) {
	home := filepath.Join(t.TempDir(), "home")
	first, progress := runLocalnet(t, home, 5)
	require.Equal(t, int64(5), first.Height)
	require.Equal(t, "blocks", first.StoppedBy)
	require.Equal(t, uint64(1_000_000_000), first.BlockEmissionRao)
	require.Equal(t, first.BankSupplyRao+first.BurnedRao, first.TotalIssuanceRao)
	require.True(t, first.InvariantsHold)
	require.Contains(t, progress, "new chain")
	require.Contains(t, progress, "alice")
	require.Equal(t, 5, strings.Count(progress, "\nheight "), progress)

	second, progress := runLocalnet(t, home, 8)
	require.Contains(t, progress, "resuming the stored chain")
	require.Equal(t, int64(8), second.Height)
	require.Equal(t, int64(3), second.BlocksThisRun, "blocks 6, 7 and 8")
	require.Equal(t, first.TotalIssuanceRao, second.TotalIssuanceRao)
}

func TestLocalnetRefusesUnusableHomesAndPorts(t *testing.T) {
	ports := freePorts(t)
	opts := Options{ChainID: DefaultChainID, Ports: ports, BlockTime: time.Second, Out: &bytes.Buffer{}, Progress: &bytes.Buffer{}, ChainOnly: true}

	// A port in use is named, with the flag that changes it.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	busy := opts
	busy.Home = t.TempDir()
	busy.Ports.RPC = l.Addr().(*net.TCPAddr).Port
	_, err = Run(context.Background(), busy)
	require.ErrorContains(t, err, "already in use")
	require.ErrorContains(t, err, "--rpc-port")

	// A home that is a file cannot be written.
	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	unwritable := opts
	unwritable.Home = filepath.Join(file, "home")
	_, err = Run(context.Background(), unwritable)
	require.ErrorContains(t, err, "cannot create home")

	// A folder with other things in it is not taken over.
	occupied := opts
	occupied.Home = t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(occupied.Home, "notes.txt"), []byte("mine"), 0o644))
	_, err = Run(context.Background(), occupied)
	require.ErrorContains(t, err, "is not empty")

	// A corrupt local network home says to remove it.
	corrupt := opts
	corrupt.Home = t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(corrupt.Home, manifestFile), []byte("{not json"), 0o644))
	_, err = Run(context.Background(), corrupt)
	require.ErrorContains(t, err, "does not hold a usable local network")
	for _, e := range []error{err} {
		require.Equal(t, 1, strings.Count(e.Error(), "\n")+1, "one line")
	}
}
