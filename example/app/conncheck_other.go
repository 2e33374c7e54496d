//go:build !unix

package app

import "net"

// closedByPeer cannot peek at a socket on this platform: it reports every
// connection as open, and the pools rely on their PING after an idle
// second alone.
func closedByPeer(net.Conn) bool { return false }
