package localnet

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strings"

	"github.com/gotensor/gotensor/gateway"
	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/subnets/textgen"
)

// DefaultGatewayPort is where a local network's gateway listens, the port OpenAI-compatible
// local servers commonly take.
const DefaultGatewayPort = 8000

// gatewayVerifyShare is the share of organic answers the local gateway verifies, as
// `gotensor gateway` does by default.
const gatewayVerifyShare = 0.05

// GatewayReport is the gateway in the JSON summary.
type GatewayReport struct {
	BaseURL string `json:"base_url"`
}

// forecastModel is the model id under which the local gateway serves the forecasting subnet's
// ensemble (POST /v1/forecast).
const forecastModel = "forecast"

// localGateway is the OpenAI-compatible gateway in front of the local subnets: the
// text-generation subnet, called with its validator's hotkey (miners serve validators only), and
// the forecasting subnet at POST /v1/forecast, called with the subnet owner's hotkey, the
// referee's (the miners serve it once an epoch has given it a validator permit; until then the
// gateway answers 503 no_miner_available). Its key database, with the development key, is kept
// in the home.
type localGateway struct {
	*gateway.Local
	graphs []*gateway.Follower
}

func checkGatewayPortFree(port int) error {
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return fmt.Errorf("port %d (the gateway) is already in use: stop what uses it, pass --gateway-port, or --gateway-port 0 for no gateway", port)
	}
	return l.Close()
}

// startGateway starts the gateway on 127.0.0.1:port in front of tg and d, either of which may be
// nil (not running).
func startGateway(home string, port int, tg *textgenNet, d *demo, modelPath string, logs io.Writer) (g *localGateway, err error) {
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn})).With("service", "gateway")
	g = &localGateway{}
	defer func() {
		if err != nil {
			err = errors.Join(err, g.stopGraphs())
		}
	}()
	follow := func(c *chain.Client, netuid uint16) (*gateway.Follower, error) {
		graph, err := gateway.NewFollower([]*chain.Client{c}, netuid, 0, logger)
		if err == nil {
			err = graph.Start()
		}
		if err != nil {
			return nil, err
		}
		g.graphs = append(g.graphs, graph)
		return graph, nil
	}
	cfg := gateway.Config{ListenAddr: fmt.Sprintf("127.0.0.1:%d", port), VerifyShare: gatewayVerifyShare, Logger: logger}
	if tg != nil {
		ref, err := textgen.Load(modelPath)
		if err != nil {
			return nil, fmt.Errorf("the gateway's copy of the text-generation model: %w", err)
		}
		graph, err := follow(tg.client, tg.state.Netuid)
		if err != nil {
			return nil, err
		}
		cfg.ChainID, cfg.Hotkey = tg.client.ChainID(), tg.validatorHotkey
		model := strings.TrimSuffix(filepath.Base(modelPath), filepath.Ext(modelPath))
		cfg.Subnets = []gateway.Subnet{{Netuid: tg.state.Netuid, Model: model, Metagraph: graph, Reference: ref}}
	}
	if d != nil {
		owner, err := d.hotkey(ownerHotkey)
		if err != nil {
			return nil, err
		}
		graph, err := follow(d.client, d.netuid)
		if err != nil {
			return nil, err
		}
		if cfg.Hotkey == nil {
			cfg.ChainID, cfg.Hotkey = d.client.ChainID(), owner
		}
		cfg.Forecasts = []gateway.ForecastSubnet{{Netuid: d.netuid, Model: forecastModel, Metagraph: graph, Hotkey: owner}}
	}
	l, err := gateway.StartLocal(cfg, filepath.Join(home, "gateway.db"))
	if err != nil {
		return nil, fmt.Errorf("starting the gateway: %w", err)
	}
	g.Local = l
	return g, nil
}

func (g *localGateway) stopGraphs() error {
	var errs []error
	for _, graph := range g.graphs {
		errs = append(errs, graph.Stop())
	}
	return errors.Join(errs...)
}

func (g *localGateway) stop() error { return errors.Join(g.Local.Stop(), g.stopGraphs()) }

// printGateway prints the lines that make any OpenAI client use the gateway.
func printGateway(w io.Writer, g *localGateway) {
	fmt.Fprintf(w, "gateway (OpenAI-compatible; models %s):\n", strings.Join(g.Models(), ", "))
	for _, line := range g.Lines() {
		fmt.Fprintln(w, line)
	}
}
