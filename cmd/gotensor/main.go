// Command gotensor is the gotensor node, its CLI, and the tools around it: `start` runs a node,
// `tx`/`q` talk to one, `localnet` runs a whole network on this machine, `yuma epoch` runs the
// consensus engine alone.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/client/flags"
	svrcmd "github.com/cosmos/cosmos-sdk/server/cmd"

	"github.com/gotensor/gotensor/app"
)

func main() {
	root := newRootCmd()
	addGlobalFlags(root)
	if err := root.ExecuteContext(svrcmd.CreateExecuteContext(context.Background())); err != nil {
		if msg := err.Error(); msg != "" {
			fmt.Fprintln(os.Stderr, "Error:", msg)
		}
		os.Exit(exitCode(err))
	}
}

// addGlobalFlags adds the flags every command takes: the home folder and the node's logging.
func addGlobalFlags(root *cobra.Command) {
	pf := root.PersistentFlags()
	pf.String(flags.FlagHome, app.DefaultNodeHome(), "node and client folder: config, data and keys")
	pf.String(flags.FlagLogLevel, zerolog.InfoLevel.String(), "node log level (trace|debug|info|warn|error|fatal|panic|disabled or '*:<level>,<key>:<level>')")
	pf.String(flags.FlagLogFormat, "plain", "node log format (json|plain)")
	pf.Bool(flags.FlagLogNoColor, false, "no colours in node logs")
}
