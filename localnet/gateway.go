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

// localGateway is the OpenAI-compatible gateway in front of the text-generation subnet: it holds
// the subnet validator's hotkey (miners serve validators only) and keeps its key database, with
// the development key, in the home.
type localGateway struct {
	*gateway.Local
	graph *gateway.Follower
}

func checkGatewayPortFree(port int) error {
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return fmt.Errorf("port %d (the gateway) is already in use: stop what uses it, pass --gateway-port, or --gateway-port 0 for no gateway", port)
	}
	return l.Close()
}

// startGateway starts the gateway on 127.0.0.1:port in front of tg.
func startGateway(home string, port int, tg *textgenNet, modelPath string, logs io.Writer) (*localGateway, error) {
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn})).With("service", "gateway")
	ref, err := textgen.Load(modelPath)
	if err != nil {
		return nil, fmt.Errorf("the gateway's copy of the text-generation model: %w", err)
	}
	graph, err := gateway.NewFollower([]*chain.Client{tg.client}, tg.state.Netuid, 0, logger)
	if err != nil {
		return nil, err
	}
	if err := graph.Start(); err != nil {
		return nil, err
	}
	model := strings.TrimSuffix(filepath.Base(modelPath), filepath.Ext(modelPath))
	l, err := gateway.StartLocal(gateway.Config{
		ChainID: tg.client.ChainID(), Hotkey: tg.validatorHotkey, ListenAddr: fmt.Sprintf("127.0.0.1:%d", port),
		Subnets:     []gateway.Subnet{{Netuid: tg.state.Netuid, Model: model, Metagraph: graph, Reference: ref}},
		VerifyShare: gatewayVerifyShare, Logger: logger,
	}, filepath.Join(home, "gateway.db"))
	if err != nil {
		return nil, errors.Join(fmt.Errorf("starting the gateway: %w", err), graph.Stop())
	}
	return &localGateway{Local: l, graph: graph}, nil
}

func (g *localGateway) stop() error { return errors.Join(g.Local.Stop(), g.graph.Stop()) }

// printGateway prints the lines that make any OpenAI client use the gateway.
func printGateway(w io.Writer, g *localGateway) {
	fmt.Fprintln(w, "gateway (OpenAI-compatible, in front of the text-generation subnet):")
	for _, line := range g.Lines() {
		fmt.Fprintln(w, line)
	}
}
