package ginlogin

import (
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"time"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
	"github.com/gorilla/securecookie"
	gsessions "github.com/gorilla/sessions"
)

// Session keys the library owns. They carry an underscore prefix, as
// Flask-Login's do, and hold only strings, so no gob registration is ever
// needed and any store serializer (gob or JSON) works.
const (
	keyLogin   = "_login"   // the login record (see loginRecord)
	keyNext    = "_next"    // page to return to (NextInSession)
	keyFlashes = "_flashes" // pending flash messages
	keyGrace   = "_grace"   // freshness grace: until when, Unix seconds, base 36
)

// isLoginKey reports whether k describes who is logged in: such values never
// survive a login, a logout or a timeout.
func isLoginKey(k any) bool {
	s, ok := k.(string)
	return ok && (s == keyLogin || s == keyPending || s == keyGrace)
}

// sessionHandle is the request's session as both gin-contrib sees it (for
// values and Save) and as gorilla keeps it (for the ID, to renew it).
type sessionHandle struct {
	s  sessions.Session
	gs *gsessions.Session
}

// session returns the request's session. A cookie that does not decode
// (tampered, expired, signed with an unknown key) gives an empty session; any
// other failure of the store is returned, wrapped with ErrStoreUnavailable when
// it is an outage (see IsUnavailable) and as an internal error otherwise.
func (m *Manager) session(c *gin.Context) (sessionHandle, error) {
	v, ok := c.Get(sessions.DefaultKey)
	if !ok {
		return sessionHandle{}, ErrNoMiddleware
	}
	var (
		s   sessions.Session
		gs  *gsessions.Session
		err error
	)
	switch rs := v.(type) {
	case *requestSession:
		// The session Middleware installed is bound to the request as it
		// was when Middleware ran, so it stays the same object whatever
		// later middleware or handlers put in c.Request.
		s = rs
		gs, err = rs.session(), rs.loadErr
	case gorillaBacked:
		// gin-contrib's own sessions.Sessions ran first: use the gorilla
		// session it holds (bound to its request), and ask the store once
		// more only to learn whether loading it failed, which gin-contrib
		// logs and drops. Both reads go through gorilla's per-request
		// registry, so the second is free when the request was not copied.
		s, gs = rs, rs.Session()
		_, err = m.store.Get(c.Request, m.cfg.SessionCookie.Name)
	default:
		return sessionHandle{}, fmt.Errorf("ginlogin: %q in the gin.Context is a %T, not the session of ginlogin.Middleware or sessions.Sessions", sessions.DefaultKey, v)
	}
	if err != nil {
		var decodeErr securecookie.Error
		if errors.As(err, &decodeErr) && decodeErr.IsDecode() || m.sessionCookieTooLong(c) {
			err = nil
		} else {
			return sessionHandle{}, wrapOnce("session store", err)
		}
	}
	if gs == nil {
		return sessionHandle{}, errors.New("ginlogin: session store returned no session")
	}
	// Whatever reads the session (the user, flashes, next) makes the
	// response depend on the cookie.
	if st, err := stateOf(c); err == nil {
		st.markUserDependent()
	}
	return sessionHandle{s: s, gs: gs}, nil
}

// gorillaBacked is gin-contrib/sessions' own session, which exposes the
// gorilla session it loaded for the request it was created with.
type gorillaBacked interface {
	sessions.Session
	Session() *gsessions.Session
}

// sessionCookieTooLong reports whether the request's session cookie is
// longer than securecookie decodes (4096 bytes): securecookie reports that
// with a plain error rather than a decode error, and such a cookie was
// never one of ours.
func (m *Manager) sessionCookieTooLong(c *gin.Context) bool {
	ck, err := c.Request.Cookie(m.cfg.SessionCookie.Name)
	return err == nil && len(ck.Value) > 4096
}

func (h sessionHandle) str(key string) string {
	v, _ := h.s.Get(key).(string)
	return v
}

// renew gives the browser a new session, keeping only the values keep
// accepts. On server-side stores (Redis, memstore, databases) the old record
// is deleted and a new ID is issued when the session is saved; on the cookie
// store the new contents replace the old cookie. This is the session-fixation
// defence gin-contrib/sessions lacks.
func (m *Manager) renew(c *gin.Context, h sessionHandle, keep func(key any) bool) error {
	kept := make(map[any]any, len(h.gs.Values))
	for k, v := range h.gs.Values {
		if keep != nil && keep(k) {
			kept[k] = v
		}
	}
	if h.gs.ID != "" {
		opts := *h.gs.Options
		expired := opts
		expired.MaxAge = -1
		h.gs.Options = &expired
		// Most stores delete the server-side record when saved with a
		// negative MaxAge. The deletion cookie goes nowhere: the response gets
		// the new session's cookie instead.
		err := h.gs.Store().Save(c.Request, discardWriter{}, h.gs)
		h.gs.Options = &opts
		if err != nil {
			return wrapOnce("deleting the old session", err)
		}
		h.gs.ID = ""
	}
	h.gs.IsNew = true
	for k := range h.gs.Values {
		delete(h.gs.Values, k)
	}
	for k, v := range kept {
		h.gs.Values[k] = v
	}
	markWritten(h)
	return nil
}

// markWritten makes gin-contrib's Save store the session: it only saves
// sessions changed through its own methods, and deleting a key that does not
// exist is the one change that changes nothing.
func markWritten(h sessionHandle) { h.s.Delete("_ginlogin_unused") }

// keepNonLogin keeps the application's own values and the library's
// non-login values (flashes, next).
func keepNonLogin(k any) bool { return !isLoginKey(k) }

// keepAll keeps every value: used to change the session ID only.
func keepAll(any) bool { return true }

// save stores the session, so that its cookie is set before the response is
// written. When one request saves twice (a timeout followed by a remember
// restore), only the last session cookie is kept in the response.
func (m *Manager) save(c *gin.Context, h sessionHandle) error {
	name := m.cfg.SessionCookie.Name
	hadCookie := hasSetCookie(c.Writer.Header(), name)
	err := h.s.Save()
	// A session too large for its store (a cookie over 4 KB, a Redis value
	// over redistore's limit) sheds the library's optional values, oldest
	// flash first, then the page kept for after the login, rather than
	// failing the request.
	for err != nil && !IsUnavailable(err) && shedOptional(h) {
		err = h.s.Save()
	}
	if err != nil {
		return wrapOnce("saving the session", err)
	}
	if hadCookie {
		keepLastSetCookie(c.Writer.Header(), name)
	}
	return nil
}

// shedOptional drops the oldest flash message, or else the page kept for
// after the login. It reports false when there is neither.
func shedOptional(h sessionHandle) bool {
	if flashes, ok := h.gs.Values[keyFlashes].([]any); ok && len(flashes) > 1 {
		h.s.Set(keyFlashes, flashes[1:])
		return true
	}
	if _, ok := h.gs.Values[keyFlashes]; ok {
		h.s.Delete(keyFlashes)
		return true
	}
	if _, ok := h.gs.Values[keyNext]; ok {
		h.s.Delete(keyNext)
		return true
	}
	return false
}

// discardWriter swallows the cookie of a deleted session.
type discardWriter struct{}

func (discardWriter) Header() http.Header         { return http.Header{} }
func (discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (discardWriter) WriteHeader(int)             {}

// applyStoreOptions sets every session cookie attribute at once (a partial
// sessions.Options would zero the rest, and a zero MaxAge makes the Redis
// store delete sessions) and makes the store's codecs refuse cookies older
// than the session lifetime (gin-contrib's Options leaves them at 30 days).
//
// On the cookie store the cookie itself has no Max-Age unless
// SessionCookieConfig.Persistent is set, so it ends with the browser; its
// codecs still refuse cookies older than the lifetime.
func applyStoreOptions(store sessions.Store, sc SessionCookieConfig, absolute time.Duration) {
	maxAge := int(sessionLifetime(absolute) / time.Second)
	switch s := store.(type) {
	case interface{ MaxAge(int) }: // cookie and memstore stores
		s.MaxAge(maxAge)
	case interface{ SetMaxAge(int) }: // redis store
		s.SetMaxAge(maxAge)
	}
	cookieMaxAge := maxAge
	if !sc.Persistent && isCookieStore(store) {
		cookieMaxAge = 0 // a browser-session cookie
	}
	// Options replaces the whole set, so every field is given; it does not
	// touch the codecs set above.
	store.Options(sessions.Options{
		Path:     sc.Path,
		Domain:   sc.Domain,
		MaxAge:   cookieMaxAge,
		Secure:   !sc.Insecure,
		HttpOnly: true,
		SameSite: sc.SameSite,
	})
}

// sessionLifetime is how long a session record and its cookie live.
func sessionLifetime(absolute time.Duration) time.Duration {
	if absolute == NoTimeout {
		return DefaultRememberDuration
	}
	return absolute
}

// isCookieStore reports whether store keeps the whole session in the cookie.
func isCookieStore(store sessions.Store) bool {
	cookieStoreType := reflect.TypeFor[*gsessions.CookieStore]()
	v := reflect.ValueOf(store)
	if v.Type() == cookieStoreType {
		return true
	}
	v = reflect.Indirect(v)
	if v.Kind() != reflect.Struct {
		return false
	}
	for i := 0; i < v.NumField(); i++ {
		if v.Type().Field(i).Anonymous && v.Field(i).Type() == cookieStoreType {
			return true
		}
	}
	return false
}

// NewCookieStore returns a gin-contrib/sessions cookie store whose cookies
// are signed and encrypted with keys derived from secrets (see
// SessionKeyPairs): gorilla/securecookie's HMAC-SHA256 and AES-256-CTR, the
// first secret's keys encrypting and every secret's keys decrypting, as
// cookie.NewStore does. New applies the cookie attributes and lifetime to
// it.
//
// It differs from cookie.NewStore in how the values are written inside
// the encryption: maps of string keys to strings, booleans, ints and lists
// of those (everything the library stores) in a compact versioned form,
// anything else with gob as before (register such types with gob.Register).
// Cookies written by cookie.NewStore with the same secrets, in gob, are
// still read, so moving to it logs no one out; cookies it writes in the
// compact form are not readable by cookie.NewStore.
func NewCookieStore(secrets ...[]byte) sessions.Store {
	cs := gsessions.NewCookieStore(SessionKeyPairs(secrets...)...)
	for _, c := range cs.Codecs {
		if sc, ok := c.(*securecookie.SecureCookie); ok {
			sc.SetSerializer(sessionCodec{})
		}
	}
	return &cookieStore{cs}
}

// cookieStore is gin-contrib's cookie store (cookie.NewStore) over a
// gorilla CookieStore whose codecs use sessionCodec.
type cookieStore struct {
	*gsessions.CookieStore
}

// Options implements sessions.Store, as gin-contrib's cookie store does.
func (s *cookieStore) Options(options sessions.Options) {
	s.CookieStore.Options = options.ToGorillaOptions()
}
