package ginlogin

import (
	"net/http"

	"github.com/gin-contrib/sessions"
	gsessions "github.com/gorilla/sessions"
)

// requestSession is the session Middleware installs: gin-contrib/sessions'
// Session interface over the store's gorilla session, as sessions.Sessions
// installs it, plus the Manager. Keeping both under one gin.Context key
// spares every request a second c.Set, which costs as much as the rest of
// the middleware. Handlers reach it with sessions.Default(c) as usual.
type requestSession struct {
	m       *Manager
	req     *http.Request
	w       http.ResponseWriter
	gs      *gsessions.Session
	loadErr error
	loaded  bool
	written bool
}

var _ sessions.Session = (*requestSession)(nil)

// session loads the gorilla session on first use. A load error (a cookie
// that does not decode, a store outage) is kept for Manager.session to
// classify; the session is then the empty one the store returned.
func (s *requestSession) session() *gsessions.Session {
	if !s.loaded {
		s.gs, s.loadErr = s.m.store.Get(s.req, s.m.cfg.SessionCookie.Name)
		s.loaded = true
	}
	return s.gs
}

// ID implements sessions.Session.
func (s *requestSession) ID() string { return s.session().ID }

// Get implements sessions.Session.
func (s *requestSession) Get(key any) any { return s.session().Values[key] }

// Set implements sessions.Session.
func (s *requestSession) Set(key, val any) {
	s.session().Values[key] = val
	s.written = true
}

// Delete implements sessions.Session.
func (s *requestSession) Delete(key any) {
	delete(s.session().Values, key)
	s.written = true
}

// Clear implements sessions.Session.
func (s *requestSession) Clear() {
	for key := range s.session().Values {
		s.Delete(key)
	}
}

// AddFlash implements sessions.Session.
func (s *requestSession) AddFlash(value any, vars ...string) {
	s.session().AddFlash(value, vars...)
	s.written = true
}

// Flashes implements sessions.Session.
func (s *requestSession) Flashes(vars ...string) []any {
	s.written = true
	return s.session().Flashes(vars...)
}

// Options implements sessions.Session.
func (s *requestSession) Options(options sessions.Options) {
	s.written = true
	s.session().Options = options.ToGorillaOptions()
}

// Save implements sessions.Session: it writes the session (and its cookie)
// only when it was changed.
func (s *requestSession) Save() error {
	if !s.written {
		return nil
	}
	if err := s.session().Save(s.req, s.w); err != nil {
		return err
	}
	s.written = false
	return nil
}
