// Package pgtest starts throwaway PostgreSQL servers for tests, from the
// binaries of Debian's postgresql package. Each server lives in a test's
// temporary directory, listens on a free loopback port (and a unix socket in
// that directory), trusts every local connection and is stopped when the
// test ends.
package pgtest

import (
	"errors"
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

// BinDir is where Debian installs the PostgreSQL 15 server binaries.
const BinDir = "/usr/lib/postgresql/15/bin"

// RequireEnv is the environment variable that, set to "require", turns a
// missing PostgreSQL into a test failure instead of a skip.
const RequireEnv = "SLIPWAY_TEST_POSTGRES"

// runUser is the system user the server runs as when the test runs as root
// (PostgreSQL refuses to run as root).
const runUser = "slipway-pgtest"

// server is one throwaway cluster.
type server struct {
	dir     string // temporary directory holding data/, the log and the socket
	port    int
	asUser  string // "" to run as the current user
	logFile string
}

// Start starts a PostgreSQL server for the test and returns the DSN of its
// "postgres" database as superuser "postgres" (no password, TLS off). The
// server is stopped when the test ends. Without PostgreSQL installed the test
// is skipped, or fails when SLIPWAY_TEST_POSTGRES=require.
func Start(t testing.TB) (dsn string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(BinDir, "postgres")); err != nil {
		msg := fmt.Sprintf("pgtest: PostgreSQL 15 server not found in %s (apt-get install postgresql-15): %v", BinDir, err)
		if os.Getenv(RequireEnv) == "require" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	s := &server{dir: t.TempDir()}
	s.logFile = filepath.Join(s.dir, "postgres.log")
	if os.Geteuid() == 0 {
		if err := ensureUser(); err != nil {
			t.Fatalf("pgtest: %v", err)
		}
		if err := s.handOver(); err != nil {
			t.Fatalf("pgtest: %v", err)
		}
		s.asUser = runUser
	}
	if err := s.initdb(); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	if err := s.start(); err != nil {
		t.Fatalf("pgtest: %v\n%s", err, s.logTail())
	}
	t.Cleanup(func() {
		if out, err := s.run("pg_ctl", "stop", "-D", s.data(), "-m", "immediate", "-w"); err != nil {
			t.Errorf("pgtest: stop: %v\n%s", err, out)
		}
	})
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", s.port)
}

func (s *server) data() string { return filepath.Join(s.dir, "data") }

// ensureUser creates the system user the server runs as, once per machine.
func ensureUser() error {
	if _, err := user.Lookup(runUser); err == nil {
		return nil
	}
	out, err := exec.Command("useradd", "--system", "--no-create-home",
		"--shell", "/usr/sbin/nologin", runUser).CombinedOutput()
	if _, lookupErr := user.Lookup(runUser); lookupErr == nil {
		return nil // created now, or by a test running beside this one
	}
	return fmt.Errorf("create user %s: %v: %s", runUser, err, out)
}

// handOver gives the temporary directory to the server's user and lets that
// user traverse the test's private parent directory.
func (s *server) handOver() error {
	u, err := user.Lookup(runUser)
	if err != nil {
		return err
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(s.dir, uid, gid); err != nil {
		return err
	}
	parent := filepath.Dir(s.dir)
	if err := os.Chmod(parent, 0o711); err != nil {
		return fmt.Errorf("open %s for traversal: %w", parent, err)
	}
	return nil
}

// initdb creates the server's data directory as a copy of a template
// cluster, made once per machine and user: copying takes a fraction of the
// seconds initdb takes.
func (s *server) initdb() error {
	tmpl, err := s.template()
	if err != nil {
		return err
	}
	if out, err := exec.Command("cp", "-a", filepath.Join(tmpl, "data"), s.data()).CombinedOutput(); err != nil {
		return fmt.Errorf("copy template cluster %s: %v: %s", tmpl, err, out)
	}
	return nil
}

// template returns the directory holding the template cluster in data/,
// creating it when missing. It is built aside and renamed into place, so a
// test running beside this one never sees it half made.
func (s *server) template() (string, error) {
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("slipway-pgtest-template-15-uid%d", os.Geteuid()))
	if _, err := os.Stat(filepath.Join(dir, "data", "PG_VERSION")); err == nil {
		return dir, nil
	}
	tmp, err := os.MkdirTemp(os.TempDir(), "slipway-pgtest-template-")
	if err != nil {
		return "", fmt.Errorf("template cluster: %w", err)
	}
	if err := s.chownToServer(tmp); err != nil {
		return "", errors.Join(fmt.Errorf("template cluster: %w", err), os.RemoveAll(tmp))
	}
	out, err := s.run("initdb", "-D", filepath.Join(tmp, "data"), "-U", "postgres", "--auth=trust",
		"--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions")
	if err != nil {
		return "", errors.Join(fmt.Errorf("initdb: %v\n%s", err, out), os.RemoveAll(tmp))
	}
	if err := os.Rename(tmp, dir); err != nil {
		// Another test made it first (or a broken one is in the way: then
		// the copy fails and names it).
		return dir, os.RemoveAll(tmp)
	}
	return dir, nil
}

// start picks a free port and starts the server, retrying when another
// process took the port in between.
func (s *server) start() error {
	var err error
	for range 3 {
		if s.port, err = freePort(); err != nil {
			return err
		}
		if err = s.writeConf(); err != nil {
			return err
		}
		var out []byte
		out, err = s.run("pg_ctl", "start", "-D", s.data(), "-l", s.logFile, "-w", "-t", "60")
		if err == nil {
			return nil
		}
		err = fmt.Errorf("pg_ctl start: %v\n%s", err, out)
	}
	return err
}

// writeConf writes the settings of a fast, loopback-only, throwaway server.
func (s *server) writeConf() error {
	socketDir := s.dir
	if len(socketDir) > 80 { // unix socket paths are limited to ~107 bytes
		socketDir = ""
	}
	conf := fmt.Sprintf(`
listen_addresses = '127.0.0.1'
port = %d
unix_socket_directories = '%s'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
`, s.port, socketDir)
	path := filepath.Join(s.data(), "postgresql.auto.conf")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		return err
	}
	return s.chownToServer(path)
}

func (s *server) chownToServer(path string) error {
	if s.asUser == "" {
		return nil
	}
	u, err := user.Lookup(s.asUser)
	if err != nil {
		return err
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return os.Chown(path, uid, gid)
}

// run runs a PostgreSQL binary, as the server's user when the test is root.
func (s *server) run(name string, args ...string) ([]byte, error) {
	bin := filepath.Join(BinDir, name)
	cmd := exec.Command(bin, args...)
	if s.asUser != "" {
		cmd = exec.Command("runuser", append([]string{"-u", s.asUser, "--", bin}, args...)...)
	}
	cmd.Dir = s.dir
	return cmd.CombinedOutput()
}

func (s *server) logTail() string {
	b, err := os.ReadFile(s.logFile)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(lines[max(0, len(lines)-20):], "\n")
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
