// Package tftp benchmarks Slipway's TFTP server against tftpd-hpa from the
// same run: 50 parallel atftp clients each fetch a 10 MB file at blksize
// 1468 over loopback. Target: Slipway's throughput ≥ tftpd-hpa's.
package tftp

import (
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"github.com/slipway-dev/slipway/internal/tftp"
)

const (
	clients  = 50
	fileSize = 10 << 20
	blksize  = "1468"
)

func BenchmarkTFTP50x10MB(b *testing.B) {
	for _, tool := range []string{"atftp", "in.tftpd"} {
		if _, err := exec.LookPath(tool); err != nil {
			b.Skipf("%s not installed (Debian packages atftp, tftpd-hpa; make deps)", tool)
		}
	}
	root := b.TempDir()
	require.NoError(b, os.Chmod(root, 0o755))
	data := make([]byte, fileSize)
	_, _ = rand.Read(data)
	require.NoError(b, os.WriteFile(filepath.Join(root, "big"), data, 0o644))

	ours := fetchAll(b, startSlipway(b, root))
	peer := fetchAll(b, startTFTPDHPA(b, root))
	mb := float64(clients*fileSize) / 1e6
	fmt.Printf("\n%-44s %10s %10s\n", fmt.Sprintf("TFTP: %d clients × 10 MB, blksize %s", clients, blksize), "wall", "MB/s")
	fmt.Printf("%-44s %10s %10.1f\n", "slipway (pin/tftp v3.2.0)", ours.Round(time.Millisecond), mb/ours.Seconds())
	fmt.Printf("%-44s %10s %10.1f\n", "tftpd-hpa (in.tftpd -L -s)", peer.Round(time.Millisecond), mb/peer.Seconds())
	fmt.Printf("%-44s %21.2f   (target ≥ 1.0)\n", "ratio slipway / tftpd-hpa", peer.Seconds()/ours.Seconds())
}

// fetchAll runs the parallel atftp clients against port and returns the
// wall time until the last one finished.
func fetchAll(b *testing.B, port int) time.Duration {
	dir := b.TempDir()
	var g errgroup.Group
	start := time.Now()
	for i := range clients {
		g.Go(func() error {
			local := filepath.Join(dir, strconv.Itoa(i))
			out, err := exec.Command("atftp", "--option", "blksize "+blksize, "--option", "tsize",
				"-g", "-r", "big", "-l", local, "127.0.0.1", strconv.Itoa(port)).CombinedOutput()
			if err != nil {
				return fmt.Errorf("atftp %d: %w: %s", i, err, out)
			}
			if fi, err := os.Stat(local); err != nil || fi.Size() != fileSize {
				return fmt.Errorf("atftp %d: incomplete file (%v)", i, err)
			}
			return os.Remove(local)
		})
	}
	require.NoError(b, g.Wait())
	return time.Since(start)
}

func startSlipway(b *testing.B, root string) int {
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	require.NoError(b, err)
	s, err := tftp.New(tftp.Config{Root: root, MaxTransfers: clients}, tftp.Deps{Conn: conn})
	require.NoError(b, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	b.Cleanup(func() { cancel(); <-done })
	return conn.LocalAddr().(*net.UDPAddr).Port
}

// startTFTPDHPA runs in.tftpd in the foreground on a free loopback port and
// kills it (by its PID) when the benchmark ends.
func startTFTPDHPA(b *testing.B, root string) int {
	port := freeUDPPort(b)
	cmd := exec.Command("in.tftpd", "-L", "-u", "root", "-s", root, "-a", "127.0.0.1:"+strconv.Itoa(port))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	require.NoError(b, cmd.Start())
	b.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	waitTFTP(b, port)
	return port
}

func freeUDPPort(b *testing.B) int {
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	require.NoError(b, err)
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// waitTFTP polls until the server on port answers a request.
func waitTFTP(b *testing.B, port int) {
	require.Eventually(b, func() bool {
		out, err := exec.Command("atftp", "-g", "-r", "missing", "-l", os.DevNull, "127.0.0.1", strconv.Itoa(port)).CombinedOutput()
		return err != nil && len(out) > 0 && !strings.Contains(string(out), "timeout")
	}, 10*time.Second, 50*time.Millisecond)
}
