package store

// schema is written once in the SQL both engines speak; rebind turns its ? into PostgreSQL's $n.
// Amounts are rao (or alpha rao) in BIGINT; shares are the chain's u16 proportions; prices and
// emission shares are kept both as the chain's decimal text and as a double for sorting and charts.
var schema = []string{
	`CREATE TABLE IF NOT EXISTS blocks (
		height BIGINT PRIMARY KEY,
		time_ms BIGINT NOT NULL,
		hash TEXT NOT NULL,
		proposer TEXT NOT NULL,
		n_txs INTEGER NOT NULL,
		total_issuance BIGINT NOT NULL,
		burned BIGINT NOT NULL,
		recycled BIGINT NOT NULL,
		block_emission BIGINT NOT NULL,
		max_supply BIGINT NOT NULL,
		halvings INTEGER NOT NULL,
		next_halving_issuance BIGINT NOT NULL,
		blocks_to_next_halving BIGINT NOT NULL,
		recycled_total BIGINT NOT NULL DEFAULT 0
	)`,
	`CREATE TABLE IF NOT EXISTS subnet_blocks (
		netuid INTEGER NOT NULL,
		height BIGINT NOT NULL,
		name TEXT NOT NULL,
		symbol TEXT NOT NULL,
		owner TEXT NOT NULL,
		owner_hotkey TEXT NOT NULL,
		tempo INTEGER NOT NULL,
		n INTEGER NOT NULL,
		max_n INTEGER NOT NULL,
		burn BIGINT NOT NULL,
		price TEXT NOT NULL,
		price_f DOUBLE PRECISION NOT NULL,
		tao_reserve BIGINT NOT NULL,
		alpha_in BIGINT NOT NULL,
		alpha_out BIGINT NOT NULL,
		emission_share TEXT NOT NULL,
		emission_share_f DOUBLE PRECISION NOT NULL,
		started INTEGER NOT NULL,
		last_epoch_block BIGINT NOT NULL,
		PRIMARY KEY (netuid, height)
	)`,
	`CREATE INDEX IF NOT EXISTS subnet_blocks_height ON subnet_blocks (height)`,
	`CREATE TABLE IF NOT EXISTS neurons (
		netuid INTEGER NOT NULL,
		block BIGINT NOT NULL,
		uid INTEGER NOT NULL,
		hotkey TEXT NOT NULL,
		coldkey TEXT NOT NULL,
		validator_permit INTEGER NOT NULL,
		active INTEGER NOT NULL,
		stake_weight INTEGER NOT NULL,
		alpha_stake BIGINT NOT NULL,
		consensus INTEGER NOT NULL,
		incentive INTEGER NOT NULL,
		dividends INTEGER NOT NULL,
		validator_trust INTEGER NOT NULL,
		emission BIGINT NOT NULL,
		last_update BIGINT NOT NULL,
		registered_at BIGINT NOT NULL,
		axon TEXT NOT NULL,
		PRIMARY KEY (netuid, block, uid)
	)`,
	`CREATE INDEX IF NOT EXISTS neurons_uid ON neurons (netuid, uid, block)`,
	`CREATE INDEX IF NOT EXISTS neurons_hotkey ON neurons (hotkey)`,
	`CREATE TABLE IF NOT EXISTS epochs (
		netuid INTEGER NOT NULL,
		block BIGINT NOT NULL,
		PRIMARY KEY (netuid, block)
	)`,
	`CREATE INDEX IF NOT EXISTS epochs_block ON epochs (block)`,
	`CREATE TABLE IF NOT EXISTS fairness (
		netuid INTEGER NOT NULL,
		block BIGINT NOT NULL,
		measure TEXT NOT NULL,
		entity TEXT NOT NULL,
		holders INTEGER NOT NULL,
		gini DOUBLE PRECISION NOT NULL,
		top1 DOUBLE PRECISION NOT NULL,
		nak51 INTEGER NOT NULL,
		PRIMARY KEY (netuid, block, measure, entity)
	)`,
	`CREATE TABLE IF NOT EXISTS validator_epochs (
		netuid INTEGER NOT NULL,
		block BIGINT NOT NULL,
		uid INTEGER NOT NULL,
		hotkey TEXT NOT NULL,
		dividend_rate DOUBLE PRECISION,
		copy_prev DOUBLE PRECISION,
		copy_now DOUBLE PRECISION,
		coldkey TEXT NOT NULL DEFAULT '',
		alpha_stake BIGINT NOT NULL DEFAULT 0,
		dominance DOUBLE PRECISION NOT NULL DEFAULT 0,
		dividends INTEGER NOT NULL DEFAULT 0,
		validator_trust INTEGER NOT NULL DEFAULT 0,
		emission BIGINT NOT NULL DEFAULT 0,
		take INTEGER,
		nominators INTEGER,
		latest INTEGER NOT NULL DEFAULT 0,
		PRIMARY KEY (netuid, block, uid)
	)`,
	// The validators page reads the rows of each subnet's latest epoch, largest stake first.
	`CREATE INDEX IF NOT EXISTS validator_epochs_latest ON validator_epochs (alpha_stake) WHERE latest = 1`,
	// A stake record (coldkey, hotkey, subnet) held from block since_block until block until_block (NULL:
	// still held), as the node's stakes query said at those blocks: the nominators of a hotkey at
	// any stored block.
	`CREATE TABLE IF NOT EXISTS stake_positions (
		coldkey TEXT NOT NULL,
		hotkey TEXT NOT NULL,
		netuid INTEGER NOT NULL,
		since_block BIGINT NOT NULL,
		until_block BIGINT,
		PRIMARY KEY (coldkey, hotkey, netuid, since_block)
	)`,
	`CREATE INDEX IF NOT EXISTS stake_positions_hotkey ON stake_positions (netuid, hotkey)`,
	`CREATE INDEX IF NOT EXISTS stake_positions_by_hotkey ON stake_positions (hotkey)`,
	`CREATE TABLE IF NOT EXISTS txs (
		hash TEXT PRIMARY KEY,
		height BIGINT NOT NULL,
		idx INTEGER NOT NULL,
		code INTEGER NOT NULL,
		gas_used BIGINT NOT NULL,
		msgs TEXT NOT NULL,
		log TEXT NOT NULL
	)`,
	`CREATE INDEX IF NOT EXISTS txs_height ON txs (height)`,
	`CREATE TABLE IF NOT EXISTS events (
		height BIGINT NOT NULL,
		idx INTEGER NOT NULL,
		tx_hash TEXT NOT NULL,
		type TEXT NOT NULL,
		attrs TEXT NOT NULL,
		PRIMARY KEY (height, idx)
	)`,
	`CREATE TABLE IF NOT EXISTS event_addresses (
		address TEXT NOT NULL,
		height BIGINT NOT NULL,
		idx INTEGER NOT NULL,
		PRIMARY KEY (address, height, idx)
	)`,
	`CREATE INDEX IF NOT EXISTS event_addresses_height ON event_addresses (height)`,
	`CREATE TABLE IF NOT EXISTS registrations (
		netuid INTEGER NOT NULL,
		height BIGINT NOT NULL,
		idx INTEGER NOT NULL,
		uid INTEGER NOT NULL,
		hotkey TEXT NOT NULL,
		coldkey TEXT NOT NULL,
		burn BIGINT NOT NULL,
		replaced_hotkey TEXT NOT NULL,
		PRIMARY KEY (netuid, height, idx)
	)`,
	`CREATE INDEX IF NOT EXISTS registrations_height ON registrations (height)`,
}

// schemaVersion is the version schema describes. Version 1 (before stored validator rows, take,
// nominators and the running recycled total) is migrated on Open by migrateFrom1.
const schemaVersion = 2

// migrateFrom1 brings a version-1 database to version 2 in place: the new columns, filled from what
// the database holds (the running sum of recycled TAO; each validator's stake, figures and
// dominance from its epoch's metagraph; which epoch is each subnet's latest). Take and nominators
// were not recorded: the epochs stored before the migration show none.
var migrateFrom1 = []string{
	`ALTER TABLE blocks ADD COLUMN recycled_total BIGINT NOT NULL DEFAULT 0`,
	`ALTER TABLE validator_epochs ADD COLUMN coldkey TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE validator_epochs ADD COLUMN alpha_stake BIGINT NOT NULL DEFAULT 0`,
	`ALTER TABLE validator_epochs ADD COLUMN dominance DOUBLE PRECISION NOT NULL DEFAULT 0`,
	`ALTER TABLE validator_epochs ADD COLUMN dividends INTEGER NOT NULL DEFAULT 0`,
	`ALTER TABLE validator_epochs ADD COLUMN validator_trust INTEGER NOT NULL DEFAULT 0`,
	`ALTER TABLE validator_epochs ADD COLUMN emission BIGINT NOT NULL DEFAULT 0`,
	`ALTER TABLE validator_epochs ADD COLUMN take INTEGER`,
	`ALTER TABLE validator_epochs ADD COLUMN nominators INTEGER`,
	`ALTER TABLE validator_epochs ADD COLUMN latest INTEGER NOT NULL DEFAULT 0`,
	`UPDATE blocks SET recycled_total = t.total
		FROM (SELECT height, SUM(recycled) OVER (ORDER BY height) AS total FROM blocks) t WHERE blocks.height = t.height`,
	`UPDATE validator_epochs SET coldkey = n.coldkey, alpha_stake = n.alpha_stake, dividends = n.dividends,
		validator_trust = n.validator_trust, emission = n.emission
		FROM neurons n WHERE n.netuid = validator_epochs.netuid AND n.block = validator_epochs.block AND n.uid = validator_epochs.uid`,
	`UPDATE validator_epochs SET dominance = CAST(validator_epochs.alpha_stake AS DOUBLE PRECISION) / CAST(t.total AS DOUBLE PRECISION)
		FROM (SELECT netuid, block, SUM(alpha_stake) AS total FROM validator_epochs GROUP BY netuid, block) t
		WHERE t.netuid = validator_epochs.netuid AND t.block = validator_epochs.block AND t.total > 0`,
	`UPDATE validator_epochs SET latest = 1
		FROM (SELECT netuid, MAX(block) AS block FROM epochs GROUP BY netuid) e
		WHERE e.netuid = validator_epochs.netuid AND e.block = validator_epochs.block`,
}

// perBlock are the tables a block's Save replaces, with the column that holds its height.
var perBlock = []struct{ table, column string }{
	{"blocks", "height"}, {"subnet_blocks", "height"}, {"neurons", "block"}, {"epochs", "block"},
	{"fairness", "block"}, {"validator_epochs", "block"}, {"txs", "height"}, {"events", "height"},
	{"event_addresses", "height"}, {"registrations", "height"},
}
