package neuron

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/gotensor/gotensor/sdk/axon"
	"github.com/gotensor/gotensor/subnets/forecast/standings"
)

// standingsServer is a validator's read-only endpoint: GET standings.Path answers the scoreboard,
// signed by the hotkey, to anyone. It signs at most once per scored round (the answer is cached
// until the board changes), so readers cannot make it sign at their pace.
type standingsServer struct {
	v         *Validator
	srv       *http.Server
	ln        net.Listener
	publisher *axonPublisher

	// cache is the last signed document and the round count and snapshot height it was made at.
	cache struct {
		doc    []byte
		rounds int
		height int64
		made   bool
	}
}

// startStandings listens on PublishAddr and serves the standings.
func (v *Validator) startStandings() error {
	ln, err := net.Listen("tcp", v.cfg.PublishAddr)
	if err != nil {
		return fmt.Errorf("standings endpoint: listening on %s: %w", v.cfg.PublishAddr, err)
	}
	s := &standingsServer{v: v, ln: ln}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+standings.Path, s.serve)
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 10 * time.Second, IdleTimeout: 60 * time.Second, MaxHeaderBytes: 16 << 10}
	if _, err := s.serveInfo(); err != nil {
		_ = ln.Close()
		return err
	}
	s.publisher = &axonPublisher{role: "validator", chain: v.cfg.Chain, hotkey: v.cfg.Hotkey, netuid: v.cfg.Netuid, graph: v.graph,
		info: s.serveInfo, log: v.log}
	v.pubServer = s
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			v.log.Error("validator: the standings endpoint stopped", "err", err)
		}
	}()
	return nil
}

// stop closes the endpoint, letting requests in flight finish for a moment.
func (s *standingsServer) stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil {
		return s.srv.Close()
	}
	return nil
}

func (s *standingsServer) serve(w http.ResponseWriter, _ *http.Request) {
	doc, err := s.v.signedStandings()
	if err != nil {
		s.v.log.Error("validator: signing the standings", "err", err)
		http.Error(w, "the validator could not sign its standings", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(doc)
}

// serveInfo is what the validator announces with serve-axon: the endpoint's address (or
// PublishExternalIP and PublishExternalPort), HTTP, and standings.AxonVersion, which tells
// validators and gateways that it speaks no synapse.
func (s *standingsServer) serveInfo() (axon.ServeInfo, error) {
	ip, port := s.v.cfg.PublishExternalIP, s.v.cfg.PublishExternalPort
	tcp, ok := s.ln.Addr().(*net.TCPAddr)
	if !ok {
		return axon.ServeInfo{}, fmt.Errorf("standings endpoint listens on %s, not a TCP address", s.ln.Addr())
	}
	if port == 0 {
		port = tcp.AddrPort().Port()
	}
	if !ip.IsValid() {
		ip = tcp.AddrPort().Addr()
		if ip.IsUnspecified() {
			return axon.ServeInfo{}, fmt.Errorf("standings endpoint listens on wildcard address %s; set PublishExternalIP to the address readers reach it at", ip)
		}
	}
	ip = ip.Unmap().WithZone("")
	ipType := uint8(6)
	if ip.Is4() {
		ipType = 4
	}
	return axon.ServeInfo{IP: ip, Port: port, IPType: ipType, Protocol: axon.ProtocolHTTP, Version: standings.AxonVersion}, nil
}

// PublishedStandings is the address of the validator's standings endpoint, once started with
// PublishAddr, and whether the chain lists it as the validator's axon.
func (v *Validator) PublishedStandings() (net.Addr, bool) {
	if v.pubServer == nil {
		return nil, false
	}
	_, listed := v.pubServer.publisher.published()
	return v.pubServer.ln.Addr(), listed
}

// signedStandings is the scoreboard as published: signed again only when a round has been
// scored or the metagraph moved since the last signature.
func (v *Validator) signedStandings() ([]byte, error) {
	v.mu.Lock()
	rounds := v.activity.Rounds
	v.mu.Unlock()
	m := v.alignedTo.Load()
	var height int64
	var epoch uint64
	if m != nil {
		height, epoch = m.Height, m.LastEpochBlock
	}
	s := v.pubServer
	v.pubMu.Lock()
	defer v.pubMu.Unlock()
	if s.cache.made && s.cache.rounds == rounds && s.cache.height == height {
		return s.cache.doc, nil
	}
	doc, err := standings.Sign(standings.Standings{
		ChainID: v.cfg.Chain.ChainID(), Netuid: v.cfg.Netuid, Validator: v.Hotkey(),
		Block: height, LastEpochBlock: epoch, Rounds: rounds, TakenAt: time.Now().UTC(),
		Miners: v.Standings(),
	}, v.cfg.Hotkey)
	if err != nil {
		return nil, err
	}
	s.cache.doc, s.cache.rounds, s.cache.height, s.cache.made = doc, rounds, height, true
	return doc, nil
}
