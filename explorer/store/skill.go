package store

import (
	"context"
	"database/sql"
	"fmt"
)

// The published skill of a subnet's validators (the forecasting subnet's standings, package
// subnets/forecast/standings), read at each epoch: per epoch the correlation of the pooled skill
// with incentive, per validator what it answered, and per validator and miner the figures it
// published. Readings are written by SaveSkill apart from the blocks: they are what the
// validators answered when the epoch was indexed, which storing the block again cannot ask anew.
var skillSchema = []string{
	`CREATE TABLE IF NOT EXISTS skill_epochs (
		netuid INTEGER NOT NULL,
		block BIGINT NOT NULL,
		spearman DOUBLE PRECISION,
		miners INTEGER NOT NULL,
		publishers INTEGER NOT NULL,
		PRIMARY KEY (netuid, block)
	)`,
	`CREATE TABLE IF NOT EXISTS skill_readings (
		netuid INTEGER NOT NULL,
		block BIGINT NOT NULL,
		uid INTEGER NOT NULL,
		hotkey TEXT NOT NULL,
		status TEXT NOT NULL,
		detail TEXT NOT NULL,
		standings_block BIGINT NOT NULL,
		rounds INTEGER NOT NULL,
		PRIMARY KEY (netuid, block, uid)
	)`,
	`CREATE TABLE IF NOT EXISTS skill_standings (
		netuid INTEGER NOT NULL,
		block BIGINT NOT NULL,
		validator_uid INTEGER NOT NULL,
		uid INTEGER NOT NULL,
		hotkey TEXT NOT NULL,
		skill DOUBLE PRECISION NOT NULL,
		score DOUBLE PRECISION NOT NULL,
		challenges INTEGER NOT NULL,
		answered INTEGER NOT NULL,
		PRIMARY KEY (netuid, block, validator_uid, uid)
	)`,
}

// The skill tables are created with the others on every Open (they are new tables, so a
// database of any schema version gains them as it is).
func init() { schema = append(schema, skillSchema...) }

// What a validator's reading came to.
const (
	// SkillPublished: signed standings that verified.
	SkillPublished = "published"
	// SkillNotPublished: the validator announces no standings endpoint.
	SkillNotPublished = "not_published"
	// SkillUnreachable: no answer in time, or an HTTP error.
	SkillUnreachable = "unreachable"
	// SkillInvalid: an answer that did not verify (signature, hotkey, subnet) or made no sense.
	SkillInvalid = "invalid"
)

// SkillEpoch is the published skill of a subnet at an epoch: the Spearman correlation between
// the miners' skill pooled over the validators that published (each miner's average over every
// challenge any of them scored) and the epoch's incentive, over Miners miners (nil where it is
// undefined), and each validator's reading.
type SkillEpoch struct {
	Netuid     uint16         `json:"netuid"`
	Block      int64          `json:"block"`
	Spearman   *float64       `json:"spearman"`
	Miners     int            `json:"miners"`
	Publishers int            `json:"publishers"`
	Readings   []SkillReading `json:"readings"`
}

// SkillReading is what one validator answered: Status (SkillPublished, …) with the reason when it
// is not published, and what it published: the block its standings were taken at, its scored
// rounds, and each miner's figures.
type SkillReading struct {
	UID            uint16       `json:"uid"`
	Hotkey         string       `json:"hotkey"`
	Status         string       `json:"status"`
	Detail         string       `json:"detail,omitempty"`
	StandingsBlock int64        `json:"standings_block"`
	Rounds         int          `json:"rounds"`
	Miners         []MinerSkill `json:"miners"`
}

// MinerSkill is one miner's record as a validator published it: skill is its average improvement
// over the reference forecast, score the moving average weights are made of.
type MinerSkill struct {
	UID        uint16  `json:"uid"`
	Hotkey     string  `json:"hotkey"`
	Skill      float64 `json:"skill"`
	Score      float64 `json:"score"`
	Challenges int     `json:"challenges"`
	Answered   int     `json:"answered"`
}

// SaveSkill stores an epoch's readings in one transaction, replacing any stored for the epoch.
func (s *DB) SaveSkill(ctx context.Context, e SkillEpoch) (err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("explorer store: skill of subnet %d at %d: %w", e.Netuid, e.Block, err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
			err = fmt.Errorf("explorer store: skill of subnet %d at %d: %w", e.Netuid, e.Block, err)
		}
	}()
	for _, table := range []string{"skill_epochs", "skill_readings", "skill_standings"} {
		if _, err = tx.ExecContext(ctx, s.rebind(`DELETE FROM `+table+` WHERE netuid = ? AND block = ?`), e.Netuid, e.Block); err != nil {
			return err
		}
	}
	w := newBatch()
	w.add("skill_epochs", e.Netuid, e.Block, nullable(e.Spearman), e.Miners, e.Publishers)
	for _, r := range e.Readings {
		w.add("skill_readings", e.Netuid, e.Block, r.UID, r.Hotkey, r.Status, r.Detail, r.StandingsBlock, r.Rounds)
		for _, m := range r.Miners {
			w.add("skill_standings", e.Netuid, e.Block, r.UID, m.UID, m.Hotkey, m.Skill, m.Score, m.Challenges, m.Answered)
		}
	}
	if err = s.flush(ctx, tx, w); err != nil {
		return err
	}
	return tx.Commit()
}

// HasSkill says whether readings are stored for the subnet's epoch at block.
func (s *DB) HasSkill(ctx context.Context, netuid uint16, block int64) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, s.rebind(`SELECT COUNT(*) FROM skill_epochs WHERE netuid = ? AND block = ?`), netuid, block).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("explorer store: skill of subnet %d at %d: %w", netuid, block, err)
	}
	return n > 0, nil
}

// SkillPoint is an epoch of the correlation's history.
type SkillPoint struct {
	Block      int64    `json:"block"`
	Spearman   *float64 `json:"spearman"`
	Miners     int      `json:"miners"`
	Publishers int      `json:"publishers"`
}

// SkillHistory is a subnet's published skill: the correlation over its last epochs with
// readings, oldest first, and the latest of them whole (nil when none was read).
type SkillHistory struct {
	History []SkillPoint `json:"history"`
	Latest  *SkillEpoch  `json:"latest"`
}

// Skill reads the subnet's published skill over its last limit epochs with readings.
func (s *DB) Skill(ctx context.Context, netuid uint16, limit int) (SkillHistory, error) {
	h := SkillHistory{History: []SkillPoint{}}
	fail := func(err error) (SkillHistory, error) {
		return h, fmt.Errorf("explorer store: skill of subnet %d: %w", netuid, err)
	}
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT block, spearman, miners, publishers FROM skill_epochs
		WHERE netuid = ? ORDER BY block DESC LIMIT ?`), netuid, limit)
	if err != nil {
		return fail(err)
	}
	defer rows.Close()
	for rows.Next() {
		var p SkillPoint
		var rho sql.NullFloat64
		if err := rows.Scan(&p.Block, &rho, &p.Miners, &p.Publishers); err != nil {
			return fail(err)
		}
		p.Spearman = ptr(rho)
		h.History = append(h.History, p)
	}
	if err := rows.Err(); err != nil {
		return fail(err)
	}
	if len(h.History) == 0 {
		return h, nil
	}
	for i, j := 0, len(h.History)-1; i < j; i, j = i+1, j-1 {
		h.History[i], h.History[j] = h.History[j], h.History[i]
	}
	p := h.History[len(h.History)-1]
	latest := &SkillEpoch{Netuid: netuid, Block: p.Block, Spearman: p.Spearman, Miners: p.Miners, Publishers: p.Publishers, Readings: []SkillReading{}}
	rrows, err := s.db.QueryContext(ctx, s.rebind(`SELECT uid, hotkey, status, detail, standings_block, rounds FROM skill_readings
		WHERE netuid = ? AND block = ? ORDER BY uid`), netuid, p.Block)
	if err != nil {
		return fail(err)
	}
	defer rrows.Close()
	at := map[uint16]int{}
	for rrows.Next() {
		r := SkillReading{Miners: []MinerSkill{}}
		if err := rrows.Scan(&r.UID, &r.Hotkey, &r.Status, &r.Detail, &r.StandingsBlock, &r.Rounds); err != nil {
			return fail(err)
		}
		at[r.UID] = len(latest.Readings)
		latest.Readings = append(latest.Readings, r)
	}
	if err := rrows.Err(); err != nil {
		return fail(err)
	}
	mrows, err := s.db.QueryContext(ctx, s.rebind(`SELECT validator_uid, uid, hotkey, skill, score, challenges, answered FROM skill_standings
		WHERE netuid = ? AND block = ? ORDER BY validator_uid, uid`), netuid, p.Block)
	if err != nil {
		return fail(err)
	}
	defer mrows.Close()
	for mrows.Next() {
		var v uint16
		var m MinerSkill
		if err := mrows.Scan(&v, &m.UID, &m.Hotkey, &m.Skill, &m.Score, &m.Challenges, &m.Answered); err != nil {
			return fail(err)
		}
		if i, ok := at[v]; ok {
			latest.Readings[i].Miners = append(latest.Readings[i].Miners, m)
		}
	}
	if err := mrows.Err(); err != nil {
		return fail(err)
	}
	h.Latest = latest
	return h, nil
}
