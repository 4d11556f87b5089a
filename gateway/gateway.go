package gateway

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/sdk/dendrite"
	"github.com/gotensor/gotensor/sdk/metagraph"
	"github.com/gotensor/gotensor/sdk/synapse"
	"github.com/gotensor/gotensor/subnets/textgen"
	"github.com/gotensor/gotensor/subnets/textgen/protocol"
	"github.com/gotensor/gotensor/subnets/textgen/scoreboard"
	"github.com/gotensor/gotensor/subnets/textgen/verify"
)

// Metagraph is where a served subnet's miners are read from: a
// metagraph.Syncer following a node, or anything else holding the latest
// metagraph.
type Metagraph interface {
	Current() *metagraph.Metagraph
}

// Subnet is one text-generation subnet the gateway serves, as one model.
type Subnet struct {
	Netuid uint16
	// Model is the model id users ask for (GET /v1/models lists it).
	// Required.
	Model string
	// Metagraph is the subnet's metagraph source. Required.
	Metagraph Metagraph
	// Reference is the gateway's copy of the subnet's model: requests then
	// name its id, so a miner serving another model refuses them, and
	// VerifyShare of the answers are verified with it. Optional when
	// VerifyShare is 0.
	Reference verify.Reference
	// Validator, if set, verifies and scores organic answers on the
	// validator's own scoreboard (a gateway run beside a validator);
	// otherwise the gateway keeps its own, made from Reference.
	Validator *textgen.Validator
}

// ForecastSubnet is a forecasting subnet the gateway serves at POST
// /v1/forecast, as one model: each request goes to the subnet's top miners
// by incentive, and the answer is their incentive-weighted ensemble.
type ForecastSubnet struct {
	Netuid uint16
	// Model is the model id users name (GET /v1/models lists it). Required.
	Model string
	// Metagraph is the subnet's metagraph source. Required.
	Metagraph Metagraph
	// Miners is how many of the miners with the highest incentive make
	// the ensemble (default 5).
	Miners int
	// Hotkey, if set, is the hotkey the gateway calls this subnet's miners
	// with, when its validator permit here is another hotkey's than
	// Config.Hotkey (default Config.Hotkey).
	Hotkey chain.Signer
}

// Config configures a gateway. Zero values take the defaults listed.
type Config struct {
	// ChainID and Hotkey: the network and the validator hotkey the gateway
	// calls miners with (it needs a validator permit on each subnet).
	// Required.
	ChainID string
	Hotkey  chain.Signer
	// Subnets are the served text-generation subnets, and Forecasts the
	// forecasting subnets, one model each. At least one is required.
	Subnets   []Subnet
	Forecasts []ForecastSubnet
	// Keys is the API key database. Required.
	Keys *Keys
	// ListenAddr is where Start listens (default "127.0.0.1:8080").
	ListenAddr string
	// VerifyShare is the share of answers (0..1) re-scored by the verifier.
	VerifyShare float64
	// Secret keys the verifier's checked positions when the gateway keeps
	// its own (default: random).
	Secret []byte
	// MaxTokens is the longest completion a user may ask for (default 256);
	// DefaultMaxTokens is used when a request names none (default 64).
	MaxTokens        int
	DefaultMaxTokens int
	// MaxBodyBytes bounds a request body (default 1 MiB).
	MaxBodyBytes int64
	// Attempts is how many miners a request is tried on before its first
	// byte (default 3). FirstTokenTimeout is how long each has to send its
	// first chunk (default 10s), RequestTimeout how long a whole request
	// may take (default 120s).
	Attempts          int
	FirstTokenTimeout time.Duration
	RequestTimeout    time.Duration
	// ForecastTimeout is how long the miners of a forecast have to answer
	// (default 10s).
	ForecastTimeout time.Duration
	// Route tunes the choice of miners.
	Route RouteConfig
	// Logger receives structured logs, never prompt or answer text
	// (default slog.Default()).
	Logger *slog.Logger
}

func (c Config) withDefaults() (Config, error) {
	var errs []error
	if c.ChainID == "" {
		errs = append(errs, errors.New("ChainID is required"))
	}
	if c.Hotkey == nil {
		errs = append(errs, errors.New("Hotkey (a validator hotkey) is required"))
	}
	if c.Keys == nil {
		errs = append(errs, errors.New("Keys (the API key database) is required"))
	}
	if len(c.Subnets)+len(c.Forecasts) == 0 {
		errs = append(errs, errors.New("at least one Subnet or ForecastSubnet is required"))
	}
	if !(c.VerifyShare >= 0 && c.VerifyShare <= 1) {
		errs = append(errs, fmt.Errorf("VerifyShare is %v, want 0..1", c.VerifyShare))
	}
	if c.MaxTokens < 0 || c.MaxTokens > protocol.MaxTokens || c.DefaultMaxTokens < 0 || c.MaxBodyBytes < 0 || c.Attempts < 0 ||
		c.FirstTokenTimeout < 0 || c.RequestTimeout < 0 || c.ForecastTimeout < 0 {
		errs = append(errs, fmt.Errorf("MaxTokens (0..%d), DefaultMaxTokens, MaxBodyBytes, Attempts and the timeouts must not be negative", protocol.MaxTokens))
	}
	models := map[string]bool{}
	for i, s := range c.Subnets {
		errs = append(errs, checkServed("subnet", i, s.Netuid, s.Model, s.Metagraph, models)...)
		if c.VerifyShare > 0 && s.Reference == nil && s.Validator == nil {
			errs = append(errs, fmt.Errorf("subnet %d (netuid %d): VerifyShare %v needs a Reference model or a Validator", i, s.Netuid, c.VerifyShare))
		}
	}
	for i, f := range c.Forecasts {
		errs = append(errs, checkServed("forecasting subnet", i, f.Netuid, f.Model, f.Metagraph, models)...)
		if f.Miners < 0 || f.Miners > maxEnsemble {
			errs = append(errs, fmt.Errorf("forecasting subnet %d (netuid %d): Miners is %d, want 0..%d (0: %d)", i, f.Netuid, f.Miners, maxEnsemble, defaultEnsemble))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return c, fmt.Errorf("gateway: config: %w", err)
	}
	setDefault(&c.ListenAddr, "127.0.0.1:8080")
	setDefault(&c.MaxTokens, 256)
	setDefault(&c.DefaultMaxTokens, min(64, c.MaxTokens))
	setDefault(&c.MaxBodyBytes, 1<<20)
	setDefault(&c.Attempts, 3)
	setDefault(&c.FirstTokenTimeout, 10*time.Second)
	setDefault(&c.RequestTimeout, 120*time.Second)
	setDefault(&c.ForecastTimeout, 10*time.Second)
	for i := range c.Forecasts {
		setDefault(&c.Forecasts[i].Miners, defaultEnsemble)
		if c.Forecasts[i].Hotkey == nil {
			c.Forecasts[i].Hotkey = c.Hotkey
		}
	}
	if len(c.Secret) == 0 {
		c.Secret = make([]byte, 32)
		_, _ = rand.Read(c.Secret)
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c, nil
}

// served is one subnet as the gateway runs it.
type served struct {
	Subnet
	d *dendrite.Dendrite
	// modelID is what requests name (the reference's id), or "" for any.
	modelID string
	tv      *textgen.Validator // nil: no verification
}

// Gateway is the OpenAI-compatible front door. Handler serves it; Start
// and Stop run it on its own listener.
type Gateway struct {
	cfg       Config
	log       *slog.Logger
	subnets   map[string]*served         // by model
	forecasts map[string]*servedForecast // by model
	models    []string                   // text models, then forecasting ones, in the configuration's order
	router    *router
	limits    limiters
	metrics   *metrics
	created   int64
	mux       *http.ServeMux

	verifyMu  sync.Mutex
	verifying int // verifications in flight
	bg        sync.WaitGroup

	srv *http.Server
	ln  net.Listener
}

// maxVerifying bounds the verifications in flight: above it a sampled
// answer is skipped rather than queued, so verification never slows serving.
const maxVerifying = 2

// New checks the configuration and prepares a gateway.
func New(cfg Config) (*Gateway, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	g := &Gateway{cfg: cfg, subnets: map[string]*served{}, forecasts: map[string]*servedForecast{}, router: newRouter(cfg.Route), metrics: newMetrics(), created: time.Now().Unix()}
	g.log = cfg.Logger.With("component", "gateway", "hotkey", cfg.Hotkey.Address())
	for _, s := range cfg.Subnets {
		sv := &served{Subnet: s, tv: s.Validator}
		if s.Reference != nil {
			sv.modelID = s.Reference.ModelID()
		}
		if sv.tv == nil && s.Reference != nil && cfg.VerifyShare > 0 {
			if sv.tv, err = textgen.NewValidator(textgen.DefaultValidatorConfig(), s.Reference, cfg.Secret); err != nil {
				g.close()
				return nil, fmt.Errorf("gateway: subnet %d: %w", s.Netuid, err)
			}
		}
		sv.d, err = dendrite.New(dendrite.Config{
			Signer: cfg.Hotkey, Scope: synapse.Scope{ChainID: cfg.ChainID, NetUID: s.Netuid},
			Timeout: cfg.RequestTimeout, Logger: g.log,
		})
		if err != nil {
			g.close()
			return nil, fmt.Errorf("gateway: subnet %d: %w", s.Netuid, err)
		}
		g.subnets[s.Model] = sv
		g.models = append(g.models, s.Model)
	}
	for _, f := range cfg.Forecasts {
		d, err := dendrite.New(dendrite.Config{
			Signer: f.Hotkey, Scope: synapse.Scope{ChainID: cfg.ChainID, NetUID: f.Netuid},
			Timeout: cfg.ForecastTimeout, Logger: g.log,
		})
		if err != nil {
			g.close()
			return nil, fmt.Errorf("gateway: forecasting subnet %d: %w", f.Netuid, err)
		}
		g.forecasts[f.Model] = &servedForecast{ForecastSubnet: f, d: d}
		g.models = append(g.models, f.Model)
	}
	g.mux = http.NewServeMux()
	g.mux.HandleFunc("GET /v1/models", g.api("models", g.listModels))
	g.mux.HandleFunc("GET /v1/models/{model}", g.api("model", g.getModel))
	g.mux.HandleFunc("POST /v1/chat/completions", g.api("chat", g.chat))
	g.mux.HandleFunc("POST /v1/completions", g.api("completions", g.completions))
	g.mux.HandleFunc("POST /v1/forecast", g.api("forecast", g.forecast))
	g.mux.HandleFunc("GET /healthz", g.healthz)
	g.mux.Handle("GET /metrics", promhttp.HandlerFor(g.metrics.registry, promhttp.HandlerOpts{}))
	g.mux.HandleFunc("/", g.noEndpoint)
	return g, nil
}

// endpoints are the API's paths and the method each takes; a path
// pattern's {…} matches one segment.
var endpoints = []struct{ method, path string }{
	{http.MethodGet, "/v1/models"},
	{http.MethodGet, "/v1/models/{model}"},
	{http.MethodPost, "/v1/chat/completions"},
	{http.MethodPost, "/v1/completions"},
	{http.MethodPost, "/v1/forecast"},
	{http.MethodGet, "/healthz"},
	{http.MethodGet, "/metrics"},
}

// noEndpoint answers what no endpoint serves: 405 (with Allow) for a known
// path asked with another method, 404 otherwise, both as OpenAI errors.
func (g *Gateway) noEndpoint(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, e := range endpoints {
		if pathMatches(e.path, r.URL.Path) {
			allow = append(allow, e.method)
		}
	}
	if len(allow) > 0 {
		if slices.Contains(allow, http.MethodGet) {
			allow = append(allow, http.MethodHead)
		}
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeError(w, &apiError{Status: http.StatusMethodNotAllowed, Type: typeInvalidRequest, Code: "method_not_allowed",
			Message: fmt.Sprintf("%s %s is not served: use %s %s", r.Method, r.URL.Path, strings.Join(allow, " or "), r.URL.Path)})
		return
	}
	writeError(w, &apiError{Status: http.StatusNotFound, Type: typeInvalidRequest, Code: "unknown_url",
		Message: fmt.Sprintf("no endpoint %s %s: this gateway serves GET /v1/models, POST /v1/chat/completions, POST /v1/completions and POST /v1/forecast", r.Method, r.URL.Path)})
}

func pathMatches(pattern, path string) bool {
	ps, xs := strings.Split(pattern, "/"), strings.Split(path, "/")
	if len(ps) != len(xs) {
		return false
	}
	for i, p := range ps {
		if p != xs[i] && !(strings.HasPrefix(p, "{") && xs[i] != "") {
			return false
		}
	}
	return true
}

func (g *Gateway) close() {
	for _, s := range g.subnets {
		s.d.Close()
	}
	for _, f := range g.forecasts {
		f.d.Close()
	}
}

// Handler is the gateway's HTTP API.
func (g *Gateway) Handler() http.Handler { return g.mux }

// Models are the served model ids, in the configuration's order.
func (g *Gateway) Models() []string { return append([]string(nil), g.models...) }

// Standings are the organic scoreboard of a served model's subnet (nil
// when its answers are not verified).
func (g *Gateway) Standings(model string) []scoreboard.Standing {
	if s := g.subnets[model]; s != nil && s.tv != nil {
		return s.tv.Standings()
	}
	return nil
}

// Start listens on ListenAddr and serves until Stop.
func (g *Gateway) Start() error {
	if g.srv != nil {
		return errors.New("gateway: started already")
	}
	ln, err := net.Listen("tcp", g.cfg.ListenAddr)
	if err != nil {
		return fmt.Errorf("gateway: listen on %s: %w", g.cfg.ListenAddr, err)
	}
	g.ln = ln
	g.srv = &http.Server{Handler: g.mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := g.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			g.log.Error("gateway: serving stopped", "err", err)
		}
	}()
	g.log.Info("gateway serving", "addr", ln.Addr().String(), "models", g.models)
	return nil
}

// Addr is where the gateway listens, once started.
func (g *Gateway) Addr() net.Addr {
	if g.ln == nil {
		return nil
	}
	return g.ln.Addr()
}

// BaseURL is the URL OpenAI clients take as their base, once started.
func (g *Gateway) BaseURL() string { return "http://" + g.Addr().String() + "/v1" }

// Stop stops listening, lets requests in flight finish (up to 5 seconds),
// waits for the verifications and closes the dendrites. The key database
// stays open: it is the caller's.
func (g *Gateway) Stop() error {
	var err error
	if g.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = g.srv.Shutdown(ctx)
	}
	g.bg.Wait()
	g.close()
	return err
}

// NodeReporter is a Metagraph that follows chain nodes and can say how
// that goes (a Follower).
type NodeReporter interface {
	Nodes() NodeStatus
}

func (g *Gateway) healthz(w http.ResponseWriter, _ *http.Request) {
	serving, nodes := map[string]int{}, map[string]NodeStatus{}
	for _, m := range g.models {
		src := g.metagraph(m)
		serving[m] = 0
		if mg := src.Current(); mg != nil {
			_, axons := synapseAxons(mg)
			serving[m] = len(axons)
		}
		if r, ok := src.(NodeReporter); ok {
			nodes[m] = r.Nodes()
		}
	}
	out := map[string]any{"status": "ok", "serving_miners": serving}
	if len(nodes) > 0 {
		out["nodes"] = nodes
	}
	writeJSON(w, http.StatusOK, out)
}

// metagraph is a served model's metagraph source.
func (g *Gateway) metagraph(model string) Metagraph {
	if s := g.subnets[model]; s != nil {
		return s.Metagraph
	}
	return g.forecasts[model].Metagraph
}

// Verifying is how many organic answers are being verified now.
func (g *Gateway) Verifying() int {
	g.verifyMu.Lock()
	defer g.verifyMu.Unlock()
	return g.verifying
}

// checkServed checks what every served subnet needs, whatever its kind: a model id no other
// subnet uses (recorded in models), a netuid with miners and a metagraph.
func checkServed(kind string, i int, netuid uint16, model string, graph Metagraph, models map[string]bool) []error {
	var errs []error
	switch {
	case model == "":
		errs = append(errs, fmt.Errorf("%s %d (netuid %d): Model is required", kind, i, netuid))
	case models[model]:
		errs = append(errs, fmt.Errorf("%s %d: model %q is served twice", kind, i, model))
	}
	models[model] = true
	if netuid == 0 {
		errs = append(errs, fmt.Errorf("%s %d: netuid 0 is the root network, which has no miners", kind, i))
	}
	if graph == nil {
		errs = append(errs, fmt.Errorf("%s %d (netuid %d): Metagraph is required", kind, i, netuid))
	}
	return errs
}
