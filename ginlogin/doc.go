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
//	if err := ginlogin.LoginUser(c, user, ginlogin.Remember()); err != nil {
//		ginlogin.Fail(c, err) // 503 while a store is down
//		return
//	}
//	c.Redirect(http.StatusSeeOther, ginlogin.NextURL(c, "/dashboard"))
//
// # The request lifecycle
//
// [Middleware] installs gin-contrib/sessions for Config.SessionStore and
// makes the Manager available; it loads nothing. The user is loaded on the
// first [CurrentUser], [LoadUser], [Current] or guard, at most once per
// request, in Flask-Login's order: the session, then the remember cookie,
// then Config.RequestLoader, else the anonymous user. A request that never
// asks for the user never touches the session or the loader. Responses that
// depend on the user get "Cache-Control: no-store" and "Vary: Cookie".
//
// Every change to the session is saved at once, before the handler writes
// its response, so cookies are never lost. Helpers return the error when a
// save fails; [Fail] turns it into a clean 503 when a store could not be
// reached ([IsUnavailable]: refused or broken connections, timeouts, a
// closed pool) or a 500 for anything else, such as a constraint violation.
//
// # Users
//
// An application's user type implements [User] (usually by embedding
// [UserMixin] and adding ID). A [Config.UserLoader] returns (nil, nil) for an
// unknown ID and an error only for system failures, which go to the error
// handler: a failing database never makes anybody anonymous or logged in.
// A nil pointer inside the User interface counts as nil, so a loader may
// `return db.FindUser(ctx, id)` when FindUser returns (*User)(nil), nil;
// the same holds for [Config.RequestLoader] and a wrong API key.
// Users that implement [AuthStamper] bind their sessions and remember tokens
// to their credentials: when the stamp changes (a new password, "log out
// everywhere", deactivation) every other login ends. [UpdateAuthStamp] keeps
// the current browser logged in after the user's own password change.
//
// # Guards and unauthorized requests
//
// [LoginRequired], [FreshLoginRequired] and [Require] protect routes and
// route groups. Methods in Config.ExemptMethods (OPTIONS) pass. A page
// request without a login gets the login message flashed and a redirect to
// the login URL with a relative `next`; an API request (Accept prefers JSON,
// or X-Requested-With) gets a JSON 401. [Config.GroupLoginURLs] and
// [WithLoginURL] give route groups their own login page, like Flask-Login's
// blueprint login views. Config.Unauthorized, NeedsRefresh, Forbidden and
// ErrorHandler replace the default responses.
//
// # Fresh logins
//
// A login is fresh for Config.FreshFor (15 minutes by default) after the user
// typed a password ([LoginUser] or [ConfirmLogin]); a login restored from the
// remember cookie is never fresh. [FreshLoginRequired] sends stale logins to
// Config.RefreshURL. Session protection "basic" also makes a login stale when
// the client's address or User-Agent changes; "strong" logs it out.
//
// # Remember me and devices
//
// LoginUser with [Remember] sets a remember cookie that starts a new,
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
// Sessions are bound to their device too, so [LogoutUser], [RevokeDevice],
// [LogoutEverywhere] and [Manager.RevokeAllDevices] end copied session
// cookies as well, on every session store, including the cookie store.
// [Devices] lists a user's devices for a "where you're logged in" page.
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
// [Hooks] are Flask-Login's signals as typed functions, plus SessionEnded and
// TokenTheft. They run after the event took effect, so a hook may call
// CurrentUser.
//
// # Testing
//
// Package ginlogintest logs a test request or client in with one call
// (fresh or not, under any session protection mode) and checks a
// RememberStore implementation with TestRememberStore.
//
// # Keys
//
// Config.SecretKeys lists secrets of at least 32 random bytes; the first one
// signs, all are accepted, so keys rotate by putting a new one first. Every
// purpose (remember tokens, client identifiers, auth stamps, the session
// cookie via [SessionKeyPairs]) uses its own key derived with HKDF.
package ginlogin
