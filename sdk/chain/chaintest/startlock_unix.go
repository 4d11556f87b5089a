//go:build unix

package chaintest

import (
	"os"
	"path/filepath"
	"syscall"
)

// lockStart holds a lock shared by every test process on the machine while a network picks
// and binds its ports. The SDK's network picks its P2P port by listening on port 0 and closing
// it, and binds it later; two test packages starting networks at once were handed the same port
// and one failed with "address already in use".
func lockStart() (unlock func(), err error) {
	f, err := os.OpenFile(filepath.Join(os.TempDir(), "gotensor-chaintest.lock"), os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		_ = f.Close()
		return nil, err
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		_ = f.Close()
	}, nil
}
