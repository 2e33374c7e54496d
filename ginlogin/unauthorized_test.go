package ginlogin

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// IsAPIRequest weighs media ranges by their q parameter, whose name is
// case-insensitive (RFC 9110): "Q=0" refuses JSON as "q=0" does. Found by
// FuzzAcceptHeader.
func TestIsAPIRequestWeights(t *testing.T) {
	t.Parallel()
	for accept, want := range map[string]bool{
		"application/json":                          true,
		"application/json;q=0":                      false,
		"application/json;Q=0":                      false,
		"application/json; Q=0.5, text/html; Q=0.9": false,
		"APPLICATION/JSON;Q=0.9, TEXT/HTML;Q=0.8":   true,
		"text/html, application/json":               false,
		"application/problem+json":                  true,
		"":                                          false,
	} {
		assert.Equal(t, want, IsAPIRequest(acceptRequest(accept, "")), "Accept %q", accept)
	}
	assert.True(t, IsAPIRequest(acceptRequest("text/html", "xmlhttprequest")))
}
