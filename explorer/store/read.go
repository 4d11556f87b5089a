package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrNotFound is a block, transaction, subnet or uid the database does not hold.
var ErrNotFound = errors.New("not in the explorer's history")

// ChartWindow is how many blocks of history the charts span, and ChartPoints about how many points
// they draw: a long history is sampled, so a page costs the same after a month as after a day.
const (
	ChartWindow = 7200
	ChartPoints = 360
)

// Series is a chart: X are block heights, each of Y one line.
type Series struct {
	X []int64              `json:"x"`
	Y map[string][]float64 `json:"y"`
}

// Network is the network page.
type Network struct {
	Height int64     `json:"height"`
	Time   time.Time `json:"time"`
	// BlockTime is the mean time between the last blocks stored (up to 100), in seconds.
	BlockTime float64 `json:"block_time_seconds"`
	Supply    Supply  `json:"supply"`
	// Recycled is the TAO recycled over the stored history, in rao.
	Recycled uint64 `json:"recycled"`
	// IssuedShare is total issuance over the cap.
	IssuedShare float64         `json:"issued_share_of_cap"`
	Shares      []EmissionShare `json:"emission_shares"`
	Issuance    Series          `json:"issuance_chart"`
}

// EmissionShare is a subnet's share of the block emission.
type EmissionShare struct {
	Netuid uint16  `json:"netuid"`
	Name   string  `json:"name"`
	Share  float64 `json:"share"`
}

// SubnetRow is a subnet at the last stored block, with what the explorer derives: its market cap
// (price × alpha outstanding and in the pool, in TAO).
type SubnetRow struct {
	Subnet
	Height         int64   `json:"height"`
	PriceTAO       float64 `json:"price_tao"`
	MarketCapTAO   float64 `json:"market_cap_tao"`
	EmissionShareF float64 `json:"emission_share_f"`
}

// Network reads the network page.
func (s *DB) Network(ctx context.Context) (Network, error) {
	var n Network
	var ms int64
	var sp Supply
	err := s.db.QueryRowContext(ctx, `SELECT height, time_ms, total_issuance, burned, block_emission, max_supply, halvings,
		next_halving_issuance, blocks_to_next_halving FROM blocks ORDER BY height DESC LIMIT 1`).
		Scan(&n.Height, &ms, &sp.TotalIssuance, &sp.Burned, &sp.BlockEmission, &sp.MaxSupply, &sp.Halvings, &sp.NextHalvingIssuance, &sp.BlocksToNextHalving)
	if errors.Is(err, sql.ErrNoRows) {
		return n, fmt.Errorf("no block indexed yet: %w", ErrNotFound)
	}
	if err != nil {
		return n, err
	}
	n.Time, n.Supply = time.UnixMilli(ms).UTC(), sp
	if sp.MaxSupply > 0 {
		n.IssuedShare = float64(sp.TotalIssuance) / float64(sp.MaxSupply)
	}
	if n.BlockTime, err = s.blockTime(ctx, n.Height, ms); err != nil {
		return n, err
	}
	var recycled int64
	if err := s.db.QueryRowContext(ctx, s.rebind(`SELECT recycled_total FROM blocks WHERE height = ?`), n.Height).Scan(&recycled); err != nil {
		return n, err
	}
	n.Recycled = uint64(recycled)
	subnets, err := s.subnetsAt(ctx, n.Height)
	if err != nil {
		return n, err
	}
	for _, r := range subnets {
		n.Shares = append(n.Shares, EmissionShare{Netuid: r.Netuid, Name: r.Name, Share: r.EmissionShareF})
	}
	n.Issuance, err = s.series(ctx, `SELECT height, total_issuance, burned FROM blocks WHERE height > ? AND height % ? = 0 ORDER BY height`,
		n.Height, []string{"issuance_tao", "burned_tao"}, func(v []float64) { v[0] /= 1e9; v[1] /= 1e9 })
	return n, err
}

// BlockTime is the mean time between the last blocks stored (up to 100), in seconds; 0 with fewer
// than two.
func (s *DB) BlockTime(ctx context.Context) (float64, error) {
	var h, ms sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT height, time_ms FROM blocks ORDER BY height DESC LIMIT 1`).Scan(&h, &ms); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return 0, nil
		}
		return 0, err
	}
	return s.blockTime(ctx, h.Int64, ms.Int64)
}

func (s *DB) blockTime(ctx context.Context, last, lastMs int64) (float64, error) {
	var first, firstMs sql.NullInt64
	if err := s.db.QueryRowContext(ctx, s.rebind(`SELECT height, time_ms FROM blocks WHERE height >= ? ORDER BY height LIMIT 1`), last-100).
		Scan(&first, &firstMs); err != nil {
		return 0, err
	}
	if first.Int64 >= last {
		return 0, nil
	}
	return float64(lastMs-firstMs.Int64) / 1000 / float64(last-first.Int64), nil
}

// Subnets are the subnets at the last stored block, by netuid.
func (s *DB) Subnets(ctx context.Context) (int64, []SubnetRow, error) {
	h, err := s.Height(ctx)
	if err != nil {
		return 0, nil, err
	}
	rows, err := s.subnetsAt(ctx, h)
	return h, rows, err
}

const subnetColumns = `netuid, height, name, symbol, owner, owner_hotkey, tempo, n, max_n, burn, price, price_f, tao_reserve,
	alpha_in, alpha_out, emission_share, emission_share_f, started, last_epoch_block`

func scanSubnet(sc interface{ Scan(...any) error }) (SubnetRow, error) {
	var r SubnetRow
	var started int
	err := sc.Scan(&r.Netuid, &r.Height, &r.Name, &r.Symbol, &r.Owner, &r.OwnerHotkey, &r.Tempo, &r.N, &r.MaxN, &r.Burn, &r.Price,
		&r.PriceTAO, &r.TaoReserve, &r.AlphaIn, &r.AlphaOut, &r.EmissionShare, &r.EmissionShareF, &started, &r.LastEpochBlock)
	r.Started = started != 0
	r.MarketCapTAO = r.PriceTAO * float64(r.AlphaIn+r.AlphaOut) / 1e9
	return r, err
}

func (s *DB) subnetsAt(ctx context.Context, h int64) ([]SubnetRow, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT `+subnetColumns+` FROM subnet_blocks WHERE height = ? ORDER BY netuid`), h)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []SubnetRow{}
	for rows.Next() {
		r, err := scanSubnet(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// SubnetPage is one subnet: its latest row and the charts of its price, reserves and registration
// cost.
type SubnetPage struct {
	SubnetRow
	History Series `json:"history"`
}

// Subnet reads one subnet's page.
func (s *DB) Subnet(ctx context.Context, netuid uint16) (SubnetPage, error) {
	var p SubnetPage
	r, err := scanSubnet(s.db.QueryRowContext(ctx, s.rebind(`SELECT `+subnetColumns+` FROM subnet_blocks WHERE netuid = ? ORDER BY height DESC LIMIT 1`), netuid))
	if errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("subnet %d: %w", netuid, ErrNotFound)
	}
	if err != nil {
		return p, err
	}
	p.SubnetRow = r
	p.History, err = s.series(ctx, `SELECT height, price_f, tao_reserve, burn FROM subnet_blocks WHERE netuid = `+fmt.Sprint(netuid)+
		` AND height > ? AND height % ? = 0 ORDER BY height`, r.Height, []string{"price_tao", "tao_reserve_tao", "registration_cost_tao"},
		func(v []float64) { v[1] /= 1e9; v[2] /= 1e9 })
	return p, err
}

// series reads a chart over the last ChartWindow blocks before last: q selects the height and the
// columns named, with the window's start and the sampling step as its two parameters.
func (s *DB) series(ctx context.Context, q string, last int64, names []string, scale func([]float64)) (Series, error) {
	step := max(1, int64(ChartWindow/ChartPoints))
	if last < ChartWindow {
		step = max(1, last/ChartPoints)
	}
	out := Series{X: []int64{}, Y: map[string][]float64{}}
	for _, n := range names {
		out.Y[n] = []float64{}
	}
	rows, err := s.db.QueryContext(ctx, s.rebind(q), last-ChartWindow, step)
	if err != nil {
		return out, err
	}
	defer rows.Close()
	for rows.Next() {
		var h int64
		v := make([]float64, len(names))
		dest := []any{&h}
		for i := range v {
			dest = append(dest, &v[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return out, err
		}
		scale(v)
		out.X = append(out.X, h)
		for i, n := range names {
			out.Y[n] = append(out.Y[n], v[i])
		}
	}
	return out, rows.Err()
}

// Metagraph is a subnet's metagraph after its latest stored epoch.
type Metagraph struct {
	Netuid  uint16   `json:"netuid"`
	Block   int64    `json:"block"`
	Neurons []Neuron `json:"neurons"`
}

const neuronColumns = `uid, hotkey, coldkey, validator_permit, active, stake_weight, alpha_stake, consensus, incentive, dividends,
	validator_trust, emission, last_update, registered_at, axon`

func scanNeuron(sc interface{ Scan(...any) error }, extra ...any) (Neuron, error) {
	var n Neuron
	var permit, active int
	err := sc.Scan(append([]any{&n.UID, &n.Hotkey, &n.Coldkey, &permit, &active, &n.StakeWeight, &n.AlphaStake, &n.Consensus, &n.Incentive,
		&n.Dividends, &n.ValidatorTrust, &n.Emission, &n.LastUpdate, &n.RegisteredAt, &n.Axon}, extra...)...)
	n.ValidatorPermit, n.Active = permit != 0, active != 0
	return n, err
}

// LastEpoch is the block of the subnet's latest stored epoch (ErrNotFound if none).
func (s *DB) LastEpoch(ctx context.Context, netuid uint16) (int64, error) {
	var b sql.NullInt64
	if err := s.db.QueryRowContext(ctx, s.rebind(`SELECT MAX(block) FROM epochs WHERE netuid = ?`), netuid).Scan(&b); err != nil {
		return 0, err
	}
	if !b.Valid {
		return 0, fmt.Errorf("subnet %d has had no epoch yet: %w", netuid, ErrNotFound)
	}
	return b.Int64, nil
}

// Metagraph reads the subnet's metagraph at its latest stored epoch.
func (s *DB) Metagraph(ctx context.Context, netuid uint16) (Metagraph, error) {
	m := Metagraph{Netuid: netuid, Neurons: []Neuron{}}
	var err error
	if m.Block, err = s.LastEpoch(ctx, netuid); err != nil {
		return m, err
	}
	m.Neurons, err = s.neuronsAt(ctx, netuid, m.Block)
	return m, err
}

func (s *DB) neuronsAt(ctx context.Context, netuid uint16, block int64) ([]Neuron, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT `+neuronColumns+` FROM neurons WHERE netuid = ? AND block = ? ORDER BY uid`), netuid, block)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Neuron{}
	for rows.Next() {
		n, err := scanNeuron(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// Consensus is the consensus of every uid of the subnet at its last stored epoch before block
// (nil if none): what a weight copier would have seen.
func (s *DB) Consensus(ctx context.Context, netuid uint16, before int64) (map[uint16]uint32, error) {
	var b sql.NullInt64
	if err := s.db.QueryRowContext(ctx, s.rebind(`SELECT MAX(block) FROM epochs WHERE netuid = ? AND block < ?`), netuid, before).Scan(&b); err != nil || !b.Valid {
		return nil, err
	}
	neurons, err := s.neuronsAt(ctx, netuid, b.Int64)
	if err != nil {
		return nil, err
	}
	c := make(map[uint16]uint32, len(neurons))
	for _, n := range neurons {
		c[n.UID] = n.Consensus
	}
	return c, nil
}

// NeuronAt is a uid's row after one epoch.
type NeuronAt struct {
	Block int64 `json:"block"`
	Neuron
}

// UIDHistory is a uid's rows over the subnet's stored epochs, oldest first (at most limit, the
// latest ones).
func (s *DB) UIDHistory(ctx context.Context, netuid, uid uint16, limit int) ([]NeuronAt, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT `+neuronColumns+`, block FROM neurons WHERE netuid = ? AND uid = ?
		ORDER BY block DESC LIMIT ?`), netuid, uid, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []NeuronAt{}
	for rows.Next() {
		var a NeuronAt
		if a.Neuron, err = scanNeuron(rows, &a.Block); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("uid %d on subnet %d: %w", uid, netuid, ErrNotFound)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}

// FairnessAt is an epoch's fairness figures.
type FairnessAt struct {
	Block    int64      `json:"block"`
	Measures []Fairness `json:"measures"`
}

// FairnessPage is a subnet's fairness over its latest epochs (oldest first) and its validators'
// scores at the latest.
type FairnessPage struct {
	Netuid     uint16           `json:"netuid"`
	Block      int64            `json:"block"`
	History    []FairnessAt     `json:"history"`
	Validators []ValidatorScore `json:"validators"`
}

// Fairness reads the subnet's fairness panel over its last epochs (at most limit).
func (s *DB) Fairness(ctx context.Context, netuid uint16, limit int) (FairnessPage, error) {
	p := FairnessPage{Netuid: netuid, History: []FairnessAt{}, Validators: []ValidatorScore{}}
	var err error
	if p.Block, err = s.LastEpoch(ctx, netuid); err != nil {
		return p, err
	}
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT f.block, measure, entity, holders, gini, top1, nak51 FROM fairness f
		JOIN (SELECT block FROM epochs WHERE netuid = ? ORDER BY block DESC LIMIT ?) e ON f.block = e.block
		WHERE f.netuid = ? ORDER BY f.block, measure, entity`), netuid, limit, netuid)
	if err != nil {
		return p, err
	}
	defer rows.Close()
	for rows.Next() {
		var b int64
		var f Fairness
		if err := rows.Scan(&b, &f.Measure, &f.Entity, &f.Holders, &f.Gini, &f.Top1, &f.Nak51); err != nil {
			return p, err
		}
		if len(p.History) == 0 || p.History[len(p.History)-1].Block != b {
			p.History = append(p.History, FairnessAt{Block: b})
		}
		last := &p.History[len(p.History)-1]
		last.Measures = append(last.Measures, f)
	}
	if err := rows.Err(); err != nil {
		return p, err
	}
	vrows, err := s.db.QueryContext(ctx, s.rebind(`SELECT uid, hotkey, dividend_rate, copy_prev, copy_now FROM validator_epochs
		WHERE netuid = ? AND block = ? ORDER BY uid`), netuid, p.Block)
	if err != nil {
		return p, err
	}
	defer vrows.Close()
	for vrows.Next() {
		var v ValidatorScore
		var rate, prev, now sql.NullFloat64
		if err := vrows.Scan(&v.UID, &v.Hotkey, &rate, &prev, &now); err != nil {
			return p, err
		}
		v.DividendRate, v.CopyPrev, v.CopyNow = ptr(rate), ptr(prev), ptr(now)
		p.Validators = append(p.Validators, v)
	}
	return p, vrows.Err()
}

func ptr(f sql.NullFloat64) *float64 {
	if !f.Valid {
		return nil
	}
	return &f.Float64
}

// ValidatorRow is a validator on one subnet at the subnet's latest epoch.
type ValidatorRow struct {
	Netuid         uint16 `json:"netuid"`
	Block          int64  `json:"block"`
	UID            uint16 `json:"uid"`
	Hotkey         string `json:"hotkey"`
	Coldkey        string `json:"coldkey"`
	AlphaStake     uint64 `json:"alpha_stake"`
	Dividends      uint32 `json:"dividends"`
	ValidatorTrust uint32 `json:"validator_trust"`
	Emission       uint64 `json:"emission"`
	// Dominance is its share of the subnet's validator stake.
	Dominance float64 `json:"dominance"`
	// Take is the u16 share of its dividends its owner keeps, and Nominators the coldkeys holding
	// a stake record on its hotkey on this subnet (its owner's included); nil where not recorded
	// (epochs stored by an explorer before version 2 of the database).
	Take         *uint32  `json:"take"`
	Nominators   *int     `json:"nominators"`
	DividendRate *float64 `json:"dividend_rate"`
	CopyPrev     *float64 `json:"copy_prev"`
	// DailyReturn is the alpha its stakers earn a day per 1000 alpha staked, before its take:
	// the epoch's emission over its stake, times the epochs a day at the recent block time (nil
	// when unknown).
	DailyReturn *float64 `json:"return_per_1000_alpha_a_day"`
}

// Validators are the validators (Neuron.Role) at each subnet's latest epoch, the limit largest by
// stake: rows stored with the epoch, read largest first.
func (s *DB) Validators(ctx context.Context, limit int) ([]ValidatorRow, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT netuid, block, uid, hotkey, coldkey, alpha_stake, dividends, validator_trust,
		emission, dominance, take, nominators, dividend_rate, copy_prev FROM validator_epochs WHERE latest = 1
		ORDER BY alpha_stake DESC, netuid, uid LIMIT ?`), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []ValidatorRow{}
	for rows.Next() {
		var r ValidatorRow
		var take, nominators sql.NullInt64
		var rate, prev sql.NullFloat64
		if err := rows.Scan(&r.Netuid, &r.Block, &r.UID, &r.Hotkey, &r.Coldkey, &r.AlphaStake, &r.Dividends, &r.ValidatorTrust,
			&r.Emission, &r.Dominance, &take, &nominators, &rate, &prev); err != nil {
			return nil, err
		}
		if take.Valid {
			t := uint32(take.Int64)
			r.Take = &t
		}
		if nominators.Valid {
			n := int(nominators.Int64)
			r.Nominators = &n
		}
		r.DividendRate, r.CopyPrev = ptr(rate), ptr(prev)
		out = append(out, r)
	}
	return out, rows.Err()
}

func prefixed(p, columns string) string {
	parts := strings.Split(columns, ",")
	for i, c := range parts {
		parts[i] = p + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

// BlockRow is a block in the list of blocks.
type BlockRow struct {
	Height   int64     `json:"height"`
	Time     time.Time `json:"time"`
	Hash     string    `json:"hash"`
	Proposer string    `json:"proposer"`
	Txs      int       `json:"txs"`
}

// Blocks lists up to limit blocks at or below height, newest first.
func (s *DB) Blocks(ctx context.Context, below int64, limit int) ([]BlockRow, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT height, time_ms, hash, proposer, n_txs FROM blocks WHERE height <= ?
		ORDER BY height DESC LIMIT ?`), below, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []BlockRow{}
	for rows.Next() {
		var r BlockRow
		var ms int64
		if err := rows.Scan(&r.Height, &ms, &r.Hash, &r.Proposer, &r.Txs); err != nil {
			return nil, err
		}
		r.Time = time.UnixMilli(ms).UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}

// BlockPage is a block with its transactions and events.
type BlockPage struct {
	BlockRow
	Supply   Supply  `json:"supply"`
	Recycled uint64  `json:"recycled"`
	TxList   []Tx    `json:"tx_list"`
	Events   []Event `json:"events"`
	Epochs   []int   `json:"epochs"`
}

// Block reads one block.
func (s *DB) Block(ctx context.Context, height int64) (BlockPage, error) {
	var p BlockPage
	var ms int64
	sp := &p.Supply
	err := s.db.QueryRowContext(ctx, s.rebind(`SELECT height, time_ms, hash, proposer, n_txs, total_issuance, burned, recycled,
		block_emission, max_supply, halvings, next_halving_issuance, blocks_to_next_halving FROM blocks WHERE height = ?`), height).
		Scan(&p.Height, &ms, &p.Hash, &p.Proposer, &p.Txs, &sp.TotalIssuance, &sp.Burned, &p.Recycled, &sp.BlockEmission, &sp.MaxSupply,
			&sp.Halvings, &sp.NextHalvingIssuance, &sp.BlocksToNextHalving)
	if errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("block %d: %w", height, ErrNotFound)
	}
	if err != nil {
		return p, err
	}
	p.Time = time.UnixMilli(ms).UTC()
	if p.TxList, err = s.txs(ctx, `height = ?`, height); err != nil {
		return p, err
	}
	if p.Events, err = s.events(ctx, `SELECT height, idx, tx_hash, type, attrs FROM events WHERE height = ? ORDER BY idx`, height); err != nil {
		return p, err
	}
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT netuid FROM epochs WHERE block = ? ORDER BY netuid`), height)
	if err != nil {
		return p, err
	}
	defer rows.Close()
	p.Epochs = []int{}
	for rows.Next() {
		var n int
		if err := rows.Scan(&n); err != nil {
			return p, err
		}
		p.Epochs = append(p.Epochs, n)
	}
	return p, rows.Err()
}

func (s *DB) txs(ctx context.Context, where string, arg any) ([]Tx, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT hash, height, idx, code, gas_used, msgs, log FROM txs WHERE `+where+` ORDER BY height, idx`), arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Tx{}
	for rows.Next() {
		var t Tx
		var msgs string
		if err := rows.Scan(&t.Hash, &t.Height, &t.Index, &t.Code, &t.GasUsed, &msgs, &t.Log); err != nil {
			return nil, err
		}
		t.Msgs = strings.Split(msgs, ",")
		out = append(out, t)
	}
	return out, rows.Err()
}

func (s *DB) events(ctx context.Context, q string, args ...any) ([]Event, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind(q), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Event{}
	for rows.Next() {
		var e Event
		var attrs string
		if err := rows.Scan(&e.Height, &e.Index, &e.TxHash, &e.Type, &attrs); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(attrs), &e.Attrs); err != nil {
			return nil, fmt.Errorf("event %d/%d: %w", e.Height, e.Index, err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// TxPage is a transaction with its events.
type TxPage struct {
	Tx
	Events []Event `json:"events"`
}

// Tx reads one transaction by its hash (upper-case hex).
func (s *DB) Tx(ctx context.Context, hash string) (TxPage, error) {
	txs, err := s.txs(ctx, `hash = ?`, strings.ToUpper(hash))
	if err != nil {
		return TxPage{}, err
	}
	if len(txs) == 0 {
		return TxPage{}, fmt.Errorf("transaction %s: %w", hash, ErrNotFound)
	}
	p := TxPage{Tx: txs[0]}
	p.Events, err = s.events(ctx, `SELECT height, idx, tx_hash, type, attrs FROM events WHERE height = ? AND tx_hash = ? ORDER BY idx`, p.Height, p.Hash)
	return p, err
}

// AddressEvents are the latest events (at most limit, newest first) that name address.
func (s *DB) AddressEvents(ctx context.Context, address string, limit int) ([]Event, error) {
	return s.events(ctx, `SELECT e.height, e.idx, e.tx_hash, e.type, e.attrs FROM event_addresses a
		JOIN events e ON e.height = a.height AND e.idx = a.idx WHERE a.address = ? ORDER BY a.height DESC, a.idx DESC LIMIT ?`, address, limit)
}

// NeuronOn is a uid of one subnet at an epoch.
type NeuronOn struct {
	Netuid uint16 `json:"netuid"`
	Block  int64  `json:"block"`
	Neuron
}

// HotkeyNeurons are the uids the hotkey holds at each subnet's latest epoch.
func (s *DB) HotkeyNeurons(ctx context.Context, hotkey string) ([]NeuronOn, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT `+prefixed("n.", neuronColumns)+`, n.netuid, n.block
		FROM neurons n WHERE n.hotkey = ? AND n.block = (SELECT MAX(block) FROM epochs e WHERE e.netuid = n.netuid)
		ORDER BY n.netuid`), hotkey)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []NeuronOn{}
	for rows.Next() {
		var r NeuronOn
		var err error
		if r.Neuron, err = scanNeuron(rows, &r.Netuid, &r.Block); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Registrations are the subnet's latest registrations (at most limit), newest first.
func (s *DB) Registrations(ctx context.Context, netuid uint16, limit int) ([]Registration, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT netuid, height, idx, uid, hotkey, coldkey, burn, replaced_hotkey FROM registrations
		WHERE netuid = ? ORDER BY height DESC, idx DESC LIMIT ?`), netuid, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Registration{}
	for rows.Next() {
		var r Registration
		if err := rows.Scan(&r.Netuid, &r.Height, &r.Index, &r.UID, &r.Hotkey, &r.Coldkey, &r.Burn, &r.ReplacedHotkey); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// StakersTo are the coldkeys holding a stake record on hotkey (on any subnet) at the last stored
// block.
func (s *DB) StakersTo(ctx context.Context, hotkey string) ([]string, error) {
	return s.strings(ctx, `SELECT DISTINCT coldkey FROM stake_positions WHERE hotkey = ? AND until_block IS NULL ORDER BY coldkey`, hotkey)
}

// StakersOn are the coldkeys holding a stake record on the subnet at the last stored block.
func (s *DB) StakersOn(ctx context.Context, netuid uint16) ([]string, error) {
	return s.strings(ctx, `SELECT DISTINCT coldkey FROM stake_positions WHERE netuid = ? AND until_block IS NULL ORDER BY coldkey`, netuid)
}

// Holds says whether the coldkey holds a stake record on the hotkey and subnet at the last stored
// block.
func (s *DB) Holds(ctx context.Context, coldkey string, h StakeHolding) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, s.rebind(`SELECT COUNT(*) FROM stake_positions WHERE coldkey = ? AND hotkey = ? AND netuid = ?
		AND until_block IS NULL`), coldkey, h.Hotkey, h.Netuid).Scan(&n)
	return n > 0, err
}

func (s *DB) strings(ctx context.Context, q string, args ...any) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind(q), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
