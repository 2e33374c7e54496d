package ginlogin

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// valueVars are the package-level variables of the library that are not
// sentinel errors: each holds a plain value (no slice, map, pointer or
// function), so nothing can change it through a reference, and a copy is
// all any caller ever sees.
var valueVars = map[string]string{
	"selectorLen":  "int",
	"validatorLen": "int",
	"confBase":     "time.Time",
}

// Issue 8, item 4: the library keeps no mutable package-level state. Every
// package-level var of ginlogin and ginlogintest (test files aside) is a
// compile-time interface check (`var _ I = ...`), a sentinel error made
// with errors.New, or one of the plain values above. A new slice, map or
// pointer variable fails here; put it in the Manager or the request.
func TestNoMutablePackageLevelState(t *testing.T) {
	t.Parallel()
	for _, dir := range []string{".", "ginlogintest"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		require.NoError(t, err)
		require.NotEmpty(t, files)
		for _, name := range files {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.SkipObjectResolution)
			require.NoError(t, err)
			for _, decl := range f.Decls {
				gd, ok := decl.(*ast.GenDecl)
				if !ok || gd.Tok != token.VAR {
					continue
				}
				for _, spec := range gd.Specs {
					vs := spec.(*ast.ValueSpec)
					for i, id := range vs.Names {
						var value ast.Expr
						if i < len(vs.Values) {
							value = vs.Values[i]
						}
						if id.Name == "_" || isSentinelError(id.Name, value) {
							continue
						}
						if _, ok := valueVars[id.Name]; !ok {
							t.Errorf("%s: package-level var %s is neither a sentinel error nor a known plain value: keep state in the Manager or the request", name, id.Name)
						}
					}
				}
			}
		}
	}
}

// isSentinelError reports whether name = value is `ErrX = errors.New(...)`
// (or the unexported `errX`).
func isSentinelError(name string, value ast.Expr) bool {
	call, ok := value.(*ast.CallExpr)
	if !ok || !strings.HasPrefix(name, "Err") && !strings.HasPrefix(name, "err") {
		return false
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	pkg, ok := sel.X.(*ast.Ident)
	return ok && pkg.Name == "errors" && sel.Sel.Name == "New"
}

// Guarantee 7: the defaults are the documented constants, and each one
// takes effect exactly at its boundary.
func TestTimeoutDefaultsMatchDocumentedConstants(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, nil)
	cfg := a.mgr.Config()
	assert.Equal(t, 30*time.Minute, DefaultIdleTimeout)
	assert.Equal(t, 12*time.Hour, DefaultAbsoluteTimeout)
	assert.Equal(t, 15*time.Minute, DefaultFreshFor)
	assert.Equal(t, 30*time.Second, DefaultRotationGrace)
	assert.Equal(t, 30*24*time.Hour, DefaultRememberDuration)
	assert.Equal(t, DefaultIdleTimeout, cfg.IdleTimeout)
	assert.Equal(t, DefaultAbsoluteTimeout, cfg.AbsoluteTimeout)
	assert.Equal(t, DefaultFreshFor, cfg.FreshFor)
	assert.Equal(t, DefaultRotationGrace, cfg.RotationGrace)
	assert.Equal(t, DefaultRememberDuration, cfg.RememberCookie.Duration)

	tests := []struct {
		name  string
		after time.Duration
		path  string
		want  int
	}{
		{"fresh just before FreshFor", DefaultFreshFor - time.Second, "/fresh", 200},
		{"not fresh at FreshFor", DefaultFreshFor, "/fresh", 401},
		{"alive just before IdleTimeout", DefaultIdleTimeout - time.Second, "/protected", 200},
		{"idle at IdleTimeout", DefaultIdleTimeout, "/protected", 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newTestApp(t, nil)
			b := a.browser()
			b.getStatus("/login/1", 200)
			a.clock.Advance(tt.after)
			assert.Equal(t, tt.want, b.get(tt.path).Code)
		})
	}
}
