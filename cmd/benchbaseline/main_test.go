package main

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoginThenAPIMe(t *testing.T) {
	h := handler([]byte("benchbaseline-test-secret-0123456789abcdef"))

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/me", nil))
	assert.Equal(t, http.StatusUnauthorized, rec.Code, "no session, no user")

	rec = httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(url.Values{"email": {"nobody@example.com"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	h.ServeHTTP(rec, req)
	assert.Equal(t, http.StatusUnauthorized, rec.Code, "unknown email")

	rec = httptest.NewRecorder()
	req = httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(url.Values{"email": {"bench@example.com"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	h.ServeHTTP(rec, req)
	require.Equal(t, http.StatusNoContent, rec.Code)
	cookies := rec.Result().Cookies()
	require.NotEmpty(t, cookies)

	me := httptest.NewRequest(http.MethodGet, "/api/me", nil)
	for _, c := range cookies {
		me.AddCookie(c)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, me)
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.JSONEq(t, `{"id":"1","email":"bench@example.com","name":"Bench"}`, rec.Body.String())
	assert.Empty(t, rec.Header().Values("Set-Cookie"), "reading the session rewrites no cookie")
}
