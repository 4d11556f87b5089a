// Package store is the explorer's history: per block the supply, every subnet's pool and prices,
// transactions and events; per epoch every uid's metagraph row, the subnet's fairness figures and
// each validator's scores. It writes through database/sql into SQLite (the default, pure Go) or
// PostgreSQL (a postgres:// DSN), one transaction per block, so a block is either wholly stored
// or not at all, and storing a block again replaces it: an indexer that is killed resumes from
// Height()+1 and never counts anything twice.
package store
