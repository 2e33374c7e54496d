package ginlogin

import (
	"encoding/base64"
	"errors"
	"time"

	"github.com/gin-gonic/gin"
)

// currentUser loads the user once per request. Errors are not cached.
func (st *requestState) currentUser() (User, error) {
	if st.loaded {
		return st.user, nil
	}
	if st.loading {
		// A loader or hook asked for the user while it is being loaded.
		return nil, nil
	}
	st.loading = true
	u, err := st.load()
	st.loading = false
	if err != nil {
		st.pending = nil
		return nil, err
	}
	st.setUser(u)
	if st.m.cfg.Hooks.Accessed != nil {
		st.m.cfg.Hooks.Accessed(st.c)
	}
	st.firePending()
	return u, nil
}

// load follows Flask-Login's order: session, remember cookie, request
// loader. Nobody is a nil User.
func (st *requestState) load() (User, error) {
	m, c := st.m, st.c
	h, err := m.session(c)
	if err != nil {
		return nil, err
	}
	now := m.now()
	var user User
	if rec, ok := h.login(); ok {
		var stop bool
		user, stop, err = st.loadFromSession(h, rec, now)
		if err != nil || stop {
			return nil, err
		}
	}
	if user == nil && !st.rememberCleared {
		if value := st.rememberCookie(); value != "" {
			if user, err = st.loadFromRemember(h, value, now); err != nil {
				return nil, err
			}
		} else if st.hasRememberCookie() {
			st.clearRememberCookie() // empty, or too long to be one of ours
		}
	}
	if user == nil && m.cfg.RequestLoader != nil {
		if user, err = m.requestUser(c); err != nil {
			return nil, err
		}
		st.viaRequest = user != nil
		if user != nil && m.cfg.Hooks.LoadedFromRequest != nil {
			u := user
			st.pending = append(st.pending, func() { m.cfg.Hooks.LoadedFromRequest(c, u) })
		}
	}
	return user, nil
}

// loadFromSession checks the session's login: client identity, timeouts, the
// device record, the user, and the user's auth stamp. It returns user nil
// when the login is over (the session has then been cleaned), and stop when
// nobody may be logged in to the request (strong session protection).
func (st *requestState) loadFromSession(h sessionHandle, rec loginRecord, now time.Time) (user User, stop bool, err error) {
	m, c := st.m, st.c
	ctx := c.Request.Context()

	if m.cfg.SessionProtection != ProtectionOff && !m.sameClient(c, rec.Identifier) {
		st.queue(m.cfg.Hooks.SessionProtected)
		if m.cfg.SessionProtection == ProtectionStrong {
			return nil, true, st.endLogin(h, rec.Device, nil, true)
		}
		if rec.FreshAt != 0 {
			rec.FreshAt = 0
			h.setLogin(rec)
			if err := m.save(c, h); err != nil {
				return nil, false, err
			}
		}
	}

	loginAt, _ := unixTime(rec.LoginAt)
	seenAt, _ := unixTime(rec.SeenAt)
	switch {
	case m.cfg.AbsoluteTimeout != NoTimeout && now.Sub(loginAt) >= m.cfg.AbsoluteTimeout:
		return nil, false, st.endLogin(h, rec.Device, ErrAbsoluteTimeout, false)
	case m.cfg.IdleTimeout != NoTimeout && now.Sub(seenAt) >= m.cfg.IdleTimeout:
		return nil, false, st.endLogin(h, rec.Device, ErrIdleTimeout, false)
	}

	touch := now.Sub(seenAt) >= m.touchInterval()
	switch err := m.remember.checkSession(ctx, rec, now, touch); {
	case errors.Is(err, errTokenTheft):
		st.tokenTheft(rec.UserID)
		return nil, false, st.endLogin(h, rec.Device, ErrDeviceRevoked, true)
	case errors.Is(err, ErrDeviceRevoked):
		return nil, false, st.endLogin(h, rec.Device, ErrDeviceRevoked, false)
	case err != nil:
		return nil, false, err
	}

	if m.cfg.UserLoader == nil {
		return nil, false, nil
	}
	user, err = m.loadUser(ctx, rec.UserID)
	if err != nil {
		return nil, false, err
	}
	if user == nil || user.LoginID() != rec.UserID {
		return nil, false, st.endLogin(h, rec.Device, ErrDeviceRevoked, true)
	}
	if !m.stampMatches(user, rec.Stamp) {
		return nil, false, st.endLogin(h, rec.Device, ErrStampChanged, true)
	}
	if touch {
		rec.SeenAt = now.Unix()
		h.setLogin(rec)
		if err := m.save(c, h); err != nil {
			return nil, false, err
		}
	}
	if m.cfg.RememberCookie.RefreshEachRequest && !st.rememberCleared {
		if value := st.rememberCookie(); value != "" {
			if err := st.refreshRemember(rec, value, now); err != nil {
				return nil, false, err
			}
		}
	}
	return user, false, nil
}

// endLogin ends the session's login: the login record goes, the session gets
// a new ID, and with revoke the device record and remember cookie go too.
// Timeouts keep the remember token, so it can start a new session.
func (st *requestState) endLogin(h sessionHandle, device string, reason error, revoke bool) error {
	m, c := st.m, st.c
	var errs []error
	if revoke {
		errs = append(errs, m.remember.endDevice(c.Request.Context(), device))
		errs = append(errs, st.revokeRememberCookie())
	} else {
		errs = append(errs, m.remember.sessionEnded(c.Request.Context(), device))
	}
	if err := m.renew(c, h, keepNonLogin); err != nil {
		errs = append(errs, err)
	} else {
		errs = append(errs, m.save(c, h))
	}
	if reason != nil && m.cfg.Hooks.SessionEnded != nil {
		st.pending = append(st.pending, func() { m.cfg.Hooks.SessionEnded(c, reason) })
	}
	return errors.Join(errs...)
}

// touchInterval is how often a session's last use is recorded: once a
// minute, so an active session is not rewritten on every request, but often
// enough for a short IdleTimeout.
func (m *Manager) touchInterval() time.Duration {
	if m.cfg.IdleTimeout != NoTimeout && m.cfg.IdleTimeout/10 < touchInterval {
		return m.cfg.IdleTimeout / 10
	}
	return touchInterval
}

// queue runs hook after the user is set, if it is not nil.
func (st *requestState) queue(hook func(c *gin.Context)) {
	if hook != nil {
		c := st.c
		st.pending = append(st.pending, func() { hook(c) })
	}
}

// sameClient compares the session's identifier with the client's.
func (m *Manager) sameClient(c *gin.Context, stored string) bool {
	if stored == "" {
		return false
	}
	var buf [32]byte
	n, err := base64.RawURLEncoding.Decode(buf[:], []byte(stored))
	if err != nil || n != protectionIdentifierMACLength {
		return false
	}
	ip, ua := m.clientAddress(c), c.Request.UserAgent()
	return m.identifierKeys.verify(buf[:n], ip, ua)
}

// identifier is the client fingerprint stored at login: an HMAC (so the
// session does not reveal the address) of the peer address and User-Agent.
func (m *Manager) identifier(c *gin.Context) string {
	var buf [32]byte
	mac := m.identifierKeys.sign(buf[:0], m.clientAddress(c), c.Request.UserAgent())
	return base64.RawURLEncoding.EncodeToString(mac[:protectionIdentifierMACLength])
}

func (m *Manager) clientAddress(c *gin.Context) string {
	if m.cfg.UseClientIP {
		return c.ClientIP()
	}
	return c.RemoteIP()
}

// stampMAC binds a login to the user's AuthStamp; nil when the user has none.
func (m *Manager) stampMAC(u User) []byte {
	s, ok := u.(AuthStamper)
	if !ok {
		return nil
	}
	return m.stampKeys.sign(nil, u.LoginID(), s.AuthStamp())[:authStampMACLength]
}

// stampMatches checks a stored stamp MAC (base64) against the user's stamp.
// Users without an AuthStamp always match.
func (m *Manager) stampMatches(u User, stored string) bool {
	s, ok := u.(AuthStamper)
	if !ok {
		return true
	}
	var buf [32]byte
	n, err := base64.RawURLEncoding.Decode(buf[:], []byte(stored))
	if err != nil || n != authStampMACLength {
		return false
	}
	return m.stampKeys.verify(buf[:n], u.LoginID(), s.AuthStamp())
}

// stampMACMatches is stampMatches for a raw MAC kept with a remember token.
func (m *Manager) stampMACMatches(u User, mac []byte) bool {
	s, ok := u.(AuthStamper)
	if !ok {
		return true
	}
	return len(mac) == authStampMACLength && m.stampKeys.verify(mac, u.LoginID(), s.AuthStamp())
}

func encodeMAC(mac []byte) string {
	if mac == nil {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString(mac)
}
