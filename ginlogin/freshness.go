package ginlogin

import (
	"strconv"
)

// freshEnough reports whether the request's login is fresh for a
// FreshLoginRequired guard with options o: the password was entered within
// o.freshWithin (Config.FreshFor when unset), or, with FreshGrace, a
// request passed such a guard freshly less than the grace ago. A fresh pass
// with a grace records the grace's end in the session.
func (st *requestState) freshEnough(o guardOptions) bool {
	l, err := loggedIn(st.c)
	if err != nil {
		return false
	}
	m := l.st.m
	now := m.now()
	window := o.freshWithin
	if window == 0 {
		window = m.cfg.FreshFor
	}
	fresh := freshWithin(l.rec, window, now)
	if o.freshGrace == 0 {
		return fresh
	}
	graceUntil, _ := strconv.ParseInt(l.h.str(keyGrace), 36, 64)
	if !fresh {
		return now.Unix() < graceUntil
	}
	if until := now.Add(o.freshGrace).Unix(); until > graceUntil {
		l.h.s.Set(keyGrace, strconv.FormatInt(until, 36))
		if err := m.save(st.c, l.h); err != nil {
			m.cfg.Logger.Warn("ginlogin: could not save the freshness grace", "err", err)
		}
	}
	return true
}
