package ginlogin

import (
	"encoding/json"

	"github.com/gin-gonic/gin"
)

// FlashMessage is a message shown once on the next page, with a category
// such as "message", "error" or "success" (Flask's flash categories).
type FlashMessage struct {
	Category string `json:"c"`
	Message  string `json:"m"`
}

const (
	maxFlashes       = 8
	maxFlashLength   = 1024
	maxCategoryLenth = 32
)

// Flash adds a message for the next page and saves the session. Messages
// longer than 1024 bytes are cut (at a character boundary) and at most 8
// wait at a time, so the session cookie stays small; when the session would
// still be too large for its store (a cookie over 4 KB), the oldest
// messages are dropped.
//
// It returns nothing to check: a flash is a courtesy, not data. When the
// session cannot be read or saved (a store outage, no Middleware) the
// message is lost, the failure is logged at warning level and pushed with
// c.Error, and the handler goes on; the store failure itself reaches the
// user through the next guard or helper that needs the session.
func Flash(c *gin.Context, category, message string) {
	if err := flash(c, category, message); err != nil {
		_ = c.Error(err)
		if m, ok := managerOf(c); ok {
			m.cfg.Logger.Warn("ginlogin: flash message lost", "err", err, "path", c.FullPath())
		}
	}
}

// flash is Flash with the error, for the library's own redirects, which
// answer a store failure with Fail instead of redirecting without the
// message.
func flash(c *gin.Context, category, message string) error {
	st, err := stateOf(c)
	if err != nil {
		return err
	}
	h, err := st.m.session(c)
	if err != nil {
		return err
	}
	message = truncateUTF8(message, maxFlashLength)
	category = truncateUTF8(category, maxCategoryLenth)
	pending := h.s.Flashes(keyFlashes)
	if len(pending) >= maxFlashes {
		pending = pending[len(pending)-maxFlashes+1:]
	}
	b, err := json.Marshal(FlashMessage{Category: category, Message: message})
	if err != nil {
		return err
	}
	for _, p := range pending {
		h.s.AddFlash(p, keyFlashes)
	}
	h.s.AddFlash(string(b), keyFlashes)
	return st.m.save(c, h)
}

// Flashes returns and removes the waiting messages, oldest first, and saves
// the session. Page calls it for templates; call it directly for a JSON
// answer.
//
// It returns nil when there are none or the session cannot be read.
func Flashes(c *gin.Context) []FlashMessage {
	st, err := stateOf(c)
	if err != nil {
		return nil
	}
	h, err := st.m.session(c)
	if err != nil || h.s.Get(keyFlashes) == nil {
		return nil
	}
	raw := h.s.Flashes(keyFlashes)
	out := make([]FlashMessage, 0, len(raw))
	for _, r := range raw {
		s, ok := r.(string)
		if !ok {
			continue
		}
		var f FlashMessage
		if json.Unmarshal([]byte(s), &f) == nil {
			out = append(out, f)
		}
	}
	if err := st.m.save(c, h); err != nil {
		st.m.cfg.Logger.Warn("ginlogin: could not save the session after reading flashes", "err", err)
	}
	return out
}
