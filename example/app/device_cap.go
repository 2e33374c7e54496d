package app

import "github.com/ginlogin/ginlogin/ginlogin"

// maxDevices is ginlogin's Config.MaxDevices for the MAX_DEVICES setting:
// the same cap for every user, or none for 0. A login over the cap logs
// out the user's least recently used device (the app does not set
// RefuseOverDeviceLimit: a user who lost a phone can still log in), and
// Hooks.DeviceEvicted logs it.
func maxDevices(n int) func(ginlogin.User) int {
	if n <= 0 {
		return nil
	}
	return func(ginlogin.User) int { return n }
}
