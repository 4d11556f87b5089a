package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL, for a postgres:// DSN
	_ "modernc.org/sqlite"             // the pure-Go SQLite driver: the build stays Go-only
)

// DB is the explorer's database. It is safe for concurrent use: one writer (the indexer) and any
// number of readers (the pages).
type DB struct {
	db       *sql.DB
	postgres bool
	inserts  sync.Map // insert statements by shape (insertStatement)
}

// Open opens (creating its tables if needed) the database named by dsn: a postgres:// or
// postgresql:// URL is a PostgreSQL server; anything else is a SQLite file (":memory:" is a
// private in-memory database).
func Open(ctx context.Context, dsn string) (*DB, error) {
	if dsn == "" {
		return nil, errors.New("explorer store: no database given: pass a SQLite file or a postgres:// URL")
	}
	s := &DB{postgres: strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")}
	var err error
	if s.postgres {
		s.db, err = sql.Open("pgx", dsn)
	} else {
		s.db, err = sql.Open("sqlite", "file:"+dsn+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=cache_size(-32768)")
		if dsn == ":memory:" {
			s.db.SetMaxOpenConns(1) // an in-memory database exists per connection
		}
	}
	if err != nil {
		return nil, fmt.Errorf("explorer store: opening %s: %w", redact(dsn), err)
	}
	if err := s.prepare(ctx); err != nil {
		_ = s.db.Close()
		return nil, fmt.Errorf("explorer store: preparing %s: %w", redact(dsn), err)
	}
	return s, nil
}

// prepare creates the tables of an empty database, or migrates an older one to schemaVersion, in
// one transaction: an explorer stopped half-way finds the database as it was.
func (s *DB) prepare(ctx context.Context) (err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if _, err = tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
		return err
	}
	var v sql.NullInt64
	if err = tx.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_version`).Scan(&v); err != nil {
		return err
	}
	version := int(v.Int64)
	if !v.Valid {
		// No version: an empty database, or one written before versions were recorded (1).
		catalog := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'blocks'`
		if s.postgres {
			catalog = `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'blocks'`
		}
		var n int
		if err = tx.QueryRowContext(ctx, catalog).Scan(&n); err != nil {
			return err
		}
		version = schemaVersion
		if n > 0 {
			version = 1
		}
	}
	switch {
	case version > schemaVersion:
		return fmt.Errorf("the database is of schema version %d, newer than this explorer's (%d): use a newer gotensor or another database", version, schemaVersion)
	case version == 1:
		for _, stmt := range migrateFrom1 {
			if _, err = tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("migrating from schema version 1: %w", err)
			}
		}
	}
	for _, stmt := range schema {
		if _, err = tx.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	if _, err = tx.ExecContext(ctx, `DELETE FROM schema_version`); err != nil {
		return err
	}
	if _, err = tx.ExecContext(ctx, s.rebind(`INSERT INTO schema_version VALUES (?)`), schemaVersion); err != nil {
		return err
	}
	return tx.Commit()
}

// redact drops a DSN's password from messages.
func redact(dsn string) string {
	if i, j := strings.Index(dsn, "://"), strings.LastIndex(dsn, "@"); i >= 0 && j > i {
		if k := strings.Index(dsn[i+3:j], ":"); k >= 0 {
			return dsn[:i+3+k] + ":***" + dsn[j:]
		}
	}
	return dsn
}

// Close closes the database.
func (s *DB) Close() error { return s.db.Close() }

// Engine names the database engine: "sqlite" or "postgres".
func (s *DB) Engine() string {
	if s.postgres {
		return "postgres"
	}
	return "sqlite"
}

// rebind turns the ? placeholders of q into PostgreSQL's $1, $2, … where needed.
func (s *DB) rebind(q string) string {
	if !s.postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Height is the last stored block; 0 for an empty database.
func (s *DB) Height(ctx context.Context) (int64, error) {
	var h sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT MAX(height) FROM blocks`).Scan(&h); err != nil {
		return 0, fmt.Errorf("explorer store: reading the stored height: %w", err)
	}
	return h.Int64, nil
}

// Block is everything stored for one height.
type Block struct {
	Height   int64     `json:"height"`
	Time     time.Time `json:"time"`
	Hash     string    `json:"hash"`
	Proposer string    `json:"proposer"`
	Supply   Supply    `json:"supply"`
	// Recycled is the TAO recycled in this block (EventRecycle), in rao.
	Recycled uint64   `json:"recycled"`
	Subnets  []Subnet `json:"subnets"`
	Epochs   []Epoch  `json:"epochs,omitempty"`
	Txs      []Tx     `json:"txs"`
	Events   []Event  `json:"events"`
	// Stakes are the stake records, after this block, of every coldkey whose stakes it may have
	// changed (the indexer asks the node's stakes query for each): what the nominator counts are
	// kept from.
	Stakes []ColdkeyStakes `json:"stakes,omitempty"`
}

// ColdkeyStakes are every stake record a coldkey holds: the hotkeys and subnets it stakes on.
type ColdkeyStakes struct {
	Coldkey  string         `json:"coldkey"`
	Holdings []StakeHolding `json:"holdings"`
}

// StakeHolding is a stake record's hotkey and subnet.
type StakeHolding struct {
	Hotkey string `json:"hotkey"`
	Netuid uint16 `json:"netuid"`
}

// Supply is the chain's supply query at the block, in rao.
type Supply struct {
	TotalIssuance       uint64 `json:"total_issuance"`
	Burned              uint64 `json:"burned"`
	BlockEmission       uint64 `json:"block_emission"`
	MaxSupply           uint64 `json:"max_supply"`
	Halvings            uint32 `json:"halvings"`
	NextHalvingIssuance uint64 `json:"next_halving_issuance"`
	BlocksToNextHalving uint64 `json:"blocks_to_next_halving"`
}

// Subnet is a subnet's summary at a block. Price and EmissionShare are the chain's decimals.
type Subnet struct {
	Netuid         uint16 `json:"netuid"`
	Name           string `json:"name"`
	Symbol         string `json:"symbol"`
	Owner          string `json:"owner"`
	OwnerHotkey    string `json:"owner_hotkey"`
	Tempo          uint32 `json:"tempo"`
	N              uint32 `json:"n"`
	MaxN           uint32 `json:"max_n"`
	Burn           uint64 `json:"burn"`
	Price          string `json:"price"`
	TaoReserve     uint64 `json:"tao_reserve"`
	AlphaIn        uint64 `json:"alpha_in"`
	AlphaOut       uint64 `json:"alpha_out"`
	EmissionShare  string `json:"emission_share"`
	Started        bool   `json:"started"`
	LastEpochBlock uint64 `json:"last_epoch_block"`
}

// Epoch is a subnet's metagraph right after an epoch ran, and what the explorer measured of it.
type Epoch struct {
	Netuid     uint16           `json:"netuid"`
	Block      int64            `json:"block"`
	Neurons    []Neuron         `json:"neurons"`
	Fairness   []Fairness       `json:"fairness"`
	Validators []ValidatorScore `json:"validators"`
	// Takes are the validators' takes at the block (u16 proportions of their dividends), by uid,
	// as the node's hotkey query says; a validator absent has none recorded.
	Takes map[uint16]uint32 `json:"takes,omitempty"`
}

// Neuron is one uid's row of the metagraph. Shares are u16 proportions (65535 = 1).
type Neuron struct {
	UID             uint16 `json:"uid"`
	Hotkey          string `json:"hotkey"`
	Coldkey         string `json:"coldkey"`
	ValidatorPermit bool   `json:"validator_permit"`
	Active          bool   `json:"active"`
	StakeWeight     uint32 `json:"stake_weight"`
	AlphaStake      uint64 `json:"alpha_stake"`
	Consensus       uint32 `json:"consensus"`
	Incentive       uint32 `json:"incentive"`
	Dividends       uint32 `json:"dividends"`
	ValidatorTrust  uint32 `json:"validator_trust"`
	Emission        uint64 `json:"emission"`
	LastUpdate      uint64 `json:"last_update"`
	RegisteredAt    uint64 `json:"registered_at"`
	// Axon is ip:port, empty until the uid serves.
	Axon string `json:"axon"`
}

// Role is how the explorer groups a uid, by what it is paid for: a validator earns dividends or
// validator trust; a miner earns incentive; a uid that earns neither is a validator if it holds a
// permit and stake. (A permit alone says little: on a subnet with fewer uids than permits every
// uid holds one, and miners' incentive is staked to them.)
func (n Neuron) Role() string {
	if n.IsValidator() {
		return "validator"
	}
	return "miner"
}

// IsValidator says whether the uid counts as a validator (see Role).
func (n Neuron) IsValidator() bool {
	switch {
	case n.Dividends > 0 || n.ValidatorTrust > 0:
		return true
	case n.Incentive > 0:
		return false
	}
	return n.ValidatorPermit && n.AlphaStake > 0
}

// Fairness is one concentration measure of an epoch: Measure (incentive or dividends) summed per
// Entity (uid or coldkey) over Holders holders.
type Fairness struct {
	Measure string  `json:"measure"`
	Entity  string  `json:"entity"`
	Holders int     `json:"holders"`
	Gini    float64 `json:"gini"`
	Top1    float64 `json:"top1_share"`
	Nak51   int     `json:"nak51"`
}

// ValidatorScore is what an epoch says of one validator: its relative dividend rate (its share of
// the dividends over its share of the validators' stake; 1 is paid in proportion) and the
// correlation of its weights with the previous epoch's consensus (CopyPrev) and this epoch's
// (CopyNow). A copier's weights follow the published past more closely than the present. Nil is
// undefined (no stake, no weights, or a constant side).
type ValidatorScore struct {
	UID          uint16   `json:"uid"`
	Hotkey       string   `json:"hotkey"`
	DividendRate *float64 `json:"dividend_rate"`
	CopyPrev     *float64 `json:"copy_prev"`
	CopyNow      *float64 `json:"copy_now"`
}

// Tx is a transaction of the block, with its message types.
type Tx struct {
	Hash    string   `json:"hash"`
	Height  int64    `json:"height"`
	Index   int      `json:"index"`
	Code    uint32   `json:"code"`
	GasUsed int64    `json:"gas_used"`
	Msgs    []string `json:"msgs"`
	Log     string   `json:"log"`
}

// Event is one event of the block: of a transaction (TxHash) or of the block itself.
type Event struct {
	Height int64             `json:"height"`
	Index  int               `json:"index"`
	TxHash string            `json:"tx_hash"`
	Type   string            `json:"type"`
	Attrs  map[string]string `json:"attrs"`
}

// Addresses are the account addresses an event names (attribute values with the chain's prefix).
func (e Event) Addresses(prefix string) []string {
	var out []string
	seen := map[string]bool{}
	for _, v := range e.Attrs {
		v = strings.Trim(v, `"`)
		if strings.HasPrefix(v, prefix+"1") && len(v) > len(prefix)+30 && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// Registration is a uid taken on a subnet (EventNeuronRegistered): by a new hotkey, for Burn rao,
// replacing ReplacedHotkey (deregistered) when it is not empty.
type Registration struct {
	Netuid         uint16 `json:"netuid"`
	Height         int64  `json:"height"`
	Index          int    `json:"index"`
	UID            uint16 `json:"uid"`
	Hotkey         string `json:"hotkey"`
	Coldkey        string `json:"coldkey"`
	Burn           uint64 `json:"burn"`
	ReplacedHotkey string `json:"replaced_hotkey"`
}

// Registrations are the block's registration events, read from their attributes.
func (b Block) Registrations() []Registration {
	var out []Registration
	for _, e := range b.Events {
		if e.Type != "gotensor.subnet.v1.EventNeuronRegistered" {
			continue
		}
		num := func(k string) uint64 {
			v, _ := strconv.ParseUint(e.Attrs[k], 10, 64) // absent or unreadable: 0
			return v
		}
		out = append(out, Registration{Netuid: uint16(num("netuid")), Height: b.Height, Index: e.Index, UID: uint16(num("uid")),
			Hotkey: e.Attrs["hotkey"], Coldkey: e.Attrs["coldkey"], Burn: num("burn"), ReplacedHotkey: e.Attrs["replaced_hotkey"]})
	}
	return out
}

// AddressPrefix is the bech32 prefix of the chain's accounts.
const AddressPrefix = "tao"

// Save stores b in one transaction, replacing whatever was stored for its height.
func (s *DB) Save(ctx context.Context, b Block) error {
	return s.save(ctx, []Block{b}, true)
}

// Load stores consecutive blocks above the stored height in one transaction, their rows inserted
// many to a statement: how a long history is written at once (synthetic histories for
// benchmarks). What it stores is what Save would, block by block.
func (s *DB) Load(ctx context.Context, blocks []Block) error {
	if len(blocks) == 0 {
		return nil
	}
	have, err := s.Height(ctx)
	if err != nil {
		return err
	}
	for i, b := range blocks {
		if b.Height <= have || (i > 0 && b.Height != blocks[i-1].Height+1) {
			return fmt.Errorf("explorer store: loading block %d: blocks are loaded in order above the stored height %d", b.Height, have)
		}
	}
	return s.save(ctx, blocks, false)
}

// save stores blocks in one transaction; replace first removes what is stored at their heights.
func (s *DB) save(ctx context.Context, blocks []Block, replace bool) (err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("explorer store: block %d: %w", blocks[0].Height, err)
	}
	at := blocks[0].Height
	defer func() {
		if err != nil {
			_ = tx.Rollback()
			err = fmt.Errorf("explorer store: block %d: %w", at, err)
		}
	}()
	w := newBatch()
	var recycled sql.NullInt64
	if err = tx.QueryRowContext(ctx, s.rebind(`SELECT recycled_total FROM blocks WHERE height < ? ORDER BY height DESC LIMIT 1`), at).
		Scan(&recycled); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	total := recycled.Int64
	// latestEpoch is each subnet's last epoch among these blocks: its validators' rows become the
	// subnet's latest unless a later epoch is stored.
	latestEpoch := map[uint16]int64{}
	for _, b := range blocks {
		for _, e := range b.Epochs {
			latestEpoch[e.Netuid] = max(latestEpoch[e.Netuid], e.Block)
		}
	}
	for _, b := range blocks {
		at = b.Height
		if replace {
			for _, t := range perBlock {
				if _, err = tx.ExecContext(ctx, s.rebind(`DELETE FROM `+t.table+` WHERE `+t.column+` = ?`), b.Height); err != nil {
					return err
				}
			}
		}
		total += i64(b.Recycled)
		sp := b.Supply
		w.add("blocks", b.Height, b.Time.UnixMilli(), b.Hash, b.Proposer, len(b.Txs), i64(sp.TotalIssuance), i64(sp.Burned), i64(b.Recycled),
			i64(sp.BlockEmission), i64(sp.MaxSupply), sp.Halvings, i64(sp.NextHalvingIssuance), i64(sp.BlocksToNextHalving), total)
		for _, n := range b.Subnets {
			w.add("subnet_blocks", n.Netuid, b.Height, n.Name, n.Symbol, n.Owner, n.OwnerHotkey, n.Tempo, n.N, n.MaxN, i64(n.Burn), n.Price,
				decimal(n.Price), i64(n.TaoReserve), i64(n.AlphaIn), i64(n.AlphaOut), n.EmissionShare, decimal(n.EmissionShare),
				boolInt(n.Started), i64(n.LastEpochBlock))
		}
		// Stake records are written at once: the nominator counts of this block's epochs read them.
		for _, c := range b.Stakes {
			if err = s.saveStakes(ctx, tx, b.Height, c); err != nil {
				return err
			}
		}
		for _, e := range b.Epochs {
			if e.Block != b.Height {
				return fmt.Errorf("the epoch of subnet %d is at block %d, not this block", e.Netuid, e.Block)
			}
			w.add("epochs", e.Netuid, e.Block)
			for _, n := range e.Neurons {
				w.add("neurons", e.Netuid, e.Block, n.UID, n.Hotkey, n.Coldkey, boolInt(n.ValidatorPermit), boolInt(n.Active), n.StakeWeight,
					i64(n.AlphaStake), n.Consensus, n.Incentive, n.Dividends, n.ValidatorTrust, i64(n.Emission), i64(n.LastUpdate),
					i64(n.RegisteredAt), n.Axon)
			}
			for _, f := range e.Fairness {
				w.add("fairness", e.Netuid, e.Block, f.Measure, f.Entity, f.Holders, f.Gini, f.Top1, f.Nak51)
			}
			latest := false
			if e.Block == latestEpoch[e.Netuid] {
				var newer int
				if err = tx.QueryRowContext(ctx, s.rebind(`SELECT COUNT(*) FROM epochs WHERE netuid = ? AND block > ?`), e.Netuid, e.Block).Scan(&newer); err != nil {
					return err
				}
				if latest = newer == 0; latest {
					if _, err = tx.ExecContext(ctx, s.rebind(`UPDATE validator_epochs SET latest = 0 WHERE netuid = ? AND latest = 1 AND block < ?`),
						e.Netuid, e.Block); err != nil {
						return err
					}
				}
			}
			if err = s.addValidators(ctx, tx, w, e, latest); err != nil {
				return err
			}
		}
		for _, t := range b.Txs {
			w.add("txs", t.Hash, b.Height, t.Index, t.Code, t.GasUsed, strings.Join(t.Msgs, ","), t.Log)
		}
		for _, e := range b.Events {
			attrs, _ := json.Marshal(e.Attrs) // a map of strings always encodes
			w.add("events", b.Height, e.Index, e.TxHash, e.Type, string(attrs))
			for _, a := range e.Addresses(AddressPrefix) {
				w.add("event_addresses", a, b.Height, e.Index)
			}
		}
		for _, r := range b.Registrations() {
			w.add("registrations", r.Netuid, r.Height, r.Index, r.UID, r.Hotkey, r.Coldkey, i64(r.Burn), r.ReplacedHotkey)
		}
	}
	if err = s.flush(ctx, tx, w); err != nil {
		return err
	}
	return tx.Commit()
}

// addValidators adds the epoch's validator rows with what the validators page shows: the figures
// of each one's uid, its dominance, take and nominators (the coldkeys holding a stake record on its
// hotkey and subnet at the block); latest marks them the subnet's latest.
func (s *DB) addValidators(ctx context.Context, tx *sql.Tx, w *batch, e Epoch, latest bool) error {
	if len(e.Validators) == 0 {
		return nil
	}
	byUID := make(map[uint16]Neuron, len(e.Neurons))
	for _, n := range e.Neurons {
		byUID[n.UID] = n
	}
	var total float64
	for _, v := range e.Validators {
		total += float64(byUID[v.UID].AlphaStake)
	}
	nominators := map[string]int{}
	rows, err := tx.QueryContext(ctx, s.rebind(`SELECT hotkey, COUNT(*) FROM stake_positions
		WHERE netuid = ? AND since_block <= ? AND (until_block IS NULL OR until_block > ?) GROUP BY hotkey`), e.Netuid, e.Block, e.Block)
	if err != nil {
		return err
	}
	for rows.Next() {
		var hotkey string
		var n int
		if err := rows.Scan(&hotkey, &n); err != nil {
			rows.Close()
			return err
		}
		nominators[hotkey] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, v := range e.Validators {
		n := byUID[v.UID]
		dominance := 0.0
		if total > 0 {
			dominance = float64(n.AlphaStake) / total
		}
		var take any
		if t, ok := e.Takes[v.UID]; ok {
			take = t
		}
		w.add("validator_epochs", e.Netuid, e.Block, v.UID, v.Hotkey, nullable(v.DividendRate), nullable(v.CopyPrev), nullable(v.CopyNow),
			n.Coldkey, i64(n.AlphaStake), dominance, n.Dividends, n.ValidatorTrust, i64(n.Emission), take, nominators[v.Hotkey], boolInt(latest))
	}
	return nil
}

// saveStakes records what the node's stakes query said of a coldkey after block h: records it no
// longer holds end at h, new ones start at h. Stored again (the same block indexed twice) it
// changes nothing: what h recorded is undone first, and a coldkey recorded after h is left as it is.
func (s *DB) saveStakes(ctx context.Context, tx *sql.Tx, h int64, c ColdkeyStakes) error {
	var later int
	if err := tx.QueryRowContext(ctx, s.rebind(`SELECT COUNT(*) FROM stake_positions WHERE coldkey = ? AND (since_block > ? OR until_block > ?)`),
		c.Coldkey, h, h).Scan(&later); err != nil || later > 0 {
		return err
	}
	if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM stake_positions WHERE coldkey = ? AND since_block = ?`), c.Coldkey, h); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE stake_positions SET until_block = NULL WHERE coldkey = ? AND until_block = ?`), c.Coldkey, h); err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, s.rebind(`SELECT hotkey, netuid FROM stake_positions WHERE coldkey = ? AND until_block IS NULL`), c.Coldkey)
	if err != nil {
		return err
	}
	held := map[StakeHolding]bool{}
	for rows.Next() {
		var k StakeHolding
		if err := rows.Scan(&k.Hotkey, &k.Netuid); err != nil {
			rows.Close()
			return err
		}
		held[k] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	now := make(map[StakeHolding]bool, len(c.Holdings))
	for _, k := range c.Holdings {
		if now[k] {
			continue
		}
		now[k] = true
		if held[k] {
			continue
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO stake_positions VALUES (?,?,?,?,NULL)`), c.Coldkey, k.Hotkey, k.Netuid, h); err != nil {
			return err
		}
	}
	for k := range held {
		if now[k] {
			continue
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE stake_positions SET until_block = ? WHERE coldkey = ? AND hotkey = ? AND netuid = ? AND until_block IS NULL`),
			h, c.Coldkey, k.Hotkey, k.Netuid); err != nil {
			return err
		}
	}
	return nil
}

// batch holds rows to insert, by table, in the order tables are first added to.
type batch struct {
	tables []string
	rows   map[string][][]any
}

func newBatch() *batch { return &batch{rows: map[string][][]any{}} }

func (w *batch) add(table string, row ...any) {
	if _, ok := w.rows[table]; !ok {
		w.tables = append(w.tables, table)
	}
	w.rows[table] = append(w.rows[table], row)
}

// maxParams bounds a statement's placeholders: the SQLite driver binds them in time quadratic in
// their number, so a few hundred is fastest (500: 110 to 180 blocks/s in BenchmarkLoad; 4000: 40).
const maxParams = 500

// flush inserts the batch's rows, as many to a statement as maxParams allows, each statement
// prepared once.
func (s *DB) flush(ctx context.Context, tx *sql.Tx, w *batch) error {
	for _, table := range w.tables {
		rows := w.rows[table]
		per := max(1, maxParams/len(rows[0]))
		prepared := map[int]*sql.Stmt{}
		for len(rows) > 0 {
			n := min(per, len(rows))
			args := make([]any, 0, n*len(rows[0]))
			for _, r := range rows[:n] {
				args = append(args, r...)
			}
			stmt, ok := prepared[n]
			if !ok {
				var err error
				if stmt, err = tx.PrepareContext(ctx, s.insertStatement(table, len(rows[0]), n)); err != nil {
					return fmt.Errorf("inserting into %s: %w", table, err)
				}
				defer stmt.Close()
				prepared[n] = stmt
			}
			if _, err := stmt.ExecContext(ctx, args...); err != nil {
				return fmt.Errorf("inserting into %s: %w", table, err)
			}
			rows = rows[n:]
		}
	}
	return nil
}

// insertStatement is an insert of n rows of columns values into table (in the engine's dialect),
// made once for each shape.
func (s *DB) insertStatement(table string, columns, n int) string {
	key := fmt.Sprintf("%s/%d/%d", table, columns, n)
	if q, ok := s.inserts.Load(key); ok {
		return q.(string)
	}
	row := "(" + strings.TrimSuffix(strings.Repeat("?,", columns), ",") + ")"
	q := s.rebind("INSERT INTO " + table + " VALUES " + strings.TrimSuffix(strings.Repeat(row+",", n), ","))
	s.inserts.Store(key, q)
	return q
}

// i64 stores a chain amount; every amount of a 21M-TAO chain fits (2.1e16 rao).
func i64(v uint64) int64 { return int64(v) }

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func nullable(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

// decimal is the chain's decimal text as a double, for sorting and charts (0 if unreadable).
func decimal(s string) float64 {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0
	}
	return f
}
