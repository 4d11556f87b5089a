package testnet

import (
	"fmt"
	"net"
	"sync"
	"time"
)

// NetFaults is the state of the network between the nodes: who can reach whom, and how slowly.
type NetFaults struct {
	// Partition lists groups of node names; two nodes talk only when they are in the same group,
	// nodes named in no group forming one group of their own. Empty: everyone talks.
	Partition [][]string `json:"partition,omitempty"`
	// Cut closes the connections across the partition and refuses new ones; otherwise they are
	// held (their bytes wait, as in a network that drops packets until it heals).
	Cut bool `json:"cut,omitempty"`
	// LatencyMS delays every byte to and from a node by this many milliseconds.
	LatencyMS map[string]int `json:"latency_ms,omitempty"`
}

// Connected says whether a and b can talk under f.
func (f NetFaults) Connected(a, b string) bool { return f.group(a) == f.group(b) }

func (f NetFaults) group(name string) int {
	for i, g := range f.Partition {
		for _, n := range g {
			if n == name {
				return i
			}
		}
	}
	return -1
}

func (f NetFaults) latency(a, b string) time.Duration {
	return time.Duration(f.LatencyMS[a]+f.LatencyMS[b]) * time.Millisecond
}

// Fabric is the set of proxies between the nodes and the faults they inject.
type Fabric struct {
	mu      sync.Mutex
	faults  NetFaults
	changed chan struct{} // closed and replaced on every change
	proxies []*proxy
}

// NewFabric is a fabric without faults or proxies.
func NewFabric() *Fabric { return &Fabric{changed: make(chan struct{})} }

// Faults are the faults in force.
func (f *Fabric) Faults() NetFaults {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.faults
}

// Set puts faults in force: links cut by them lose their connections at once.
func (f *Fabric) Set(faults NetFaults) {
	f.mu.Lock()
	f.faults = faults
	close(f.changed)
	f.changed = make(chan struct{})
	proxies := append([]*proxy(nil), f.proxies...)
	f.mu.Unlock()
	if faults.Cut {
		for _, p := range proxies {
			if !faults.Connected(p.dialer, p.target) {
				p.closeConns()
			}
		}
	}
}

// link is how the link dialer→target is now, and a channel closed when that may change.
func (f *Fabric) link(dialer, target string) (open, cut bool, latency time.Duration, changed <-chan struct{}) {
	f.mu.Lock()
	defer f.mu.Unlock()
	open = f.faults.Connected(dialer, target)
	return open, !open && f.faults.Cut, f.faults.latency(dialer, target), f.changed
}

// Listen starts a proxy on listen that forwards to targetAddr the connections dialer makes to
// target. With dialer == target it is a sink: every connection is closed at once.
func (f *Fabric) Listen(listen, dialer, target, targetAddr string) error {
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("proxy %s→%s on %s: %w", dialer, target, listen, err)
	}
	p := &proxy{fabric: f, ln: ln, dialer: dialer, target: target, targetAddr: targetAddr, conns: map[net.Conn]struct{}{}}
	f.mu.Lock()
	f.proxies = append(f.proxies, p)
	f.mu.Unlock()
	go p.serve()
	return nil
}

// Close stops every proxy and closes its connections.
func (f *Fabric) Close() {
	f.mu.Lock()
	proxies := f.proxies
	f.proxies = nil
	f.mu.Unlock()
	for _, p := range proxies {
		p.ln.Close()
		p.closeConns()
	}
}

type proxy struct {
	fabric                     *Fabric
	ln                         net.Listener
	dialer, target, targetAddr string

	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

func (p *proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.handle(c)
	}
}

func (p *proxy) handle(in net.Conn) {
	_, cut, _, _ := p.fabric.link(p.dialer, p.target)
	if cut || p.dialer == p.target {
		in.Close()
		return
	}
	out, err := net.DialTimeout("tcp", p.targetAddr, 3*time.Second)
	if err != nil {
		in.Close()
		return
	}
	p.track(in, out)
	done := make(chan struct{}, 2)
	go func() { p.pump(out, in); done <- struct{}{} }()
	go func() { p.pump(in, out); done <- struct{}{} }()
	<-done
	in.Close()
	out.Close()
	<-done
	p.untrack(in, out)
}

func (p *proxy) track(cs ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range cs {
		p.conns[c] = struct{}{}
	}
}

func (p *proxy) untrack(cs ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range cs {
		delete(p.conns, c)
	}
}

func (p *proxy) closeConns() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

type chunk struct {
	data []byte
	read time.Time
}

// pump copies src to dst, each chunk no sooner than the link's latency after it was read, and
// none while the link is held.
func (p *proxy) pump(dst, src net.Conn) {
	chunks := make(chan chunk, 64)
	go func() {
		defer close(chunks)
		for {
			buf := make([]byte, 32<<10)
			n, err := src.Read(buf)
			if n > 0 {
				chunks <- chunk{data: buf[:n], read: time.Now()}
			}
			if err != nil {
				return
			}
		}
	}()
	for c := range chunks {
		if !p.await(c.read) {
			dst.Close()
			break
		}
		if _, err := dst.Write(c.data); err != nil {
			break
		}
	}
	src.Close()
	for range chunks { //nolint:revive // drain so the reader exits
	}
}

// await waits until the link is open and the chunk read at read has been delayed by the link's
// latency; false if the link was cut meanwhile.
func (p *proxy) await(read time.Time) bool {
	for {
		open, cut, latency, changed := p.fabric.link(p.dialer, p.target)
		if cut {
			return false
		}
		if !open {
			<-changed
			continue
		}
		wait := time.Until(read.Add(latency))
		if wait <= 0 {
			return true
		}
		select {
		case <-time.After(wait):
			return true
		case <-changed:
		}
	}
}
