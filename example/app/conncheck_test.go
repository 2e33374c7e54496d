package app

import (
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestClosedByPeer checks the socket peek the connection pools make before
// reusing a connection: an open, quiet connection passes; one the server
// closed or wrote to unasked does not; nothing is consumed.
func TestClosedByPeer(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" || runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skip("no socket peek on " + runtime.GOOS)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	dial := func() (client, server net.Conn) {
		t.Helper()
		client, err := net.Dial("tcp", ln.Addr().String())
		require.NoError(t, err)
		t.Cleanup(func() { client.Close() })
		server = <-accepted
		t.Cleanup(func() { server.Close() })
		return client, server
	}
	// settle gives the kernel a moment to deliver what the server did.
	settle := func(cond func() bool) bool {
		for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			if cond() {
				return true
			}
		}
		return false
	}

	client, _ := dial()
	assert.False(t, closedByPeer(client), "an open, quiet connection")
	assert.False(t, closedByPeer(client), "twice")

	client, server := dial()
	require.NoError(t, server.Close())
	assert.True(t, settle(func() bool { return closedByPeer(client) }), "the server closed it")

	client, server = dial()
	_, err = server.Write([]byte("E"))
	require.NoError(t, err)
	assert.True(t, settle(func() bool { return closedByPeer(client) }), "the server wrote unasked")
	buf := make([]byte, 1)
	require.NoError(t, client.SetReadDeadline(time.Now().Add(time.Second)))
	n, err := client.Read(buf)
	require.NoError(t, err)
	assert.Equal(t, "E", string(buf[:n]), "the peek consumed nothing")

	assert.False(t, closedByPeer(nil), "nothing to inspect counts as open")
}
