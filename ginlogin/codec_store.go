package ginlogin

import "github.com/gorilla/securecookie"

// SessionCodec returns the serializer NewCookieStore writes session values
// with (the compact versioned form, gob for types it does not know; see
// NewCookieStore), for a session store that keeps the values itself, such
// as a Redis store: give it to the store through an adapter to its own
// serializer interface. Its output starts with a version byte from 0x81 to
// 0xF7, never with '{', so an adapter can still read values an earlier
// JSON serializer wrote by looking at the first byte; plain gob is read as
// NewCookieStore reads old cookies. Deserialize returns an error, never
// panics, on malformed input, and decodes the compact form only into a
// *map[any]any (what gorilla/sessions' Session.Values is).
func SessionCodec() securecookie.Serializer { return sessionCodec{} }
