package ginlogin

import (
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
)

// WantsHTML reports whether the client asked for a page rather than data:
// its Accept header lists text/html (or application/xhtml+xml) with a
// quality at least as high as any JSON type, as a browser's navigation
// does, the request is not an XMLHttpRequest (X-Requested-With), and its
// route's guard was not made with AsAPI. A missing Accept header, "*/*"
// (curl, fetch()) and "application/json" are not pages. The guards, Deny
// and Fail use it to choose between a redirect or page and JSON.
func WantsHTML(c *gin.Context) bool {
	if v, ok := c.Get(apiRouteKey{}); ok && v == true {
		return false
	}
	if strings.EqualFold(c.GetHeader("X-Requested-With"), "XMLHttpRequest") {
		return false
	}
	accept := c.GetHeader("Accept")
	if accept == "" {
		return false
	}
	jsonQ, htmlQ := 0.0, 0.0
	for part := range strings.SplitSeq(accept, ",") {
		mediaType, q := parseAcceptPart(part)
		switch {
		case mediaType == "application/json" || strings.HasSuffix(mediaType, "+json"):
			jsonQ = max(jsonQ, q)
		case mediaType == "text/html" || mediaType == "application/xhtml+xml":
			htmlQ = max(htmlQ, q)
		}
	}
	return htmlQ > 0 && htmlQ >= jsonQ
}

func parseAcceptPart(part string) (string, float64) {
	fields := strings.Split(part, ";")
	mediaType := strings.ToLower(strings.TrimSpace(fields[0]))
	q := 1.0
	for _, f := range fields[1:] {
		// Parameter names are case-insensitive (RFC 9110): "Q=0" is q=0.
		f = strings.TrimSpace(f)
		if len(f) >= 2 && (f[0] == 'q' || f[0] == 'Q') && f[1] == '=' {
			v := f[2:]
			if val, err := strconv.ParseFloat(v, 64); err == nil && val >= 0 && val <= 1 {
				q = val
			}
		}
	}
	return mediaType, q
}
