package testnet

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// RunState is DIR/run.json: where a running testnet's supervisor listens and its processes.
type RunState struct {
	SupervisorPID int            `json:"supervisor_pid"`
	Control       string         `json:"control"`
	PIDs          map[string]int `json:"pids"`
	// Tmpfs names the nodes whose data folder is on a tmpfs of the manifest's DiskLimit;
	// DiskLimitSkipped says why none is, when a disk limit was asked for but could not be had.
	Tmpfs            []string `json:"tmpfs,omitempty"`
	DiskLimitSkipped string   `json:"disk_limit_skipped,omitempty"`
}

const runFile = "run.json"

// ReadRunState reads DIR/run.json; an error if the testnet is not running.
func ReadRunState(dir string) (*RunState, error) {
	raw, err := os.ReadFile(filepath.Join(dir, runFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("the testnet in %s is not running (no %s)", dir, runFile)
	}
	if err != nil {
		return nil, err
	}
	var s RunState
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, runFile), err)
	}
	return &s, nil
}

// Alive says whether pid is a live process (not a zombie).
func Alive(pid int) bool {
	if pid <= 0 || syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	for i := len(stat) - 1; i > 0; i-- { // the state follows the last ')' of the command name
		if stat[i] == ')' {
			return i+2 >= len(stat) || stat[i+2] != 'Z'
		}
	}
	return true
}

// Supervisor runs a testnet: one `gotensor start` process per node, the proxies between them,
// and a control API on loopback through which the fault harness kills, pauses, restarts,
// partitions and slows nodes.
type Supervisor struct {
	m      *Manifest
	binary string
	fabric *Fabric

	mu    sync.Mutex
	procs map[string]*process
	ln    net.Listener
	// tmpfs are the nodes whose data folder is mounted on a tmpfs, diskSkipped why none is.
	tmpfs       []string
	diskSkipped string
	fillers     map[string]*diskFull
}

// diskFull is a disk-full fault in force: the filler, and where the node's log stood when it
// began.
type diskFull struct {
	filler *filler
	logAt  int64
}

type process struct {
	cmd    *exec.Cmd
	exited chan struct{}
	paused bool
	log    *os.File
}

// NewSupervisor prepares to run the testnet of m with binary (the gotensor executable).
func NewSupervisor(m *Manifest, binary string) *Supervisor {
	return &Supervisor{m: m, binary: binary, fabric: NewFabric(), procs: map[string]*process{}, fillers: map[string]*diskFull{}}
}

// Run starts the proxies, every node and the control API, and keeps them until ctx ends; then
// it stops every node (an interrupt, a kill after 20 s) and returns. ready, when set, is called
// once everything has started.
func (s *Supervisor) Run(ctx context.Context, ready func(control string)) error {
	if st, err := ReadRunState(s.m.Dir); err == nil && Alive(st.SupervisorPID) && st.SupervisorPID != os.Getpid() {
		return fmt.Errorf("the testnet in %s is already running (supervisor pid %d): `gotensor testnet stop %s` first", s.m.Dir, st.SupervisorPID, s.m.Dir)
	}
	defer s.fabric.Close()
	for _, n := range s.m.Nodes {
		if err := s.listenProxies(n); err != nil {
			return err
		}
	}
	// Unmounted after every node has stopped (deferred before stopAll, so run after it).
	defer s.unmountDisks()
	s.mountDisks()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	s.ln = ln
	srv := &http.Server{Handler: s.handler(), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln) //nolint:errcheck // ends with Close below
	defer srv.Close()
	defer s.stopAll()
	for _, n := range s.m.Nodes {
		if err := s.start(n.Name, nil); err != nil {
			return err
		}
	}
	if err := s.saveState(); err != nil {
		return err
	}
	defer os.Remove(filepath.Join(s.m.Dir, runFile))
	if ready != nil {
		ready(ln.Addr().String())
	}
	<-ctx.Done()
	return nil
}

// listenProxies opens the proxies from n to every node and from every node to n.
func (s *Supervisor) listenProxies(n Node) error {
	s.mu.Lock()
	nodes := slices.Clone(s.m.Nodes)
	s.mu.Unlock()
	for _, o := range nodes {
		pairs := [][2]Node{{n, o}}
		if o.Index != n.Index {
			pairs = append(pairs, [2]Node{o, n})
		}
		for _, p := range pairs {
			d, t := p[0], p[1]
			if s.hasProxy(d.Index, t.Index) {
				continue
			}
			addr := fmt.Sprintf("127.0.0.1:%d", s.m.ProxyPortOf(d.Index, t.Index))
			if err := s.fabric.Listen(addr, d.Name, t.Name, fmt.Sprintf("127.0.0.1:%d", t.Ports.P2P)); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *Supervisor) hasProxy(d, t int) bool {
	s.fabric.mu.Lock()
	defer s.fabric.mu.Unlock()
	want := fmt.Sprintf("127.0.0.1:%d", s.m.ProxyPortOf(d, t))
	for _, p := range s.fabric.proxies {
		if p.ln.Addr().String() == want {
			return true
		}
	}
	return false
}

func (s *Supervisor) saveState() error {
	s.mu.Lock()
	st := RunState{SupervisorPID: os.Getpid(), PIDs: map[string]int{}, Tmpfs: slices.Clone(s.tmpfs), DiskLimitSkipped: s.diskSkipped}
	if s.ln != nil {
		st.Control = s.ln.Addr().String()
	}
	for name, p := range s.procs {
		if p.running() {
			st.PIDs[name] = p.cmd.Process.Pid
		}
	}
	s.mu.Unlock()
	raw, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(s.m.Dir, runFile+".tmp")
	if err := os.WriteFile(tmp, raw, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(s.m.Dir, runFile))
}

func (p *process) running() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// start starts node name's process (an error if it runs), with env added to the environment.
func (s *Supervisor) start(name string, env []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.m.Node(name)
	if !ok {
		return fmt.Errorf("no node %q in the testnet", name)
	}
	if p := s.procs[name]; p != nil && p.running() {
		return fmt.Errorf("%s is running already", name)
	}
	log, err := os.OpenFile(filepath.Join(n.Home, "node.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(s.binary, "start", "--home", n.Home)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = log, log
	// Its own process group: a ctrl-c in the terminal reaches the supervisor, which stops the
	// nodes in order, not every node at once.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		log.Close()
		return fmt.Errorf("starting %s: %w", name, err)
	}
	p := &process{cmd: cmd, exited: make(chan struct{}), log: log}
	go func() {
		_ = cmd.Wait()
		log.Close()
		close(p.exited)
	}()
	s.procs[name] = p
	return nil
}

func (s *Supervisor) proc(name string) (*process, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.procs[name]
	if p == nil || !p.running() {
		return nil, fmt.Errorf("%s is not running", name)
	}
	return p, nil
}

// kill ends node name at once (SIGKILL), as a crash or a power cut would.
func (s *Supervisor) kill(name string) error {
	p, err := s.proc(name)
	if err != nil {
		return err
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.exited
	return nil
}

// stop ends node name cleanly: an interrupt, a kill after 20 s.
func (s *Supervisor) stop(name string) error {
	p, err := s.proc(name)
	if err != nil {
		return err
	}
	if p.paused {
		_ = p.cmd.Process.Signal(syscall.SIGCONT)
	}
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.exited:
	case <-time.After(20 * time.Second):
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
		<-p.exited
	}
	return nil
}

func (s *Supervisor) pause(name string, pause bool) error {
	p, err := s.proc(name)
	if err != nil {
		return err
	}
	sig := syscall.SIGCONT
	if pause {
		sig = syscall.SIGSTOP
	}
	if err := p.cmd.Process.Signal(sig); err != nil {
		return err
	}
	s.mu.Lock()
	p.paused = pause
	s.mu.Unlock()
	return nil
}

// wait waits up to d for node name's process to exit by itself; whether it did.
func (s *Supervisor) wait(name string, d time.Duration) bool {
	s.mu.Lock()
	p := s.procs[name]
	s.mu.Unlock()
	if p == nil {
		return true
	}
	select {
	case <-p.exited:
		return true
	case <-time.After(d):
		return false
	}
}

func (s *Supervisor) stopAll() {
	s.mu.Lock()
	nodes := slices.Clone(s.m.Nodes)
	s.mu.Unlock()
	var wg sync.WaitGroup
	for _, n := range nodes {
		wg.Go(func() { _ = s.stop(n.Name) })
	}
	wg.Wait()
}

// join writes a new node that joins by state sync, opens its proxies and starts it.
func (s *Supervisor) join(trust StateSyncTrust) (Node, error) {
	s.mu.Lock()
	n, err := s.m.AddStateSyncNode(trust)
	s.mu.Unlock()
	if err != nil {
		return Node{}, err
	}
	if err := s.listenProxies(n); err != nil {
		return Node{}, err
	}
	return n, s.start(n.Name, nil)
}

// NodeState is a node as the control API reports it.
type NodeState struct {
	Node
	PID     int  `json:"pid"`
	Running bool `json:"running"`
	Paused  bool `json:"paused"`
}

func (s *Supervisor) nodes() []NodeState {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []NodeState
	for _, n := range s.m.Nodes {
		st := NodeState{Node: n}
		if p := s.procs[n.Name]; p != nil && p.running() {
			st.Running, st.Paused, st.PID = true, p.paused, p.cmd.Process.Pid
		}
		out = append(out, st)
	}
	return out
}

// handler is the control API:
//
//	GET  /nodes                         the nodes and their processes
//	POST /nodes/{name}/{action}         kill, stop, start, pause, resume; crash-in-commit?index=K
//	                                    restarts the node so that it exits at the K-th commit step
//	POST /nodes/{name}/disk-full        fill the node's data tmpfs and keep it full (a DiskFull)
//	DELETE /nodes/{name}/disk-full      free it again; the DiskFull says what the node did
//	PUT  /net                           a NetFaults in JSON: the network's faults from now on
//	POST /join                          a StateSyncTrust in JSON: a new node joins by state sync
func (s *Supervisor) handler() http.Handler {
	mux := http.NewServeMux()
	reply := func(w http.ResponseWriter, v any, err error) {
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}
	mux.HandleFunc("GET /nodes", func(w http.ResponseWriter, _ *http.Request) { reply(w, s.nodes(), nil) })
	mux.HandleFunc("POST /nodes/{name}/{action}", func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		var err error
		switch a := r.PathValue("action"); a {
		case "kill":
			err = s.kill(name)
		case "stop":
			err = s.stop(name)
		case "start":
			err = s.start(name, nil)
		case "pause":
			err = s.pause(name, true)
		case "resume":
			err = s.pause(name, false)
		case "crash-in-commit":
			err = s.crashInCommit(name, r.URL.Query().Get("index"))
		default:
			err = fmt.Errorf("unknown action %q: kill, stop, start, pause, resume or crash-in-commit", a)
		}
		if err == nil {
			err = s.saveState()
		}
		reply(w, s.nodes(), err)
	})
	mux.HandleFunc("POST /nodes/{name}/disk-full", func(w http.ResponseWriter, r *http.Request) {
		d, err := s.fillDisk(r.PathValue("name"))
		reply(w, d, err)
	})
	mux.HandleFunc("DELETE /nodes/{name}/disk-full", func(w http.ResponseWriter, r *http.Request) {
		d, err := s.freeDisk(r.PathValue("name"))
		reply(w, d, err)
	})
	mux.HandleFunc("PUT /net", func(w http.ResponseWriter, r *http.Request) {
		var f NetFaults
		err := json.NewDecoder(r.Body).Decode(&f)
		if err == nil {
			s.fabric.Set(f)
		}
		reply(w, s.fabric.Faults(), err)
	})
	mux.HandleFunc("POST /join", func(w http.ResponseWriter, r *http.Request) {
		var t StateSyncTrust
		if err := json.NewDecoder(r.Body).Decode(&t); err != nil {
			reply(w, nil, err)
			return
		}
		n, err := s.join(t)
		if err == nil {
			err = s.saveState()
		}
		reply(w, n, err)
	})
	return mux
}

// crashInCommit kills node name and starts it again so that CometBFT's fail point number index
// (FAIL_TEST_INDEX: the steps between executing a block, committing the app and saving the
// state) ends the process in the middle of a commit; it waits up to 30 s for that exit, then
// starts the node normally, which must recover.
func (s *Supervisor) crashInCommit(name, index string) error {
	k, err := strconv.Atoi(index)
	if err != nil || k < 0 {
		return fmt.Errorf("crash-in-commit needs index=K, a fail point number ≥ 0, not %q", index)
	}
	if err := s.kill(name); err != nil {
		return err
	}
	if err := s.start(name, []string{"FAIL_TEST_INDEX=" + strconv.Itoa(k)}); err != nil {
		return err
	}
	if !s.wait(name, 30*time.Second) {
		if err := s.kill(name); err != nil {
			return err
		}
	}
	return s.start(name, nil)
}

// mountDisks puts every original node's data folder on a tmpfs of the manifest's disk limit,
// when it has one. Where mounting is not permitted no node gets one and diskSkipped says why:
// the testnet runs on the plain disk, and chaos skips its disk-full faults with that reason.
func (s *Supervisor) mountDisks() {
	if s.m.DiskLimit <= 0 {
		return
	}
	for _, n := range s.m.Nodes {
		if n.StateSync {
			continue
		}
		if err := mountData(n.Home, s.m.DiskLimit); err != nil {
			s.diskSkipped = fmt.Sprintf("%s: %v", n.Name, err)
			s.unmountDisks()
			return
		}
		s.tmpfs = append(s.tmpfs, n.Name)
	}
}

// unmountDisks copies every tmpfs back to disk and unmounts it; the nodes must be stopped.
func (s *Supervisor) unmountDisks() {
	s.mu.Lock()
	for name, d := range s.fillers {
		_, _ = d.filler.free()
		delete(s.fillers, name)
	}
	s.mu.Unlock()
	for _, name := range s.tmpfs {
		n, _ := s.m.Node(name)
		if err := unmountData(n.Home); err != nil {
			fmt.Fprintf(os.Stderr, "testnet: %s: %v\n", name, err)
		}
	}
	s.tmpfs = nil
}

// DiskFull is what a disk-full fault did: the bytes its filler wrote, and, once freed, whether
// the node's process exited meanwhile and the first consensus failure or panic its log shows.
type DiskFull struct {
	Node    string `json:"node"`
	Filled  int64  `json:"filled"`
	Exited  bool   `json:"exited"`
	Failure string `json:"failure,omitempty"`
	// NoSpaceErrors counts the log lines since the fault began that report ENOSPC.
	NoSpaceErrors int `json:"no_space_errors"`
}

// fillDisk fills node name's data tmpfs and keeps it full until freeDisk.
func (s *Supervisor) fillDisk(name string) (DiskFull, error) {
	n, ok := s.m.Node(name)
	if !ok {
		return DiskFull{}, fmt.Errorf("no node %q in the testnet", name)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !slices.Contains(s.tmpfs, name) {
		return DiskFull{}, fmt.Errorf("%s's data folder is not on a tmpfs (start the testnet with --disk-limit)", name)
	}
	if s.fillers[name] != nil {
		return DiskFull{}, fmt.Errorf("%s's disk is full already", name)
	}
	var logAt int64
	if st, err := os.Stat(filepath.Join(n.Home, "node.log")); err == nil {
		logAt = st.Size()
	}
	fl, err := startFiller(dataDir(n.Home))
	if err != nil {
		return DiskFull{}, fmt.Errorf("filling %s's disk: %w", name, err)
	}
	s.fillers[name] = &diskFull{filler: fl, logAt: logAt}
	return DiskFull{Node: name, Filled: fl.written}, nil
}

// freeDisk ends node name's disk-full fault: it deletes the filler and reports what the node
// did meanwhile.
func (s *Supervisor) freeDisk(name string) (DiskFull, error) {
	n, _ := s.m.Node(name)
	s.mu.Lock()
	d := s.fillers[name]
	delete(s.fillers, name)
	p := s.procs[name]
	s.mu.Unlock()
	if d == nil {
		return DiskFull{}, fmt.Errorf("%s's disk is not full", name)
	}
	written, err := d.filler.free()
	if err != nil {
		return DiskFull{}, fmt.Errorf("freeing %s's disk: %w", name, err)
	}
	out := DiskFull{Node: name, Filled: written, Exited: p == nil || !p.running()}
	out.Failure, out.NoSpaceErrors = scanLog(filepath.Join(n.Home, "node.log"), d.logAt)
	return out, nil
}

// ansiColour is the terminal colouring of the node's log lines.
var ansiColour = regexp.MustCompile("\x1b\\[[0-9;]*m")

// scanLog reads a node's log from offset: the first line that reports a consensus failure or a
// panic (cut to 300 bytes), and how many lines report no space left on the device.
func scanLog(path string, offset int64) (failure string, noSpace int) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return "", 0
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		line := ansiColour.ReplaceAllString(sc.Text(), "")
		if strings.Contains(line, "no space left on device") {
			noSpace++
		}
		if failure == "" && (strings.Contains(line, "CONSENSUS FAILURE") || strings.HasPrefix(line, "panic:")) {
			line, _, _ = strings.Cut(line, " stack=") // CometBFT's goroutine dump follows
			failure = line[:min(len(line), 300)]
		}
	}
	return failure, noSpace
}
