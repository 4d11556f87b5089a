package testnet

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{
		"512MiB": 512 << 20, "1GiB": 1 << 30, "64 KiB": 64 << 10, "300MB": 300e6, "2GB": 2e9, "4096": 4096, "10B": 10,
	} {
		got, err := ParseSize(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "MiB", "-1MiB", "1.5GiB", "12 apples", "9999999999GiB"} {
		_, err := ParseSize(bad)
		require.ErrorContains(t, err, "is not a size", bad)
	}
}

// A data folder moves onto a tmpfs with its contents, a filler fills the tmpfs until another
// writer meets ENOSPC and keeps it full, freeing gives the space back, and unmounting copies the
// data (not the filler) back to disk. Where no tmpfs may be mounted, the reason names the
// capability.
func TestDataOnTmpfs(t *testing.T) {
	home := t.TempDir()
	data := dataDir(home)
	require.NoError(t, os.MkdirAll(filepath.Join(data, "blockstore.db"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(data, "blockstore.db", "000001.log"), []byte("blocks"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(data, "priv_validator_state.json"), []byte(`{"height":"7"}`), 0o600))

	if why := CanMountTmpfs(); why != nil {
		require.ErrorContains(t, why, "mount tmpfs")
		if errors.Is(why, syscall.EPERM) {
			require.ErrorContains(t, why, "needs root or CAP_SYS_ADMIN")
		}
		require.ErrorContains(t, mountData(home, MinDiskLimit), "mount tmpfs")
		got, err := os.ReadFile(filepath.Join(data, "priv_validator_state.json"))
		require.NoError(t, err, "a failed mount leaves the data where it was")
		require.Equal(t, `{"height":"7"}`, string(got))
		t.Skipf("no tmpfs here: %v", why)
	}
	require.NoError(t, mountData(home, 4<<20))
	t.Cleanup(func() { _ = syscall.Unmount(data, syscall.MNT_DETACH) })
	require.True(t, isMountPoint(data))
	require.NoError(t, mountData(home, 4<<20), "a mounted folder is kept")
	got, err := os.ReadFile(filepath.Join(data, "blockstore.db", "000001.log"))
	require.NoError(t, err)
	require.Equal(t, "blocks", string(got))
	var fs syscall.Statfs_t
	require.NoError(t, syscall.Statfs(data, &fs))
	require.Equal(t, int64(4<<20), int64(fs.Blocks)*fs.Bsize, "the tmpfs has the size asked for")

	fl, err := startFiller(data)
	require.NoError(t, err)
	require.Greater(t, fl.written, int64(3<<20))
	err = os.WriteFile(filepath.Join(data, "cs.wal"), make([]byte, 8192), 0o644)
	require.ErrorIs(t, err, syscall.ENOSPC, "a node's write fails while the disk is full")
	written, err := fl.free()
	require.NoError(t, err)
	require.GreaterOrEqual(t, written, fl.written)
	require.NoError(t, os.WriteFile(filepath.Join(data, "cs.wal"), make([]byte, 8192), 0o644), "room again once freed")

	require.NoError(t, os.WriteFile(filepath.Join(data, "priv_validator_state.json"), []byte(`{"height":"9"}`), 0o600))
	require.NoError(t, unmountData(home))
	require.False(t, isMountPoint(data))
	got, err = os.ReadFile(filepath.Join(data, "priv_validator_state.json"))
	require.NoError(t, err)
	require.Equal(t, `{"height":"9"}`, string(got), "what the node wrote on the tmpfs is back on disk")
	_, err = os.Stat(filepath.Join(data, fillerName))
	require.ErrorIs(t, err, os.ErrNotExist)
	entries, err := os.ReadDir(home)
	require.NoError(t, err)
	require.Len(t, entries, 1, "no copies left beside the data folder: %v", entries)
}

func TestScanLog(t *testing.T) {
	log := filepath.Join(t.TempDir(), "node.log")
	before := "ERR old trouble: no space left on device\n"
	after := strings.Join([]string{
		"INF committed state height=40",
		"ERR failed writing to WAL err=\"write data/cs.wal/wal: no space left on device\"",
		"\x1b[90m11:10PM\x1b[0m \x1b[31mERR\x1b[0m \x1b[1mCONSENSUS FAILURE!!!\x1b[0m err=\"failed to write msg to consensus WAL: no space left on device\" stack=\"goroutine 129 [running]:\\n\"",
		"panic: later",
	}, "\n")
	require.NoError(t, os.WriteFile(log, []byte(before+after), 0o644))
	failure, noSpace := scanLog(log, int64(len(before)))
	require.Equal(t, 2, noSpace, "only the lines after the offset count")
	require.Equal(t, `11:10PM ERR CONSENSUS FAILURE!!! err="failed to write msg to consensus WAL: no space left on device"`, failure, "without the colours")
}
