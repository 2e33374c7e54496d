package app

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Forwarded headers (X-Forwarded-For, X-Real-IP, X-Forwarded-Prefix,
// X-Forwarded-Host, X-Forwarded-Proto, Forwarded...) are written by a
// reverse proxy to tell the app about the client. From anyone else they are
// forgeries, and several readers honour them: Gin's c.ClientIP (the login
// throttles, ginlogin's session protection with UseClientIP) and Gin's
// trailing-slash redirect, which puts X-Forwarded-Prefix in front of the
// Location whatever the peer. So the app removes them from every request
// whose TCP peer is not in Config.TrustedProxies, before any handler or
// middleware runs: with TRUSTED_PROXIES empty (the default) no such header
// shapes any part of any response. Requests from a trusted proxy keep them.

// isForwardingHeader reports whether the header key is one a proxy sets to
// describe the client or the address it used.
func isForwardingHeader(key string) bool {
	key = http.CanonicalHeaderKey(key)
	return strings.HasPrefix(key, "X-Forwarded-") || key == "X-Real-Ip" || key == "Forwarded"
}

// parseTrustedPrefixes turns the checked TRUSTED_PROXIES entries (addresses
// and CIDR ranges) into prefixes. An entry that does not parse is left out,
// so it trusts nothing.
func parseTrustedPrefixes(entries []string) []netip.Prefix {
	var out []netip.Prefix
	for _, e := range entries {
		if p, err := netip.ParsePrefix(e); err == nil {
			out = append(out, p.Masked())
		} else if addr, err := netip.ParseAddr(e); err == nil {
			addr = addr.Unmap()
			out = append(out, netip.PrefixFrom(addr, addr.BitLen()))
		}
	}
	return out
}

// fromTrustedProxy reports whether the request's TCP peer is in trusted.
func fromTrustedProxy(r *http.Request, trusted []netip.Prefix) bool {
	if len(trusted) == 0 {
		return false
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	addr = addr.Unmap().WithZone("")
	for _, p := range trusted {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// forwardedOnlyFromProxies removes the forwarding headers of requests that
// do not come from a trusted proxy. The request is copied, not changed, when
// there is something to remove.
func forwardedOnlyFromProxies(trusted []netip.Prefix, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		forged := false
		for key := range r.Header {
			if isForwardingHeader(key) {
				forged = true
				break
			}
		}
		if forged && !fromTrustedProxy(r, trusted) {
			r = r.WithContext(r.Context())
			r.Header = r.Header.Clone()
			for key := range r.Header {
				if isForwardingHeader(key) {
					delete(r.Header, key)
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}
