package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// asBinaryEnv makes the test binary stand in for the gotensor binary: started with it set, the
// binary runs `gotensor ARGS…` and exits. Tests start real node, miner and validator processes
// this way, without a separate build.
const asBinaryEnv = "GOTENSOR_TEST_AS_BINARY"

func TestMain(m *testing.M) {
	if os.Getenv(asBinaryEnv) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// gotensorCmd is `gotensor ARGS…` as a child process of the test.
func gotensorCmd(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), asBinaryEnv+"=1")
	return cmd
}

// runGotensor runs `gotensor ARGS…` to the end and returns its standard output; a failure fails
// the test with what the command printed.
func runGotensor(t testing.TB, args ...string) []byte {
	t.Helper()
	cmd := gotensorCmd(args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	require.NoError(t, err, "gotensor %s\nstdout: %s\nstderr: %s", strings.Join(args, " "), stdout.String(), stderr.String())
	return stdout.Bytes()
}

// startGotensor starts `gotensor ARGS…` in the background, its output in DIR/NAME.log, and stops
// it when the test ends: an interrupt (ctrl-c), then a kill if it has not exited in 20 s.
func startGotensor(t testing.TB, dir, name string, args ...string) {
	t.Helper()
	log, err := os.Create(filepath.Join(dir, name+".log"))
	require.NoError(t, err)
	cmd := gotensorCmd(args...)
	cmd.Stdout, cmd.Stderr = log, log
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
			t.Errorf("%s did not stop within 20 s of an interrupt", name)
		}
		log.Close()
		if t.Failed() {
			out, _ := os.ReadFile(log.Name())
			t.Logf("%s log (last 3000 bytes):\n%s", name, tail(out, 3000))
		}
	})
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// freePortBlock finds base such that base … base+span-1 are all free on loopback now. It looks
// below Linux's ephemeral range (32768 and up), where other tests' ":0" listeners and outgoing
// connections take their ports, so that nothing takes them before the processes listen.
func freePortBlock(t testing.TB, span int) int {
	t.Helper()
	for range 100 {
		base := 12_000 + rand.IntN(20_000-span)
		free := true
		var held []net.Listener
		for p := base; p < base+span && free; p++ {
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
			if err != nil {
				free = false
				break
			}
			held = append(held, l)
		}
		for _, l := range held {
			l.Close()
		}
		if free {
			return base
		}
	}
	t.Fatal("no block of free loopback ports")
	return 0
}

// waitFor polls cond every interval until it holds or timeout passes.
func waitFor(t testing.TB, timeout, interval time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(interval)
	}
}

// cometStatus is the part of CometBFT's /status the tests read.
type cometStatus struct {
	Result struct {
		SyncInfo struct {
			LatestBlockHeight string `json:"latest_block_height"`
		} `json:"sync_info"`
	} `json:"result"`
}

// nodeHeight is a node's latest block height from its CometBFT RPC, 0 while it cannot answer.
func nodeHeight(rpcPort int) int64 {
	var st cometStatus
	if err := getJSON(fmt.Sprintf("http://127.0.0.1:%d/status", rpcPort), &st); err != nil {
		return 0
	}
	var h int64
	fmt.Sscan(st.Result.SyncInfo.LatestBlockHeight, &h)
	return h
}

// appHashAt is the app hash a node's block at height carries (the state after height-1).
func appHashAt(t testing.TB, rpcPort int, height int64) string {
	t.Helper()
	var blk struct {
		Result struct {
			Block struct {
				Header struct {
					AppHash string `json:"app_hash"`
				} `json:"header"`
			} `json:"block"`
		} `json:"result"`
	}
	require.NoError(t, getJSON(fmt.Sprintf("http://127.0.0.1:%d/block?height=%d", rpcPort, height), &blk))
	require.NotEmpty(t, blk.Result.Block.Header.AppHash)
	return blk.Result.Block.Header.AppHash
}

func getJSON(url string, v any) error {
	client := http.Client{Timeout: 5 * time.Second}
	res, err := client.Get(url)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, res.Status)
	}
	return json.NewDecoder(res.Body).Decode(v)
}
