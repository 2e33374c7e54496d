package app

import (
	"fmt"
	"net/netip"
)

// AddressKey returns the throttle key of a client address (as
// gin.Context.ClientIP gives it): an IPv4 address as it is, an IPv6
// address as its network of prefix bits ("2001:db8:1:2::/64"), since one
// client usually holds a whole /64 and could otherwise take a fresh bucket
// per interface ID. An IPv4-mapped IPv6 address (::ffff:192.0.2.1) is the
// IPv4 address. A string that is not an address is returned as it is.
func AddressKey(addr string, prefix int) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is4() {
		return ip.String()
	}
	p, err := ip.Prefix(prefix)
	if err != nil { // prefix was checked at start-up
		return ip.String()
	}
	return p.String()
}

// checkIPv6Prefix refuses prefix lengths that would lump a whole provider
// together (shorter than /32) or are not IPv6 prefix lengths.
func checkIPv6Prefix(n int) error {
	if n < 32 || n > 128 {
		return fmt.Errorf("%d is not an IPv6 prefix length from 32 to 128 (default 64, the network a client usually holds)", n)
	}
	return nil
}
