//go:build unix

package app

import (
	"net"
	"syscall"
)

// closedByPeer reports whether the server end of an idle pooled connection
// has gone away (a restarted Redis or PostgreSQL closed it) or has written
// to it unasked (PostgreSQL's "terminating connection" notice), without a
// round trip: it peeks at the socket without waiting and without consuming
// anything, the check go-sql-driver/mysql and go-redis make before they
// reuse a connection. TLS connections are unwrapped to their socket. A
// connection it cannot inspect counts as open; one whose socket cannot be
// read counts as closed.
func closedByPeer(nc net.Conn) bool {
	for {
		inner, ok := nc.(interface{ NetConn() net.Conn })
		if !ok {
			break
		}
		nc = inner.NetConn()
	}
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return false
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return true
	}
	// Control, not Read: Read waits for the descriptor's read lock, which
	// a driver's background reader (pgx has one) may hold for as long as
	// the connection is idle, and the check would then never return.
	closed := false
	err = raw.Control(func(fd uintptr) {
		var buf [1]byte
		_, _, err := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		switch {
		case err == syscall.EAGAIN || err == syscall.EWOULDBLOCK:
			closed = false
		case err != nil:
			closed = true
		default: // n == 0 is the end of the stream; n > 0 a message nobody asked for
			closed = true
		}
	})
	return err != nil || closed
}
