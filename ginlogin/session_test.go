package ginlogin

import (
	"bytes"
	stdgzip "compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-contrib/gzip"
	"github.com/gin-contrib/requestid"
	"github.com/gin-contrib/sessions"
	"github.com/gin-contrib/sessions/memstore"
	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/contrib/instrumentation/github.com/gin-gonic/gin/otelgin"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// Guarantee 4 in a real Gin stack: the request has one session, whatever
// *http.Request copy c.Request holds when ginlogin or the application reads
// it. Production apps put middleware after Middleware that replaces
// c.Request with a copy carrying a new context (otelgin, timeouts), and
// handlers do the same before calling the helpers (OAuth callbacks, magic
// links). If the session were looked up by the current c.Request, ginlogin
// and the application would read and write two different session objects:
// a planted session ID would survive the login, the previous user's values
// would carry over, and without a RememberStore Logout would do nothing.
//
// TestSessionMatrix runs every scenario below on every store, in every
// stack, with the real third-party middleware placed before and after
// Middleware; each cell is one subtest named stack/position/store/scenario.
func TestSessionMatrix(t *testing.T) {
	t.Parallel()
	for _, st := range matrixStacks() {
		for _, pos := range st.positions {
			for _, kind := range allStoreKinds() {
				for _, sc := range matrixScenarios() {
					t.Run(st.name+"/"+pos+"/"+kind.name+"/"+sc.name, func(t *testing.T) {
						t.Parallel()
						c := newMatrixCell(t, st, pos, kind, sc.rememberStore)
						sc.run(t, c)
						c.checkStack(t, st, pos)
					})
				}
			}
		}
	}
}

// matrixStack is a middleware stack around ginlogin.Middleware.
type matrixStack struct {
	name      string
	positions []string
	// chain returns the engine's middleware for a position, with login
	// standing for ginlogin.Middleware.
	chain func(c *matrixCell, pos string, login gin.HandlerFunc) []gin.HandlerFunc
	// handlerReplaces makes the login and logout handlers replace
	// c.Request before they call the helpers; at the position "after-read"
	// they load the user first.
	handlerReplaces bool
	// replaced reports whether, at the position, handlers see another
	// *http.Request than the one Middleware bound its session to. Nil when
	// gin-contrib's sessions.Sessions installs the session.
	replaced func(pos string) bool
	// check asserts that the middleware really ran.
	check func(t *testing.T, c *matrixCell)
}

// matrixAround places mw before or after login.
func matrixAround(pos string, login gin.HandlerFunc, mw ...gin.HandlerFunc) []gin.HandlerFunc {
	if pos == "before" {
		return append(mw, login)
	}
	return append([]gin.HandlerFunc{login}, mw...)
}

func matrixAfterOnly(pos string) bool { return pos == "after" }
func matrixNever(string) bool         { return false }

func matrixStacks() []matrixStack {
	both := []string{"before", "after"}
	// requestid.New writes a package-level variable of requestid that
	// every request reads, so it is called once, before the cells run in
	// parallel, and its handler shared.
	requestID := requestid.New()
	return []matrixStack{
		{
			// otelgin replaces c.Request with one carrying the span.
			name: "otelgin", positions: both, replaced: matrixAfterOnly,
			chain: func(c *matrixCell, pos string, login gin.HandlerFunc) []gin.HandlerFunc {
				return matrixAround(pos, login, otelgin.Middleware("ginlogin-matrix", otelgin.WithTracerProvider(c.tracer)))
			},
			check: func(t *testing.T, c *matrixCell) {
				var names []string
				for _, s := range c.spans.GetSpans() {
					names = append(names, s.Name)
				}
				assert.Contains(t, names, "GET /m/login/:id", "otelgin recorded the login request")
				assert.Contains(t, names, "GET /whoami")
			},
		},
		{
			// requestid adds its header to the request in place.
			name: "requestid", positions: both, replaced: matrixNever,
			chain: func(_ *matrixCell, pos string, login gin.HandlerFunc) []gin.HandlerFunc {
				return matrixAround(pos, login, requestID)
			},
			check: func(t *testing.T, c *matrixCell) {
				require.Positive(t, c.client.responses.Load())
				assert.Equal(t, c.client.responses.Load(), c.client.withRequestID.Load(), "every response has an X-Request-ID")
			},
		},
		{
			// gzip replaces c.Writer; the client asks for gzip and decodes.
			name: "gzip", positions: both, replaced: matrixNever,
			chain: func(c *matrixCell, pos string, login gin.HandlerFunc) []gin.HandlerFunc {
				c.client.acceptGzip = true
				return matrixAround(pos, login, gzip.Gzip(gzip.DefaultCompression))
			},
			check: func(t *testing.T, c *matrixCell) {
				assert.Positive(t, c.client.compressed.Load(), "responses were compressed")
			},
		},
		{
			// A timeout middleware of the usual shape.
			name: "timeout", positions: both, replaced: matrixAfterOnly,
			chain: func(_ *matrixCell, pos string, login gin.HandlerFunc) []gin.HandlerFunc {
				return matrixAround(pos, login, matrixTimeout(time.Minute))
			},
			check: func(t *testing.T, c *matrixCell) {
				assert.Equal(t, c.handled.Load(), c.deadlines.Load(), "every login and logout ran with the deadline")
			},
		},
		{
			// The login and logout handlers replace c.Request themselves,
			// before anything read the session or after loading the user.
			name: "handler", positions: []string{"before-read", "after-read"}, handlerReplaces: true,
			replaced: func(string) bool { return true },
			chain: func(_ *matrixCell, _ string, login gin.HandlerFunc) []gin.HandlerFunc {
				return []gin.HandlerFunc{login}
			},
			check: func(*testing.T, *matrixCell) {},
		},
		{
			// gin-contrib's sessions.Sessions installs the session, and a
			// timeout middleware replaces c.Request before it, between it
			// and Middleware, or after both.
			name: "gin-contrib-sessions", positions: []string{"before", "between", "after"},
			chain: func(c *matrixCell, pos string, login gin.HandlerFunc) []gin.HandlerFunc {
				gc := sessions.Sessions(c.a.cfg.SessionCookie.Name, c.a.cfg.SessionStore)
				timeout := matrixTimeout(time.Minute)
				switch pos {
				case "before":
					return []gin.HandlerFunc{timeout, gc, login}
				case "between":
					return []gin.HandlerFunc{gc, timeout, login}
				default:
					return []gin.HandlerFunc{gc, login, timeout}
				}
			},
			check: func(t *testing.T, c *matrixCell) {
				assert.Equal(t, c.handled.Load(), c.ginContrib.Load(), "gin-contrib's session was the request's session")
				assert.Equal(t, c.handled.Load(), c.deadlines.Load())
			},
		},
	}
}

// matrixTimeout gives every request a deadline, the way timeout
// middlewares do: by replacing c.Request with a copy.
func matrixTimeout(d time.Duration) gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx, cancel := context.WithTimeout(c.Request.Context(), d)
		defer cancel()
		c.Request = c.Request.WithContext(ctx)
		c.Next()
	}
}

// matrixScenario is one guarantee checked in every stack and store.
type matrixScenario struct {
	name          string
	rememberStore bool // configure a RememberStore (MemoryStore)
	run           func(t *testing.T, c *matrixCell)
}

func matrixScenarios() []matrixScenario {
	return []matrixScenario{
		{name: "renewal", run: matrixRenewal},
		{name: "logout", run: matrixLogout},
		{name: "logout-remember", rememberStore: true, run: matrixLogout},
		{name: "flashes", run: matrixFlashes},
		{name: "carry-over", run: matrixCarryOver},
	}
}

// matrixRenewal: an attacker obtains a session cookie before the login and
// plants it in the victim's browser; the victim logs in with it. The planted
// cookie is not logged in, and on server-side stores the victim has a new
// session ID and the planted one's record is gone.
func matrixRenewal(t *testing.T, c *matrixCell) {
	attacker := c.browser()
	attacker.getStatus("/sess/set?k=lang&v=en", 200)
	planted := attacker.cookie("session")
	require.NotEmpty(t, planted)
	before := attacker.sessView()
	require.Equal(t, "en", before.Values["lang"])

	victim := c.withCookies("session", planted)
	victim.getStatus("/m/login/1", 200)
	require.Equal(t, "1", victim.who().ID, "the victim is logged in")
	assert.NotEqual(t, planted, victim.cookie("session"), "the victim got a new session cookie")
	after := victim.sessView()
	assert.Equal(t, "en", after.Values["lang"], "application values survive a login from an anonymous session")
	if c.kind.serverSide {
		require.NotEmpty(t, before.ID)
		assert.NotEqual(t, before.ID, after.ID, "a new session ID")
		assert.Empty(t, c.withCookies("session", planted).sessView().Values, "the planted session's record is gone")
	}
	assert.True(t, attacker.who().Anonymous, "the planted cookie is not logged in")
	assertLoginRedirect(t, attacker.get("/protected"))
}

// matrixLogout: logout ends the login in the same browser, and a copy of
// the browser's cookies taken before the logout is anonymous after it:
// always with a RememberStore (the session is bound to a device that logout
// deletes), and on server-side stores (the record is deleted) without one.
func matrixLogout(t *testing.T, c *matrixCell) {
	remember := c.a.cfg.RememberStore != nil
	b := c.browser()
	login := "/m/login/1"
	if remember {
		login += "?remember=1"
	}
	b.getStatus(login, 200)
	require.Equal(t, "1", b.who().ID)
	rememberName := c.a.cfg.RememberCookie.Name
	if remember {
		require.NotEmpty(t, b.cookie(rememberName))
	}
	copied := b.clone()
	oldSession := b.cookie("session")

	b.getStatus("/m/logout", 200)
	assert.True(t, b.who().Anonymous, "logout ends the login in the same browser")
	assertLoginRedirect(t, b.get("/protected"))
	assert.Empty(t, b.cookie(rememberName), "no remember cookie is left")

	if c.kind.serverSide {
		assert.Empty(t, c.withCookies("session", oldSession).sessView().Values, "logout deleted the session record")
	}
	if !c.kind.serverSide && !remember {
		// Without a RememberStore a copied cookie-store session cannot be
		// revoked: a documented limit (README, Known limits), asserted by
		// TestReplayAfterLogout.
		return
	}
	assert.True(t, copied.who().Anonymous, "a cookie jar copied before logout is anonymous after it")
	assertLoginRedirect(t, copied.get("/protected"))
	if remember {
		copied.dropCookie("session")
		assert.True(t, copied.who().Anonymous, "the copied remember cookie restores nothing")
	}
}

// matrixFlashes: flashes set before a redirect (by a guard, after a login,
// after a logout) are shown after it, exactly once.
func matrixFlashes(t *testing.T, c *matrixCell) {
	b := c.browser()
	rec := b.get("/protected")
	loc := assertLoginRedirect(t, rec)
	assert.Equal(t, []FlashMessage{{Category: DefaultMessageCategory, Message: DefaultLoginMessage}}, c.flashes(b, loc))
	assert.Empty(t, c.flashes(b, loc), "a flash is shown once")

	rec = b.get("/m/login/1?flash=Welcome")
	require.Equal(t, http.StatusFound, rec.Code, rec.Body.String())
	require.Equal(t, "/m/flashes", rec.Header().Get("Location"))
	assert.Equal(t, []FlashMessage{{Category: "success", Message: "Welcome"}}, c.flashes(b, "/m/flashes"))
	assert.Empty(t, c.flashes(b, "/m/flashes"), "a flash is shown once")
	assert.Equal(t, "1", b.who().ID)

	rec = b.get("/m/logout?flash=Goodbye")
	require.Equal(t, http.StatusFound, rec.Code, rec.Body.String())
	assert.Equal(t, []FlashMessage{{Category: "success", Message: "Goodbye"}}, c.flashes(b, "/m/flashes"))
	assert.Empty(t, c.flashes(b, "/m/flashes"), "a flash is shown once")
	assert.True(t, b.who().Anonymous)
}

// matrixCarryOver: what the application stored for user 1, and the login
// itself, are gone after logout and a login as user 2 in the same browser;
// and user 2's values are gone when user 1 logs in over them (Login
// keeps application values only when nobody or the same user was logged
// in, Logout keeps nothing).
func matrixCarryOver(t *testing.T, c *matrixCell) {
	b := c.browser()
	b.getStatus("/m/login/1", 200)
	b.getStatus("/sess/set?k=cart&v=notch-private", 200)
	require.Equal(t, "notch-private", b.sessView().Values["cart"])

	b.getStatus("/m/logout", 200)
	v := b.sessView().Values
	assert.NotContains(t, v, "cart", "logout keeps none of the application's values")
	assert.NotContains(t, v, keyLogin, "logout removes the login")

	b.getStatus("/m/login/2", 200)
	assert.Equal(t, "2", b.who().ID)
	v = b.sessView().Values
	assert.NotContains(t, v, "cart", "user 1's values are not visible to user 2")
	assert.Equal(t, "2", loginIn(v).UserID)

	b.getStatus("/sess/set?k=cart&v=steve-private", 200)
	b.getStatus("/m/login/1", 200)
	assert.Equal(t, "1", b.who().ID)
	v = b.sessView().Values
	assert.NotContains(t, v, "cart", "another user's login drops the values without a logout")
	assert.Equal(t, "1", loginIn(v).UserID)
}

// assertLoginRedirect checks that a page request was sent to the login page
// and returns where to.
func assertLoginRedirect(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	require.Equal(t, http.StatusFound, rec.Code, "not logged in: "+rec.Body.String())
	loc := rec.Header().Get("Location")
	require.True(t, strings.HasPrefix(loc, "/m/signin?"), loc)
	return loc
}

// matrixCell is one app of the matrix: its stack, store and what the stack's
// middleware and the handlers saw.
type matrixCell struct {
	a      *testApp
	kind   storeKind
	client *matrixClient
	tracer *sdktrace.TracerProvider
	spans  *tracetest.InMemoryExporter

	handlerReplaces bool
	pos             string
	// handled counts login and logout requests; of those, replaced saw
	// another c.Request than Middleware's session is bound to, ginContrib
	// saw gin-contrib's session, and deadlines had a context deadline.
	handled, replaced, ginContrib, deadlines atomic.Int64
}

func newMatrixCell(t *testing.T, st matrixStack, pos string, kind storeKind, rememberStore bool) *matrixCell {
	t.Helper()
	spans := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	c := &matrixCell{kind: kind, tracer: tp, spans: spans, handlerReplaces: st.handlerReplaces, pos: pos}
	c.a = newTestApp(t, func(cfg *Config) {
		cfg.SessionStore = kind.make(t)
		cfg.LoginURL = "/m/signin"
		if rememberStore {
			cfg.RememberStore = NewMemoryStore()
		}
	})
	c.a.engine = gin.New()
	c.client = &matrixClient{t: t, engine: c.a.engine}
	c.a.engine.Use(st.chain(c, pos, Middleware(c.a.mgr))...)
	c.a.routes()
	addSessionRoutes(c.a)
	c.routes()
	return c
}

// routes adds the handlers the scenarios use:
//
//	/m/login/:id   log in (?remember=1); with ?flash=.. flash it and redirect
//	/m/logout      log out; with ?flash=.. flash it and redirect
//	/m/signin      the login page: its flashes as JSON
//	/m/flashes     the flashes as JSON
func (c *matrixCell) routes() {
	r := c.a.engine
	login := loginHandler(c.a.users, func(g *gin.Context) { c.finish(g, "logged in") })
	logout := logoutHandler(func(g *gin.Context) { c.finish(g, "logged out") })
	r.GET("/m/login/:id", func(g *gin.Context) { c.enter(g); login(g) })
	r.GET("/m/logout", func(g *gin.Context) { c.enter(g); logout(g) })
	flashes := func(g *gin.Context) { g.JSON(200, Flashes(g)) }
	r.GET("/m/signin", flashes)
	r.GET("/m/flashes", flashes)
}

// callbackKey is a context key a handler adds, as an OAuth callback would.
type callbackKey struct{}

// enter runs at the start of the login and logout handlers: it replaces
// c.Request when the stack says so and records what the handler sees.
func (c *matrixCell) enter(g *gin.Context) {
	if c.handlerReplaces {
		if c.pos == "after-read" {
			_, _ = CurrentUser(g)
		}
		g.Request = g.Request.WithContext(context.WithValue(g.Request.Context(), callbackKey{}, "oauth-callback"))
	}
	c.handled.Add(1)
	if rs, ok := sessions.Default(g).(*requestSession); ok {
		if rs.req != g.Request {
			c.replaced.Add(1)
		}
	} else {
		c.ginContrib.Add(1)
	}
	if _, ok := g.Request.Context().Deadline(); ok {
		c.deadlines.Add(1)
	}
}

// finish flashes ?flash= and redirects to /m/flashes, or answers text.
func (c *matrixCell) finish(g *gin.Context, text string) {
	if msg := g.Query("flash"); msg != "" {
		Flash(g, "success", msg)
		g.Redirect(http.StatusFound, "/m/flashes")
		return
	}
	g.String(200, text)
}

// checkStack asserts that the stack's middleware ran as the cell's name
// says: handlers saw a replaced c.Request exactly where expected.
func (c *matrixCell) checkStack(t *testing.T, st matrixStack, pos string) {
	t.Helper()
	require.Positive(t, c.handled.Load(), "the scenario logged in")
	if st.replaced != nil {
		want := int64(0)
		if st.replaced(pos) {
			want = c.handled.Load()
		}
		assert.Equal(t, want, c.replaced.Load(), "handlers that saw a c.Request other than Middleware's")
	}
	st.check(t, c)
}

// browser returns a new browser of the cell's app, sending through the
// cell's client.
func (c *matrixCell) browser() *browser {
	b := c.a.browser()
	b.handler = c.client
	return b
}

// withCookies is testApp.withCookies through the cell's client.
func (c *matrixCell) withCookies(pairs ...string) *browser {
	b := c.browser()
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] != "" {
			b.setCookie(pairs[i], pairs[i+1])
		}
	}
	return b
}

// flashes GETs a page that lists the flashes as JSON.
func (c *matrixCell) flashes(b *browser, target string) []FlashMessage {
	b.t.Helper()
	return getJSON[[]FlashMessage](b, target)
}

// matrixClient sits between the test browsers and the engine as an HTTP
// client would: it asks for gzip when told to, decodes compressed bodies,
// and counts what it saw.
type matrixClient struct {
	t          *testing.T
	engine     http.Handler
	acceptGzip bool

	responses, compressed, withRequestID atomic.Int64
}

func (mc *matrixClient) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if mc.acceptGzip {
		r.Header.Set("Accept-Encoding", "gzip")
	}
	rec := httptest.NewRecorder()
	mc.engine.ServeHTTP(rec, r)
	mc.responses.Add(1)
	if rec.Header().Get("X-Request-ID") != "" {
		mc.withRequestID.Add(1)
	}
	body := rec.Body.Bytes()
	if rec.Header().Get("Content-Encoding") == "gzip" {
		if len(body) > 0 { // an aborted response (a redirect) has no body
			zr, err := stdgzip.NewReader(bytes.NewReader(body))
			require.NoError(mc.t, err)
			body, err = io.ReadAll(zr)
			require.NoError(mc.t, err)
			mc.compressed.Add(1)
		}
		rec.Header().Del("Content-Encoding")
		rec.Header().Del("Content-Length")
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(body)
}

// The cookie store's session cookie ends with the browser unless
// Persistent is set; server-side stores always get a lifetime.
func TestSessionCookieLifetime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		mutate     func(*Config)
		wantMaxAge int
	}{
		{"cookie store, browser session", nil, 0},
		{"cookie store, persistent", func(c *Config) { c.SessionCookie.Persistent = true }, int((12 * time.Hour).Seconds())},
		{"memstore", func(c *Config) {
			c.SessionStore = memstore.NewStore(SessionKeyPairs(testSecret)...)
			c.AbsoluteTimeout = 2 * time.Hour
		}, int((2 * time.Hour).Seconds())},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newTestApp(t, tt.mutate)
			rec := a.browser().get("/login/1")
			require.Equal(t, 200, rec.Code)
			var found bool
			for _, ck := range rec.Result().Cookies() {
				if ck.Name != "session" {
					continue
				}
				found = true
				assert.Equal(t, tt.wantMaxAge, ck.MaxAge)
				assert.Equal(t, tt.wantMaxAge == 0, ck.Expires.IsZero(), "Expires only on persistent cookies")
				assert.True(t, ck.HttpOnly)
				assert.True(t, ck.Secure)
				assert.Equal(t, http.SameSiteLaxMode, ck.SameSite)
			}
			assert.True(t, found, "a session cookie was set")
		})
	}
}

// assertRenewed checks that the browser's session was renewed: on a
// server-side store a new ID and the old record deleted (replaying the old
// cookie gives an empty session), on the cookie store new contents.
func assertRenewed(t *testing.T, a *testApp, kind storeKind, before sessionView, oldCookie string, b *browser) sessionView {
	t.Helper()
	after := b.sessView()
	newCookie := b.cookie("session")
	require.NotEmpty(t, newCookie)
	assert.NotEqual(t, oldCookie, newCookie, "a new session cookie")
	if !kind.serverSide {
		assert.NotEqual(t, before.Values, after.Values, "new contents")
		return after
	}
	require.NotEmpty(t, before.ID)
	assert.NotEqual(t, before.ID, after.ID, "a new session ID")
	old := a.withCookies("session", oldCookie).sessView()
	assert.Empty(t, old.Values, "the old session record was deleted")
	return after
}

// Guarantee 4: Login gives a new session; the application's values
// survive a login when nobody was logged in.
func TestLoginRenewsSession(t *testing.T) {
	t.Parallel()
	eachKind(t, allStoreKinds(), func(t *testing.T, kind storeKind) {
		a := newStoreApp(t, kind, nil)
		addSessionRoutes(a)
		b := a.browser()
		b.getStatus("/sess/set?k=cart&v=3-items", 200)
		before, oldCookie := b.sessView(), b.cookie("session")
		require.Equal(t, "3-items", before.Values["cart"])

		b.getStatus("/login/1", 200)
		after := assertRenewed(t, a, kind, before, oldCookie, b)
		assert.Equal(t, "1", loginIn(after.Values).UserID)
		assert.Equal(t, "3-items", after.Values["cart"], "application values survive a login from an anonymous session")
		assert.True(t, a.withCookies("session", oldCookie).who().Anonymous, "the old cookie is not logged in")
	})
}

// Guarantee 4: ConfirmLogin (reauthentication) gives a new session too,
// keeping its values.
func TestConfirmLoginRenewsSession(t *testing.T) {
	t.Parallel()
	eachKind(t, allStoreKinds(), func(t *testing.T, kind storeKind) {
		a := newStoreApp(t, kind, nil)
		addSessionRoutes(a)
		b := a.browser()
		b.getStatus("/login/1", 200)
		b.getStatus("/sess/set?k=cart&v=3-items", 200)
		a.clock.Advance(20 * time.Minute)
		require.False(t, b.who().Fresh)
		before, oldCookie := b.sessView(), b.cookie("session")

		b.getStatus("/confirm", 200)
		after := assertRenewed(t, a, kind, before, oldCookie, b)
		assert.Equal(t, "1", loginIn(after.Values).UserID)
		assert.Equal(t, "3-items", after.Values["cart"])
		assert.True(t, b.who().Fresh)
	})
}

// Guarantee 4: a restore from the remember cookie gives a new session and
// deletes the anonymous one it replaces.
func TestRememberRestoreRenewsSession(t *testing.T) {
	t.Parallel()
	eachKindScheme(t, allStoreKinds(), func(t *testing.T, kind storeKind, scheme rememberScheme) {
		a := newStoreApp(t, kind, withRememberStore(scheme.store()))
		addSessionRoutes(a)
		b := a.browser()
		b.getStatus("/login/1?remember=1", 200)
		b.dropCookie("session")
		// An anonymous session the application started (it does not
		// ask for the user, so nothing is restored yet).
		b.getStatus("/sess/set?k=cart&v=3-items", 200)
		before, oldCookie := b.sessView(), b.cookie("session")
		require.NotContains(t, before.Values, keyLogin)

		w := b.who()
		require.Equal(t, "1", w.ID)
		assert.False(t, w.Fresh, "a restored login is not fresh")
		after := assertRenewed(t, a, kind, before, oldCookie, b)
		assert.Equal(t, "1", loginIn(after.Values).UserID)
		assert.Equal(t, "3-items", after.Values["cart"])
	})
}

// Guarantee 4: library keys planted in the session before the login
// (freshness, device, stamp, login time, client identifier) never carry
// over into the new login.
func TestLoginDropsPlantedLibraryKeys(t *testing.T) {
	t.Parallel()
	eachKindScheme(t, allStoreKinds(), func(t *testing.T, kind storeKind, scheme rememberScheme) {
		a := newStoreApp(t, kind, withRememberStore(scheme.store()))
		addSessionRoutes(a)
		b := a.browser()
		now := a.clock.Now().Unix()
		// An application that writes the library's key itself
		// (Flask-Login #465): a fresh login of user 1 with a made-up
		// device, stamp, identifier and remember duration.
		planted := loginRecord{
			UserID: "1", LoginAt: 1, SeenAt: now, FreshAt: now, RememberFor: 99999999,
			Identifier: "planted", Stamp: "planted", Device: "planted",
		}.encode()
		b.getStatus("/sess/set?k="+keyLogin+"&v="+url.QueryEscape(planted), 200)
		b.getStatus("/login/1?fresh=0", 200)
		got := loginIn(b.sessView().Values)
		assert.Equal(t, "1", got.UserID)
		assert.Zero(t, got.FreshAt, "a NotFresh login is not fresh, whatever was planted")
		assert.Empty(t, got.Stamp, "the user has no AuthStamp")
		assert.Zero(t, got.RememberFor)
		assert.NotEqual(t, "planted", got.Device)
		assert.NotEqual(t, "planted", got.Identifier)
		assert.Equal(t, now, got.LoginAt)
		assert.False(t, b.who().Fresh)
	})
}

// Guarantee 4: application values survive a login when nobody or the same
// user was logged in, and are dropped when a different user logs in in the
// same browser (Django's flush).
func TestLoginKeepsApplicationValuesOnlyForTheSameUser(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		before string // who is logged in first ("" for nobody)
		then   string
		kept   bool
	}{
		{"nobody logged in", "", "1", true},
		{"same user again", "1", "1", true},
		{"another user", "1", "2", false},
	}
	for _, kind := range allStoreKinds() {
		for _, tt := range tests {
			t.Run(kind.name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				a := newStoreApp(t, kind, nil)
				addSessionRoutes(a)
				b := a.browser()
				if tt.before != "" {
					b.getStatus("/login/"+tt.before, 200)
				}
				b.getStatus("/sess/set?k=cart&v=private", 200)
				b.getStatus("/login/"+tt.then, 200)
				got := b.sessView().Values
				require.Equal(t, tt.then, loginIn(got).UserID)
				if tt.kept {
					assert.Equal(t, "private", got["cart"])
				} else {
					assert.NotContains(t, got, "cart", "another user's data never carries over")
				}
			})
		}
	}
}

// Guarantee 4: session fixation. An attacker obtains an anonymous session
// ID of their own from a server-side store and plants it in the victim's
// browser; the victim logs in; the attacker's ID is not logged in (its
// record is gone) and the victim has another ID.
func TestSessionFixation(t *testing.T) {
	t.Parallel()
	eachKindScheme(t, serverSideKinds(), func(t *testing.T, kind storeKind, scheme rememberScheme) {
		a := newStoreApp(t, kind, withRememberStore(scheme.store()))
		addSessionRoutes(a)
		attacker := a.browser()
		attacker.getStatus("/sess/set?k=lang&v=en", 200)
		planted := attacker.cookie("session")
		attackerID := attacker.sessView().ID
		require.NotEmpty(t, attackerID)

		victim := a.withCookies("session", planted)
		require.Equal(t, attackerID, victim.sessView().ID, "the plant worked")
		victim.getStatus("/login/1?remember=1", 200)
		assert.NotEqual(t, attackerID, victim.sessView().ID)
		assert.Equal(t, "1", victim.who().ID)

		assert.True(t, attacker.who().Anonymous, "the planted ID is not logged in")
		assert.NotContains(t, attacker.sessView().Values, keyLogin)
		assert.Equal(t, 401, attacker.get("/protected").Code)
	})
}

// loginIn parses the login record of a session view ("" gives a zero record).
func loginIn(values map[string]string) loginRecord {
	rec, _ := parseLoginRecord(values[keyLogin])
	return rec
}

// Guarantee 1: the library only sheds its own optional values. When the
// application's own values make the session too large for a cookie, saving
// fails with an error (Flash pushes it with c.Error; here the handler
// answers it with Fail: a 500), and no oversized cookie is written.
func TestOversizedApplicationSessionIsAnError(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, nil)
	var flashErr error
	a.engine.GET("/big", func(c *gin.Context) {
		sessions.Default(c).Set("big", strings.Repeat("x", 5000))
		Flash(c, "message", "hello")
		if last := c.Errors.Last(); last != nil {
			flashErr = last.Err
			Fail(c, flashErr)
			return
		}
		c.String(200, "saved")
	})
	rec := a.browser().get("/big")
	require.Error(t, flashErr)
	assert.False(t, IsUnavailable(flashErr), "not an outage: %v", flashErr)
	assert.Equal(t, http.StatusInternalServerError, rec.Code)
	assertCookiesFit(t, rec)
}
