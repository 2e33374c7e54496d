package app

import (
	"github.com/boj/redistore"
	"github.com/ginlogin/ginlogin/ginlogin"
	gsessions "github.com/gorilla/sessions"
)

// redisSerializer writes the session values kept in Redis with ginlogin's
// compact session codec (ginlogin.SessionCodec), the one its cookie store
// uses: decoding it takes no reflection, where JSON, which earlier versions
// of the app wrote, took a fifth of an authenticated request's time.
// Sessions written as JSON are still read (a JSON object starts with '{',
// which the codec's output never does), so an upgrade logs no one out;
// they are written in the codec's form the next time they change.
type redisSerializer struct{}

var _ redistore.SessionSerializer = redisSerializer{}

// Serialize implements redistore.SessionSerializer.
func (redisSerializer) Serialize(s *gsessions.Session) ([]byte, error) {
	return ginlogin.SessionCodec().Serialize(s.Values)
}

// Deserialize implements redistore.SessionSerializer. Malformed input is an
// error, never a panic; redistore then treats the session as a new one.
func (redisSerializer) Deserialize(b []byte, s *gsessions.Session) error {
	if len(b) > 0 && b[0] == '{' {
		return redistore.JSONSerializer{}.Deserialize(b, s)
	}
	if s.Values == nil {
		s.Values = map[any]any{}
	}
	return ginlogin.SessionCodec().Deserialize(b, &s.Values)
}
