// Package pgtest starts a throwaway PostgreSQL server for a test, from the machine's own
// installation (Debian's postgresql package), installing it with apt-get where it is missing and
// the test runs as root. A test that cannot have one is skipped with the reason.
package pgtest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Start starts a server in a temporary folder, stopped when the test ends, and returns the DSN of
// its database.
func Start(t testing.TB) string {
	t.Helper()
	bin, err := binDir()
	if err != nil {
		t.Skipf("no PostgreSQL server here (%v); `apt-get install -y postgresql` runs this test", err)
	}
	dir, err := os.MkdirTemp("", "gotensor-pgtest-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	// PostgreSQL refuses to run as root: as root, the server runs as the postgres user.
	var as []string
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Skipf("running as root and there is no postgres user to run the server as: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		as = []string{"runuser", "-u", "postgres", "--"}
	}
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command(args[0], args[1:]...)
		if as != nil {
			cmd = exec.Command(as[0], append(as[1:], args...)...)
		}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	data := filepath.Join(dir, "data")
	run(filepath.Join(bin, "initdb"), "-D", data, "-U", "explorer", "--auth=trust", "--no-sync", "-E", "UTF8")
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	run(filepath.Join(bin, "pg_ctl"), "-D", data, "-l", filepath.Join(dir, "server.log"), "-w", "-o",
		fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off", port, dir), "start")
	t.Cleanup(func() { run(filepath.Join(bin, "pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop") })
	return fmt.Sprintf("postgres://explorer@127.0.0.1:%d/postgres?sslmode=disable", port)
}

// binDir finds the server's programs (Debian keeps them out of PATH, under
// /usr/lib/postgresql/VERSION/bin), installing the package where it can.
func binDir() (string, error) {
	find := func() (string, error) {
		if p, err := exec.LookPath("pg_ctl"); err == nil {
			if real, err := filepath.EvalSymlinks(p); err == nil {
				p = real
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(p), "initdb")); err == nil {
				return filepath.Dir(p), nil
			}
		}
		matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
		if len(matches) == 0 {
			return "", fmt.Errorf("pg_ctl not found")
		}
		return filepath.Dir(matches[len(matches)-1]), nil
	}
	dir, err := find()
	if err == nil || os.Geteuid() != 0 {
		return dir, err
	}
	install := exec.Command("sh", "-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql")
	if out, err := install.CombinedOutput(); err != nil {
		return "", fmt.Errorf("installing postgresql: %v: %s", err, lastLine(out))
	}
	return find()
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
