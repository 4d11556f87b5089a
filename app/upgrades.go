package app

import (
	"context"
	"fmt"
	"sync"

	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	"github.com/cosmos/cosmos-sdk/types/module"
	upgradetypes "github.com/cosmos/cosmos-sdk/x/upgrade/types"
)

// Upgrade is a software upgrade this binary can run: when a governance proposal's plan named Name
// reaches its height, every node running a binary without it halts ("UPGRADE … NEEDED"), and a
// binary with it runs Migrate once, in that block, and goes on.
type Upgrade struct {
	Name string
	// Migrate changes the state, after the modules' own registered migrations ran (their versions
	// in fromVM are what the store held); nil runs those alone.
	Migrate func(ctx context.Context, app *App, plan upgradetypes.Plan) error
	// StoreUpgrades adds, renames or deletes module stores at the upgrade height.
	StoreUpgrades storetypes.StoreUpgrades
}

// upgrades are the upgrades New registers, in order; AddUpgrade extends them.
var upgrades struct {
	sync.Mutex
	list []Upgrade
}

// AddUpgrade makes the apps built after it (New) able to run u. A release adds its upgrade in an
// init function; tests add one between stopping a network's nodes and starting them again, which
// is what replacing the binary does.
func AddUpgrade(u Upgrade) {
	upgrades.Lock()
	defer upgrades.Unlock()
	upgrades.list = append(upgrades.list, u)
}

// registerUpgrades sets a handler for every known upgrade and, when the node halted for one that
// changes stores, the store loader that changes them at its height. It runs before the stores
// are loaded.
func (app *App) registerUpgrades() error {
	upgrades.Lock()
	list := append([]Upgrade(nil), upgrades.list...)
	upgrades.Unlock()
	halted, err := app.UpgradeKeeper.ReadUpgradeInfoFromDisk()
	if err != nil {
		return fmt.Errorf("reading the upgrade this node halted for: %w", err)
	}
	for _, u := range list {
		app.UpgradeKeeper.SetUpgradeHandler(u.Name, func(ctx context.Context, plan upgradetypes.Plan, fromVM module.VersionMap) (module.VersionMap, error) {
			vm, err := app.ModuleManager.RunMigrations(ctx, app.Configurator(), fromVM)
			if err != nil {
				return nil, fmt.Errorf("upgrade %s: module migrations: %w", plan.Name, err)
			}
			if u.Migrate != nil {
				if err := u.Migrate(ctx, app, plan); err != nil {
					return nil, fmt.Errorf("upgrade %s: %w", plan.Name, err)
				}
			}
			return vm, nil
		})
		if halted.Name == u.Name && !app.UpgradeKeeper.IsSkipHeight(halted.Height) && !isEmpty(u.StoreUpgrades) {
			app.SetStoreLoader(upgradetypes.UpgradeStoreLoader(halted.Height, &u.StoreUpgrades))
		}
	}
	return nil
}

func isEmpty(s storetypes.StoreUpgrades) bool {
	return len(s.Added) == 0 && len(s.Renamed) == 0 && len(s.Deleted) == 0
}
