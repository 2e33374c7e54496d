package ginlogin

import (
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
)

// FreshWithin gives one route its own window; the JSON answer to an API
// client says reauthentication is needed, distinct from "not logged in".
func TestFreshWithinIsPerRoute(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, func(c *Config) { c.FreshFor = 15 * time.Minute })
	ok := func(c *gin.Context) { c.String(200, "ok") }
	a.engine.GET("/delete-account", FreshLoginRequired(FreshWithin(5*time.Minute)), ok)
	a.engine.GET("/settings", FreshLoginRequired(), ok)
	b := a.browser()
	b.getStatus("/login/1", 200)
	a.clock.Advance(4 * time.Minute)
	assert.Equal(t, 200, b.get("/delete-account").Code)
	a.clock.Advance(2 * time.Minute)
	rec := b.get("/delete-account", "Accept", "application/json")
	assert.Equal(t, 401, rec.Code, "6 minutes after the password: too old for this route")
	assert.JSONEq(t, `{"error":"reauthentication_required","message":"Please reauthenticate to access this page."}`, rec.Body.String())
	assert.Equal(t, 200, b.get("/settings").Code, "the configured 15 minutes elsewhere")
	b.getStatus("/confirm", 200) // the password again
	assert.Equal(t, 200, b.get("/delete-account").Code)
}

// FreshGrace lets a multi-step form finish: a request that passed freshly
// opens a grace; later steps pass within it although the login went stale,
// and the grace ends with the login.
func TestFreshGraceLetsAMultiStepFormFinish(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, nil)
	ok := func(c *gin.Context) { c.String(200, "ok") }
	step := FreshLoginRequired(FreshWithin(5*time.Minute), FreshGrace(10*time.Minute))
	a.engine.GET("/wizard/:step", step, ok)
	a.engine.GET("/strict", FreshLoginRequired(FreshWithin(5*time.Minute)), ok)
	b := a.browser()
	b.getStatus("/login/1", 200)
	a.clock.Advance(4 * time.Minute)
	assert.Equal(t, 200, b.get("/wizard/1").Code, "fresh: the grace starts now")
	a.clock.Advance(8 * time.Minute) // 12 minutes after the password
	assert.Equal(t, 200, b.get("/wizard/2").Code, "stale, but within the grace")
	assert.Equal(t, 401, b.get("/strict", "Accept", "*/*").Code, "routes without a grace are not affected")
	a.clock.Advance(3 * time.Minute)
	assert.Equal(t, 401, b.get("/wizard/3", "Accept", "*/*").Code, "the grace is over")

	b.getStatus("/logout", 200)
	b.getStatus("/login/1", 200)
	a.clock.Advance(6 * time.Minute)
	assert.Equal(t, 401, b.get("/wizard/1", "Accept", "*/*").Code, "a stale login never opens a grace")
}

// Freshness options belong to FreshLoginRequired: elsewhere they are a
// wiring mistake, refused when the guard is made.
func TestFreshOptionsOnlyForFreshLoginRequired(t *testing.T) {
	t.Parallel()
	assert.PanicsWithValue(t, "ginlogin: LoginRequired(FreshWithin(...)): FreshWithin is an option of FreshLoginRequired",
		func() { LoginRequired(FreshWithin(time.Minute)) })
	assert.Panics(t, func() { Require(func(User) bool { return true }, FreshGrace(time.Minute)) })
	assert.Panics(t, func() { LoginRequiredByDefault(FreshWithin(time.Minute)) })
	assert.Panics(t, func() { FreshLoginRequired(FreshWithin(0)) })
	assert.NotPanics(t, func() { FreshLoginRequired(FreshWithin(time.Minute), FreshGrace(time.Minute)) })
}
