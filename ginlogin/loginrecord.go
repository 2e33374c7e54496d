package ginlogin

import (
	"strconv"
	"strings"
	"time"
)

// loginRecord is who is logged in to a session and since when. The session
// keeps it as one short string under keyLogin: a store decodes one value per
// request whatever the library tracks (with gob, every extra session value
// costs several allocations on every request), a login is written or removed
// as a whole, and the cookie stays small (the cookie store's MAC, base64 and
// cookie parsing all cost in proportion to its length).
//
//	3|<login at>|<seen after>|<fresh after>|<remember seconds>|<identifier>|<stamp MAC>|<device>|<token tag>|<user id>
//
// Numbers are base 36. The login time is Unix seconds; the last use and the
// last password entry are seconds after it ("" for never fresh); the
// remember duration is "" for the configured one. The identifier, stamp MAC
// and device selector are base64url, and so is the token tag (which remember
// validator the browser holds, see docs/remember-tokens.md). The user ID
// comes last, so it may hold any character, "|" included. Version 2 records,
// which have no token tag, are still read.
type loginRecord struct {
	UserID      string
	LoginAt     int64  // the login, Unix seconds (absolute timeout)
	SeenAt      int64  // the last recorded use, Unix seconds (idle timeout)
	FreshAt     int64  // the last password entry, Unix seconds; 0 when not fresh
	RememberFor int64  // this login's remember duration in seconds; 0: the configured one
	Identifier  string // HMAC of the client's address and User-Agent
	Stamp       string // HMAC of the user's AuthStamp; "" when the user has none
	Device      string // RememberStore selector; "" without a store
	Token       string // tag of the browser's remember validator; "" when none
}

const (
	loginRecordVersion   = "3"
	loginRecordVersionV2 = "2" // before the token tag
)

func (r loginRecord) encode() string {
	b := make([]byte, 0, 48+len(r.Identifier)+len(r.Stamp)+len(r.Device)+len(r.Token)+len(r.UserID))
	b = append(b, loginRecordVersion...)
	b = append(b, '|')
	b = strconv.AppendInt(b, r.LoginAt, 36)
	b = append(b, '|')
	b = strconv.AppendInt(b, r.SeenAt-r.LoginAt, 36)
	b = append(b, '|')
	if r.FreshAt != 0 {
		b = strconv.AppendInt(b, r.FreshAt-r.LoginAt, 36)
	}
	b = append(b, '|')
	if r.RememberFor != 0 {
		b = strconv.AppendInt(b, r.RememberFor, 36)
	}
	for _, s := range [...]string{r.Identifier, r.Stamp, r.Device, r.Token, r.UserID} {
		b = append(b, '|')
		b = append(b, s...)
	}
	return string(b)
}

// parseLoginRecord reads what encode wrote. It allocates nothing: the
// strings of the record point into s.
func parseLoginRecord(s string) (loginRecord, bool) {
	var r loginRecord
	version, rest, ok := strings.Cut(s, "|")
	if !ok || version != loginRecordVersion && version != loginRecordVersionV2 {
		return r, false
	}
	var fields [4]string
	for i := range fields {
		if fields[i], rest, ok = strings.Cut(rest, "|"); !ok {
			return r, false
		}
	}
	var err error
	if r.LoginAt, err = strconv.ParseInt(fields[0], 36, 64); err != nil || r.LoginAt <= 0 {
		return r, false
	}
	seen, err := strconv.ParseInt(fields[1], 36, 64)
	if err != nil {
		return r, false
	}
	r.SeenAt = r.LoginAt + seen
	if fields[2] != "" {
		fresh, err := strconv.ParseInt(fields[2], 36, 64)
		if err != nil {
			return r, false
		}
		r.FreshAt = r.LoginAt + fresh
	}
	if fields[3] != "" {
		if r.RememberFor, err = strconv.ParseInt(fields[3], 36, 64); err != nil || r.RememberFor < 0 {
			return r, false
		}
	}
	strs := [...]*string{&r.Identifier, &r.Stamp, &r.Device, &r.Token}
	n := len(strs)
	if version == loginRecordVersionV2 {
		n-- // no token tag
	}
	for _, p := range strs[:n] {
		if *p, rest, ok = strings.Cut(rest, "|"); !ok {
			return r, false
		}
	}
	r.UserID = rest
	return r, r.UserID != ""
}

// unixTime converts a record time; ok is false for 0 (never).
func unixTime(n int64) (time.Time, bool) {
	if n <= 0 {
		return time.Time{}, false
	}
	return time.Unix(n, 0), true
}

// login returns the session's login record, if there is a valid one.
func (h sessionHandle) login() (loginRecord, bool) {
	s, _ := h.s.Get(keyLogin).(string)
	if s == "" {
		return loginRecord{}, false
	}
	return parseLoginRecord(s)
}

// setLogin stores r as the session's login.
func (h sessionHandle) setLogin(r loginRecord) { h.s.Set(keyLogin, r.encode()) }
