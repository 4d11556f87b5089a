// Command echo-miner runs the echo subnet's miner: it registers a wallet's hotkey on the subnet if
// needed (the wallet's coldkey pays, up to -max-burn), serves the echo routes, and publishes its
// axon on chain.
//
//	echo-miner -node localhost:9090 -netuid 1 -wallet alice -hotkey default -listen :8091 -external-ip 203.0.113.7
package main

import (
	"context"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"os/signal"
	"syscall"

	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/sdk/example/node"
	"github.com/gotensor/gotensor/sdk/wallet"
)

func main() {
	var (
		cfg        node.MinerConfig
		nodeAddr   = flag.String("node", "localhost:9090", "the node's gRPC address")
		netuid     = flag.Uint("netuid", 1, "the echo subnet's netuid")
		home       = flag.String("home", os.ExpandEnv("$HOME/.gotensor"), "folder holding the keyring")
		backend    = flag.String("keyring-backend", wallet.DefaultBackend, "keyring backend: os, file or test")
		walletName = flag.String("wallet", "default", "wallet name")
		hotkey     = flag.String("hotkey", wallet.DefaultHotkey, "hotkey name")
		externalIP = flag.String("external-ip", "", "the address validators reach this miner at")
	)
	flag.StringVar(&cfg.ListenAddr, "listen", ":8091", "where the axon listens")
	flag.Uint64Var(&cfg.MaxBurn, "max-burn", 0, "highest registration price to pay, in rao (0: any)")
	flag.Parse()
	if err := run(&cfg, *nodeAddr, uint16(*netuid), *home, *backend, *walletName, *hotkey, *externalIP); err != nil {
		fmt.Fprintln(os.Stderr, "echo-miner:", err)
		os.Exit(1)
	}
}

func run(cfg *node.MinerConfig, nodeAddr string, netuid uint16, home, backend, walletName, hotkey, externalIP string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if externalIP != "" {
		ip, err := netip.ParseAddr(externalIP)
		if err != nil {
			return fmt.Errorf("-external-ip: %w", err)
		}
		cfg.ExternalIP = ip
	}
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
	m, err := node.StartMiner(ctx, *cfg)
	if err != nil {
		return err
	}
	<-ctx.Done()
	return m.Stop()
}
