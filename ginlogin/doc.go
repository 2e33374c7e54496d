// Package ginlogin manages user sessions for Gin: it loads the current user
// from a gin-contrib/sessions session, logs users in and out, remembers them
// across browser restarts, and guards routes that need a login or a fresh
// login. It follows Flask-Login's model and goes beyond it: revocable
// remember tokens, logout that ends the session server-side, session renewal
// on login, sessions bound to the user's credentials, server-side timeouts
// and a safe `next` by default.
package ginlogin
