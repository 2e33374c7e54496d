package ginlogin

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// TwoStepConfig configures two-step logins (StartLogin, CompleteLogin):
// the password was right and a second factor is pending. The protocol is
// written down in docs/two-step-login.md.
type TwoStepConfig struct {
	// URL is the second-factor page. A browser with a pending login that
	// meets a guard is sent there instead of to the login page. A path or
	// an absolute http(s) URL. Default "": guards send it to the login page.
	URL string
	// PendingFor is how long the second step may take. Default 5 minutes;
	// at most one hour.
	PendingFor time.Duration
	// TrustedCookieName names the "this browser passed the second factor"
	// cookie set by the TrustBrowser option. It takes its Domain, Path,
	// Secure, HttpOnly and SameSite attributes from RememberCookie. Default
	// "trusted_browser".
	TrustedCookieName string
	// TrustFor is how long TrustBrowser lasts. Default 30 days; at most 400
	// days (the longest cookie lifetime browsers keep).
	TrustFor time.Duration
}

// Defaults of TwoStepConfig.
const (
	DefaultPendingFor        = 5 * time.Minute
	DefaultTrustFor          = 30 * 24 * time.Hour
	DefaultTrustedCookieName = "trusted_browser"
)

// ErrNoPendingLogin is returned by CompleteLogin when the browser has no
// pending login: none was started, it expired, it was started in another
// browser, or the user's password (AuthStamp) changed since.
var ErrNoPendingLogin = errors.New("ginlogin: no pending login")

// keyPending holds the pending login record in the session.
const keyPending = "_pending"

// TrustBrowser, given to CompleteLogin (or Login), also sets the
// trusted-browser cookie: for Config.TwoStep.TrustFor, IsTrustedBrowser
// reports true for this user in this browser, so the application may skip
// the second factor there. The cookie is bound to the user's AuthStamp: a
// password change ends it.
func TrustBrowser() LoginOption { return func(o *loginOptions) { o.trustBrowser = true } }

// pendingRecord is the session's "password checked, second factor pending"
// state:
//
//	1|<started, Unix seconds>|<remember: 0 or 1>|<remember seconds>|<identifier>|<stamp MAC>|<label, base64url>|<user id>
//
// Numbers are base 36; the user ID comes last and may hold any character.
type pendingRecord struct {
	UserID      string
	Started     int64
	Remember    bool
	RememberFor int64
	Identifier  string
	Stamp       string
	Label       string
}

func (r pendingRecord) encode() string {
	remember := "0"
	if r.Remember {
		remember = "1"
	}
	return strings.Join([]string{"1", strconv.FormatInt(r.Started, 36), remember, strconv.FormatInt(r.RememberFor, 36),
		r.Identifier, r.Stamp, base64.RawURLEncoding.EncodeToString([]byte(r.Label)), r.UserID}, "|")
}

// expired reports whether the pending login is older than
// Config.TwoStep.PendingFor.
func (r pendingRecord) expired(m *Manager) bool {
	return m.now().Unix() >= r.Started+int64(m.cfg.TwoStep.PendingFor/time.Second)
}

func parsePendingRecord(s string) (pendingRecord, bool) {
	f := strings.SplitN(s, "|", 8)
	if len(f) != 8 || f[0] != "1" || f[7] == "" || (f[2] != "0" && f[2] != "1") {
		return pendingRecord{}, false
	}
	started, err1 := strconv.ParseInt(f[1], 36, 64)
	rememberFor, err2 := strconv.ParseInt(f[3], 36, 64)
	label, err3 := base64.RawURLEncoding.DecodeString(f[6])
	if err1 != nil || err2 != nil || err3 != nil || started <= 0 || rememberFor < 0 {
		return pendingRecord{}, false
	}
	return pendingRecord{UserID: f[7], Started: started, Remember: f[2] == "1", RememberFor: rememberFor,
		Identifier: f[4], Stamp: f[5], Label: string(label)}, true
}

// StartLogin begins a two-step login after the password was right: instead
// of logging user in, it records in the session that user's second factor
// is pending (ASP.NET Core Identity's "two-factor pending" state), for
// Config.TwoStep.PendingFor. Until CompleteLogin, the browser is not
// logged in: every guard refuses it (sending it to Config.TwoStep.URL when
// set), CurrentUser is nil, and PendingUser returns user. The browser's
// previous login ends and its session is renewed, as for Login.
//
// The options are those of Login; Remember and RememberFor are honoured
// when the login completes. It returns the errors of Login (an inactive
// user, a bad ID) without changing anything, and any session store error.
// Hooks.PendingStarted runs. The library does not check second factors: the
// application checks the code, then calls CompleteLogin.
func StartLogin(c *gin.Context, user User, opts ...LoginOption) error {
	st, err := stateOf(c)
	if err != nil {
		return err
	}
	o, err := loginOpts(user, opts)
	if err != nil {
		return err
	}
	m := st.m
	h, err := m.session(c)
	if err != nil {
		return err
	}
	previous, _ := h.login()
	if err := st.endPreviousLogin(h, previous, user.LoginID()); err != nil {
		return err
	}
	h.s.Set(keyPending, pendingRecord{
		UserID: user.LoginID(), Started: m.now().Unix(), Remember: o.remember, RememberFor: int64(o.rememberFor / time.Second),
		Identifier: m.identifier(c), Stamp: encodeMAC(m.stampMAC(user)), Label: o.label,
	}.encode())
	if err := m.save(c, h); err != nil {
		return err
	}
	st.remembered = false
	st.pending = nil
	st.setUser(nil)
	if hook := m.cfg.Hooks.PendingStarted; hook != nil {
		hook(c, user)
	}
	return nil
}

// PendingUser returns the user whose second factor is pending in this
// browser, or nil when there is none (never started, expired, started in
// another browser, or the user changed their password or became inactive
// since). The second-factor page uses it to know whose code to check. An
// expired pending login is removed and Hooks.PendingExpired runs. The error
// is a session store or user loader failure.
func PendingUser(c *gin.Context) (User, error) {
	st, err := stateOf(c)
	if err != nil {
		return nil, err
	}
	user, _, err := st.pendingLogin()
	return user, err
}

// CompleteLogin turns the browser's pending login into a full, fresh
// login, as Login would make it (a new session, a device record, the
// remember cookie if Remember was given to StartLogin), and removes the
// pending state. Call it after the second factor was checked. opts may add
// TrustBrowser. It returns ErrNoPendingLogin when there is nothing to
// complete (see PendingUser), ErrTooManyDevices as Login does, or a store
// error. Hooks.LoggedIn, then Hooks.PendingCompleted, run.
func CompleteLogin(c *gin.Context, opts ...LoginOption) error {
	st, err := stateOf(c)
	if err != nil {
		return err
	}
	user, rec, err := st.pendingLogin()
	if err != nil {
		return err
	}
	if user == nil {
		return ErrNoPendingLogin
	}
	o := loginOptions{fresh: true, remember: rec.Remember, rememberFor: time.Duration(rec.RememberFor) * time.Second, label: rec.Label}
	for _, opt := range opts {
		opt(&o)
	}
	o.fresh = true // the second factor was just checked
	if err := st.login(user, o); err != nil {
		return err
	}
	if hook := st.m.cfg.Hooks.PendingCompleted; hook != nil {
		hook(c, user)
	}
	return nil
}

// pendingLogin reads the session's pending login and checks it: not
// expired, same client, the user still there, active and with the same
// AuthStamp. A pending login that fails a check is removed.
func (st *requestState) pendingLogin() (User, pendingRecord, error) {
	m, c := st.m, st.c
	h, err := m.session(c)
	if err != nil {
		return nil, pendingRecord{}, err
	}
	raw, _ := h.s.Get(keyPending).(string)
	if raw == "" {
		return nil, pendingRecord{}, nil
	}
	drop := func() error {
		h.s.Delete(keyPending)
		return m.save(c, h)
	}
	rec, ok := parsePendingRecord(raw)
	if !ok || !m.sameClient(c, rec.Identifier) {
		return nil, rec, drop()
	}
	if rec.expired(m) {
		if err := drop(); err != nil {
			return nil, rec, err
		}
		if hook := m.cfg.Hooks.PendingExpired; hook != nil {
			hook(c, rec.UserID)
		}
		return nil, rec, nil
	}
	user, err := m.loadUser(c.Request.Context(), rec.UserID)
	if err != nil {
		return nil, rec, wrapOnce("user loader", err)
	}
	if user == nil || user.LoginID() != rec.UserID || !user.IsActive() || !m.stampMatches(user, rec.Stamp) {
		return nil, rec, drop()
	}
	return user, rec, nil
}

// hasPendingLogin reports whether the session holds a pending login that
// has not expired, without loading the user: for the guards' redirect.
func (st *requestState) hasPendingLogin() bool {
	h, err := st.m.session(st.c)
	if err != nil {
		return false
	}
	raw, _ := h.s.Get(keyPending).(string)
	rec, ok := parsePendingRecord(raw)
	return ok && !rec.expired(st.m)
}

// PendingLoginRequired guards the second-factor page: it lets a request
// through only when its browser has a pending login (see PendingUser), and
// refuses others with ErrNotAuthenticated (see Deny), which sends a browser
// to the login page. It panics at once if an option is invalid.
func PendingLoginRequired(opts ...GuardOption) gin.HandlerFunc {
	o := guardOpts("PendingLoginRequired", opts)
	return func(c *gin.Context) {
		st, ok := guardState(c, o)
		if !ok {
			return
		}
		user, _, err := st.pendingLogin()
		if err != nil {
			Fail(c, err)
			return
		}
		if user == nil {
			deny(c, st, ErrNotAuthenticated)
			return
		}
		c.Next()
	}
}

// IsTrustedBrowser reports whether this browser carries a valid
// trusted-browser cookie for user (see TrustBrowser): set for this user,
// not expired, and made while the user had their current AuthStamp. The
// application checks it after the password, to call Login instead of
// StartLogin.
func IsTrustedBrowser(c *gin.Context, user User) bool {
	st, err := stateOf(c)
	if err != nil || isNilUser(user) {
		return false
	}
	ck, err := c.Request.Cookie(st.m.cfg.TwoStep.TrustedCookieName)
	if err != nil {
		return false
	}
	expires, mac, ok := strings.Cut(ck.Value, ".")
	if !ok {
		return false
	}
	exp, err := strconv.ParseInt(expires, 36, 64)
	if err != nil || st.m.now().Unix() >= exp {
		return false
	}
	sum, err := base64.RawURLEncoding.DecodeString(mac)
	if err != nil {
		return false
	}
	return st.m.trustKeys.verify(sum, user.LoginID(), expires, encodeMAC(st.m.stampMAC(user)))
}

// setTrustedBrowserCookie sets the trusted-browser cookie for user:
// "<expiry, base 36>.<HMAC of user ID, expiry and stamp MAC>".
func (st *requestState) setTrustedBrowserCookie(user User, now time.Time) {
	m := st.m
	expires := now.Add(m.cfg.TwoStep.TrustFor)
	exp := strconv.FormatInt(expires.Unix(), 36)
	mac := m.trustKeys.sign(nil, user.LoginID(), exp, encodeMAC(m.stampMAC(user)))
	rc := m.cfg.RememberCookie
	setCookie(st.c.Writer, &http.Cookie{
		Name: m.cfg.TwoStep.TrustedCookieName, Value: exp + "." + base64.RawURLEncoding.EncodeToString(mac[:16]),
		Path: rc.Path, Domain: rc.Domain, Expires: expires.UTC(), MaxAge: int(m.cfg.TwoStep.TrustFor / time.Second),
		Secure: !rc.Insecure, HttpOnly: !rc.ScriptReadable, SameSite: rc.SameSite,
	})
}

// fillTwoStep fills in TwoStepConfig's defaults and checks it.
func fillTwoStep(cfg *Config) error {
	ts := &cfg.TwoStep
	setDefault(&ts.PendingFor, DefaultPendingFor)
	setDefault(&ts.TrustFor, DefaultTrustFor)
	setDefault(&ts.TrustedCookieName, DefaultTrustedCookieName)
	switch {
	case ts.PendingFor < time.Second || ts.PendingFor > time.Hour:
		return fmt.Errorf("ginlogin: Config.TwoStep.PendingFor is %v: use between one second and one hour (default 5 minutes)", ts.PendingFor)
	case ts.TrustFor < time.Second || ts.TrustFor > 400*24*time.Hour:
		return fmt.Errorf("ginlogin: Config.TwoStep.TrustFor is %v: use between one second and 400 days (default 30 days)", ts.TrustFor)
	case !validCookieName(ts.TrustedCookieName):
		return fmt.Errorf("ginlogin: Config.TwoStep.TrustedCookieName %q is not a valid cookie name", ts.TrustedCookieName)
	case ts.TrustedCookieName == cfg.SessionCookie.Name || ts.TrustedCookieName == cfg.RememberCookie.Name:
		return fmt.Errorf("ginlogin: Config.TwoStep.TrustedCookieName %q is also the session or remember cookie's name: pick another", ts.TrustedCookieName)
	}
	return checkURL("TwoStep.URL", ts.URL)
}
