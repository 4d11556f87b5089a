package localnet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	cmtcfg "github.com/cometbft/cometbft/config"
	cmttime "github.com/cometbft/cometbft/types/time"

	sdkmath "cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/client/tx"
	"github.com/cosmos/cosmos-sdk/crypto/hd"
	"github.com/cosmos/cosmos-sdk/crypto/keyring"
	cryptotypes "github.com/cosmos/cosmos-sdk/crypto/types"
	serverconfig "github.com/cosmos/cosmos-sdk/server/config"
	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"
	"github.com/cosmos/cosmos-sdk/x/genutil"
	genutiltypes "github.com/cosmos/cosmos-sdk/x/genutil/types"
	govtypes "github.com/cosmos/cosmos-sdk/x/gov/types"
	govv1 "github.com/cosmos/cosmos-sdk/x/gov/types/v1"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"

	"github.com/gotensor/gotensor/app"
	subnettypes "github.com/gotensor/gotensor/x/subnet/types"
)

// Ports are the loopback ports one node listens on.
type Ports struct {
	P2P  int `json:"p2p"`
	RPC  int `json:"rpc"`
	GRPC int `json:"grpc"`
	API  int `json:"api"`
}

// StandardPorts are the ports a single node uses unless told otherwise.
var StandardPorts = Ports{P2P: 26656, RPC: 26657, GRPC: 9090, API: 1317}

// ValidatorSpec is one chain validator of a new network.
type ValidatorSpec struct {
	Moniker string
	// Bond is the rao the validator stakes at genesis; Balance is what its operator keeps besides.
	Bond, Balance uint64
	Ports         Ports
}

// AccountSpec is a funded key of a new network.
type AccountSpec struct {
	Name    string `json:"name"`
	Balance uint64 `json:"balance_rao"`
}

// Spec describes a network to create: its validators, its funded accounts and its economy.
type Spec struct {
	ChainID    string
	Validators []ValidatorSpec
	// Accounts get keys in the first validator's keyring (backend "test").
	Accounts []AccountSpec
	// Authority, when it names one of Accounts, becomes the chain authority instead of x/gov.
	Authority string
	BlockTime time.Duration
	// VotingPeriod, when set, shortens governance votes (and expedited ones to half of it) from the
	// SDK's two days, so that a test network can pass a proposal in minutes.
	VotingPeriod time.Duration
	// Params adjusts the subnet economy's root parameters from their defaults.
	Params func(*subnettypes.Params)
}

// Key is a key created for the network, as printed to the user.
type Key struct {
	Name    string `json:"name"`
	Address string `json:"address"`
}

// Home is one node's folder in a created network.
type Home struct {
	Dir      string `json:"dir"`
	Moniker  string `json:"moniker"`
	NodeID   string `json:"node_id"`
	Operator Key    `json:"operator"`
	Ports    Ports  `json:"ports"`
}

// Network is what Create wrote.
type Network struct {
	ChainID  string `json:"chain_id"`
	Homes    []Home `json:"homes"`
	Accounts []Key  `json:"accounts"`
	// Subnets are the subnets the network was created with (nil in a manifest older than the
	// choice: the forecasting subnet alone).
	Subnets []string `json:"subnets"`
	// Demo is the local network's forecasting subnet, once created.
	Demo *DemoState `json:"demo,omitempty"`
	// TextGen is its text-generation subnet, once created.
	TextGen *TextGenState `json:"textgen,omitempty"`
}

// KeyringBackend is the keyring of created networks: unencrypted on disk, for development only.
const KeyringBackend = keyring.BackendTest

// Create writes a home per validator under the folders dirs names, with one genesis that funds the
// accounts and bonds the validators (through gentxs, as a real network's genesis ceremony does).
func Create(spec Spec, dirs []string) (Network, error) {
	if len(spec.Validators) == 0 || len(dirs) != len(spec.Validators) {
		return Network{}, errors.New("a network needs at least one validator and one folder per validator")
	}
	enc, err := app.MakeEncoding()
	if err != nil {
		return Network{}, err
	}
	net := Network{ChainID: spec.ChainID}
	var (
		accounts []authtypes.GenesisAccount
		balances []banktypes.Balance
		cmtCfgs  []*cmtcfg.Config
	)
	fund := func(addr sdk.AccAddress, amount uint64) {
		accounts = append(accounts, authtypes.NewBaseAccount(addr, nil, 0, 0))
		balances = append(balances, banktypes.Balance{Address: addr.String(), Coins: rao(amount)})
	}
	gentxDir := filepath.Join(dirs[0], "config", "gentx")
	keyrings := make([]keyring.Keyring, len(dirs))

	for i, v := range spec.Validators {
		home := dirs[i]
		if err := os.MkdirAll(filepath.Join(home, "config"), 0o755); err != nil {
			return Network{}, fmt.Errorf("cannot write node home %s: %w", home, err)
		}
		cfg := cometConfig(home, v.Moniker, v.Ports, spec.BlockTime)
		nodeID, pubKey, err := genutil.InitializeNodeValidatorFiles(cfg)
		if err != nil {
			return Network{}, fmt.Errorf("node keys for %s: %w", v.Moniker, err)
		}
		kb, err := keyring.New(sdk.KeyringServiceName(), KeyringBackend, home, nil, enc.Codec)
		if err != nil {
			return Network{}, fmt.Errorf("keyring in %s: %w", home, err)
		}
		keyrings[i] = kb
		operator, err := newKey(kb, v.Moniker)
		if err != nil {
			return Network{}, err
		}
		fund(operator, v.Bond+v.Balance)
		if err := writeGentx(enc, kb, spec.ChainID, v, nodeID, operator, pubKey, gentxDir); err != nil {
			return Network{}, err
		}
		if err := writeAppConfig(home, v.Ports); err != nil {
			return Network{}, err
		}
		cmtCfgs = append(cmtCfgs, cfg)
		net.Homes = append(net.Homes, Home{
			Dir: home, Moniker: v.Moniker, NodeID: nodeID, Ports: v.Ports,
			Operator: Key{Name: v.Moniker, Address: operator.String()},
		})
	}

	authority := ""
	for _, a := range spec.Accounts {
		addr, err := newKey(keyrings[0], a.Name)
		if err != nil {
			return Network{}, err
		}
		fund(addr, a.Balance)
		net.Accounts = append(net.Accounts, Key{Name: a.Name, Address: addr.String()})
		if a.Name == spec.Authority {
			authority = addr.String()
		}
	}
	if spec.Authority != "" && authority == "" {
		return Network{}, fmt.Errorf("authority %q is not one of the network's accounts", spec.Authority)
	}

	appState, err := genesisAppState(enc, accounts, balances, spec, authority)
	if err != nil {
		return Network{}, err
	}
	genesis := genutiltypes.NewAppGenesisWithVersion(spec.ChainID, appState)
	genesis.GenesisTime = cmttime.Now()
	genFile := cmtCfgs[0].GenesisFile()
	if err := genesis.SaveAs(genFile); err != nil {
		return Network{}, err
	}

	// Collect the gentxs into the first home's genesis, then give every home the same file.
	initCfg := genutiltypes.NewInitConfig(spec.ChainID, gentxDir, net.Homes[0].NodeID, nil)
	final, err := genutil.GenAppStateFromConfig(enc.Codec, enc.TxConfig, cmtCfgs[0], initCfg, genesis,
		banktypes.GenesisBalancesIterator{}, genutiltypes.DefaultMessageValidator,
		enc.TxConfig.SigningContext().ValidatorAddressCodec())
	if err != nil {
		return Network{}, fmt.Errorf("collecting gentxs: %w", err)
	}
	for i, cfg := range cmtCfgs {
		if err := genutil.ExportGenesisFileWithTime(cfg.GenesisFile(), spec.ChainID, nil, final, genesis.GenesisTime); err != nil {
			return Network{}, err
		}
		if err := writeCometConfig(cfg, net.Homes, i); err != nil {
			return Network{}, err
		}
	}
	return net, nil
}

// cometConfig is config.toml for a node on loopback. Peers on one machine share an IP, so the
// address book is not strict and duplicate IPs are allowed.
func cometConfig(home, moniker string, ports Ports, blockTime time.Duration) *cmtcfg.Config {
	cfg := app.NodeCometConfig()
	cfg.SetRoot(home)
	cfg.Moniker = moniker
	if blockTime > 0 {
		cfg.Consensus.TimeoutCommit = blockTime
	}
	cfg.P2P.ListenAddress = fmt.Sprintf("tcp://127.0.0.1:%d", ports.P2P)
	cfg.RPC.ListenAddress = fmt.Sprintf("tcp://127.0.0.1:%d", ports.RPC)
	cfg.P2P.AddrBookStrict = false
	cfg.P2P.AllowDuplicateIP = true
	cfg.ProxyApp = ""
	return cfg
}

// writeCometConfig writes config.toml with every other node of the network as a persistent peer.
func writeCometConfig(cfg *cmtcfg.Config, homes []Home, self int) error {
	var peers string
	for i, h := range homes {
		if i == self {
			continue
		}
		if peers != "" {
			peers += ","
		}
		peers += fmt.Sprintf("%s@127.0.0.1:%d", h.NodeID, h.Ports.P2P)
	}
	cfg.P2P.PersistentPeers = peers
	cmtcfg.WriteConfigFile(filepath.Join(cfg.RootDir, "config", "config.toml"), cfg)
	return nil
}

// writeAppConfig writes app.toml with the node's gRPC and REST servers on loopback.
func writeAppConfig(home string, ports Ports) error {
	_, v := app.NodeAppConfig()
	cfg := v.(*serverconfig.Config)
	cfg.GRPC.Address = fmt.Sprintf("127.0.0.1:%d", ports.GRPC)
	cfg.API.Address = fmt.Sprintf("tcp://127.0.0.1:%d", ports.API)
	serverconfig.WriteConfigFile(filepath.Join(home, "config", "app.toml"), cfg)
	return nil
}

func newKey(kb keyring.Keyring, name string) (sdk.AccAddress, error) {
	rec, _, err := kb.NewMnemonic(name, keyring.English, sdk.FullFundraiserPath, keyring.DefaultBIP39Passphrase, hd.Secp256k1)
	if err != nil {
		return nil, fmt.Errorf("creating key %s: %w", name, err)
	}
	return rec.GetAddress()
}

func rao(amount uint64) sdk.Coins {
	return sdk.NewCoins(sdk.NewCoin(subnettypes.Denom, sdkmath.NewIntFromUint64(amount)))
}

// writeGentx signs the validator's MsgCreateValidator into dir: the transaction genesis runs to bond
// it. The memo carries the node's p2p address, as collect-gentxs expects.
func writeGentx(enc app.Encoding, kb keyring.Keyring, chainID string, v ValidatorSpec, nodeID string,
	operator sdk.AccAddress, consKey cryptotypes.PubKey, dir string,
) error {
	valAddr, err := enc.TxConfig.SigningContext().ValidatorAddressCodec().BytesToString(operator)
	if err != nil {
		return err
	}
	msg, err := stakingtypes.NewMsgCreateValidator(valAddr, consKey,
		sdk.NewCoin(subnettypes.Denom, sdkmath.NewIntFromUint64(v.Bond)),
		stakingtypes.NewDescription(v.Moniker, "", "", "", ""),
		stakingtypes.NewCommissionRates(sdkmath.LegacyNewDecWithPrec(10, 2), sdkmath.LegacyOneDec(), sdkmath.LegacyNewDecWithPrec(1, 2)),
		sdkmath.OneInt())
	if err != nil {
		return fmt.Errorf("gentx for %s: %w", v.Moniker, err)
	}
	memo := fmt.Sprintf("%s@127.0.0.1:%d", nodeID, v.Ports.P2P)
	builder := enc.TxConfig.NewTxBuilder()
	if err := builder.SetMsgs(msg); err != nil {
		return err
	}
	builder.SetGasLimit(1_000_000)
	builder.SetMemo(memo)
	factory := tx.Factory{}.WithChainID(chainID).WithMemo(memo).WithKeybase(kb).WithTxConfig(enc.TxConfig)
	if err := tx.Sign(context.Background(), factory, v.Moniker, builder, true); err != nil {
		return fmt.Errorf("signing the gentx of %s: %w", v.Moniker, err)
	}
	bz, err := enc.TxConfig.TxJSONEncoder()(builder.GetTx())
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, v.Moniker+".json"), bz, 0o644)
}

// genesisAppState is the modules' default genesis with the accounts funded, the subnet economy
// configured and the voting period set.
func genesisAppState(enc app.Encoding, accounts []authtypes.GenesisAccount, balances []banktypes.Balance,
	spec Spec, authority string,
) (json.RawMessage, error) {
	state := map[string]json.RawMessage{}
	for name, raw := range enc.DefaultGenesis {
		state[name] = raw
	}
	var auth authtypes.GenesisState
	if err := enc.Codec.UnmarshalJSON(state[authtypes.ModuleName], &auth); err != nil {
		return nil, err
	}
	packed, err := authtypes.PackAccounts(accounts)
	if err != nil {
		return nil, err
	}
	auth.Accounts = append(auth.Accounts, packed...)
	state[authtypes.ModuleName] = enc.Codec.MustMarshalJSON(&auth)

	var bank banktypes.GenesisState
	if err := enc.Codec.UnmarshalJSON(state[banktypes.ModuleName], &bank); err != nil {
		return nil, err
	}
	bank.Balances = append(bank.Balances, balances...)
	state[banktypes.ModuleName] = enc.Codec.MustMarshalJSON(&bank)

	var subnet subnettypes.GenesisState
	if err := enc.Codec.UnmarshalJSON(state[subnettypes.ModuleName], &subnet); err != nil {
		return nil, err
	}
	if spec.Params != nil {
		spec.Params(&subnet.Params)
	}
	subnet.LocalAuthority = authority
	state[subnettypes.ModuleName] = enc.Codec.MustMarshalJSON(&subnet)

	if spec.VotingPeriod > 0 {
		var gov govv1.GenesisState
		if err := enc.Codec.UnmarshalJSON(state[govtypes.ModuleName], &gov); err != nil {
			return nil, err
		}
		voting, expedited := spec.VotingPeriod, spec.VotingPeriod/2
		gov.Params.VotingPeriod, gov.Params.ExpeditedVotingPeriod = &voting, &expedited
		if err := gov.Params.ValidateBasic(); err != nil {
			return nil, fmt.Errorf("voting period %s: %w", spec.VotingPeriod, err)
		}
		state[govtypes.ModuleName] = enc.Codec.MustMarshalJSON(&gov)
	}
	return json.MarshalIndent(state, "", "  ")
}
