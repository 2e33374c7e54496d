// Package templates holds the example app's HTML templates and stylesheet,
// embedded so the binary runs from any directory. base.html is the layout;
// every other .html file is one page that defines "title" and "content".
package templates

import "embed"

// FS holds the templates (*.html) and the stylesheet (style.css).
//
//go:embed *.html style.css
var FS embed.FS
