package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL, for a postgres:// DSN
	_ "modernc.org/sqlite"             // the pure-Go SQLite driver: the build stays Go-only
)

// DB is the explorer's database. It is safe for concurrent use: one writer (the indexer) and any
// number of readers (the pages).
type DB struct {
	db       *sql.DB
	postgres bool
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
		s.db, err = sql.Open("sqlite", "file:"+dsn+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)")
		if dsn == ":memory:" {
			s.db.SetMaxOpenConns(1) // an in-memory database exists per connection
		}
	}
	if err != nil {
		return nil, fmt.Errorf("explorer store: opening %s: %w", redact(dsn), err)
	}
	for _, stmt := range schema {
		if _, err := s.db.ExecContext(ctx, stmt); err != nil {
			_ = s.db.Close()
			return nil, fmt.Errorf("explorer store: preparing %s: %w", redact(dsn), err)
		}
	}
	return s, nil
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
func (s *DB) Save(ctx context.Context, b Block) (err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("explorer store: block %d: %w", b.Height, err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
			err = fmt.Errorf("explorer store: block %d: %w", b.Height, err)
		}
	}()
	for _, t := range perBlock {
		if _, err = tx.ExecContext(ctx, s.rebind(`DELETE FROM `+t.table+` WHERE `+t.column+` = ?`), b.Height); err != nil {
			return err
		}
	}
	sp := b.Supply
	if _, err = tx.ExecContext(ctx, s.rebind(`INSERT INTO blocks VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`),
		b.Height, b.Time.UnixMilli(), b.Hash, b.Proposer, len(b.Txs), i64(sp.TotalIssuance), i64(sp.Burned), i64(b.Recycled),
		i64(sp.BlockEmission), i64(sp.MaxSupply), sp.Halvings, i64(sp.NextHalvingIssuance), i64(sp.BlocksToNextHalving)); err != nil {
		return err
	}
	if err = s.insertRows(ctx, tx, `INSERT INTO subnet_blocks VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`, len(b.Subnets), func(i int) []any {
		n := b.Subnets[i]
		return []any{n.Netuid, b.Height, n.Name, n.Symbol, n.Owner, n.OwnerHotkey, n.Tempo, n.N, n.MaxN, i64(n.Burn), n.Price,
			decimal(n.Price), i64(n.TaoReserve), i64(n.AlphaIn), i64(n.AlphaOut), n.EmissionShare, decimal(n.EmissionShare),
			boolInt(n.Started), i64(n.LastEpochBlock)}
	}); err != nil {
		return err
	}
	for _, e := range b.Epochs {
		if e.Block != b.Height {
			return fmt.Errorf("the epoch of subnet %d is at block %d, not this block", e.Netuid, e.Block)
		}
		if _, err = tx.ExecContext(ctx, s.rebind(`INSERT INTO epochs VALUES (?,?)`), e.Netuid, e.Block); err != nil {
			return err
		}
		if err = s.insertRows(ctx, tx, `INSERT INTO neurons VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`, len(e.Neurons), func(i int) []any {
			n := e.Neurons[i]
			return []any{e.Netuid, e.Block, n.UID, n.Hotkey, n.Coldkey, boolInt(n.ValidatorPermit), boolInt(n.Active), n.StakeWeight,
				i64(n.AlphaStake), n.Consensus, n.Incentive, n.Dividends, n.ValidatorTrust, i64(n.Emission), i64(n.LastUpdate),
				i64(n.RegisteredAt), n.Axon}
		}); err != nil {
			return err
		}
		if err = s.insertRows(ctx, tx, `INSERT INTO fairness VALUES (?,?,?,?,?,?,?,?)`, len(e.Fairness), func(i int) []any {
			f := e.Fairness[i]
			return []any{e.Netuid, e.Block, f.Measure, f.Entity, f.Holders, f.Gini, f.Top1, f.Nak51}
		}); err != nil {
			return err
		}
		if err = s.insertRows(ctx, tx, `INSERT INTO validator_epochs VALUES (?,?,?,?,?,?,?)`, len(e.Validators), func(i int) []any {
			v := e.Validators[i]
			return []any{e.Netuid, e.Block, v.UID, v.Hotkey, nullable(v.DividendRate), nullable(v.CopyPrev), nullable(v.CopyNow)}
		}); err != nil {
			return err
		}
	}
	if err = s.insertRows(ctx, tx, `INSERT INTO txs VALUES (?,?,?,?,?,?,?)`, len(b.Txs), func(i int) []any {
		t := b.Txs[i]
		return []any{t.Hash, b.Height, t.Index, t.Code, t.GasUsed, strings.Join(t.Msgs, ","), t.Log}
	}); err != nil {
		return err
	}
	var addrs [][]any
	if err = s.insertRows(ctx, tx, `INSERT INTO events VALUES (?,?,?,?,?)`, len(b.Events), func(i int) []any {
		e := b.Events[i]
		attrs, _ := json.Marshal(e.Attrs) // a map of strings always encodes
		for _, a := range e.Addresses(AddressPrefix) {
			addrs = append(addrs, []any{a, b.Height, e.Index})
		}
		return []any{b.Height, e.Index, e.TxHash, e.Type, string(attrs)}
	}); err != nil {
		return err
	}
	if err = s.insertRows(ctx, tx, `INSERT INTO event_addresses VALUES (?,?,?)`, len(addrs), func(i int) []any { return addrs[i] }); err != nil {
		return err
	}
	regs := b.Registrations()
	if err = s.insertRows(ctx, tx, `INSERT INTO registrations VALUES (?,?,?,?,?,?,?,?)`, len(regs), func(i int) []any {
		r := regs[i]
		return []any{r.Netuid, r.Height, r.Index, r.UID, r.Hotkey, r.Coldkey, i64(r.Burn), r.ReplacedHotkey}
	}); err != nil {
		return err
	}
	return tx.Commit()
}

// insertRows runs one prepared insert for each of n rows.
func (s *DB) insertRows(ctx context.Context, tx *sql.Tx, q string, n int, row func(int) []any) error {
	if n == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, s.rebind(q))
	if err != nil {
		return err
	}
	defer stmt.Close()
	for i := range n {
		if _, err := stmt.ExecContext(ctx, row(i)...); err != nil {
			return err
		}
	}
	return nil
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
