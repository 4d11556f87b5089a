// Command echo-validator runs the echo subnet's validator: every -interval it queries the
// subnet's miners, scores their echoes, and sets (or commits and reveals) weights.
//
//	echo-validator -node localhost:9090 -netuid 1 -wallet alice -hotkey validator -interval 12s
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/sdk/example/node"
	"github.com/gotensor/gotensor/sdk/wallet"
)

func main() {
	var (
		cfg        node.ValidatorConfig
		nodeAddr   = flag.String("node", "localhost:9090", "the node's gRPC address")
		netuid     = flag.Uint("netuid", 1, "the echo subnet's netuid")
		home       = flag.String("home", os.ExpandEnv("$HOME/.gotensor"), "folder holding the keyring")
		backend    = flag.String("keyring-backend", wallet.DefaultBackend, "keyring backend: os, file or test")
		walletName = flag.String("wallet", "default", "wallet name")
		hotkey     = flag.String("hotkey", wallet.DefaultHotkey, "hotkey name")
		interval   = flag.Duration("interval", 12*time.Second, "time between rounds")
	)
	flag.DurationVar(&cfg.Timeout, "timeout", 5*time.Second, "how long each miner has to answer")
	flag.Uint64Var(&cfg.VersionKey, "version-key", 0, "the weights version key")
	flag.Uint64Var(&cfg.MaxBurn, "max-burn", 0, "highest registration price to pay, in rao (0: any)")
	flag.Parse()
	if err := run(&cfg, *nodeAddr, uint16(*netuid), *home, *backend, *walletName, *hotkey, *interval); err != nil {
		fmt.Fprintln(os.Stderr, "echo-validator:", err)
		os.Exit(1)
	}
}

func run(cfg *node.ValidatorConfig, nodeAddr string, netuid uint16, home, backend, walletName, hotkey string, interval time.Duration) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	hot, cold, err := node.WalletKeys(backend, home, walletName, hotkey, os.Stdin)
	if err != nil {
		return err
	}
	c, err := chain.Dial(ctx, chain.Config{Node: nodeAddr})
	if err != nil {
		return err
	}
	defer c.Close()
	cfg.Chain, cfg.Netuid, cfg.Hotkey, cfg.Coldkey = c, netuid, hot, cold
	v, err := node.NewValidator(ctx, *cfg)
	if err != nil {
		return err
	}
	defer v.Close()
	if err := v.Run(ctx, interval); !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}
