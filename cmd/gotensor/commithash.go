package main

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	addresscodec "github.com/cosmos/cosmos-sdk/codec/address"

	"github.com/gotensor/gotensor/app"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// commitHashCmd is `gotensor subnets commit-hash`: the hash commit-weights carries, computed
// offline from what reveal-weights will later send, so that a validator working from the CLI can
// use commit-reveal.
func commitHashCmd() *cobra.Command {
	var (
		hotkey, uids, values, salt string
		netuid                     uint32
		versionKey                 uint64
	)
	cmd := &cobra.Command{
		Use:   "commit-hash",
		Short: "print the hash to commit for weights you will reveal later (hex)",
		Long: `print the hash that ` + "`gotensor tx subnet commit-weights NETUID HASH`" + ` carries: SHA-256 of the
weights' payload (hotkey, netuid, uids, values, salt, version key). Reveal later with exactly the
same uids, values and salt: ` + "`gotensor tx subnet reveal-weights NETUID UIDS VALUES SALT`" + `.`,
		Example: `  gotensor subnets commit-hash --hotkey tao1… --netuid 1 --uids 1,2,3 --values 100,200,65535 --salt 9f3c2a…`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			payload, err := commitPayload(hotkey, netuid, uids, values, salt, versionKey)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), hex.EncodeToString(types.CommitHash(payload)))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&hotkey, "hotkey", "", "the validator hotkey's address that will commit and reveal (required)")
	f.Uint32Var(&netuid, "netuid", 0, "the subnet (required)")
	f.StringVar(&uids, "uids", "", "comma-separated uids, as reveal-weights will send them (required)")
	f.StringVar(&values, "values", "", "comma-separated u16 weights, one per uid (required)")
	f.StringVar(&salt, "salt", "", "a secret of your choosing, hex or base64; keep it for the reveal (required)")
	f.Uint64Var(&versionKey, "version-key", 0, "the version key reveal-weights will send")
	return cmd
}

// commitPayload checks the flags and builds what reveal-weights will claim to open.
func commitPayload(hotkey string, netuid uint32, uids, values, salt string, versionKey uint64) (*types.WeightCommitPayload, error) {
	var errs []string
	codec := addresscodec.NewBech32Codec(app.Bech32Prefix)
	addr, err := codec.StringToBytes(hotkey)
	if err != nil || len(addr) == 0 {
		errs = append(errs, fmt.Sprintf("--hotkey %q is not an account address", hotkey))
	}
	if netuid == 0 {
		errs = append(errs, "--netuid is required (subnets are numbered from 1)")
	}
	uidList, err := uint32List("--uids", uids, 1<<16-1)
	if err != nil {
		errs = append(errs, err.Error())
	}
	valueList, err := uint32List("--values", values, 1<<16-1)
	if err != nil {
		errs = append(errs, err.Error())
	}
	if err == nil && len(uidList) != len(valueList) {
		errs = append(errs, fmt.Sprintf("--uids has %d entries and --values %d: give one value per uid", len(uidList), len(valueList)))
	}
	saltBytes, err := hex.DecodeString(salt)
	if err != nil {
		saltBytes, err = base64.StdEncoding.DecodeString(salt)
	}
	if salt == "" || err != nil {
		errs = append(errs, "--salt is required, as hex or base64")
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	// The chain compares against the hotkey as it re-encodes it: canonical lower-case bech32.
	canonical, err := codec.BytesToString(addr)
	if err != nil {
		return nil, err
	}
	return &types.WeightCommitPayload{
		Hotkey: canonical, Netuid: netuid, Uids: uidList, Values: valueList, Salt: saltBytes, VersionKey: versionKey,
	}, nil
}

// uint32List parses "1,2,3", each at most limit.
func uint32List(flag, text string, limit uint32) ([]uint32, error) {
	if strings.TrimSpace(text) == "" {
		return nil, fmt.Errorf("%s is required", flag)
	}
	parts := strings.Split(text, ",")
	out := make([]uint32, len(parts))
	for i, p := range parts {
		v, err := strconv.ParseUint(strings.TrimSpace(p), 10, 32)
		if err != nil || uint32(v) > limit {
			return nil, fmt.Errorf("%s entry %d, %q, is not a number from 0 to %d", flag, i+1, p, limit)
		}
		out[i] = uint32(v)
	}
	return out, nil
}
