package neuron

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// stateFile keeps the validator's unrevealed commit on disk, for one hotkey on one subnet.
type stateFile struct {
	path   string
	hotkey string
	netuid uint16
}

const stateVersion = 1

type savedState struct {
	Version int            `json:"version"`
	Hotkey  string         `json:"hotkey"`
	Netuid  uint16         `json:"netuid"`
	Pending *PendingCommit `json:"pending"`
}

// load returns the saved commit, nil if there is none or no file yet. A file written for another
// hotkey or subnet is an error: its commit cannot be revealed here, and overwriting it would
// lose it for the validator it belongs to.
func (f *stateFile) load() (*PendingCommit, error) {
	b, err := os.ReadFile(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the state file: %w", err)
	}
	var s savedState
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("state file %s is not a validator's state: %w", f.path, err)
	}
	switch {
	case s.Version != stateVersion:
		return nil, fmt.Errorf("state file %s has version %d, want %d", f.path, s.Version, stateVersion)
	case !strings.EqualFold(s.Hotkey, f.hotkey) || s.Netuid != f.netuid:
		return nil, fmt.Errorf("state file %s belongs to hotkey %s on subnet %d, not %s on subnet %d: give each validator its own",
			f.path, s.Hotkey, s.Netuid, f.hotkey, f.netuid)
	}
	if p := s.Pending; p != nil {
		if !strings.EqualFold(p.Commit.Hotkey, f.hotkey) || p.Commit.Netuid != f.netuid || len(p.Commit.Salt) == 0 {
			return nil, fmt.Errorf("state file %s holds a commit that is not this validator's, or has no salt", f.path)
		}
		if err := p.Commit.Weights.Check(); err != nil {
			return nil, fmt.Errorf("state file %s: %w", f.path, err)
		}
	}
	return s.Pending, nil
}

// save writes the commit (nil: none) to a new file and renames it over the old, so that a crash
// leaves one or the other whole. The file holds a secret salt: only its owner reads it.
func (f *stateFile) save(p *PendingCommit) error {
	b, err := json.MarshalIndent(savedState{Version: stateVersion, Hotkey: f.hotkey, Netuid: f.netuid, Pending: p}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(f.path), 0o700); err != nil {
		return fmt.Errorf("state file: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(f.path), filepath.Base(f.path)+".*")
	if err != nil {
		return fmt.Errorf("state file: %w", err)
	}
	_, werr := tmp.Write(append(b, '\n'))
	serr := tmp.Sync()
	cerr := tmp.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("state file: writing %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), f.path); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("state file: %w", err)
	}
	return nil
}
