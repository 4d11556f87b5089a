package localnet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	cmtdb "github.com/cometbft/cometbft-db"
	cmtcfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/node"
	"github.com/cometbft/cometbft/p2p"
	pvm "github.com/cometbft/cometbft/privval"
	"github.com/cometbft/cometbft/proxy"
	"github.com/cometbft/cometbft/rpc/client/local"
	cmttypes "github.com/cometbft/cometbft/types"
	dbm "github.com/cosmos/cosmos-db"
	"github.com/rs/zerolog"
	"github.com/spf13/viper"
	"golang.org/x/sync/errgroup"

	"cosmossdk.io/log/v2"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/flags"
	"github.com/cosmos/cosmos-sdk/server"
	"github.com/cosmos/cosmos-sdk/server/api"
	serverconfig "github.com/cosmos/cosmos-sdk/server/config"
	servercmtlog "github.com/cosmos/cosmos-sdk/server/log"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	genutiltypes "github.com/cosmos/cosmos-sdk/x/genutil/types"

	"github.com/gotensor/gotensor/app"
)

// Node is a full gotensor node running in this process: CometBFT, the app, and its gRPC and REST
// servers. It has the one lifecycle every long-running part of a local network shares: Start and
// Stop run once each, IsRunning reports, Quit is closed once it has stopped.
type Node struct {
	home   string
	logger log.Logger
	cmtCfg *cmtcfg.Config
	appCfg serverconfig.Config
	opts   *viper.Viper

	app      *app.App
	cmt      *node.Node
	clientCx client.Context
	cancel   context.CancelFunc
	servers  *errgroup.Group

	dbs              openedDBs
	started, stopped sync.Once
	running          atomic.Bool
	quit             chan struct{}
}

// NewNode prepares the node of a home written by Create (or by `gotensor init`). Logs go to logs;
// pass io.Discard to drop them.
func NewNode(home string, logs io.Writer) (*Node, error) {
	cmtCfg, appCfg, opts, err := loadConfig(home)
	if err != nil {
		return nil, err
	}
	logger := log.NewLogger(logs, log.LevelOption(zerolog.InfoLevel), log.ColorOption(false))
	return &Node{home: home, logger: logger, cmtCfg: cmtCfg, appCfg: appCfg, opts: opts, quit: make(chan struct{})}, nil
}

// loadConfig reads config.toml and app.toml as `gotensor start` would.
func loadConfig(home string) (*cmtcfg.Config, serverconfig.Config, *viper.Viper, error) {
	v := viper.New()
	v.SetConfigType("toml")
	v.SetConfigFile(filepath.Join(home, "config", "config.toml"))
	if err := v.ReadInConfig(); err != nil {
		return nil, serverconfig.Config{}, nil, fmt.Errorf("reading %s: %w", v.ConfigFileUsed(), err)
	}
	cmtCfg := cmtcfg.DefaultConfig()
	if err := v.Unmarshal(cmtCfg); err != nil {
		return nil, serverconfig.Config{}, nil, fmt.Errorf("parsing config.toml: %w", err)
	}
	cmtCfg.SetRoot(home)
	if err := cmtCfg.ValidateBasic(); err != nil {
		return nil, serverconfig.Config{}, nil, fmt.Errorf("config.toml: %w", err)
	}
	v.SetConfigFile(filepath.Join(home, "config", "app.toml"))
	if err := v.MergeInConfig(); err != nil {
		return nil, serverconfig.Config{}, nil, fmt.Errorf("reading app.toml: %w", err)
	}
	appCfg, err := serverconfig.GetConfig(v)
	if err != nil {
		return nil, serverconfig.Config{}, nil, fmt.Errorf("parsing app.toml: %w", err)
	}
	if err := appCfg.ValidateBasic(); err != nil {
		return nil, serverconfig.Config{}, nil, fmt.Errorf("app.toml: %w", err)
	}
	v.Set(flags.FlagHome, home)
	return cmtCfg, appCfg, v, nil
}

// Start opens the stored chain (or starts it from genesis) and begins producing blocks.
func (n *Node) Start() error {
	err := errors.New("node already started")
	n.started.Do(func() { err = n.start() })
	return err
}

func (n *Node) start() error {
	db, err := dbm.NewDB("application", server.GetAppDBBackend(n.opts), filepath.Join(n.home, "data"))
	if err != nil {
		return fmt.Errorf("opening the chain database: %w", err)
	}
	a, err := app.New(n.logger, db, true, n.opts, server.DefaultBaseappOptions(n.opts)...)
	if err != nil {
		return err
	}
	n.app = a
	nodeKey, err := p2p.LoadOrGenNodeKey(n.cmtCfg.NodeKeyFile())
	if err != nil {
		return fmt.Errorf("node key: %w", err)
	}
	genesis := func() (*cmttypes.GenesisDoc, error) {
		g, err := genutiltypes.AppGenesisFromFile(n.cmtCfg.GenesisFile())
		if err != nil {
			return nil, err
		}
		return g.ToGenesisDoc()
	}
	cmt, err := node.NewNode(n.cmtCfg,
		pvm.LoadOrGenFilePV(n.cmtCfg.PrivValidatorKeyFile(), n.cmtCfg.PrivValidatorStateFile()),
		nodeKey, proxy.NewLocalClientCreator(server.NewCometABCIWrapper(a)), genesis,
		n.dbs.provide, node.DefaultMetricsProvider(n.cmtCfg.Instrumentation),
		servercmtlog.CometLoggerWrapper{Logger: n.logger})
	if err != nil {
		_ = a.Close()
		return fmt.Errorf("starting CometBFT: %w", err)
	}
	if err := cmt.Start(); err != nil {
		_ = a.Close()
		return fmt.Errorf("starting CometBFT: %w", err)
	}
	n.cmt = cmt

	enc := a.TxConfig()
	n.clientCx = client.Context{}.
		WithCodec(a.AppCodec()).
		WithInterfaceRegistry(a.InterfaceRegistry()).
		WithTxConfig(enc).
		WithLegacyAmino(a.LegacyAmino()).
		WithAccountRetriever(authtypes.AccountRetriever{}).
		WithHomeDir(n.home).
		WithChainID(cmt.GenesisDoc().ChainID).
		WithClient(local.New(cmt))
	a.RegisterTxService(n.clientCx)
	a.RegisterTendermintService(n.clientCx)
	a.RegisterNodeService(n.clientCx, n.appCfg)

	ctx, cancel := context.WithCancel(context.Background())
	n.cancel = cancel
	g, ctx := errgroup.WithContext(ctx)
	n.servers = g
	svrCtx := server.NewContext(n.opts, n.cmtCfg, n.logger)
	grpcSrv, clientCx, err := server.StartGrpcServer(ctx, g, n.appCfg.GRPC, n.clientCx, svrCtx, a)
	if err != nil {
		n.shutdown()
		return fmt.Errorf("starting the gRPC server: %w", err)
	}
	n.clientCx = clientCx
	if n.appCfg.API.Enable {
		apiSrv := api.New(n.clientCx, n.logger.With(log.ModuleKey, "api-server"), grpcSrv)
		a.RegisterAPIRoutes(apiSrv, n.appCfg.API)
		g.Go(func() error { return apiSrv.Start(ctx, n.appCfg) })
	}
	n.running.Store(true)
	return nil
}

// Stop halts block production and closes every server and database. It waits for them.
func (n *Node) Stop() error {
	var err error
	n.stopped.Do(func() {
		err = n.shutdown()
		close(n.quit)
	})
	return err
}

func (n *Node) shutdown() error {
	n.running.Store(false)
	var errs []error
	if n.cancel != nil {
		n.cancel()
		if err := n.servers.Wait(); err != nil && !errors.Is(err, context.Canceled) {
			errs = append(errs, err)
		}
	}
	if n.cmt != nil && n.cmt.IsRunning() {
		if err := n.cmt.Stop(); err != nil {
			errs = append(errs, err)
		}
		n.cmt.Wait()
	}
	n.dbs.closeAll()
	if n.app != nil {
		errs = append(errs, n.app.Close())
	}
	return errors.Join(errs...)
}

// IsRunning reports whether the node is producing blocks.
func (n *Node) IsRunning() bool { return n.running.Load() }

// Quit is closed once the node has stopped.
func (n *Node) Quit() <-chan struct{} { return n.quit }

// Client is a client context bound to this node (queries and broadcasts go to it in-process).
func (n *Node) Client() client.Context { return n.clientCx }

// App is the node's application, for in-process readers such as tests.
func (n *Node) App() *app.App { return n.app }

// openedDBs remembers the databases CometBFT opens. Its node does not close the transaction
// index when it stops, and its lock would keep the same home from starting again in this process.
type openedDBs struct {
	mu  sync.Mutex
	dbs []cmtdb.DB
}

func (o *openedDBs) provide(ctx *cmtcfg.DBContext) (cmtdb.DB, error) {
	db, err := cmtcfg.DefaultDBProvider(ctx)
	if err == nil {
		o.mu.Lock()
		o.dbs = append(o.dbs, db)
		o.mu.Unlock()
	}
	return db, err
}

// closeAll closes every database; those the node already closed report an error we ignore.
func (o *openedDBs) closeAll() {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, db := range o.dbs {
		_ = db.Close()
	}
	o.dbs = nil
}

// blockPoll is how often NewBlocks looks for a new block: well under the block time.
const blockPoll = 50 * time.Millisecond

// NewBlocks delivers, in order and without gaps, the height of every block the node commits from
// now on, until ctx ends or the node stops. It reads the node's committed height rather than
// subscribing to CometBFT's events, whose subscriptions are cancelled when a reader falls behind:
// a slow reader here only delivers later.
func (n *Node) NewBlocks(ctx context.Context) <-chan int64 {
	heights := make(chan int64)
	next := n.app.LastBlockHeight() + 1
	go func() {
		defer close(heights)
		tick := time.NewTicker(blockPoll)
		defer tick.Stop()
		for {
			for ; next <= n.app.LastBlockHeight(); next++ {
				select {
				case heights <- next:
				case <-ctx.Done():
					return
				case <-n.quit:
					return
				}
			}
			select {
			case <-tick.C:
			case <-ctx.Done():
				return
			case <-n.quit:
				return
			}
		}
	}()
	return heights
}
