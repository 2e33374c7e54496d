package ginlogin

import (
	"strconv"
	"strings"
	"time"
)

// loginRecord is who is logged in to a session and since when. The session
// keeps it as one string under keyLogin, so a store decodes one value per
// request whatever the library tracks (with gob, every extra session value
// costs several allocations on every request), and a login is written or
// removed as a whole.
//
//	1|<login at>|<seen at>|<fresh at>|<remember seconds>|<identifier>|<stamp MAC>|<device>|<user id>
//
// Times are Unix seconds (0: never); the identifier, stamp MAC and device
// selector are base64url; the user ID comes last, so it may hold any
// character, "|" included.
type loginRecord struct {
	UserID      string
	LoginAt     int64  // the login (absolute timeout)
	SeenAt      int64  // the last recorded use (idle timeout)
	FreshAt     int64  // the last password entry; 0 when not fresh
	RememberFor int64  // this login's remember duration in seconds; 0: the configured one
	Identifier  string // HMAC of the client's address and User-Agent
	Stamp       string // HMAC of the user's AuthStamp; "" when the user has none
	Device      string // RememberStore selector; "" without a store
}

const loginRecordVersion = "1"

func (r loginRecord) encode() string {
	b := make([]byte, 0, 96+len(r.Identifier)+len(r.Stamp)+len(r.Device)+len(r.UserID))
	b = append(b, loginRecordVersion...)
	for _, n := range [...]int64{r.LoginAt, r.SeenAt, r.FreshAt, r.RememberFor} {
		b = append(b, '|')
		b = strconv.AppendInt(b, n, 10)
	}
	for _, s := range [...]string{r.Identifier, r.Stamp, r.Device, r.UserID} {
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
	if !ok || version != loginRecordVersion {
		return r, false
	}
	nums := [...]*int64{&r.LoginAt, &r.SeenAt, &r.FreshAt, &r.RememberFor}
	for _, p := range nums {
		var field string
		if field, rest, ok = strings.Cut(rest, "|"); !ok {
			return r, false
		}
		n, err := strconv.ParseInt(field, 10, 64)
		if err != nil || n < 0 {
			return r, false
		}
		*p = n
	}
	strs := [...]*string{&r.Identifier, &r.Stamp, &r.Device}
	for _, p := range strs {
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
