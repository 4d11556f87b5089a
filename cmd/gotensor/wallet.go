package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/gotensor/gotensor/app"
	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/sdk/wallet"
)

// mnemonicWarning goes with every mnemonic shown: it is shown once, and it is the key.
const mnemonicWarning = "these mnemonics are the keys: anyone who reads one controls the key. They are shown " +
	"only now; write them down offline and keep them secret."

// walletFlags are what every wallet command reads: where the keyring is, and how to print.
type walletFlags struct {
	home, backend, output string
}

func (f *walletFlags) open(cmd *cobra.Command) (*wallet.Store, error) {
	if f.output != "text" && f.output != "json" {
		return nil, fmt.Errorf("--output must be text or json, not %q", f.output)
	}
	if f.backend == wallet.BackendTest {
		fmt.Fprintln(cmd.ErrOrStderr(), "warning: the test keyring backend keeps keys unencrypted on disk; use it only for throw-away keys")
	}
	return wallet.Open(f.backend, f.home, cmd.InOrStdin())
}

func (f *walletFlags) json() bool { return f.output == "json" }

// walletCmd is `gotensor wallet`: btcli's wallet commands on the keyring.
func walletCmd() *cobra.Command {
	f := &walletFlags{}
	cmd := &cobra.Command{
		Use:   "wallet",
		Short: "make and inspect wallets: a coldkey and its hotkeys",
		Long: `a wallet NAME is a coldkey (it holds and stakes TAO) and hotkeys (they register, serve and set
weights), kept in the keyring as the keys NAME and NAME/HOTKEY. The keyring is the one 'gotensor keys'
uses, in --home, with the backend --keyring-backend: os (default), file or test (unencrypted).`,
		PersistentPreRunE: standalone,
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&f.home, "home", app.DefaultNodeHome(), "folder holding the keyring")
	pf.StringVar(&f.backend, "keyring-backend", wallet.DefaultBackend, "keyring backend: os, file or test")
	pf.StringVarP(&f.output, "output", "o", "text", "output format: text or json")
	cmd.AddCommand(walletCreateCmd(f), walletNewHotkeyCmd(f), walletListCmd(f), walletOverviewCmd(f))
	return cmd
}

func walletCreateCmd(f *walletFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "create NAME",
		Short: "make a wallet: the coldkey NAME and its first hotkey NAME/default",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := f.open(cmd)
			if err != nil {
				return err
			}
			cold, hot, err := s.Create(args[0])
			if err != nil {
				return err
			}
			return printCreated(cmd.OutOrStdout(), f.json(), args[0], cold, hot)
		},
	}
}

func walletNewHotkeyCmd(f *walletFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "new-hotkey NAME HOTKEY",
		Short: "add the hotkey NAME/HOTKEY to a wallet",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := f.open(cmd)
			if err != nil {
				return err
			}
			hot, err := s.NewHotkey(args[0], args[1])
			if err != nil {
				return err
			}
			return printCreated(cmd.OutOrStdout(), f.json(), args[0], wallet.Created{}, hot)
		},
	}
}

// printCreated shows new keys and, once, their mnemonics. cold is zero when only a hotkey was made.
func printCreated(w io.Writer, asJSON bool, name string, cold, hot wallet.Created) error {
	type shown struct {
		Name     string `json:"name"`
		Address  string `json:"address"`
		Mnemonic string `json:"mnemonic"`
	}
	out := struct {
		Wallet  string `json:"wallet"`
		Coldkey *shown `json:"coldkey,omitempty"`
		Hotkey  shown  `json:"hotkey"`
		Warning string `json:"warning"`
	}{Wallet: name, Hotkey: shown{hot.Key.Name, hot.Key.Address, hot.Mnemonic}, Warning: mnemonicWarning}
	if cold.Key.Name != "" {
		out.Coldkey = &shown{cold.Key.Name, cold.Key.Address, cold.Mnemonic}
	}
	if asJSON {
		return json.NewEncoder(w).Encode(out)
	}
	if out.Coldkey != nil {
		fmt.Fprintf(w, "created wallet %s\n  coldkey  %-24s %s\n", name, out.Coldkey.Name, out.Coldkey.Address)
	} else {
		fmt.Fprintf(w, "added a hotkey to wallet %s\n", name)
	}
	fmt.Fprintf(w, "  hotkey   %-24s %s\n\nWARNING: %s\n", out.Hotkey.Name, out.Hotkey.Address, mnemonicWarning)
	if out.Coldkey != nil {
		fmt.Fprintf(w, "\ncoldkey mnemonic (%s):\n%s\n", out.Coldkey.Name, out.Coldkey.Mnemonic)
	}
	_, err := fmt.Fprintf(w, "\nhotkey mnemonic (%s):\n%s\n", out.Hotkey.Name, out.Hotkey.Mnemonic)
	return err
}

func walletListCmd(f *walletFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "list the wallets: each coldkey with its hotkeys and their addresses",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := f.open(cmd)
			if err != nil {
				return err
			}
			all, err := s.List()
			if err != nil {
				return err
			}
			if f.json() {
				return json.NewEncoder(cmd.OutOrStdout()).Encode(all)
			}
			return wallet.WriteTree(cmd.OutOrStdout(), all)
		},
	}
}

func walletOverviewCmd(f *walletFlags) *cobra.Command {
	cfg := chain.Config{}
	cmd := &cobra.Command{
		Use:   "overview NAME",
		Short: "a wallet on chain: balance, stakes with their TAO value, and each hotkey's registrations",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := f.open(cmd)
			if err != nil {
				return err
			}
			w, err := s.Get(args[0])
			if err != nil {
				return err
			}
			ctx := cmd.Context() // every read is bounded by --timeout
			c, err := chain.Dial(ctx, cfg)
			if err != nil {
				return err
			}
			defer c.Close()
			o, err := wallet.ReadOverview(ctx, c, w)
			if err != nil {
				return err
			}
			if f.json() {
				return json.NewEncoder(cmd.OutOrStdout()).Encode(o)
			}
			return o.WriteTable(cmd.OutOrStdout())
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&cfg.Node, "node", "localhost:9090", "the node's gRPC address, host:port; several, comma-separated, to move to the next when one stops answering")
	fl.StringVar(&cfg.ChainID, "chain-id", "", "the network's chain id (default: ask the node)")
	fl.DurationVar(&cfg.CallTimeout, "timeout", chain.DefaultCallTimeout, "how long to wait for each answer from the node")
	return cmd
}
