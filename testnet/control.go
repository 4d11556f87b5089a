package testnet

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"syscall"
	"time"
)

// Control drives a running testnet's supervisor.
type Control struct {
	Manifest *Manifest
	// Run is the supervisor's run state as Connect read it (which nodes are on a tmpfs).
	Run  *RunState
	addr string
	http *http.Client
}

// Connect reads DIR's manifest and run state and returns a Control for its supervisor.
func Connect(dir string) (*Control, error) {
	m, err := ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	st, err := ReadRunState(dir)
	if err != nil {
		return nil, err
	}
	if !Alive(st.SupervisorPID) {
		return nil, fmt.Errorf("the testnet in %s is not running (its supervisor, pid %d, has exited)", dir, st.SupervisorPID)
	}
	return &Control{Manifest: m, Run: st, addr: st.Control, http: &http.Client{Timeout: 90 * time.Second}}, nil
}

func (c *Control) call(ctx context.Context, method, path string, body, v any) error {
	var in io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return err
		}
		in = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://"+c.addr+path, in)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: %s", method, path, strings.TrimSpace(string(raw)))
	}
	if v == nil {
		return nil
	}
	return json.Unmarshal(raw, v)
}

// Nodes are the testnet's nodes and their processes.
func (c *Control) Nodes(ctx context.Context) ([]NodeState, error) {
	var out []NodeState
	return out, c.call(ctx, http.MethodGet, "/nodes", nil, &out)
}

// Act applies action (kill, stop, start, pause, resume) to node name.
func (c *Control) Act(ctx context.Context, name, action string) error {
	return c.call(ctx, http.MethodPost, "/nodes/"+name+"/"+action, nil, nil)
}

// CrashInCommit makes node name exit at fail point index of a commit, then restarts it.
func (c *Control) CrashInCommit(ctx context.Context, name string, index int) error {
	return c.call(ctx, http.MethodPost, fmt.Sprintf("/nodes/%s/crash-in-commit?index=%d", name, index), nil, nil)
}

// FillDisk fills node name's data tmpfs until its writes fail with ENOSPC, and keeps it full.
func (c *Control) FillDisk(ctx context.Context, name string) (DiskFull, error) {
	var d DiskFull
	return d, c.call(ctx, http.MethodPost, "/nodes/"+name+"/disk-full", nil, &d)
}

// FreeDisk ends node name's disk-full fault and says what the node did meanwhile.
func (c *Control) FreeDisk(ctx context.Context, name string) (DiskFull, error) {
	var d DiskFull
	return d, c.call(ctx, http.MethodDelete, "/nodes/"+name+"/disk-full", nil, &d)
}

// SetNet puts network faults in force (the zero NetFaults heals everything).
func (c *Control) SetNet(ctx context.Context, f NetFaults) error {
	return c.call(ctx, http.MethodPut, "/net", f, nil)
}

// Join adds a node that joins by state sync and starts it.
func (c *Control) Join(ctx context.Context, trust StateSyncTrust) (Node, error) {
	var n Node
	if err := c.call(ctx, http.MethodPost, "/join", trust, &n); err != nil {
		return Node{}, err
	}
	c.Manifest.Nodes = append(c.Manifest.Nodes, n)
	return n, nil
}

// Statuses are every node's status, in manifest order; a node that does not answer has an
// error instead.
func Statuses(ctx context.Context, m *Manifest) ([]Status, []error) {
	sts, errs := make([]Status, len(m.Nodes)), make([]error, len(m.Nodes))
	done := make(chan struct{}, len(m.Nodes))
	for i, n := range m.Nodes {
		go func() {
			sts[i], errs[i] = newRPC(n.Ports.RPC).status(ctx)
			done <- struct{}{}
		}()
	}
	for range m.Nodes {
		<-done
	}
	return sts, errs
}

// WriteStatus writes one line per node: height, peers, catching up.
func WriteStatus(ctx context.Context, w io.Writer, m *Manifest) {
	sts, errs := Statuses(ctx, m)
	for i, n := range m.Nodes {
		role := "full"
		if n.Validator {
			role = "validator"
		}
		if errs[i] != nil {
			fmt.Fprintf(w, "%-7s %-9s rpc :%d  not answering\n", n.Name, role, n.Ports.RPC)
			continue
		}
		fmt.Fprintf(w, "%-7s %-9s rpc :%d  height %d  peers %d  catching up %v\n",
			n.Name, role, n.Ports.RPC, sts[i].Height, sts[i].Peers, sts[i].CatchingUp)
	}
}

// Stop stops the testnet running in dir: its supervisor stops every node cleanly. A supervisor
// that is gone leaves its nodes, which are stopped here.
func Stop(dir string, timeout time.Duration) error {
	st, err := ReadRunState(dir)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(timeout)
	if Alive(st.SupervisorPID) {
		if err := syscall.Kill(st.SupervisorPID, syscall.SIGTERM); err != nil {
			return fmt.Errorf("stopping the supervisor (pid %d): %w", st.SupervisorPID, err)
		}
		for Alive(st.SupervisorPID) {
			if time.Now().After(deadline) {
				return fmt.Errorf("the supervisor (pid %d) did not stop within %s", st.SupervisorPID, timeout)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	// Nodes of a supervisor that died: each is ours if its command line names its home.
	m, err := ReadManifest(dir)
	if err != nil {
		return err
	}
	for name, pid := range st.PIDs {
		n, ok := m.Node(name)
		cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if !ok || !Alive(pid) || !bytes.Contains(cmdline, []byte(n.Home)) {
			continue
		}
		_ = syscall.Kill(pid, syscall.SIGCONT)
		_ = syscall.Kill(pid, syscall.SIGINT)
		for Alive(pid) && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
		if Alive(pid) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	// The tmpfs of a supervisor that died: its nodes are stopped now.
	var errs []error
	for _, n := range m.Nodes {
		if err := unmountData(n.Home); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", n.Name, err))
		}
	}
	_ = os.Remove(dir + "/" + runFile)
	return errors.Join(errs...)
}
