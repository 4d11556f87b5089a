package store_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/explorer/internal/pgtest"
	"github.com/gotensor/gotensor/explorer/internal/synth"
	"github.com/gotensor/gotensor/explorer/store"
)

var spec = synth.Spec{Subnets: 3, UIDs: 12, Validators: 4, Blocks: 45, Tempo: 10, BlockTime: 12 * time.Second, Seed: 7}

func open(t *testing.T, dsn string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), dsn)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func sqlite(t *testing.T) string { return filepath.Join(t.TempDir(), "explorer.db") }

// pages are the store's answers for every page of the synthetic history, as JSON.
func pages(t *testing.T, db *store.DB) string {
	t.Helper()
	ctx := context.Background()
	var all []any
	add := func(v any, err error) {
		t.Helper()
		require.NoError(t, err)
		all = append(all, v)
	}
	add(db.Network(ctx))
	add(db.Validators(ctx, 1000))
	for n := range uint16(spec.Subnets) {
		add(db.Subnet(ctx, n+1))
		add(db.Metagraph(ctx, n+1))
		add(db.Fairness(ctx, n+1, 1000))
		add(db.UIDHistory(ctx, n+1, 2, 1000))
	}
	add(db.Blocks(ctx, spec.Blocks, 1000))
	add(db.Block(ctx, 20))
	bz, err := json.Marshal(all)
	require.NoError(t, err)
	return string(bz)
}

// Loading a history in batches stores what saving it block by block does.
func TestLoadStoresWhatSaveDoes(t *testing.T) {
	ctx := context.Background()
	saved, loaded := open(t, sqlite(t)), open(t, sqlite(t))
	require.NoError(t, synth.Write(ctx, saved, spec))
	half := spec
	half.Blocks = 20
	require.NoError(t, synth.Load(ctx, loaded, half))
	rest := spec
	rest.From = 21
	require.NoError(t, synth.Load(ctx, loaded, rest), "a load continues a stored history")
	require.Equal(t, pages(t, saved), pages(t, loaded))
	require.ErrorContains(t, synth.Load(ctx, loaded, rest), "above the stored height 45")
}

// The validators page reads each subnet's latest epoch: its stake, take and nominators as stored
// with the epoch, largest stake first.
func TestValidatorsAreTheLatestEpochs(t *testing.T) {
	ctx := context.Background()
	db := open(t, sqlite(t))
	require.NoError(t, synth.Write(ctx, db, spec))
	rows, err := db.Validators(ctx, 1000)
	require.NoError(t, err)
	require.Len(t, rows, spec.Subnets*spec.Validators)
	dominance := map[uint16]float64{}
	for i, r := range rows {
		mg, err := db.Metagraph(ctx, r.Netuid)
		require.NoError(t, err)
		require.Equal(t, mg.Block, r.Block, "subnet %d", r.Netuid)
		n := mg.Neurons[r.UID]
		require.Equal(t, n.Hotkey, r.Hotkey)
		require.Equal(t, n.Coldkey, r.Coldkey)
		require.Equal(t, n.AlphaStake, r.AlphaStake)
		require.Equal(t, n.Dividends, r.Dividends)
		require.Equal(t, n.Emission, r.Emission)
		require.NotNil(t, r.Take)
		require.Equal(t, synth.Take(int(r.UID)), *r.Take)
		require.NotNil(t, r.Nominators)
		require.Equal(t, synth.Nominators(int(r.UID)), *r.Nominators)
		if i > 0 {
			require.LessOrEqual(t, r.AlphaStake, rows[i-1].AlphaStake, "largest stake first")
		}
		dominance[r.Netuid] += r.Dominance
	}
	for netuid, d := range dominance {
		require.InDelta(t, 1, d, 1e-9, "subnet %d's validators hold all its validator stake", netuid)
	}
	top, err := db.Validators(ctx, 5)
	require.NoError(t, err)
	require.Equal(t, rows[:5], top)
}

// A stake record ends when the coldkey's stakes no longer list it, and storing a block again
// (an indexer that stored it and was killed before it knew) changes nothing.
func TestStakeRecordsOverBlocks(t *testing.T) {
	ctx := context.Background()
	db := open(t, sqlite(t))
	c, hot := synth.Address("c", 1), synth.Address("h", 1)
	held := []store.StakeHolding{{Hotkey: hot, Netuid: 1}}
	block := func(h int64, holdings []store.StakeHolding) store.Block {
		return store.Block{Height: h, Time: time.Unix(h, 0), Stakes: []store.ColdkeyStakes{{Coldkey: c, Holdings: holdings}}}
	}
	stakers := func() []string {
		s, err := db.StakersTo(ctx, hot)
		require.NoError(t, err)
		return s
	}
	require.NoError(t, db.Save(ctx, block(1, held)))
	require.Equal(t, []string{c}, stakers())
	require.NoError(t, db.Save(ctx, block(2, nil)))
	require.Empty(t, stakers())
	require.NoError(t, db.Save(ctx, block(2, nil)))
	require.Empty(t, stakers())
	require.NoError(t, db.Save(ctx, block(1, held)), "block 1 again: block 2 is what holds now")
	require.Empty(t, stakers())
	require.NoError(t, db.Save(ctx, block(3, held)))
	require.Equal(t, []string{c}, stakers())
	ok, err := db.Holds(ctx, c, held[0])
	require.NoError(t, err)
	require.True(t, ok)
	on, err := db.StakersOn(ctx, 1)
	require.NoError(t, err)
	require.Equal(t, []string{c}, on)
}

// downgrade turns a database into what an explorer before schema version 2 wrote: the same
// history without the columns and tables version 2 added.
func downgrade(t *testing.T, dsn string, postgres bool) {
	t.Helper()
	driver, name := "sqlite", dsn
	if postgres {
		driver = "pgx"
	}
	raw, err := sql.Open(driver, name)
	require.NoError(t, err)
	defer raw.Close()
	stmts := []string{`DROP INDEX validator_epochs_latest`, `DROP INDEX epochs_block`, `DROP TABLE stake_positions`, `DROP TABLE schema_version`,
		`ALTER TABLE blocks DROP COLUMN recycled_total`}
	for _, c := range []string{"coldkey", "alpha_stake", "dominance", "dividends", "validator_trust", "emission", "take", "nominators", "latest"} {
		stmts = append(stmts, `ALTER TABLE validator_epochs DROP COLUMN `+c)
	}
	for _, s := range stmts {
		_, err := raw.Exec(s)
		require.NoError(t, err, s)
	}
}

// A database written before schema version 2 is migrated when opened: every page answers as for a
// database written now, but for the takes and nominators it never recorded; on SQLite and
// PostgreSQL alike.
func TestMigrationFromVersion1(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			dsn := sqlite(t)
			if engine == "postgres" {
				dsn = pgtest.Start(t)
			}
			db, err := store.Open(ctx, dsn)
			require.NoError(t, err)
			require.NoError(t, synth.Write(ctx, db, spec))
			want, err := db.Validators(ctx, 1000)
			require.NoError(t, err)
			for i := range want {
				want[i].Take, want[i].Nominators = nil, nil
			}
			wantNet, err := db.Network(ctx)
			require.NoError(t, err)
			require.NoError(t, db.Close())

			downgrade(t, dsn, engine == "postgres")
			db = open(t, dsn)
			got, err := db.Validators(ctx, 1000)
			require.NoError(t, err)
			require.Equal(t, want, got)
			gotNet, err := db.Network(ctx)
			require.NoError(t, err)
			require.Equal(t, wantNet, gotNet)

			// The migrated database goes on: the next blocks record takes and nominators again.
			more := spec
			more.Blocks, more.From = spec.Blocks+10, spec.Blocks+1
			require.NoError(t, synth.Write(ctx, db, more))
			rows, err := db.Validators(ctx, 1000)
			require.NoError(t, err)
			for _, r := range rows {
				require.NotNil(t, r.Take, "subnet %d has had an epoch since", r.Netuid)
			}
			require.NoError(t, db.Close())
			db, err = store.Open(ctx, dsn)
			require.NoError(t, err, "opening a migrated database again")
			require.NoError(t, db.Close())
		})
	}
}
