package netns_test

import (
	"bufio"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/test/netns"
)

// TestForward reaches an echo server that listens only inside a namespace
// through the forwarder on the test process's loopback; stop closes the
// connections still open.
func TestForward(t *testing.T) {
	lab := netns.New(t)
	srv := lab.Host("srv")
	var l net.Listener
	require.NoError(t, srv.Do(func() (err error) {
		l, err = net.Listen("tcp", "127.0.0.1:7777")
		return err
	}))
	t.Cleanup(func() { _ = l.Close() })
	go echo(l)
	_, err := net.DialTimeout("tcp", "127.0.0.1:7777", time.Second)
	require.Error(t, err, "the server is not on the test process's loopback")

	addr, stop, err := srv.Forward("127.0.0.1:0", "127.0.0.1:7777")
	require.NoError(t, err)
	t.Cleanup(stop)
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.SetDeadline(time.Now().Add(10*time.Second)))
	r := bufio.NewReader(c)
	for _, msg := range []string{"hello", "again"} {
		_, err = c.Write([]byte(msg + "\n"))
		require.NoError(t, err)
		got, err := r.ReadString('\n')
		require.NoError(t, err)
		assert.Equal(t, "echo "+msg+"\n", got)
	}

	stop()
	_, err = r.ReadString('\n')
	require.Error(t, err)
	var ne net.Error
	if errors.As(err, &ne) {
		assert.False(t, ne.Timeout(), "stop closed the connection (no deadline reached)")
	}
}

// echo answers each line of each connection with "echo <line>".
func echo(l net.Listener) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			r := bufio.NewReader(c)
			for {
				line, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if _, err := c.Write([]byte("echo " + line)); err != nil {
					return
				}
			}
		}()
	}
}
