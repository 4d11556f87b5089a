package chain

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strings"
	"time"

	sdkmath "cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/x/subnet/types"
)

// Config says which node to talk to and how patiently. Zero values take the defaults listed.
type Config struct {
	// Node is the node's gRPC address, host:port, or several, comma-separated ("a:9090,b:9090").
	// Node or Nodes is required.
	Node string
	// Nodes are more gRPC addresses, after those in Node. With several, every call goes to one
	// node at a time; when it stops answering (unreachable, or no answer within AttemptTimeout)
	// the client moves to the next, in order and round again, and stays there.
	Nodes []string
	// ChainID is the network's chain id. When set, Dial does not contact the node (the id is
	// checked by the node on every transaction's signature); when empty, Dial asks the node.
	ChainID string
	// TLS, when set, secures the connection; nil speaks plaintext, as to a local node.
	TLS *tls.Config

	// CallTimeout bounds each call, retries included, when the context has no earlier deadline
	// (default 10s).
	CallTimeout time.Duration
	// Retry governs the retries of reads (default 5 attempts, 100ms doubling to 2s).
	Retry Backoff
	// AttemptTimeout bounds one attempt at one node when there are several, so that a node that
	// accepts connections and never answers leaves time to ask the next (default CallTimeout
	// divided by the number of nodes). With one node an attempt has the whole CallTimeout.
	AttemptTimeout time.Duration

	// InclusionTimeout bounds waiting for a broadcast transaction to land in a block when the
	// context has no earlier deadline (default 60s).
	InclusionTimeout time.Duration
	// PollInterval is how often inclusion is checked (default 250ms).
	PollInterval time.Duration
	// TxLifetimeBlocks is how many blocks after the current one a transaction may still be
	// included (its timeout height; default 100).
	TxLifetimeBlocks uint64

	// GasAdjustment multiplies the simulated gas to give the gas limit (default 1.3).
	GasAdjustment float64
	// GasPrice is the fee per unit of gas, in rao, for transactions that pay fees (default 0,
	// what local networks ask); e.g. "0.0025".
	GasPrice string

	// Logger receives retries and resends (default slog.Default()).
	Logger *slog.Logger
}

// Backoff is an exponential backoff with full jitter.
type Backoff struct {
	// Attempts is how many times a call is tried in all (default 5; 1 disables retries).
	Attempts int
	// Base is the first wait (default 100ms); each later one doubles, up to Max (default 2s).
	Base time.Duration
	Max  time.Duration
}

// Defaults.
const (
	DefaultCallTimeout      = 10 * time.Second
	DefaultInclusionTimeout = 60 * time.Second
	DefaultPollInterval     = 250 * time.Millisecond
	DefaultTxLifetimeBlocks = 100
	DefaultGasAdjustment    = 1.3
)

// settings is a Config checked and with its defaults filled in.
type settings struct {
	Config
	gasPrice sdkmath.LegacyDec
	// endpoints are Node's and Nodes' addresses, in order, each once.
	endpoints []string
}

// ParseNodes splits a comma-separated list of node addresses (a --node flag's value), dropping
// blanks: "a:9090, b:9090" is [a:9090 b:9090].
func ParseNodes(list string) []string {
	var out []string
	for _, a := range strings.Split(list, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

func (c Config) settle() (settings, error) {
	var endpoints []string
	for _, a := range append(ParseNodes(c.Node), c.Nodes...) {
		if a = strings.TrimSpace(a); a != "" && !slices.Contains(endpoints, a) {
			endpoints = append(endpoints, a)
		}
	}
	if len(endpoints) == 0 {
		return settings{}, errors.New("chain: Config.Node is required: the node's gRPC address, host:port (or several, comma-separated)")
	}
	if c.CallTimeout < 0 || c.AttemptTimeout < 0 || c.InclusionTimeout < 0 || c.PollInterval < 0 || c.Retry.Base < 0 || c.Retry.Max < 0 || c.Retry.Attempts < 0 {
		return settings{}, errors.New("chain: timeouts, intervals and attempts must not be negative")
	}
	if c.GasAdjustment != 0 && (c.GasAdjustment < 1 || math.IsNaN(c.GasAdjustment) || math.IsInf(c.GasAdjustment, 0)) {
		return settings{}, fmt.Errorf("chain: GasAdjustment %v must be at least 1 (it is a margin over the simulated gas)", c.GasAdjustment)
	}
	s := settings{Config: c, gasPrice: sdkmath.LegacyZeroDec(), endpoints: endpoints}
	if c.GasPrice != "" {
		p, err := sdkmath.LegacyNewDecFromStr(c.GasPrice)
		if err != nil || p.IsNegative() {
			return settings{}, fmt.Errorf("chain: GasPrice %q must be a non-negative decimal number of rao per gas", c.GasPrice)
		}
		s.gasPrice = p
	}
	setDefault(&s.CallTimeout, DefaultCallTimeout)
	setDefault(&s.AttemptTimeout, s.CallTimeout/time.Duration(len(endpoints)))
	setDefault(&s.InclusionTimeout, DefaultInclusionTimeout)
	setDefault(&s.PollInterval, DefaultPollInterval)
	setDefault(&s.TxLifetimeBlocks, DefaultTxLifetimeBlocks)
	setDefault(&s.GasAdjustment, DefaultGasAdjustment)
	setDefault(&s.Retry.Attempts, 5)
	setDefault(&s.Retry.Base, 100*time.Millisecond)
	setDefault(&s.Retry.Max, 2*time.Second)
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	return s, nil
}

// fee is what a transaction with this gas limit pays.
func (s settings) fee(gas uint64) sdk.Coins {
	amount := s.gasPrice.MulInt64(int64(min(gas, math.MaxInt64))).Ceil().TruncateInt()
	if amount.IsZero() {
		return nil
	}
	return sdk.NewCoins(sdk.NewCoin(types.Denom, amount))
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}
