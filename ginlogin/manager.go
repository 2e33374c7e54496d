package ginlogin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
)

// Protection selects what happens when a session is used from a different
// client than the one that logged in (see Config.SessionProtection).
type Protection string

// Session protection modes.
const (
	// ProtectionBasic marks the login as not fresh on a mismatch, so routes
	// behind FreshLoginRequired ask for the password again. The default.
	ProtectionBasic Protection = "basic"
	// ProtectionStrong logs the session out on a mismatch, deletes the
	// remember cookie and, with a RememberStore, revokes the device so that
	// copies of either cookie stop working too (a stateless remember token
	// can only be deleted from the browser that sent it).
	ProtectionStrong Protection = "strong"
	// ProtectionOff disables the check.
	ProtectionOff Protection = "off"
)

// NoTimeout disables a timeout: IdleTimeout, AbsoluteTimeout or FreshFor.
// A disabled FreshFor means a fresh login stays fresh for the whole session,
// as in Flask-Login.
const NoTimeout time.Duration = -1

// Defaults for the Config fields whose zero value means "the default".
const (
	DefaultSessionName            = "session"
	DefaultRememberCookieName     = "remember_token"
	DefaultRememberDuration       = 30 * 24 * time.Hour
	DefaultIdleTimeout            = 30 * time.Minute
	DefaultAbsoluteTimeout        = 12 * time.Hour
	DefaultFreshFor               = 15 * time.Minute
	DefaultRotationGrace          = 30 * time.Second
	DefaultLoginMessage           = "Please log in to access this page."
	DefaultRefreshMessage         = "Please reauthenticate to access this page."
	DefaultMessageCategory        = "message"
	DefaultNextField              = "next"
	touchInterval                 = time.Minute
	maxDeviceLabelLength          = 200
	maxNextLength                 = 2048
	defaultRememberCookiePath     = "/"
	defaultSessionCookiePath      = "/"
	defaultExemptMethod           = http.MethodOptions
	protectionIdentifierMACLength = 12 // 96 bits: the session cannot be edited, so this only has to be unguessable
	authStampMACLength            = 16
)

// Config configures a Manager. The zero value of every field except
// SecretKeys, SessionStore and one of the loaders means the documented
// default.
type Config struct {
	// SecretKeys sign remember tokens and bind sessions to users. Each key
	// must be at least 32 random bytes. The first key signs; all keys are
	// accepted, so rotate by putting a new key first and dropping the oldest
	// later. Separate keys are derived per purpose with HKDF. Required.
	SecretKeys [][]byte

	// SessionStore keeps the session: cookie.NewStore, redis.NewStore,
	// memstore.NewStore or any gin-contrib/sessions store. New applies the
	// SessionCookie settings to it (all of them at once, so none is zeroed)
	// and makes its codecs reject cookies older than AbsoluteTimeout.
	// Required. NewCookieStore builds an encrypted cookie store from the
	// secret keys.
	SessionStore sessions.Store

	// SessionCookie sets the attributes of the session cookie.
	SessionCookie SessionCookieConfig

	// UserLoader returns the user with the given ID. "Not found" is (nil, nil)
	// and means nobody is logged in; a nil pointer (or nil map, slice or
	// func) inside the User interface counts as nil, so
	// `return db.FindUser(ctx, id)` with FindUser returning (*User)(nil), nil
	// is "not found" too. A non-nil error means a system failure and goes to
	// ErrorHandler, never to the "nobody" path. Required unless
	// RequestLoader is set.
	UserLoader func(ctx context.Context, id string) (User, error)

	// RequestLoader authenticates a request that has no session login, e.g.
	// from an API key or an Authorization header. It runs after the session
	// and the remember cookie. The same (nil, nil) / error contract as
	// UserLoader applies: (nil, nil), or a typed nil such as (*User)(nil), nil
	// for a wrong or unknown API key, leaves nobody logged in (a guard
	// answers 401). Logins it returns are not stored in the session.
	RequestLoader func(c *gin.Context) (User, error)

	// RememberStore keeps a server-side record of every login (a "device"):
	// remember tokens become revocable split tokens, logout and revocation end
	// copied session cookies too, and users can list their devices. Without
	// it, remember tokens are stateless signed tokens (expiring, bound to the
	// user's AuthStamp) and a copied cookie-store session stays valid until it
	// times out; on server-side stores, a request still in flight during a
	// logout can save the old session record again, which brings its login
	// back; and a copied remember token of an account that was disabled
	// works again once the account is re-enabled, unless its AuthStamp
	// changed (change it on deactivation). See NewMemoryStore and
	// NewSQLStore.
	RememberStore RememberStore

	// RememberCookie sets the attributes of the remember-me cookie.
	RememberCookie RememberCookieConfig

	// LoginURL is where unauthorized page requests are sent, with a `next`
	// parameter. A path ("/login") or an absolute http(s) URL. Empty: answer
	// 401 instead (Flask-Login's behaviour without a login view).
	LoginURL string

	// GroupLoginURLs overrides LoginURL for route groups, keyed by route path
	// prefix ("/admin" matches "/admin" and "/admin/..."; the longest prefix
	// wins). Flask-Login's blueprint_login_views.
	GroupLoginURLs map[string]string

	// LoginMessage is flashed before the redirect to the login page.
	// Default DefaultLoginMessage.
	LoginMessage string
	// LoginMessageCategory is its flash category. Default "message".
	LoginMessageCategory string

	// RefreshURL is where requests needing a fresh login are sent. Empty:
	// answer 401.
	RefreshURL string
	// RefreshMessage is flashed before the redirect to RefreshURL.
	// Default DefaultRefreshMessage.
	RefreshMessage string
	// RefreshMessageCategory is its flash category. Default "message".
	RefreshMessageCategory string

	// Localize translates the login and refresh messages before they are
	// flashed or sent as JSON. Returning "" suppresses the flash.
	// Default: the message unchanged.
	Localize func(c *gin.Context, message string) string

	// DenyHandler replaces the default answer to a request a guard (or
	// Deny) refused. reason is ErrNotAuthenticated (nobody logged in),
	// ErrNeedsRefresh (the login is not fresh enough) or ErrForbidden (a
	// Require predicate said no); compare with errors.Is. It must write a
	// response; the request is aborted after it returns. Default: see Deny.
	DenyHandler func(c *gin.Context, reason error)
	// ErrorHandler answers requests whose user could not be determined
	// because a store or loader failed. Default: 503 for IsUnavailable
	// errors, 500 otherwise (JSON for API requests, plain text otherwise).
	// The error has already been logged and pushed with c.Error.
	ErrorHandler func(c *gin.Context, err error)

	// SessionProtection is "basic" (default), "strong" or "off"; see the
	// Protection constants. The client is identified by its peer address and
	// User-Agent.
	SessionProtection Protection

	// UseClientIP identifies clients by gin's c.ClientIP() instead of the
	// peer address. Enable it only after engine.SetTrustedProxies names your
	// proxies: with gin's default (trust everyone) clients choose their IP.
	UseClientIP bool

	// ExemptMethods pass the guards without a login. Default ["OPTIONS"].
	ExemptMethods []string

	// NextInSession keeps the page to return to in the session instead of
	// the login URL's query (Flask's USE_SESSION_FOR_NEXT). Read it with
	// NextURL.
	NextInSession bool

	// NextField is the query parameter or form field holding the page to
	// return to. Default "next".
	NextField string

	// IdleTimeout ends a session that was not used for this long. Default
	// 30 minutes (OWASP: 15–30 minutes); NoTimeout disables it. A remember
	// cookie, if any, then starts a new, non-fresh session.
	IdleTimeout time.Duration

	// AbsoluteTimeout ends a session this long after its login, used or
	// not. Default 12 hours (ASVS 3.3.2 level 2); NoTimeout disables it.
	AbsoluteTimeout time.Duration

	// FreshFor is how long a login counts as fresh after the password was
	// entered (Login or ConfirmLogin). Default 15 minutes; NoTimeout
	// keeps it fresh for the whole session (Flask-Login's behaviour).
	FreshFor time.Duration

	// MaxDevices caps how many devices (logins from different browsers) a
	// user may have at once, per user: return 1 for a kiosk account, 0 for
	// no cap. A login over the cap logs out the user's least recently used
	// devices (their sessions and remember tokens stop working on their next
	// request, and Hooks.DeviceEvicted runs for each), or is refused with
	// ErrTooManyDevices when RefuseOverDeviceLimit is set. Logging in again
	// from a browser replaces that browser's own device and never counts
	// twice. Needs a RememberStore; New refuses it without one. Default
	// nil: no cap.
	MaxDevices func(user User) int
	// RefuseOverDeviceLimit makes a login over MaxDevices fail with
	// ErrTooManyDevices instead of logging out the oldest device. Default
	// false.
	RefuseOverDeviceLimit bool

	// TwoStep configures two-step logins: see StartLogin.
	TwoStep TwoStepConfig

	// RotationGrace is how long after a rotation the previous remember
	// validator is accepted without rotating again, so that parallel
	// requests of one browser that all carried it share one rotation (see
	// docs/remember-tokens.md). Raise it for sites whose responses can take
	// longer to arrive. Default 30 seconds.
	RotationGrace time.Duration

	// Now is the clock. Default time.Now. Tests inject their own.
	Now func() time.Time

	// Logger receives one line per failure, without secrets. Default
	// slog.Default().
	Logger *slog.Logger

	// Hooks are called on login events; see Hooks.
	Hooks Hooks
}

// SessionCookieConfig sets the session cookie's attributes. Its lifetime is
// Config.AbsoluteTimeout; the server enforces it from its own timestamps.
type SessionCookieConfig struct {
	// Name of the session cookie. Default "session".
	Name string
	// Domain attribute. Default none (host-only, the safest).
	Domain string
	// Path attribute. Default "/".
	Path string
	// Insecure drops the Secure attribute. Default false: cookies are
	// Secure. Browsers and Go's cookie jar treat http://localhost and
	// 127.0.0.1 as secure, so local development works without it.
	Insecure bool
	// SameSite attribute. Default http.SameSiteLaxMode.
	SameSite http.SameSite
	// Persistent keeps the cookie-store session cookie when the browser
	// closes (Max-Age = AbsoluteTimeout). Default false: on the cookie store
	// the session cookie ends with the browser (OWASP prefers non-persistent
	// session cookies) and only a remember cookie survives a restart, as with
	// Flask's default sessions. Server-side stores whose records need a
	// lifetime (Redis, databases) always get a persistent cookie. Either way
	// the server ends sessions after IdleTimeout and AbsoluteTimeout.
	Persistent bool
}

// RememberCookieConfig sets the remember-me cookie's attributes. Deleting it
// repeats every attribute it was set with.
type RememberCookieConfig struct {
	// Name of the cookie. Default "remember_token".
	Name string
	// Duration a remember login lasts, enforced by the server. Default 30
	// days (Flask-Login: 365 days; ASVS 3.3.2 asks for re-authentication at
	// least every 30 days). Login's RememberFor overrides it per login.
	Duration time.Duration
	// Domain attribute. Default none.
	Domain string
	// Path attribute. Default "/".
	Path string
	// Insecure drops the Secure attribute. Default false (Secure).
	Insecure bool
	// ScriptReadable drops the HttpOnly attribute. Default false (HttpOnly).
	ScriptReadable bool
	// SameSite attribute. Default http.SameSiteLaxMode.
	SameSite http.SameSite
	// RefreshEachRequest extends the token's lifetime on every request that
	// carries it (Flask-Login main's semantics: only when the browser sent
	// the cookie, never for logins that did not ask to be remembered).
	RefreshEachRequest bool
}

// Hooks are Flask-Login's signals as typed functions. Each is optional and
// called synchronously after the event took effect, so a hook may call
// CurrentUser. Hooks must not write the response.
type Hooks struct {
	// LoggedIn runs after Login.
	LoggedIn func(c *gin.Context, user User)
	// LoggedOut runs after Logout with the user that was logged in
	// (nil if nobody was).
	LoggedOut func(c *gin.Context, user User)
	// LoadedFromCookie runs when a remember cookie restored a login.
	LoadedFromCookie func(c *gin.Context, user User)
	// LoadedFromRequest runs when RequestLoader authenticated the request.
	LoadedFromRequest func(c *gin.Context, user User)
	// LoginConfirmed runs after ConfirmLogin: the user re-entered their
	// password (a reauthentication succeeded).
	LoginConfirmed func(c *gin.Context, user User)
	// Denied runs before every refusal (a guard's or Deny's), also when a
	// DenyHandler is set, with the same reason DenyHandler gets.
	Denied func(c *gin.Context, reason error)
	// Accessed runs once per request that asks for the user, after loading.
	Accessed func(c *gin.Context)
	// SessionProtected runs when session protection saw a different client.
	SessionProtected func(c *gin.Context)
	// SessionEnded runs when a stored session was refused: timed out, its
	// device revoked, or its user's AuthStamp changed. reason says which.
	SessionEnded func(c *gin.Context, reason error)
	// DeviceEvicted runs for each device that Config.MaxDevices logged out
	// to make room for a new login, after it was deleted.
	DeviceEvicted func(c *gin.Context, userID string, device DeviceInfo)
	// PendingStarted runs after StartLogin recorded a pending login.
	PendingStarted func(c *gin.Context, user User)
	// PendingCompleted runs when CompleteLogin turned a pending login into
	// a full one, after LoggedIn.
	PendingCompleted func(c *gin.Context, user User)
	// PendingExpired runs when a pending login was found older than
	// Config.TwoStep.PendingFor (it has been removed).
	PendingExpired func(c *gin.Context, userID string)
	// TokenTheft runs when a remember token was found to be used by two
	// browsers (docs/remember-tokens.md); every device of the user has been
	// revoked.
	TokenTheft func(c *gin.Context, userID string)
}

// Reasons passed to Hooks.SessionEnded.
var (
	ErrIdleTimeout     = errors.New("ginlogin: session idle timeout")
	ErrAbsoluteTimeout = errors.New("ginlogin: session absolute timeout")
	ErrDeviceRevoked   = errors.New("ginlogin: device revoked or expired")
	ErrStampChanged    = errors.New("ginlogin: user's auth stamp changed")
)

// Manager holds the validated configuration and derived keys. It is safe for
// concurrent use; two Managers in one process do not interfere.
type Manager struct {
	cfg            Config
	store          sessions.Store
	remember       tokenScheme
	identifierKeys *macKeys
	stampKeys      *macKeys
	trustKeys      *macKeys
	exempt         map[string]bool
	groupPrefixes  []groupLoginURL
}

type groupLoginURL struct{ prefix, url string }

// New validates cfg, fills in defaults and returns a Manager. Errors say
// which field to fix.
func New(cfg Config) (*Manager, error) {
	if err := checkSecretKeys(cfg.SecretKeys); err != nil {
		return nil, err
	}
	if cfg.SessionStore == nil {
		return nil, errors.New("ginlogin: Config.SessionStore is nil: pass a gin-contrib/sessions store, e.g. ginlogin.NewCookieStore(secretKeys...)")
	}
	if cfg.UserLoader == nil && cfg.RequestLoader == nil {
		return nil, errors.New("ginlogin: missing user loader: set Config.UserLoader (or Config.RequestLoader for header-only authentication)")
	}
	switch cfg.SessionProtection {
	case "":
		cfg.SessionProtection = ProtectionBasic
	case ProtectionBasic, ProtectionStrong, ProtectionOff:
	default:
		return nil, fmt.Errorf("ginlogin: Config.SessionProtection %q is unknown: use %q, %q or %q", cfg.SessionProtection, ProtectionBasic, ProtectionStrong, ProtectionOff)
	}
	if err := fillDurations(&cfg); err != nil {
		return nil, err
	}
	if err := fillCookies(&cfg); err != nil {
		return nil, err
	}
	if err := fillTwoStep(&cfg); err != nil {
		return nil, err
	}
	if cfg.MaxDevices != nil && cfg.RememberStore == nil {
		return nil, errors.New("ginlogin: Config.MaxDevices needs a RememberStore to count devices: set Config.RememberStore (NewSQLStore, NewMemoryStore) or drop MaxDevices")
	}
	if err := checkURL("LoginURL", cfg.LoginURL); err != nil {
		return nil, err
	}
	if err := checkURL("RefreshURL", cfg.RefreshURL); err != nil {
		return nil, err
	}
	m := &Manager{cfg: cfg, store: cfg.SessionStore}
	for prefix, u := range cfg.GroupLoginURLs {
		if !strings.HasPrefix(prefix, "/") {
			return nil, fmt.Errorf("ginlogin: Config.GroupLoginURLs key %q must be a route path prefix starting with /", prefix)
		}
		if err := checkURL("GroupLoginURLs["+prefix+"]", u); err != nil {
			return nil, err
		}
		m.groupPrefixes = append(m.groupPrefixes, groupLoginURL{strings.TrimSuffix(prefix, "/"), u})
	}
	// Longest prefix first.
	for i := 1; i < len(m.groupPrefixes); i++ {
		for j := i; j > 0 && len(m.groupPrefixes[j].prefix) > len(m.groupPrefixes[j-1].prefix); j-- {
			m.groupPrefixes[j], m.groupPrefixes[j-1] = m.groupPrefixes[j-1], m.groupPrefixes[j]
		}
	}
	fillMessages(&m.cfg)
	if m.cfg.Now == nil {
		m.cfg.Now = time.Now
	}
	if m.cfg.Logger == nil {
		m.cfg.Logger = slog.Default()
	}
	exempt := m.cfg.ExemptMethods
	if exempt == nil {
		exempt = []string{defaultExemptMethod}
	}
	m.exempt = make(map[string]bool, len(exempt))
	for _, method := range exempt {
		m.exempt[strings.ToUpper(method)] = true
	}
	m.identifierKeys = newMACKeys(cfg.SecretKeys, purposeIdentifier)
	m.stampKeys = newMACKeys(cfg.SecretKeys, purposeAuthStamp)
	m.trustKeys = newMACKeys(cfg.SecretKeys, purposeTrusted)
	if cfg.RememberStore != nil {
		m.remember = &splitTokens{m: m, store: cfg.RememberStore}
	} else {
		m.remember = &signedTokens{m: m, keys: newMACKeys(cfg.SecretKeys, purposeRemember)}
	}
	applyStoreOptions(m.store, m.cfg.SessionCookie, m.cfg.AbsoluteTimeout)
	if cfg.RememberStore == nil && isCookieStore(m.store) {
		m.cfg.Logger.Warn("ginlogin: cookie session store without a RememberStore: a copied session cookie stays valid after logout until it times out; set Config.RememberStore to make logout revoke it")
	}
	return m, nil
}

// Config returns a copy of the configuration with defaults filled in.
func (m *Manager) Config() Config { return m.cfg }

func fillDurations(cfg *Config) error {
	fields := []struct {
		name string
		d    *time.Duration
		def  time.Duration
		off  bool // NoTimeout allowed
	}{
		{"IdleTimeout", &cfg.IdleTimeout, DefaultIdleTimeout, true},
		{"AbsoluteTimeout", &cfg.AbsoluteTimeout, DefaultAbsoluteTimeout, true},
		{"FreshFor", &cfg.FreshFor, DefaultFreshFor, true},
		{"RotationGrace", &cfg.RotationGrace, DefaultRotationGrace, false},
		{"RememberCookie.Duration", &cfg.RememberCookie.Duration, DefaultRememberDuration, false},
	}
	for _, f := range fields {
		switch {
		case *f.d == 0:
			*f.d = f.def
		case *f.d == NoTimeout && f.off:
		case *f.d < time.Second:
			return fmt.Errorf("ginlogin: Config.%s is %v: use a positive duration of at least one second%s", f.name, *f.d, map[bool]string{true: " or ginlogin.NoTimeout", false: ""}[f.off])
		}
	}
	return nil
}

func fillCookies(cfg *Config) error {
	sc, rc := &cfg.SessionCookie, &cfg.RememberCookie
	setDefault(&sc.Name, DefaultSessionName)
	setDefault(&rc.Name, DefaultRememberCookieName)
	setDefault(&sc.Path, defaultSessionCookiePath)
	setDefault(&rc.Path, defaultRememberCookiePath)
	setDefault(&sc.SameSite, http.SameSiteLaxMode)
	setDefault(&rc.SameSite, http.SameSiteLaxMode)
	for _, c := range []struct {
		field, name string
		insecure    bool
		sameSite    http.SameSite
	}{{"SessionCookie", sc.Name, sc.Insecure, sc.SameSite}, {"RememberCookie", rc.Name, rc.Insecure, rc.SameSite}} {
		if !validCookieName(c.name) {
			return fmt.Errorf("ginlogin: Config.%s.Name %q is not a valid cookie name", c.field, c.name)
		}
		if c.sameSite == http.SameSiteNoneMode && c.insecure {
			return fmt.Errorf("ginlogin: Config.%s has SameSite=None without Secure, which browsers reject: drop Insecure or pick Lax", c.field)
		}
	}
	if sc.Name == rc.Name {
		return fmt.Errorf("ginlogin: the session and remember cookies are both named %q: give them different names", sc.Name)
	}
	return nil
}

func fillMessages(cfg *Config) {
	setDefault(&cfg.LoginMessage, DefaultLoginMessage)
	setDefault(&cfg.LoginMessageCategory, DefaultMessageCategory)
	setDefault(&cfg.RefreshMessage, DefaultRefreshMessage)
	setDefault(&cfg.RefreshMessageCategory, DefaultMessageCategory)
	setDefault(&cfg.NextField, DefaultNextField)
}

// setDefault sets *field to def when it holds its zero value.
func setDefault[T comparable](field *T, def T) {
	var zero T
	if *field == zero {
		*field = def
	}
}

func checkURL(field, u string) error {
	if u == "" {
		return nil
	}
	if strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//") && !strings.ContainsAny(u, "\\\r\n\t") {
		return nil
	}
	p, err := url.Parse(u)
	if err == nil && (p.Scheme == "https" || p.Scheme == "http") && p.Host != "" {
		return nil
	}
	return fmt.Errorf("ginlogin: Config.%s %q must be a path starting with / or an absolute http(s) URL", field, u)
}

func validCookieName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if r <= ' ' || r >= 0x7f || strings.ContainsRune("()<>@,;:\\\"/[]?={}", r) {
			return false
		}
	}
	return true
}

// now returns the configured clock's time.
func (m *Manager) now() time.Time { return m.cfg.Now() }
