package testnet

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// A testnet started with a disk limit keeps each original node's data folder (CometBFT's block
// store, state and WAL, the application's store and snapshots, the validator's last-sign state)
// on a tmpfs of that size, so that a disk-full fault can fill it for real: the node's writes then
// fail with ENOSPC. The homes themselves (config, keys, node.log) stay on disk. A tmpfs's
// contents vanish when it is unmounted, so the supervisor copies each data folder back to disk
// when the testnet stops, and a later start mounts a fresh tmpfs and copies it in again.

// MinDiskLimit is the smallest disk limit: room for a node's first snapshots and compactions.
const MinDiskLimit = 64 << 20

// dataDir is a node's data folder.
func dataDir(home string) string { return filepath.Join(home, "data") }

// ParseSize reads a size in bytes: a number with an optional unit, KiB, MiB, GiB (powers of
// 1024) or KB, MB, GB (powers of 1000), e.g. 512MiB.
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("%q is not a size: a whole number of bytes with an optional unit (KiB, MiB, GiB, KB, MB, GB), e.g. 512MiB", s)
	}
	return n * mult, nil
}

// mountError says why a tmpfs could not be mounted, naming what it needs when the cause is
// permission.
func mountError(err error) error {
	if errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EACCES) {
		return fmt.Errorf("mount tmpfs: %w (needs root or CAP_SYS_ADMIN)", err)
	}
	return fmt.Errorf("mount tmpfs: %w", err)
}

// CanMountTmpfs says whether this process may mount a tmpfs (nil), or why not: it mounts a
// 1 MiB one in a temporary folder and unmounts it.
func CanMountTmpfs() error {
	dir, err := os.MkdirTemp("", "gotensor-tmpfs-probe-")
	if err != nil {
		return err
	}
	defer os.Remove(dir)
	if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_NOSUID|syscall.MS_NODEV, "size=1m"); err != nil {
		return mountError(err)
	}
	return syscall.Unmount(dir, 0)
}

// isMountPoint says whether dir is a mount point of this process's mount namespace.
func isMountPoint(dir string) bool {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return false
	}
	abs = filepath.Clean(abs)
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// The fifth field is the mount point, with spaces and such escaped as \040 etc.
		fields := strings.Fields(sc.Text())
		if len(fields) >= 5 && unescapeMountinfo(fields[4]) == abs {
			return true
		}
	}
	return false
}

func unescapeMountinfo(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// mountData puts home's data folder on a tmpfs of size bytes, with its contents. A data folder
// that is still mounted (a supervisor that was killed) is kept as it is; one whose copy back to
// disk was interrupted is finished first.
func mountData(home string, size int64) error {
	data := dataDir(home)
	saved, aside := data+".saved", data+".disk"
	if err := finishSave(home); err != nil {
		return err
	}
	if isMountPoint(data) {
		return nil
	}
	if _, err := os.Stat(aside); err == nil { // an interrupted mount: the data is there
		if err := os.RemoveAll(data); err != nil {
			return err
		}
	} else if err := os.Rename(data, aside); err != nil {
		return err
	}
	_ = os.RemoveAll(saved)
	if err := os.Mkdir(data, 0o755); err != nil {
		return err
	}
	if err := syscall.Mount("tmpfs", data, "tmpfs", syscall.MS_NOSUID|syscall.MS_NODEV, fmt.Sprintf("size=%d,mode=0755", size)); err != nil {
		_ = os.Remove(data)
		_ = os.Rename(aside, data)
		return mountError(err)
	}
	if err := copyTree(aside, data); err != nil {
		_ = syscall.Unmount(data, 0)
		_ = os.Remove(data)
		_ = os.Rename(aside, data)
		return fmt.Errorf("copying %s onto its tmpfs: %w", data, err)
	}
	return os.RemoveAll(aside)
}

// unmountData copies home's data folder from its tmpfs back to disk and unmounts the tmpfs; the
// node must be stopped. A folder that is not mounted is left as it is.
func unmountData(home string) error {
	data := dataDir(home)
	if !isMountPoint(data) {
		return finishSave(home)
	}
	saved := data + ".saved"
	_ = os.RemoveAll(saved)
	if err := copyTree(data, saved); err != nil {
		_ = os.RemoveAll(saved)
		return fmt.Errorf("copying %s back to disk (it stays mounted): %w", data, err)
	}
	if err := os.Remove(filepath.Join(saved, fillerName)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	var err error
	for range 20 {
		if err = syscall.Unmount(data, 0); !errors.Is(err, syscall.EBUSY) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if errors.Is(err, syscall.EBUSY) { // a process still holds a file: detach now, free later
		err = syscall.Unmount(data, syscall.MNT_DETACH)
	}
	if err != nil {
		return fmt.Errorf("unmounting %s: %w", data, err)
	}
	return finishSave(home)
}

// finishSave replaces an unmounted data folder with the copy saved from its tmpfs, if any.
func finishSave(home string) error {
	data := dataDir(home)
	saved := data + ".saved"
	if _, err := os.Stat(saved); err != nil || isMountPoint(data) {
		return nil
	}
	if err := os.RemoveAll(data); err != nil {
		return err
	}
	return os.Rename(saved, data)
}

// copyTree copies the files and folders under from to to (which may exist), keeping modes.
func copyTree(from, to string) error {
	return filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(from, path)
		if err != nil {
			return err
		}
		dst := filepath.Join(to, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.MkdirAll(dst, info.Mode().Perm())
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(target, dst)
		case d.Type().IsRegular():
			return copyFile(path, dst, info.Mode().Perm())
		default:
			return nil // sockets and such: nothing a node keeps in its data folder
		}
	})
}

func copyFile(from, to string, mode fs.FileMode) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// fillerName is the file a disk-full fault fills a data folder's tmpfs with.
const fillerName = "chaos-disk-full"

// filler keeps a tmpfs full: it writes until the writes fail with ENOSPC, then keeps writing
// whatever space the node frees (a compaction, a pruned snapshot) until stopped.
type filler struct {
	f       *os.File
	mu      sync.Mutex
	written int64
	stop    chan struct{}
	done    chan struct{}
}

// startFiller fills dir's file system and keeps it full.
func startFiller(dir string) (*filler, error) {
	f, err := os.OpenFile(filepath.Join(dir, fillerName), os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, err
	}
	fl := &filler{f: f, stop: make(chan struct{}), done: make(chan struct{})}
	if err := fl.top(); err != nil {
		f.Close()
		_ = os.Remove(f.Name())
		return nil, err
	}
	go func() {
		defer close(fl.done)
		for {
			select {
			case <-fl.stop:
				return
			case <-time.After(50 * time.Millisecond):
				_ = fl.top()
			}
		}
	}()
	return fl, nil
}

// top writes until the file system has no room left; an error other than ENOSPC is returned.
func (fl *filler) top() error {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	chunk := make([]byte, 1<<20)
	for len(chunk) >= 4096 {
		n, err := fl.f.Write(chunk)
		fl.written += int64(n)
		switch {
		case errors.Is(err, syscall.ENOSPC):
			chunk = chunk[:len(chunk)/16] // the last pages, down to one
		case err != nil:
			return err
		}
	}
	return nil
}

// free stops filling and deletes the file; it returns how many bytes it had written.
func (fl *filler) free() (int64, error) {
	close(fl.stop)
	<-fl.done
	fl.mu.Lock()
	defer fl.mu.Unlock()
	err := errors.Join(fl.f.Close(), os.Remove(fl.f.Name()))
	return fl.written, err
}
