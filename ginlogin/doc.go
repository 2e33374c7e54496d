// Package ginlogin manages user sessions for Gin: it loads the current user
// from a gin-contrib/sessions session, logs users in and out, remembers them
// across browser restarts, and guards routes that need a login or a fresh
// login. It follows Flask-Login's model and goes beyond it: revocable
// remember tokens, logout that ends the session server-side, session renewal
// on login, sessions bound to the user's credentials, server-side timeouts
// and a safe `next` by default.
//
// # Getting started
//
// Build one [Manager] from a [Config], install [Middleware], and protect
// routes with the guards:
//
//	mgr, err := ginlogin.New(ginlogin.Config{
//		SecretKeys:    [][]byte{secret},                 // ≥ 32 random bytes
//		SessionStore:  ginlogin.NewCookieStore(secret),  // or a Redis store
//		RememberStore: devices,                          // ginlogin.NewSQLStore(...)
//		UserLoader:    users.ByID,                       // (nil, nil) = not found
//		LoginURL:      "/login",
//	})
//	if err != nil {
//		log.Fatal(err) // says which field to fix
//	}
//	r := gin.New()
//	r.Use(ginlogin.Middleware(mgr))
//	r.GET("/dashboard", ginlogin.LoginRequired(), dashboard)
//	r.GET("/admin", ginlogin.FreshLoginRequired(), admin)
//
// In a login handler, after checking the password:
//
//	if err := ginlogin.Login(c, user, ginlogin.Remember()); err != nil {
//		ginlogin.Fail(c, err) // 503 while a store is down
//		return
//	}
//	c.Redirect(http.StatusSeeOther, ginlogin.NextURL(c, "/dashboard"))
//
// # The request lifecycle
//
// [Middleware] installs gin-contrib/sessions for Config.SessionStore and
// makes the Manager available; it loads nothing. The user is loaded on the
// first [CurrentUser], [Current], [Page] or guard, at most once per request,
// in Flask-Login's order: the session, then the remember cookie, then
// Config.RequestLoader, else nobody. A request that never asks for the user
// never touches the session or the loader. Responses that depend on the user
// get "Cache-Control: no-store" and "Vary: Cookie".
//
// "Nobody is logged in" is a nil [User] everywhere: CurrentUser returns
// (nil, nil), [Current] and [FromContext] return false. Every accessor means
// the same thing by a user: a real, active, logged-in one.
//
// Every change to the session is saved at once, before the handler writes
// its response, so cookies are never lost. Helpers return the error when a
// save fails; [Fail] turns it into a clean 503 when a store could not be
// reached ([IsUnavailable]: refused or broken connections, timeouts, a
// closed pool) or a 500 for anything else, such as a constraint violation.
//
// # Users
//
// An application's user type implements [User]: LoginID, the value the
// session keeps, and IsActive, usually by embedding [UserMixin]. The method
// is LoginID rather than ID so that a struct field named ID stays free.
// A [Config.UserLoader] returns (nil, nil) for an unknown ID and an error
// only for system failures, which go to the error handler: a failing
// database never makes anybody logged out or logged in.
// A nil pointer inside the User interface counts as nil, so a loader may
// `return db.FindUser(ctx, id)` when FindUser returns (*User)(nil), nil;
// the same holds for [Config.RequestLoader] and a wrong API key.
// Users that implement [AuthStamper] bind their sessions and remember tokens
// to their credentials: when the stamp changes (a new password, "log out
// everywhere", deactivation) every other login ends. [UpdateAuthStamp] keeps
// the current browser logged in after the user's own password change.
//
// # Guards and refused requests
//
// [LoginRequired], [FreshLoginRequired] and [Require] protect routes and
// route groups; [LoginRequiredByDefault] protects every route of a router
// but those marked [Public]. Methods in Config.ExemptMethods (OPTIONS) pass.
// Guard options are checked when the guard is built: a wrong option panics
// at start-up, never on a request.
//
// A refused request is answered by [Deny] with a reason: [ErrNotAuthenticated],
// [ErrNeedsRefresh] or [ErrForbidden]. The answer fits the client
// ([WantsHTML]): a browser's page navigation, whose Accept header lists
// text/html, gets the message flashed and a redirect to the login (or
// refresh) URL with a relative `next` (302, or 303 after a POST), and a
// small HTML page for a 403; everything else (curl and fetch() with */*,
// JSON clients, XMLHttpRequest) gets a JSON 401 or 403, with
// "WWW-Authenticate: Bearer" when a RequestLoader is configured. [AsAPI]
// makes a guard answer JSON to every client. [Config.GroupLoginURLs] and
// [WithLoginURL] give route groups their own login page, like Flask-Login's
// blueprint login views. [Config.DenyHandler] replaces the default answers
// (it is told the reason), [Hooks].Denied observes them, and
// [Config.ErrorHandler] answers store failures.
//
// # Templates and flashes
//
// [Page] gives a template what Flask's context processor gives a Jinja
// template: the user (or nil), whether the login is fresh or remembered, the
// flashed messages (consumed) and the handler's own data. [Flash] adds a
// message for the next page; it returns nothing to check.
//
// # Fresh logins
//
// A login is fresh for Config.FreshFor (15 minutes by default) after the user
// typed a password ([Login] or [ConfirmLogin]); a login restored from the
// remember cookie is never fresh. [FreshLoginRequired] sends stale logins to
// Config.RefreshURL; [FreshWithin] gives one route its own window and
// [FreshGrace] lets a multi-step form finish. Session protection "basic"
// also makes a login stale when the client's address or User-Agent changes;
// "strong" logs it out.
//
// # Two-step logins
//
// [StartLogin] records that the password was right and a second factor is
// pending; until [CompleteLogin] the browser is not logged in, and guards
// send it to Config.TwoStep.URL. [PendingUser] names whose code to check,
// and [TrustBrowser] lets a browser skip the second factor for a while
// ([IsTrustedBrowser]). The library does not check codes itself.
//
// # Remember me and devices
//
// [Login] with [Remember] sets a remember cookie that starts a new,
// non-fresh session after the browser or the session forgot the login.
//
// Without a [RememberStore] the cookie is a stateless token signed with a key
// derived for that purpose, with a server-checked expiry, bound to the user's
// AuthStamp. It cannot be revoked one by one.
//
// With a RememberStore ([NewMemoryStore], [NewSQLStore] for SQLite and
// PostgreSQL), every login from a browser is a [Device] record, and the
// remember cookie is a split token: a selector to look the device up and a
// validator of which the store keeps only a SHA-256. The validator rotates on
// each use, following the protocol in docs/remember-tokens.md: a browser
// that lost a rotation response is still logged in on its next visit, a
// guessed validator is refused and changes nothing, parallel requests within
// Config.RotationGrace are accepted, and a token that two browsers use is
// taken for theft once both have been seen: every device of the user is
// revoked and Hooks.TokenTheft runs.
// Sessions are bound to their device too, so [Logout], [RevokeDevice],
// [LogoutEverywhere] and [Manager.RevokeAllDevices] end copied session
// cookies as well, on every session store, including the cookie store.
// [Devices] lists a user's devices for a "where you're logged in" page, and
// Config.MaxDevices caps how many a user may have at once.
//
// # Sessions
//
// The session holds only strings under keys starting with an underscore; the
// login is one record under "_login": the user ID, the login, last-use and
// fresh times, HMACs of the client identifier and of the AuthStamp, and the
// device selector. Logging in,
// confirming a login and restoring from the remember cookie give the browser a
// new session: on server-side stores (Redis, memstore) the old record is
// deleted and a new ID issued; on the cookie store the contents are replaced.
// Values left by a previous user never carry over. [New] applies the cookie
// attributes (HttpOnly, Secure, SameSite=Lax by default) to the store all at
// once and makes its codecs reject cookies older than the session lifetime,
// avoiding gin-contrib/sessions' Options and MaxAge traps.
//
// The server enforces Config.IdleTimeout and Config.AbsoluteTimeout from its
// own timestamps, whatever the cookie's expiry says.
//
// # Redirects
//
// [NextURL] and [SafeNext] accept only same-origin relative paths, strictly
// enough that no browser normalisation (backslashes, tabs, control
// characters) can turn an accepted value into another origin. The library
// never builds an absolute URL from the Host header.
//
// # Events
//
// [Hooks] are Flask-Login's signals as typed functions (user_unauthorized
// and user_needs_refresh become one Denied hook with the reason), plus
// SessionEnded, TokenTheft, DeviceEvicted and the two-step hooks. They run
// after the event took effect, so a hook may call CurrentUser.
//
// # Testing
//
// Package ginlogintest logs a test request or client in with one call,
// taking this package's [LoginOption]s (fresh or not, under any session
// protection mode), and checks a RememberStore implementation with
// TestRememberStore.
//
// # Keys
//
// Config.SecretKeys lists secrets of at least 32 random bytes; the first one
// signs, all are accepted, so keys rotate by putting a new one first. Every
// purpose (remember tokens, client identifiers, auth stamps, the session
// cookie via [SessionKeyPairs]) uses its own key derived with HKDF.
package ginlogin
