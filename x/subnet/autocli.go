package subnet

import (
	autocliv1 "cosmossdk.io/api/cosmos/autocli/v1"

	subnetv1 "github.com/gotensor/gotensor/api/subnet/v1"
)

func pos(fields ...string) []*autocliv1.PositionalArgDescriptor {
	out := make([]*autocliv1.PositionalArgDescriptor, len(fields))
	for i, f := range fields {
		out[i] = &autocliv1.PositionalArgDescriptor{ProtoField: f}
	}
	return out
}

// AutoCLIOptions names the CLI commands generated from the Query and Msg services. Help text is
// lower-case, in the CometBFT habit. Signer fields (coldkey, hotkey, owner, signer) come from --from.
func (AppModule) AutoCLIOptions() *autocliv1.ModuleOptions {
	return &autocliv1.ModuleOptions{
		Query: &autocliv1.ServiceCommandDescriptor{
			Service: subnetv1.Query_ServiceDesc.ServiceName,
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{RpcMethod: "Params", Use: "params", Short: "show the root parameters of the subnet economy"},
				{RpcMethod: "Supply", Use: "supply", Short: "show TAO issuance, burned TAO, the block emission and the next halving"},
				{RpcMethod: "Invariants", Use: "invariants", Short: "check the module's accounting identities"},
				{RpcMethod: "Subnets", Use: "subnets", Short: "list subnets: owner, tempo, size, prices, pool reserves, emission share, next epoch"},
				{RpcMethod: "Subnet", Use: "subnet [netuid]", Short: "show one subnet", PositionalArgs: pos("netuid")},
				{RpcMethod: "Hyperparameters", Use: "hyperparameters [netuid]", Short: "show a subnet's hyperparameters", PositionalArgs: pos("netuid")},
				{
					RpcMethod: "Metagraph", Use: "metagraph [netuid]", PositionalArgs: pos("netuid"),
					Short: "show every uid of a subnet: keys, stake, permits, consensus, incentive, dividends, emission, axon (--weights, --bonds for the matrices)",
				},
				{RpcMethod: "Hotkey", Use: "hotkey [hotkey]", Short: "show a hotkey's owner, take and neurons", PositionalArgs: pos("hotkey")},
				{RpcMethod: "Stakes", Use: "stakes [coldkey]", Short: "show a coldkey's balance and stakes with their TAO value", PositionalArgs: pos("coldkey")},
				{RpcMethod: "RootNetwork", Use: "root", Short: "show the root network: its uids, their hotkeys and root stake, the TAO staked on root"},
				{
					RpcMethod: "RootStake", Use: "root-stake", Short: "show TAO staked on root by a coldkey (--coldkey), to a hotkey (--hotkey), or both",
					FlagOptions: map[string]*autocliv1.FlagOptions{
						"coldkey": {Usage: "the coldkey whose root stake to list"},
						"hotkey":  {Usage: "the hotkey whose root stakers to list"},
					},
				},
				{
					RpcMethod: "RootClaimable", Use: "root-claimable [coldkey]", PositionalArgs: pos("coldkey"),
					Short: "show the root dividends a coldkey can claim now, by hotkey and subnet, and its claim type",
				},
				{RpcMethod: "RegistrationCost", Use: "registration-cost [netuid]", Short: "show the price of registering a hotkey on a subnet now", PositionalArgs: pos("netuid")},
				{RpcMethod: "LockCost", Use: "lock-cost", Short: "show the TAO a new subnet locks now"},
				{
					RpcMethod: "Children", Use: "children [hotkey] [netuid]", PositionalArgs: pos("hotkey", "netuid"),
					Short: "show a hotkey's children on a subnet with their proportions (u64: 18446744073709551615 = all), its scheduled list and its childkey take",
				},
				{
					RpcMethod: "Parents", Use: "parents [hotkey] [netuid]", PositionalArgs: pos("hotkey", "netuid"),
					Short: "show the hotkeys that lend a hotkey their stake on a subnet, with their proportions",
				},
				{
					RpcMethod: "SwapQuote", Use: "swap-quote [netuid] [amount]", PositionalArgs: pos("netuid", "amount"),
					Short: "quote a stake (--stake: TAO in, alpha out) or an unstake (alpha in, TAO out) with fee and slippage",
				},
				{
					RpcMethod: "ColdkeySwap", Use: "coldkey-swap [coldkey]", PositionalArgs: pos("coldkey"),
					Short: "show a coldkey's announced swap: the new coldkey, the block it runs at, whether it is disputed",
				},
			},
		},
		Tx: &autocliv1.ServiceCommandDescriptor{
			Service: subnetv1.Msg_ServiceDesc.ServiceName,
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{
					RpcMethod: "UpdateParams", Use: "update-params [params-json]", PositionalArgs: pos("params"), GovProposal: true,
					Short: "replace the root parameters (chain authority only; on a public network, through a governance proposal)",
				},
				{
					RpcMethod: "RegisterNetwork", Use: "register-network [hotkey] [name]", PositionalArgs: pos("hotkey", "name"),
					Short: "create a subnet owned by --from, with hotkey as uid 0, locking the current lock cost (--max-lock-cost caps it)",
				},
				{RpcMethod: "StartCall", Use: "start-call [netuid]", PositionalArgs: pos("netuid"), Short: "start a subnet's emission and staking (owner only)"},
				{
					RpcMethod: "TriggerEpoch", Use: "trigger-epoch [netuid]", PositionalArgs: pos("netuid"),
					Short: "run a subnet's next epoch admin_freeze_window blocks from now (owner only; not with commit-reveal on)",
				},
				{
					RpcMethod: "SetHyperparameter", Use: "set-hyperparameter [netuid] [name] [value]", PositionalArgs: pos("netuid", "name", "value"),
					Short: "change a subnet hyperparameter (owner, within its ranges; the chain authority for any)",
				},
				{
					RpcMethod: "BurnedRegister", Use: "register [netuid] [hotkey]", PositionalArgs: pos("netuid", "hotkey"),
					Short: "register hotkey on a subnet, paid by --from at the current burn price (--max-burn caps it)",
				},
				{
					RpcMethod: "RootRegister", Use: "root-register [hotkey]", PositionalArgs: pos("hotkey"),
					Short: "give a hotkey of --from a uid on the root network (when full, it must have more root stake than the lowest uid)",
				},
				{
					RpcMethod: "ClaimRoot", Use: "claim-root [netuid,...]", PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "netuids", Varargs: true}},
					Short: "claim --from's root dividends on one to five subnets, swapped to TAO on root or kept as alpha as its claim type says",
				},
				{
					RpcMethod: "SetRootClaimType", Use: "set-root-claim-type [kind] [netuid...]",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "kind"}, {ProtoField: "subnets", Varargs: true}},
					Short:          "choose what --from's root claims do: ROOT_CLAIM_SWAP (sell for TAO staked on root), ROOT_CLAIM_KEEP (stake the alpha), ROOT_CLAIM_KEEP_SUBNETS (keep the listed subnets, swap the rest)",
				},
				{
					RpcMethod: "AddStake", Use: "add-stake [netuid] [hotkey] [amount-rao]", PositionalArgs: pos("netuid", "hotkey", "amount"),
					Short: "stake TAO to a hotkey on a subnet, swapped for alpha (--limit-price, --allow-partial protect against slippage)",
					FlagOptions: map[string]*autocliv1.FlagOptions{
						"limit_price":   {Usage: "the highest price to pay, in rao per alpha (0: no limit)"},
						"allow_partial": {Usage: "stake what fits under --limit-price instead of failing"},
					},
				},
				{
					RpcMethod: "RemoveStake", Use: "remove-stake [netuid] [hotkey] [alpha-rao]", PositionalArgs: pos("netuid", "hotkey", "alpha"),
					Short: "unstake alpha from a hotkey on a subnet, swapped for TAO (--limit-price, --allow-partial protect against slippage)",
					FlagOptions: map[string]*autocliv1.FlagOptions{
						"limit_price":   {Usage: "the lowest price to accept, in rao per alpha (0: no limit)"},
						"allow_partial": {Usage: "unstake what fits above --limit-price instead of failing"},
					},
				},
				{
					RpcMethod: "MoveStake", Use: "move-stake [origin-hotkey] [destination-hotkey] [origin-netuid] [destination-netuid] [alpha-rao]",
					PositionalArgs: pos("origin_hotkey", "destination_hotkey", "origin_netuid", "destination_netuid", "alpha"),
					Short:          "move your stake to another hotkey and/or subnet",
				},
				{
					RpcMethod: "TransferStake", Use: "transfer-stake [destination-coldkey] [hotkey] [origin-netuid] [destination-netuid] [alpha-rao]",
					PositionalArgs: pos("destination_coldkey", "hotkey", "origin_netuid", "destination_netuid", "alpha"),
					Short:          "give your stake to another coldkey",
				},
				{
					RpcMethod: "SetChildren", Use: "set-children [netuid] [hotkey]", PositionalArgs: pos("netuid", "hotkey"),
					Short: "schedule your hotkey's children on a subnet, in force from the first epoch after the cooldown (no --children: revoke them all)",
					FlagOptions: map[string]*autocliv1.FlagOptions{
						"children":    {Usage: "a child hotkey; repeat the flag for each (at most 5)"},
						"proportions": {Usage: "each child's u64 proportion of your hotkey's stake, in the order of --children, comma-separated or repeated (18446744073709551615 = all; at most that in sum)"},
					},
				},
				{
					RpcMethod: "SetChildkeyTake", Use: "set-childkey-take [hotkey] [netuid] [take-u16]", PositionalArgs: pos("hotkey", "netuid", "take"),
					Short: "change the share of its parents' dividends your hotkey keeps on a subnet (u16: 11796 = 18 %)",
				},
				{RpcMethod: "SetDelegateTake", Use: "set-take [hotkey] [take-u16]", PositionalArgs: pos("hotkey", "take"), Short: "change your hotkey's take on dividends (u16: 11796 = 18 %)"},
				{
					RpcMethod: "SetWeights", Use: "set-weights [netuid] [uids] [values]", PositionalArgs: pos("netuid", "uids", "values"),
					Short: "set weights from the --from hotkey (comma-separated uids and u16 values)",
				},
				{RpcMethod: "CommitWeights", Use: "commit-weights [netuid] [hash-hex]", PositionalArgs: pos("netuid", "hash"), Short: "commit the hash of weights to reveal later (make it with gotensor subnets commit-hash)"},
				{
					RpcMethod: "RevealWeights", Use: "reveal-weights [netuid] [uids] [values] [salt-hex-or-base64]", PositionalArgs: pos("netuid", "uids", "values", "salt"),
					Short: "reveal committed weights",
				},
				{
					RpcMethod: "SwapHotkey", Use: "swap-hotkey [hotkey] [new-hotkey]", PositionalArgs: pos("hotkey", "new_hotkey"),
					Short: "move a hotkey of --from to a new hotkey on every subnet (0.1 TAO), or on one with --one-subnet --netuid (0.001 TAO): uids, stake, take and ownership follow",
					FlagOptions: map[string]*autocliv1.FlagOptions{
						"one_subnet": {Usage: "swap on the subnet --netuid only; the old hotkey keeps its other subnets"},
						"netuid":     {Usage: "the subnet of a --one-subnet swap"},
					},
				},
				{
					RpcMethod: "SwapColdkey", Use: "swap-coldkey [new-coldkey]", PositionalArgs: pos("new_coldkey"),
					Short: "announce that --from moves its balance, stakes, hotkeys and subnets to new-coldkey; the chain runs it after coldkey_swap_announcement_delay blocks (0.1 TAO)",
				},
				{RpcMethod: "DisputeColdkeySwap", Use: "dispute-coldkey-swap", Short: "stop the announced swap of --from (a stolen key's owner); only the chain authority can reset it"},
				{RpcMethod: "ClearColdkeySwap", Use: "clear-coldkey-swap", Short: "withdraw the announced swap of --from, once the re-announcement delay after its due block has passed"},
				{
					RpcMethod: "ResetColdkeySwap", Use: "reset-coldkey-swap [coldkey]", PositionalArgs: pos("coldkey"), GovProposal: true,
					Short: "clear a coldkey's announced or disputed swap (chain authority only)",
				},
				{RpcMethod: "AssociateHotkey", Use: "associate-hotkey [hotkey]", PositionalArgs: pos("hotkey"), Short: "make --from the owner of a hotkey no one owns, without registering it"},
				{RpcMethod: "DisassociateHotkey", Use: "disassociate-hotkey [hotkey]", PositionalArgs: pos("hotkey"), Short: "give up a hotkey of --from that holds no uid, stake or subnet"},
				{
					RpcMethod: "ServeAxon", Use: "serve-axon [netuid] [ip] [port]", PositionalArgs: pos("netuid", "ip", "port"),
					Short: "publish the address the --from hotkey serves on",
					// Not --version: the client binds a node home's config.toml onto its flags, and
					// that file's top-level "version" (CometBFT's) would be read as the axon's.
					FlagOptions: map[string]*autocliv1.FlagOptions{
						"version":  {Name: "axon-version", Usage: "the version the axon runs, as your subnet numbers them"},
						"protocol": {Usage: "the axon's protocol number (4: HTTP, the SDK's axon)"},
					},
				},
			},
		},
	}
}
