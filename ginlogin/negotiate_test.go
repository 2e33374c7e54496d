package ginlogin

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// WantsHTML is true only for a client that lists an HTML type at least as
// high as any JSON type, as a browser's navigation does; curl's and
// fetch()'s "*/*", no Accept at all, JSON and XHR get JSON. Media ranges
// are weighed by their q parameter, whose name is case-insensitive (RFC
// 9110): "Q=0" refuses a type as "q=0" does (found by FuzzAcceptHeader).
func TestWantsHTML(t *testing.T) {
	t.Parallel()
	for accept, want := range map[string]bool{
		"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8": true, // a browser navigation
		"text/html":             true,
		"application/xhtml+xml": true,
		"*/*":                   false, // curl, fetch()
		"":                      false,
		"application/json":      false,
		"text/html;q=0":         false,
		"text/html;Q=0, */*":    false,
		"application/json; Q=0.5, text/html; Q=0.9": true,
		"APPLICATION/JSON;Q=0.9, TEXT/HTML;Q=0.8":   false,
		"text/html, application/json":               true,
		"application/problem+json":                  false,
		"image/avif,image/webp,*/*":                 false,
	} {
		assert.Equal(t, want, WantsHTML(acceptRequest(accept, "")), "Accept %q", accept)
	}
	assert.False(t, WantsHTML(acceptRequest("text/html", "xmlhttprequest")), "an XMLHttpRequest wants data")
}
