package ginlogin

import (
	"net/http"
	"strings"
	"time"
)

// The Set-Cookie plumbing: the remember cookie is written and deleted here,
// and every write replaces an earlier Set-Cookie of the same name so that a
// response carries one decision per cookie.

// setRememberCookie sets the remember cookie, replacing any Set-Cookie for it
// already in the response.
func (st *requestState) setRememberCookie(value string, expires time.Time) {
	rc := st.m.cfg.RememberCookie
	maxAge := int((expires.Sub(st.m.now()) + time.Second/2) / time.Second)
	if maxAge < 1 {
		maxAge = 1
	}
	setCookie(st.c.Writer, &http.Cookie{
		Name: rc.Name, Value: value, Path: rc.Path, Domain: rc.Domain,
		Expires: expires.UTC(), MaxAge: maxAge,
		Secure: !rc.Insecure, HttpOnly: !rc.ScriptReadable, SameSite: rc.SameSite,
	})
	st.rememberCleared = false
}

// clearRememberCookie deletes the remember cookie with the attributes it was
// set with (browsers ignore a deletion whose Path, Domain, Secure or SameSite
// differ). It is sent only when the browser has the cookie.
func (st *requestState) clearRememberCookie() {
	st.rememberCleared = true
	if !st.hasRememberCookie() && !hasSetCookie(st.c.Writer.Header(), st.m.cfg.RememberCookie.Name) {
		return
	}
	rc := st.m.cfg.RememberCookie
	setCookie(st.c.Writer, &http.Cookie{
		Name: rc.Name, Value: "", Path: rc.Path, Domain: rc.Domain,
		Expires: time.Unix(0, 0), MaxAge: -1,
		Secure: !rc.Insecure, HttpOnly: !rc.ScriptReadable, SameSite: rc.SameSite,
	})
}

// setCookie adds ck to the response, dropping an earlier Set-Cookie of the
// same name so that the browser sees one decision.
func setCookie(w http.ResponseWriter, ck *http.Cookie) {
	h := w.Header()
	if lines := h.Values("Set-Cookie"); len(lines) > 0 {
		kept := lines[:0:0]
		for _, l := range lines {
			if !strings.HasPrefix(l, ck.Name+"=") {
				kept = append(kept, l)
			}
		}
		h.Del("Set-Cookie")
		for _, l := range kept {
			h.Add("Set-Cookie", l)
		}
	}
	http.SetCookie(w, ck)
}

// keepLastSetCookie drops all but the last Set-Cookie line for name.
func keepLastSetCookie(h http.Header, name string) {
	lines := h.Values("Set-Cookie")
	last := -1
	for i, l := range lines {
		if strings.HasPrefix(l, name+"=") {
			last = i
		}
	}
	kept := make([]string, 0, len(lines))
	for i, l := range lines {
		if i == last || !strings.HasPrefix(l, name+"=") {
			kept = append(kept, l)
		}
	}
	h["Set-Cookie"] = kept
}

func hasSetCookie(h http.Header, name string) bool {
	for _, l := range h.Values("Set-Cookie") {
		if strings.HasPrefix(l, name+"=") {
			return true
		}
	}
	return false
}
