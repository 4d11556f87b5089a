package web

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gotensor/gotensor/explorer/store"
	"github.com/gotensor/gotensor/sdk/chain"
)

//go:embed assets templates
var files embed.FS

// Config is what a Server reads.
type Config struct {
	Store *store.DB
	// Chain answers what the store does not keep (an account's balance and stakes now); nil
	// leaves those out.
	Chain  *chain.Client
	Logger *slog.Logger
}

// Server is the explorer's HTTP handler.
type Server struct {
	cfg   Config
	mux   *http.ServeMux
	pages map[string]*template.Template
	live  live
}

// pageNames are the templates under templates/, each rendered inside layout.html.
var pageNames = []string{"network", "subnets", "subnet", "metagraph", "uid", "fairness", "validators", "account", "blocks", "block", "tx", "error"}

// New builds the server.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("explorer web: a store is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{cfg: cfg, mux: http.NewServeMux(), pages: map[string]*template.Template{}}
	s.live.subs = map[chan int64]struct{}{}
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(files, "templates/layout.html", "templates/parts.html")
	if err != nil {
		return nil, fmt.Errorf("explorer web: templates: %w", err)
	}
	for _, name := range pageNames {
		t, err := template.Must(base.Clone()).ParseFS(files, "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("explorer web: template %s: %w", name, err)
		}
		s.pages[name] = t
	}
	assets, _ := fs.Sub(files, "assets") // the folder is embedded above
	s.mux.Handle("GET /assets/", http.StripPrefix("/assets/", cacheFor(http.FileServer(http.FS(assets)))))
	s.mux.HandleFunc("GET /api/live", s.serveLive)
	s.mux.HandleFunc("GET /search", s.search)
	s.mux.HandleFunc("GET /api/search", s.search)
	for _, p := range []struct {
		path, api, name string
		load            func(*http.Request) (any, error)
	}{
		{"/{$}", "/api/network", "network", s.network},
		{"/subnets", "/api/subnets", "subnets", s.subnets},
		{"/subnets/{netuid}", "/api/subnets/{netuid}", "subnet", s.subnet},
		{"/subnets/{netuid}/metagraph", "/api/subnets/{netuid}/metagraph", "metagraph", s.metagraph},
		{"/subnets/{netuid}/uids/{uid}", "/api/subnets/{netuid}/uids/{uid}", "uid", s.uid},
		{"/subnets/{netuid}/fairness", "/api/subnets/{netuid}/fairness", "fairness", s.fairness},
		{"/validators", "/api/validators", "validators", s.validators},
		{"/accounts/{address}", "/api/accounts/{address}", "account", s.account},
		{"/blocks", "/api/blocks", "blocks", s.blocks},
		{"/blocks/{height}", "/api/blocks/{height}", "block", s.block},
		{"/txs/{hash}", "/api/txs/{hash}", "tx", s.tx},
	} {
		s.mux.HandleFunc("GET "+p.path, s.render(p.name, p.load))
		s.mux.HandleFunc("GET "+p.api, s.json(p.load))
	}
	return s, nil
}

// ServeHTTP serves the explorer.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// badRequest is input the explorer cannot read, answered with 400 and the reason.
type badRequest struct{ error }

func status(err error) int {
	var bad badRequest
	switch {
	case errors.As(err, &bad):
		return http.StatusBadRequest
	case errors.Is(err, store.ErrNotFound):
		return http.StatusNotFound
	}
	return http.StatusInternalServerError
}

func (s *Server) json(load func(*http.Request) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := load(r)
		w.Header().Set("Content-Type", "application/json")
		if err != nil {
			w.WriteHeader(status(err))
			v = map[string]string{"error": err.Error()}
		}
		if err := json.NewEncoder(w).Encode(v); err != nil {
			s.cfg.Logger.Debug("explorer: writing a response", "err", err)
		}
	}
}

// view is what every page's template gets.
type view struct {
	Page string
	Path string
	Data any
	Err  string
}

func (s *Server) render(name string, load func(*http.Request) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := load(r)
		code := http.StatusOK
		t := s.pages[name]
		page := view{Page: name, Path: r.URL.Path, Data: v}
		if err != nil {
			code, t, page.Err = status(err), s.pages["error"], err.Error()
		}
		// The page is rendered whole, then sent in one write: a template writes in hundreds of
		// small pieces, and a page that fails to render is an error page, not half a page.
		var buf bytes.Buffer
		if err := t.Execute(&buf, page); err != nil {
			s.cfg.Logger.Warn("explorer: rendering", "page", name, "err", err)
			code, buf = http.StatusInternalServerError, bytes.Buffer{}
			_ = s.pages["error"].Execute(&buf, view{Page: "error", Path: r.URL.Path, Err: "rendering the page: " + err.Error()})
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(code)
		_, _ = w.Write(buf.Bytes())
	}
}

func cacheFor(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		h.ServeHTTP(w, r)
	})
}

func netuidOf(r *http.Request) (uint16, error) {
	n, err := strconv.ParseUint(r.PathValue("netuid"), 10, 16)
	if err != nil {
		return 0, badRequest{fmt.Errorf("netuid %q is not a subnet number (0–65535)", r.PathValue("netuid"))}
	}
	return uint16(n), nil
}

// Notify tells the pages following the live stream that height is stored.
func (s *Server) Notify(height int64) { s.live.publish(height) }

// live fans new heights out to the open event streams.
type live struct {
	mu   sync.Mutex
	subs map[chan int64]struct{}
}

func (l *live) publish(h int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for ch := range l.subs {
		select {
		case ch <- h:
		default: // a slow reader skips to a later height
		}
	}
}

func (l *live) subscribe() (chan int64, func()) {
	ch := make(chan int64, 1)
	l.mu.Lock()
	l.subs[ch] = struct{}{}
	l.mu.Unlock()
	return ch, func() {
		l.mu.Lock()
		delete(l.subs, ch)
		l.mu.Unlock()
	}
}

// serveLive streams `event: block` with {"height": h} as each block is stored.
func (s *Server) serveLive(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming is not supported by this connection", http.StatusInternalServerError)
		return
	}
	ch, cancel := s.live.subscribe()
	defer cancel()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	fmt.Fprint(w, ": following new blocks\n\n")
	flusher.Flush()
	keepalive := time.NewTicker(15 * time.Second)
	defer keepalive.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case h := <-ch:
			fmt.Fprintf(w, "event: block\ndata: {\"height\":%d}\n\n", h)
		case <-keepalive.C:
			fmt.Fprint(w, ": keepalive\n\n")
		}
		flusher.Flush()
	}
}

// search sends a query to its page: a height, a transaction hash, an address (an account, or a
// hotkey's uids), a netuid ("sn1", "subnet 1") or a uid ("1/3").
func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	target, err := s.resolve(r.Context(), q)
	if strings.HasPrefix(r.URL.Path, "/api/") {
		s.json(func(*http.Request) (any, error) { return map[string]string{"query": q, "url": target}, err })(w, r)
		return
	}
	if err != nil {
		s.render("error", func(*http.Request) (any, error) { return nil, err })(w, r)
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

func (s *Server) resolve(ctx context.Context, q string) (string, error) {
	lower := strings.ToLower(q)
	switch {
	case q == "":
		return "", badRequest{errors.New("search for a height, a transaction hash, an address, a subnet (sn1) or a uid (1/3)")}
	case isDigits(q):
		return "/blocks/" + q, nil
	case len(q) == 64 && isHex(q):
		return "/txs/" + strings.ToUpper(q), nil
	case strings.HasPrefix(lower, store.AddressPrefix+"1"):
		return "/accounts/" + lower, nil
	case strings.HasPrefix(lower, "sn") && isDigits(lower[2:]):
		return "/subnets/" + lower[2:], nil
	case strings.HasPrefix(lower, "subnet ") && isDigits(strings.TrimSpace(lower[7:])):
		return "/subnets/" + strings.TrimSpace(lower[7:]), nil
	}
	if a, b, ok := strings.Cut(q, "/"); ok && isDigits(a) && isDigits(b) {
		return "/subnets/" + a + "/uids/" + b, nil
	}
	return "", fmt.Errorf("nothing called %q: search for a height, a transaction hash, an address, a subnet (sn1) or a uid (1/3): %w", q, store.ErrNotFound)
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func isHex(s string) bool {
	for _, r := range strings.ToLower(s) {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return false
		}
	}
	return true
}
