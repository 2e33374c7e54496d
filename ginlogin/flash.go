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
func Flash(c *gin.Context, category, message string) error {
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
// the session. Templates get them through the handler:
//
//	c.HTML(200, "page.html", gin.H{"flashes": ginlogin.Flashes(c)})
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
