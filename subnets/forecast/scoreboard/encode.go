package scoreboard

import (
	"encoding/json"
	"fmt"
	"slices"
)

const encodingVersion = 2

type encoded struct {
	Version int            `json:"version"`
	Config  Config         `json:"config"`
	Miners  []encodedEntry `json:"miners"`
}

type encodedEntry struct {
	UID uint16 `json:"uid"`
	entry
}

// Encode returns the board as JSON, miners sorted by uid, so that a
// validator can save it and resume after a restart without losing what it
// learned.
func (b *Board) Encode() ([]byte, error) {
	b.mu.Lock()
	e := encoded{Version: encodingVersion, Config: b.cfg, Miners: make([]encodedEntry, 0, len(b.miners))}
	for uid, m := range b.miners {
		e.Miners = append(e.Miners, encodedEntry{UID: uid, entry: *m})
	}
	b.mu.Unlock()
	slices.SortFunc(e.Miners, func(a, b encodedEntry) int { return int(a.UID) - int(b.UID) })
	return json.Marshal(e)
}

// Decode restores a board saved by Encode, checking every field.
func Decode(data []byte) (*Board, error) {
	var e encoded
	if err := json.Unmarshal(data, &e); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if e.Version != encodingVersion {
		return nil, fmt.Errorf("%w: encoding version %d, want %d", ErrInvalid, e.Version, encodingVersion)
	}
	b, err := New(e.Config)
	if err != nil {
		return nil, err
	}
	for _, m := range e.Miners {
		ok := m.Hotkey != "" && m.Count >= 0 && m.Answered >= 0 && m.Answered <= m.Count &&
			finite(m.EMA) && inUnit(m.Mass) && (m.Count > 0 || m.Mass == 0) && finite(m.Sum)
		if !ok {
			return nil, fmt.Errorf("%w: miner uid %d: inconsistent record %+v", ErrInvalid, m.UID, m.entry)
		}
		if _, dup := b.miners[m.UID]; dup {
			return nil, fmt.Errorf("%w: uid %d listed twice", ErrInvalid, m.UID)
		}
		entry := m.entry
		b.miners[m.UID] = &entry
	}
	return b, nil
}

func inUnit(v float64) bool { return v >= 0 && v <= 1 }
