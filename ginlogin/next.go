package ginlogin

import (
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
)

// SafeNext reports whether target is safe to redirect to after a login,
// reauthentication or logout, and returns it unchanged if so. Only
// same-origin relative paths are accepted: "/dashboard?tab=2" passes;
// "https://evil.example", "//evil.example", "/\evil.example",
// "/\t/evil.example", "javascript:...", "" and anything with control
// characters or backslashes do not. The check is strict on purpose:
// browsers strip tabs and newlines, treat backslashes as slashes and ignore
// leading control characters, so a value is accepted only when no such
// normalisation can change where it points. It never looks at the Host
// header.
func SafeNext(target string) (string, bool) {
	if len(target) < 1 || len(target) > maxNextLength || target[0] != '/' || !utf8.ValidString(target) {
		return "", false
	}
	if len(target) > 1 && (target[1] == '/' || target[1] == '\\') {
		return "", false
	}
	for i := 0; i < len(target); i++ {
		if b := target[i]; b < 0x20 || b == 0x7f || b == '\\' {
			return "", false
		}
	}
	u, err := url.Parse(target)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !strings.HasPrefix(u.Path, "/") && u.Path != "" {
		return "", false
	}
	return target, true
}

// NextURL returns the page to go to after a login or reauthentication: the
// `next` form field, else the `next` query parameter, else (with
// Config.NextInSession) the page kept in the session, which is then removed.
// A value that fails SafeNext is ignored; fallback is returned when there is
// no safe value.
func NextURL(c *gin.Context, fallback string) string {
	st, err := stateOf(c)
	field := DefaultNextField
	if err == nil {
		field = st.m.cfg.NextField
	}
	candidates := []string{c.PostForm(field), c.Query(field)}
	if err == nil && st.m.cfg.NextInSession {
		if h, err := st.m.session(c); err == nil {
			if v := h.str(keyNext); v != "" {
				candidates = append(candidates, v)
				h.s.Delete(keyNext)
				_ = st.m.save(c, h)
			}
		}
	}
	for _, v := range candidates {
		if safe, ok := SafeNext(v); ok {
			return safe
		}
	}
	return fallback
}

func (m *Manager) setSessionNext(c *gin.Context, next string) error {
	h, err := m.session(c)
	if err != nil {
		return err
	}
	if safe, ok := SafeNext(next); ok {
		h.s.Set(keyNext, safe)
	} else {
		h.s.Delete(keyNext)
	}
	return m.save(c, h)
}

// withNext returns loginURL with field (usually "next") set to the page to
// return to, as Flask-Login's login_url does: other query parameters of
// loginURL are kept, the field is appended last, and next is reduced to path
// and query when loginURL is on the same site (see nextParam). With
// next == "" it returns loginURL unchanged.
func withNext(loginURL, next, field string) string {
	if next == "" {
		return loginURL
	}
	if field == "" {
		field = DefaultNextField
	}
	u, err := url.Parse(loginURL)
	if err != nil {
		return loginURL
	}
	var kept []string
	if u.RawQuery != "" {
		for _, pair := range strings.Split(u.RawQuery, "&") {
			key, _, _ := strings.Cut(pair, "=")
			if k, err := url.QueryUnescape(key); err == nil && k == field {
				continue
			}
			kept = append(kept, pair)
		}
	}
	kept = append(kept, url.QueryEscape(field)+"="+url.QueryEscape(nextParam(loginURL, next)))
	u.RawQuery = strings.Join(kept, "&")
	u.ForceQuery = false
	return u.String()
}

// nextParam returns what to put in `next` when sending the visitor of
// currentURL to loginURL: only the path and query of currentURL when
// loginURL has no or the same scheme and no or the same host (the fragment
// is dropped), and currentURL unchanged otherwise (Flask-Login's
// make_next_param).
func nextParam(loginURL, currentURL string) string {
	l, err1 := url.Parse(loginURL)
	cur, err2 := url.Parse(currentURL)
	if err1 != nil || err2 != nil {
		return currentURL
	}
	if (l.Scheme == "" || l.Scheme == cur.Scheme) && (l.Host == "" || l.Host == cur.Host) {
		p := cur.EscapedPath()
		if p == "" {
			p = "/"
		}
		if cur.RawQuery != "" {
			p += "?" + cur.RawQuery
		}
		return p
	}
	return currentURL
}
