package app

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/ginlogin/ginlogin/example/templates"
	"github.com/ginlogin/ginlogin/ginlogin"
)

// page is what every template gets: the library's PageData (the user or
// nil, freshness, the flashed messages) and the app's own fields.
// Page-specific fields are left empty by the pages that do not use them.
type page struct {
	ginlogin.PageData
	Path      string
	CSRFToken string

	// Forms
	Email, Name, Next string
	RememberFor       string

	// Dashboard, profile and admin
	Devices          []ginlogin.DeviceInfo
	Tokens           []APIToken
	NewToken, Origin string
	UserCount        int
	DeviceCap        int // Config.MaxDevices, 0 for none

	// Two-step login
	TwoFactor *twoFactorPage

	// Error page
	Status                                          int
	ErrorTitle, ErrorText, ErrorLink, ErrorLinkText string
}

// pages holds one parsed template set per page: the base layout plus the
// page's own file, so every page can define "title" and "content".
type pages struct {
	sets map[string]*template.Template
}

func loadPages() (*pages, error) {
	funcs := template.FuncMap{
		"fmtTime": func(t time.Time) string {
			if t.IsZero() {
				return "—"
			}
			return t.UTC().Format("2 Jan 2006, 15:04 UTC")
		},
		"shortID": func(id string) string { return id[:min(len(id), 8)] },
	}
	files, err := fs.Glob(templates.FS, "*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{sets: make(map[string]*template.Template)}
	for _, f := range files {
		if f == "base.html" {
			continue
		}
		t, err := template.New(f).Funcs(funcs).ParseFS(templates.FS, "base.html", f)
		if err != nil {
			return nil, fmt.Errorf("app: template %s: %w", f, err)
		}
		p.sets[strings.TrimSuffix(f, ".html")] = t
	}
	return p, nil
}

// render writes the page with the status. It is rendered into a buffer
// first, so a template error gives a clean 500 instead of half a page.
func (p *pages) render(c *gin.Context, status int, name string, data *page) {
	t, ok := p.sets[name]
	if !ok {
		panic("app: no template " + name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "base", data); err != nil {
		_ = c.Error(err)
		c.Header("Content-Type", "text/plain; charset=utf-8")
		c.String(http.StatusInternalServerError, "Internal Server Error\n")
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}
