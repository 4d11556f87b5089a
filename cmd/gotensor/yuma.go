package main

import (
	"github.com/spf13/cobra"

	"github.com/gotensor/gotensor/yuma/epochjson"
)

func yumaCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:               "yuma",
		Short:             "run the Yuma Consensus engine alone",
		PersistentPreRunE: standalone,
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "epoch",
		Short: "read one epoch's input as JSON on stdin, write its output as JSON on stdout",
		Long: `run one Yuma Consensus epoch of one subnet: stake, weights and bonds in, consensus, incentive,
dividends, bonds and emission out, bit for bit as subtensor computes them. Bad input exits 2 with one
line on stderr naming the field.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if code := epochjson.Run(cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr()); code != 0 {
				return exitError{code: code}
			}
			return nil
		},
	})
	return cmd
}
