package subnet

import (
	autocliv1 "cosmossdk.io/api/cosmos/autocli/v1"

	subnetv1 "github.com/gotensor/gotensor/api/subnet/v1"
)

// AutoCLIOptions names the CLI commands generated from the Query and Msg services. Help text is
// lower-case, in the CometBFT habit.
func (AppModule) AutoCLIOptions() *autocliv1.ModuleOptions {
	return &autocliv1.ModuleOptions{
		Query: &autocliv1.ServiceCommandDescriptor{
			Service: subnetv1.Query_ServiceDesc.ServiceName,
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{RpcMethod: "Params", Use: "params", Short: "show the root parameters of the subnet economy"},
				{RpcMethod: "Supply", Use: "supply", Short: "show TAO issuance, burned TAO, the block emission and the next halving"},
				{RpcMethod: "Invariants", Use: "invariants", Short: "check the module's accounting identities"},
			},
		},
		Tx: &autocliv1.ServiceCommandDescriptor{
			Service: subnetv1.Msg_ServiceDesc.ServiceName,
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{
					RpcMethod:      "UpdateParams",
					Use:            "update-params [params-json]",
					Short:          "replace the root parameters (chain authority only; on a public network, through a governance proposal)",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "params"}},
					GovProposal:    true,
				},
			},
		},
	}
}
