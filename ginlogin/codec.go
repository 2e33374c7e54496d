package ginlogin

import (
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
)

// sessionCodec is the serializer of NewCookieStore's cookies: it turns the
// session values into the bytes securecookie then signs and encrypts, and
// back. It implements securecookie.Serializer.
//
// Session values the library writes (and most applications write) are a
// map of string keys to strings, booleans, ints and lists of those. Such a
// map is written in a compact, length-prefixed form that decodes without
// reflection; gob, securecookie's default, compiles a decoder for every
// cookie it reads, which costs more than the rest of an authenticated
// request. Anything else (an application's own struct, a map key that is
// not a string) is written with gob, so it works as it did before, provided
// the type is registered with gob.Register as gob requires.
//
// Every encoding starts with a version byte: codecCompactV1 or codecGobV1.
// Neither can start a gob stream (gob starts with a message length, whose
// first byte is below 0x80 or at least 0xF8), so a cookie written before
// this format, plain gob, is still recognised and read: an upgrade logs no
// one out.
//
// Decoding is strict: a truncated or padded input, a length beyond the
// input, an unknown tag or a repeated key is an error, never a panic. The
// input has passed securecookie's MAC check before it gets here, so this is
// defence in depth, not the line of defence.
type sessionCodec struct{}

// Version bytes: from the range 0x80-0xF7 that no gob stream starts with.
const (
	codecCompactV1 byte = 0x81 // the compact format below
	codecGobV1     byte = 0x82 // gob follows
)

// Tags of the compact format's values. A value is a tag byte and its
// payload; the map is codecCompactV1, uvarint count, then per entry the key
// (uvarint length, bytes) and the value.
const (
	tagString byte = 0x01 // uvarint length, bytes
	tagFalse  byte = 0x02 // no payload
	tagTrue   byte = 0x03 // no payload
	tagInt    byte = 0x04 // zig-zag varint
	tagInt64  byte = 0x05 // zig-zag varint
	tagList   byte = 0x06 // []any: uvarint count, then that many scalar values
)

// errCodec is the cause of every decoding failure of the compact format.
var errCodec = errors.New("ginlogin: session codec: malformed session values")

// Serialize implements securecookie.Serializer: the compact form when src is
// a map[any]any it can hold, else gob behind its version byte.
func (sessionCodec) Serialize(src any) ([]byte, error) {
	if m, ok := src.(map[any]any); ok {
		if n, ok := compactSize(m); ok {
			return appendCompact(make([]byte, 0, n), m), nil
		}
	}
	var buf bytes.Buffer
	buf.WriteByte(codecGobV1)
	if err := gob.NewEncoder(&buf).Encode(src); err != nil {
		return nil, fmt.Errorf("ginlogin: session codec: gob: %w", err)
	}
	return buf.Bytes(), nil
}

// Deserialize implements securecookie.Serializer. The compact form decodes
// only into a *map[any]any (what gorilla/sessions passes); gob, with or
// without its version byte, into whatever gob accepts.
func (sessionCodec) Deserialize(src []byte, dst any) error {
	if len(src) == 0 {
		return errCodec
	}
	switch src[0] {
	case codecCompactV1:
		p, ok := dst.(*map[any]any)
		if !ok || p == nil {
			return fmt.Errorf("ginlogin: session codec: compact session values decode into a *map[any]any, not %T", dst)
		}
		return decodeCompact(src[1:], p)
	case codecGobV1:
		src = src[1:]
	default:
		if src[0] >= 0x80 && src[0] < 0xF8 {
			return fmt.Errorf("%w: unknown version byte %#x", errCodec, src[0])
		}
		// A cookie from before the version byte: plain gob.
	}
	dec := gob.NewDecoder(bytes.NewReader(src))
	if p, ok := dst.(*map[any]any); ok && p != nil {
		var values map[any]any
		if err := dec.Decode(&values); err != nil {
			return fmt.Errorf("ginlogin: session codec: gob: %w", err)
		}
		if values == nil {
			values = map[any]any{}
		}
		mergeValues(p, values)
		return nil
	}
	if err := dec.Decode(dst); err != nil {
		return fmt.Errorf("ginlogin: session codec: gob: %w", err)
	}
	return nil
}

// compactSize returns the length of m in the compact form, and false when m
// holds a key or value the form does not.
func compactSize(m map[any]any) (int, bool) {
	n := 1 + uvarintLen(uint64(len(m)))
	for k, v := range m {
		ks, ok := k.(string)
		if !ok {
			return 0, false
		}
		n += uvarintLen(uint64(len(ks))) + len(ks)
		if l, ok := v.([]any); ok {
			n += 1 + uvarintLen(uint64(len(l)))
			for _, e := range l {
				s, ok := scalarSize(e)
				if !ok {
					return 0, false
				}
				n += s
			}
			continue
		}
		s, ok := scalarSize(v)
		if !ok {
			return 0, false
		}
		n += s
	}
	return n, true
}

// scalarSize is the length of v with its tag, and false for a type the
// compact form does not hold.
func scalarSize(v any) (int, bool) {
	switch v := v.(type) {
	case string:
		return 1 + uvarintLen(uint64(len(v))) + len(v), true
	case bool:
		return 1, true
	case int:
		return 1 + varintLen(int64(v)), true
	case int64:
		return 1 + varintLen(v), true
	}
	return 0, false
}

func uvarintLen(x uint64) int {
	var b [binary.MaxVarintLen64]byte
	return binary.PutUvarint(b[:], x)
}

func varintLen(x int64) int {
	var b [binary.MaxVarintLen64]byte
	return binary.PutVarint(b[:], x)
}

// appendCompact writes m, which compactSize accepted.
func appendCompact(b []byte, m map[any]any) []byte {
	b = append(b, codecCompactV1)
	b = binary.AppendUvarint(b, uint64(len(m)))
	for k, v := range m {
		ks := k.(string)
		b = binary.AppendUvarint(b, uint64(len(ks)))
		b = append(b, ks...)
		if l, ok := v.([]any); ok {
			b = append(b, tagList)
			b = binary.AppendUvarint(b, uint64(len(l)))
			for _, e := range l {
				b = appendScalar(b, e)
			}
			continue
		}
		b = appendScalar(b, v)
	}
	return b
}

func appendScalar(b []byte, v any) []byte {
	switch v := v.(type) {
	case string:
		b = append(b, tagString)
		b = binary.AppendUvarint(b, uint64(len(v)))
		return append(b, v...)
	case bool:
		if v {
			return append(b, tagTrue)
		}
		return append(b, tagFalse)
	case int:
		return binary.AppendVarint(append(b, tagInt), int64(v))
	case int64:
		return binary.AppendVarint(append(b, tagInt64), v)
	}
	panic(fmt.Sprintf("ginlogin: session codec: %T passed compactSize", v)) // unreachable: compactSize checked every value
}

// compactReader reads the compact form. Strings are cut from one copy of
// the whole input, so a session costs one allocation for its text, however
// many values it holds.
type compactReader struct {
	s   string
	off int
}

func decodeCompact(src []byte, dst *map[any]any) error {
	r := compactReader{s: string(src)}
	n, ok := r.uvarint()
	// Each entry takes at least two bytes: a key length and a tag.
	if !ok || n > uint64(len(r.s)-r.off)/2 {
		return errCodec
	}
	values := make(map[any]any, n)
	for range n {
		k, ok := r.str()
		if !ok {
			return errCodec
		}
		key := internKey(k)
		if _, dup := values[key]; dup {
			return fmt.Errorf("%w: key %q repeated", errCodec, k)
		}
		v, ok := r.value()
		if !ok {
			return errCodec
		}
		values[key] = v
	}
	if r.off != len(r.s) {
		return fmt.Errorf("%w: %d bytes after the values", errCodec, len(r.s)-r.off)
	}
	mergeValues(dst, values)
	return nil
}

// mergeValues adds a fully decoded map to *dst. Decoding into a map of its
// own first means a failure halfway leaves *dst as it was: gorilla/sessions
// keeps the values of a session whose cookie did not decode.
func mergeValues(dst *map[any]any, values map[any]any) {
	if len(*dst) == 0 {
		*dst = values
		return
	}
	for k, v := range values {
		(*dst)[k] = v
	}
}

// internKey returns the library's own keys as constants, so that reading
// them allocates nothing.
func internKey(k string) any {
	switch k {
	case keyLogin:
		return keyLogin
	case keyNext:
		return keyNext
	case keyFlashes:
		return keyFlashes
	}
	return k
}

func (r *compactReader) uvarint() (uint64, bool) {
	v, n := uvarintString(r.s[r.off:])
	if n <= 0 {
		return 0, false
	}
	r.off += n
	return v, true
}

func (r *compactReader) str() (string, bool) {
	n, ok := r.uvarint()
	if !ok || n > uint64(len(r.s)-r.off) {
		return "", false
	}
	s := r.s[r.off : r.off+int(n)]
	r.off += int(n)
	return s, true
}

func (r *compactReader) value() (any, bool) {
	if r.off < len(r.s) && r.s[r.off] == tagList {
		r.off++
		n, ok := r.uvarint()
		// Each element takes at least one byte.
		if !ok || n > uint64(len(r.s)-r.off) {
			return nil, false
		}
		l := make([]any, n)
		for i := range l {
			if l[i], ok = r.scalar(); !ok {
				return nil, false
			}
		}
		return l, true
	}
	return r.scalar()
}

func (r *compactReader) scalar() (any, bool) {
	if r.off >= len(r.s) {
		return nil, false
	}
	tag := r.s[r.off]
	r.off++
	switch tag {
	case tagString:
		return r.str()
	case tagFalse:
		return false, true
	case tagTrue:
		return true, true
	case tagInt, tagInt64:
		u, n := uvarintString(r.s[r.off:])
		if n <= 0 {
			return nil, false
		}
		r.off += n
		v := int64(u>>1) ^ -int64(u&1) // zig-zag, as binary.Varint
		if tag == tagInt64 {
			return v, true
		}
		if int64(int(v)) != v {
			return nil, false
		}
		return int(v), true
	}
	return nil, false
}

// uvarintString is binary.Uvarint on a string, without copying it: the
// value and the number of bytes read, or n <= 0 when s is too short or the
// value overflows 64 bits.
func uvarintString(s string) (uint64, int) {
	var x uint64
	var shift uint
	for i := 0; i < len(s); i++ {
		if i == binary.MaxVarintLen64 {
			return 0, -(i + 1)
		}
		c := s[i]
		if c < 0x80 {
			if i == binary.MaxVarintLen64-1 && c > 1 {
				return 0, -(i + 1)
			}
			return x | uint64(c)<<shift, i + 1
		}
		x |= uint64(c&0x7f) << shift
		shift += 7
	}
	return 0, 0
}
