package ginlogintest

import (
	"context"
	"sync"

	"github.com/ginlogin/ginlogin/ginlogin"
)

// User is a ready-made user for tests, with an optional auth stamp.
type User struct {
	ginlogin.UserMixin
	ID    string
	Name  string
	Stamp string
}

// LoginID implements ginlogin.User: it returns ID.
func (u *User) LoginID() string { return u.ID }

// AuthStamp implements ginlogin.AuthStamper.
func (u *User) AuthStamp() string { return u.Stamp }

// Users is an in-memory user table whose Load method is a
// ginlogin.Config.UserLoader. It is safe for concurrent use.
type Users struct {
	mu    sync.Mutex
	users map[string]ginlogin.User
	err   error
}

// NewUsers returns a table holding users.
func NewUsers(users ...ginlogin.User) *Users {
	u := &Users{users: make(map[string]ginlogin.User)}
	for _, user := range users {
		u.users[user.LoginID()] = user
	}
	return u
}

// Put adds or replaces a user.
func (u *Users) Put(user ginlogin.User) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.users[user.LoginID()] = user
}

// Delete removes a user.
func (u *Users) Delete(id string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	delete(u.users, id)
}

// FailWith makes Load return err until it is called again with nil, to
// simulate a database outage.
func (u *Users) FailWith(err error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.err = err
}

// Load implements ginlogin.Config.UserLoader: (nil, nil) for unknown IDs.
func (u *Users) Load(_ context.Context, id string) (ginlogin.User, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.err != nil {
		return nil, u.err
	}
	user, ok := u.users[id]
	if !ok {
		return nil, nil
	}
	return user, nil
}
