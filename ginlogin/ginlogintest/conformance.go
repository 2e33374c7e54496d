package ginlogintest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ginlogin/ginlogin/ginlogin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// confRacers is how many goroutines race to rotate one validator in
// each round of the concurrency check.
const confRacers = 16

// TestRememberStore checks that a ginlogin.RememberStore keeps the contract
// documented on the interface, so a custom store (Redis, DynamoDB, another
// SQL dialect) can be tested with one call:
//
//	func TestMyStore(t *testing.T) {
//		ginlogintest.TestRememberStore(t, func(t *testing.T) ginlogin.RememberStore {
//			return mystore.New(...)
//		})
//	}
//
// newStore is called once per subtest and should return an empty store; any
// clean-up belongs in t.Cleanup. Every subtest uses its own random selectors
// and user IDs, so stores that share data between calls pass as well.
//
// It checks: a create/get round trip of every Device field (hashes as bytes,
// where nil and empty are equal; times at microsecond precision; zero times
// stay zero); ErrDeviceNotFound (matched with errors.Is) for unknown
// selectors; SwapValidators as a compare-and-swap on ValidatorHash and
// ValidatorConfirmed (success replaces ValidatorHash, ValidatorConfirmed,
// PrevValidatorHash, RetiredValidatorHashes and RotatedAt, sets LastUsedAt
// and leaves every other field alone; a stale hash or confirmation flag
// gives ErrRotationConflict and changes nothing; an unknown selector gives
// ErrDeviceNotFound); that up to MaxRetiredValidators retired hashes are
// kept in order; that of many concurrent swaps from the same state exactly
// one wins (run it with -race); TouchDevice with and without an
// expiry; that DeleteDevice is idempotent; that DeleteUserDevices and
// UserDevices only see the given user and that UserDevices lists newest
// first; and that the store copies byte slices in and out, so callers
// mutating them change nothing stored.
func TestRememberStore(t *testing.T, newStore func(t *testing.T) ginlogin.RememberStore) {
	t.Helper()
	cases := []struct {
		name string
		run  func(t *testing.T, s ginlogin.RememberStore)
	}{
		{"CreateDevice_round_trips_every_field", confCheckRoundTrip},
		{"CreateDevice_round_trips_a_device_that_is_not_remembered", confCheckRoundTripNotRemembered},
		{"Device_unknown_selector_is_ErrDeviceNotFound", confCheckUnknownSelector},
		{"SwapValidators_replaces_the_validator_fields_only", confCheckSwap},
		{"SwapValidators_twice_chains_the_states", confCheckSwapTwice},
		{"SwapValidators_confirms_the_current_validator", confCheckSwapConfirm},
		{"SwapValidators_keeps_every_retired_hash_in_order", confCheckSwapRetired},
		{"SwapValidators_stale_state_is_ErrRotationConflict_and_changes_nothing", confCheckSwapStale},
		{"SwapValidators_unknown_selector_is_ErrDeviceNotFound", confCheckSwapUnknown},
		{"SwapValidators_concurrent_same_state_exactly_one_wins", confCheckSwapConcurrent},
		{"TouchDevice_without_expiry_keeps_ExpiresAt", confCheckTouch},
		{"TouchDevice_with_expiry_sets_ExpiresAt", confCheckTouchExpires},
		{"TouchDevice_unknown_selector_creates_nothing", confCheckTouchUnknown},
		{"DeleteDevice_removes_only_that_device_and_is_idempotent", confCheckDelete},
		{"DeleteUserDevices_removes_only_that_users_devices", confCheckDeleteUser},
		{"UserDevices_lists_only_that_user_newest_first", confCheckUserDevices},
		{"returned_devices_are_copies", confCheckReturnedCopies},
		{"stored_devices_are_copies_of_the_arguments", confCheckArgumentCopies},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			require.NotNil(t, s, "newStore returned nil")
			tc.run(t, s)
		})
	}
}

// confBase is a time with a microsecond fraction, so a store that keeps only
// seconds or milliseconds fails the round trip.
var confBase = time.Date(2026, 3, 4, 5, 6, 7, 123456000, time.UTC)

// confRandomID returns a random base64url string of n bytes, as the library's
// selectors are.
func confRandomID(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return base64.RawURLEncoding.EncodeToString(b)
}

// confHash returns a 32-byte value derived from label, distinct per label.
func confHash(label string) []byte {
	h := sha256.Sum256([]byte(label))
	return h[:]
}

// confDevice is a remembered device with every field set to a distinct value.
func confDevice(t *testing.T, userID string, created time.Time) ginlogin.Device {
	t.Helper()
	return ginlogin.Device{
		Selector:           confRandomID(t, 16),
		UserID:             userID,
		ValidatorHash:      confHash("validator " + userID),
		ValidatorConfirmed: true,
		PrevValidatorHash:  confHash("previous " + userID),
		RetiredValidatorHashes: [][]byte{
			confHash("retired 1 " + userID), confHash("retired 2 " + userID),
		},
		RotatedAt:  created.Add(-2 * time.Hour),
		StampMAC:   confHash("stamp " + userID)[:16],
		Label:      "Firefox on Linux — 佐藤's laptop",
		CreatedAt:  created,
		LastUsedAt: created.Add(3*time.Minute + 7*time.Microsecond),
		ExpiresAt:  created.Add(30*24*time.Hour + 11*time.Microsecond),
	}
}

// confUserID returns a user ID no other subtest uses.
func confUserID(t *testing.T) string {
	t.Helper()
	return "user-" + confRandomID(t, 9)
}

func confCreate(t *testing.T, s ginlogin.RememberStore, d ginlogin.Device) {
	t.Helper()
	require.NoError(t, s.CreateDevice(t.Context(), d), "CreateDevice")
}

func confGet(t *testing.T, s ginlogin.RememberStore, selector string) ginlogin.Device {
	t.Helper()
	d, err := s.Device(t.Context(), selector)
	require.NoError(t, err, "Device(%q)", selector)
	return d
}

func confRequireGone(t *testing.T, s ginlogin.RememberStore, selector string) {
	t.Helper()
	_, err := s.Device(t.Context(), selector)
	require.ErrorIs(t, err, ginlogin.ErrDeviceNotFound, "Device(%q) of a device that should not exist", selector)
}

// confAssertDevice compares every field: hashes by their bytes (nil equals
// empty) and times with time.Time.Equal (stores may return another zone).
func confAssertDevice(t *testing.T, want, got ginlogin.Device) {
	t.Helper()
	assert.Equal(t, want.Selector, got.Selector, "Selector")
	assert.Equal(t, want.UserID, got.UserID, "UserID")
	confAssertBytes(t, want.ValidatorHash, got.ValidatorHash, "ValidatorHash")
	assert.Equal(t, want.ValidatorConfirmed, got.ValidatorConfirmed, "ValidatorConfirmed")
	confAssertBytes(t, want.PrevValidatorHash, got.PrevValidatorHash, "PrevValidatorHash")
	if assert.Len(t, got.RetiredValidatorHashes, len(want.RetiredValidatorHashes), "RetiredValidatorHashes") {
		for i := range want.RetiredValidatorHashes {
			confAssertBytes(t, want.RetiredValidatorHashes[i], got.RetiredValidatorHashes[i], fmt.Sprintf("RetiredValidatorHashes[%d]", i))
		}
	}
	confAssertBytes(t, want.StampMAC, got.StampMAC, "StampMAC")
	assert.Equal(t, want.Label, got.Label, "Label")
	confAssertTime(t, want.RotatedAt, got.RotatedAt, "RotatedAt")
	confAssertTime(t, want.CreatedAt, got.CreatedAt, "CreatedAt")
	confAssertTime(t, want.LastUsedAt, got.LastUsedAt, "LastUsedAt")
	confAssertTime(t, want.ExpiresAt, got.ExpiresAt, "ExpiresAt")
}

func confAssertBytes(t *testing.T, want, got []byte, field string) {
	t.Helper()
	if !bytes.Equal(want, got) {
		t.Errorf("%s: got %x, want %x", field, got, want)
	}
}

func confAssertTime(t *testing.T, want, got time.Time, field string) {
	t.Helper()
	if want.IsZero() {
		assert.True(t, got.IsZero(), "%s: got %v, want the zero time", field, got)
		return
	}
	if !want.Equal(got) {
		t.Errorf("%s: got %v, want %v (times must keep microseconds)", field, got.UTC().Format(time.RFC3339Nano), want.UTC().Format(time.RFC3339Nano))
	}
}

func confCheckRoundTrip(t *testing.T, s ginlogin.RememberStore) {
	uid := "佐藤-" + confUserID(t)
	want := confDevice(t, uid, confBase)
	confCreate(t, s, want)
	confAssertDevice(t, want, confGet(t, s, want.Selector))

	// The zone of the times given must not matter.
	local := confDevice(t, uid, time.Now().In(time.FixedZone("UTC+5:30", 5*3600+1800)).Truncate(time.Microsecond))
	confCreate(t, s, local)
	confAssertDevice(t, local, confGet(t, s, local.Selector))
}

func confCheckRoundTripNotRemembered(t *testing.T, s ginlogin.RememberStore) {
	want := ginlogin.Device{
		Selector:   confRandomID(t, 16),
		UserID:     confUserID(t),
		CreatedAt:  confBase,
		LastUsedAt: confBase,
		ExpiresAt:  confBase.Add(12 * time.Hour),
	}
	confCreate(t, s, want)
	got := confGet(t, s, want.Selector)
	confAssertDevice(t, want, got)
	assert.False(t, got.Remembered(), "a device without a validator hash is not remembered")
}

func confCheckUnknownSelector(t *testing.T, s ginlogin.RememberStore) {
	confCreate(t, s, confDevice(t, confUserID(t), confBase))
	for _, sel := range []string{confRandomID(t, 16), "", "'; DROP TABLE devices; --"} {
		_, err := s.Device(t.Context(), sel)
		assert.ErrorIs(t, err, ginlogin.ErrDeviceNotFound, "Device(%q)", sel)
	}
}

// confNext is a validator state that differs from d's in every field
// SwapValidators replaces.
func confNext(d ginlogin.Device, label string, at time.Time) ginlogin.Device {
	next := d
	next.ValidatorHash = confHash(label)
	next.ValidatorConfirmed = !d.ValidatorConfirmed
	next.PrevValidatorHash = d.ValidatorHash
	next.RetiredValidatorHashes = append(slices.Clone(d.RetiredValidatorHashes), d.PrevValidatorHash)
	next.RotatedAt = at
	return next
}

func confCheckSwap(t *testing.T, s ginlogin.RememberStore) {
	d := confDevice(t, confUserID(t), confBase)
	confCreate(t, s, d)
	at := confBase.Add(time.Hour + 42*time.Microsecond)
	next := confNext(d, "rotated", at.Add(-time.Second))
	// Fields SwapValidators must not write differ in next too.
	next.UserID, next.Label, next.StampMAC = "someone else", "another label", confHash("other stamp")
	next.CreatedAt, next.ExpiresAt = confBase.Add(time.Minute), confBase.Add(time.Minute)
	require.NoError(t, s.SwapValidators(t.Context(), d.Selector, d, next, at))

	want := d
	want.ValidatorHash, want.ValidatorConfirmed = next.ValidatorHash, next.ValidatorConfirmed
	want.PrevValidatorHash, want.RetiredValidatorHashes = next.PrevValidatorHash, next.RetiredValidatorHashes
	want.RotatedAt, want.LastUsedAt = next.RotatedAt, at
	confAssertDevice(t, want, confGet(t, s, d.Selector))
}

func confCheckSwapTwice(t *testing.T, s ginlogin.RememberStore) {
	d := confDevice(t, confUserID(t), confBase)
	confCreate(t, s, d)
	at1, at2 := confBase.Add(time.Minute), confBase.Add(2*time.Minute)
	s1 := confNext(d, "first", at1)
	s2 := confNext(s1, "second", at2)
	require.NoError(t, s.SwapValidators(t.Context(), d.Selector, d, s1, at1))
	require.NoError(t, s.SwapValidators(t.Context(), d.Selector, s1, s2, at2))

	want := s2
	want.LastUsedAt = at2
	confAssertDevice(t, want, confGet(t, s, d.Selector))

	err := s.SwapValidators(t.Context(), d.Selector, d, confNext(d, "third", at2), confBase.Add(3*time.Minute))
	assert.ErrorIs(t, err, ginlogin.ErrRotationConflict, "the original state is two swaps old")
	confAssertDevice(t, want, confGet(t, s, d.Selector))
}

func confCheckSwapConfirm(t *testing.T, s ginlogin.RememberStore) {
	d := confDevice(t, confUserID(t), confBase)
	d.ValidatorConfirmed = false
	confCreate(t, s, d)
	confirmed := d
	confirmed.ValidatorConfirmed = true
	at := confBase.Add(time.Hour)
	require.NoError(t, s.SwapValidators(t.Context(), d.Selector, d, confirmed, at), "same hash, unconfirmed to confirmed")

	want := confirmed
	want.LastUsedAt = at
	confAssertDevice(t, want, confGet(t, s, d.Selector))
	err := s.SwapValidators(t.Context(), d.Selector, d, confNext(d, "reissued", at), at.Add(time.Minute))
	assert.ErrorIs(t, err, ginlogin.ErrRotationConflict, "a swap that read the unconfirmed state loses once it is confirmed")
	confAssertDevice(t, want, confGet(t, s, d.Selector))
}

func confCheckSwapRetired(t *testing.T, s ginlogin.RememberStore) {
	d := confDevice(t, confUserID(t), confBase)
	d.RetiredValidatorHashes = nil
	confCreate(t, s, d)
	next := d
	next.ValidatorHash = confHash("new")
	for i := range ginlogin.MaxRetiredValidators {
		next.RetiredValidatorHashes = append(next.RetiredValidatorHashes, confHash(fmt.Sprintf("retired %d", i)))
	}
	at := confBase.Add(time.Hour)
	require.NoError(t, s.SwapValidators(t.Context(), d.Selector, d, next, at))
	want := next
	want.LastUsedAt = at
	confAssertDevice(t, want, confGet(t, s, d.Selector))

	// And back to none.
	none := want
	none.ValidatorHash, none.RetiredValidatorHashes = confHash("newer"), nil
	require.NoError(t, s.SwapValidators(t.Context(), d.Selector, want, none, at))
	confAssertDevice(t, none, confGet(t, s, d.Selector))
}

func confCheckSwapStale(t *testing.T, s ginlogin.RememberStore) {
	d := confDevice(t, confUserID(t), confBase)
	confCreate(t, s, d)
	for _, stale := range [][]byte{d.PrevValidatorHash, confHash("never issued"), nil} {
		old := d
		old.ValidatorHash = stale
		err := s.SwapValidators(t.Context(), d.Selector, old, confNext(d, "attacker", confBase), confBase.Add(time.Hour))
		assert.ErrorIs(t, err, ginlogin.ErrRotationConflict, "SwapValidators from %x", stale)
		confAssertDevice(t, d, confGet(t, s, d.Selector))
	}
	old := d
	old.ValidatorConfirmed = !d.ValidatorConfirmed
	err := s.SwapValidators(t.Context(), d.Selector, old, confNext(d, "attacker", confBase), confBase.Add(time.Hour))
	assert.ErrorIs(t, err, ginlogin.ErrRotationConflict, "SwapValidators with the right hash but the wrong ValidatorConfirmed")
	confAssertDevice(t, d, confGet(t, s, d.Selector))
}

func confCheckSwapUnknown(t *testing.T, s ginlogin.RememberStore) {
	d := confDevice(t, confUserID(t), confBase)
	confCreate(t, s, d)
	err := s.SwapValidators(t.Context(), confRandomID(t, 16), d, confNext(d, "new", confBase), confBase.Add(time.Hour))
	assert.ErrorIs(t, err, ginlogin.ErrDeviceNotFound)
	confAssertDevice(t, d, confGet(t, s, d.Selector))
}

// confCheckSwapConcurrent starts many swaps from the same state at once, as
// parallel requests of one browser do, in a few rounds.
func confCheckSwapConcurrent(t *testing.T, s ginlogin.RememberStore) {
	d := confDevice(t, confUserID(t), confBase)
	confCreate(t, s, d)
	current := d
	for round := range 3 {
		at := confBase.Add(time.Duration(round+1) * time.Minute)
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			winners []int
		)
		start := make(chan struct{})
		nexts := make([]ginlogin.Device, confRacers)
		for i := range nexts {
			nexts[i] = confNext(current, fmt.Sprintf("round %d racer %d", round, i), at)
		}
		for i := range confRacers {
			wg.Go(func() {
				<-start
				err := s.SwapValidators(context.Background(), d.Selector, current, nexts[i], at)
				switch {
				case err == nil:
					mu.Lock()
					winners = append(winners, i)
					mu.Unlock()
				case errors.Is(err, ginlogin.ErrRotationConflict):
				default:
					t.Errorf("round %d racer %d: SwapValidators: %v, want nil or ErrRotationConflict", round, i, err)
				}
			})
		}
		close(start)
		wg.Wait()
		require.Len(t, winners, 1, "round %d: exactly one of %d concurrent swaps from the same state must win", round, confRacers)
		got := confGet(t, s, d.Selector)
		confAssertBytes(t, nexts[winners[0]].ValidatorHash, got.ValidatorHash, "ValidatorHash after the race")
		confAssertBytes(t, current.ValidatorHash, got.PrevValidatorHash, "PrevValidatorHash after the race")
		current = nexts[winners[0]]
	}
}

func confCheckTouch(t *testing.T, s ginlogin.RememberStore) {
	d := confDevice(t, confUserID(t), confBase)
	confCreate(t, s, d)
	used := confBase.Add(5*time.Hour + 3*time.Microsecond)
	require.NoError(t, s.TouchDevice(t.Context(), d.Selector, used, time.Time{}))
	want := d
	want.LastUsedAt = used
	confAssertDevice(t, want, confGet(t, s, d.Selector))
}

func confCheckTouchExpires(t *testing.T, s ginlogin.RememberStore) {
	d := confDevice(t, confUserID(t), confBase)
	confCreate(t, s, d)
	used, expires := confBase.Add(5*time.Hour), confBase.Add(60*24*time.Hour+9*time.Microsecond)
	require.NoError(t, s.TouchDevice(t.Context(), d.Selector, used, expires))
	want := d
	want.LastUsedAt, want.ExpiresAt = used, expires
	confAssertDevice(t, want, confGet(t, s, d.Selector))
}

func confCheckTouchUnknown(t *testing.T, s ginlogin.RememberStore) {
	sel := confRandomID(t, 16)
	err := s.TouchDevice(t.Context(), sel, confBase, confBase.Add(time.Hour))
	if err != nil {
		assert.ErrorIs(t, err, ginlogin.ErrDeviceNotFound, "TouchDevice of an unknown selector may only fail with ErrDeviceNotFound")
	}
	confRequireGone(t, s, sel)
}

func confCheckDelete(t *testing.T, s ginlogin.RememberStore) {
	uid := confUserID(t)
	gone, kept := confDevice(t, uid, confBase), confDevice(t, uid, confBase.Add(time.Second))
	confCreate(t, s, gone)
	confCreate(t, s, kept)
	require.NoError(t, s.DeleteDevice(t.Context(), gone.Selector))
	confRequireGone(t, s, gone.Selector)
	confAssertDevice(t, kept, confGet(t, s, kept.Selector))

	assert.NoError(t, s.DeleteDevice(t.Context(), gone.Selector), "deleting a deleted device")
	assert.NoError(t, s.DeleteDevice(t.Context(), confRandomID(t, 16)), "deleting a device that never existed")
	confAssertDevice(t, kept, confGet(t, s, kept.Selector))
}

func confCheckDeleteUser(t *testing.T, s ginlogin.RememberStore) {
	alice, bob := confUserID(t), confUserID(t)
	var aliceDevices, bobDevices []ginlogin.Device
	for i := range 3 {
		a := confDevice(t, alice, confBase.Add(time.Duration(i)*time.Minute))
		b := confDevice(t, bob, confBase.Add(time.Duration(i)*time.Minute))
		confCreate(t, s, a)
		confCreate(t, s, b)
		aliceDevices, bobDevices = append(aliceDevices, a), append(bobDevices, b)
	}
	require.NoError(t, s.DeleteUserDevices(t.Context(), alice))
	for _, d := range aliceDevices {
		confRequireGone(t, s, d.Selector)
	}
	for _, d := range bobDevices {
		confAssertDevice(t, d, confGet(t, s, d.Selector))
	}
	list, err := s.UserDevices(t.Context(), alice)
	require.NoError(t, err)
	assert.Empty(t, list, "UserDevices after DeleteUserDevices")

	assert.NoError(t, s.DeleteUserDevices(t.Context(), alice), "deleting the devices of a user who has none")
	assert.NoError(t, s.DeleteUserDevices(t.Context(), confUserID(t)), "deleting the devices of an unknown user")
	list, err = s.UserDevices(t.Context(), bob)
	require.NoError(t, err)
	assert.Len(t, list, len(bobDevices), "the other user's devices")
}

func confCheckUserDevices(t *testing.T, s ginlogin.RememberStore) {
	alice, bob := confUserID(t), confUserID(t)
	// Created out of order, one microsecond apart at the end: the list must
	// be sorted by CreatedAt, not by insertion or selector.
	offsets := []time.Duration{2 * time.Hour, 0, 5 * time.Hour, time.Hour, 5*time.Hour + time.Microsecond}
	byCreated := map[int64]ginlogin.Device{}
	for _, off := range offsets {
		d := confDevice(t, alice, confBase.Add(off))
		confCreate(t, s, d)
		byCreated[d.CreatedAt.UnixMicro()] = d
		confCreate(t, s, confDevice(t, bob, confBase.Add(off+time.Second)))
	}
	list, err := s.UserDevices(t.Context(), alice)
	require.NoError(t, err)
	require.Len(t, list, len(offsets), "only the user's devices")
	for i, got := range list {
		assert.Equal(t, alice, got.UserID, "device %d belongs to another user", i)
		want, ok := byCreated[got.CreatedAt.UnixMicro()]
		if assert.True(t, ok, "device %d has an unknown CreatedAt %v", i, got.CreatedAt) {
			confAssertDevice(t, want, got)
		}
		if i > 0 {
			assert.True(t, list[i-1].CreatedAt.After(got.CreatedAt), "newest first: device %d (%v) is not older than device %d (%v)",
				i, got.CreatedAt, i-1, list[i-1].CreatedAt)
		}
	}

	none, err := s.UserDevices(t.Context(), confUserID(t))
	require.NoError(t, err, "a user without devices is not an error")
	assert.Empty(t, none)
}

// confScribble overwrites every byte slice of d.
func confScribble(d *ginlogin.Device) {
	for _, b := range append([][]byte{d.ValidatorHash, d.PrevValidatorHash, d.StampMAC}, d.RetiredValidatorHashes...) {
		for i := range b {
			b[i] = 0xAA
		}
	}
}

func confCheckReturnedCopies(t *testing.T, s ginlogin.RememberStore) {
	d := confDevice(t, confUserID(t), confBase)
	confCreate(t, s, d)

	got := confGet(t, s, d.Selector)
	confScribble(&got)
	confAssertDevice(t, d, confGet(t, s, d.Selector))

	list, err := s.UserDevices(t.Context(), d.UserID)
	require.NoError(t, err)
	require.Len(t, list, 1)
	confScribble(&list[0])
	confAssertDevice(t, d, confGet(t, s, d.Selector))
}

func confCheckArgumentCopies(t *testing.T, s ginlogin.RememberStore) {
	d := confDevice(t, confUserID(t), confBase)
	want := d
	want.ValidatorHash = bytes.Clone(d.ValidatorHash)
	want.PrevValidatorHash = bytes.Clone(d.PrevValidatorHash)
	want.RetiredValidatorHashes = confCloneHashes(d.RetiredValidatorHashes)
	want.StampMAC = bytes.Clone(d.StampMAC)
	confCreate(t, s, d)
	confScribble(&d)
	confAssertDevice(t, want, confGet(t, s, d.Selector))

	old := want
	old.ValidatorHash = bytes.Clone(want.ValidatorHash)
	at := confBase.Add(time.Hour)
	next := confNext(want, "rotated", at)
	next.RetiredValidatorHashes = confCloneHashes(next.RetiredValidatorHashes)
	require.NoError(t, s.SwapValidators(t.Context(), d.Selector, old, next, at))
	want = next
	want.ValidatorHash = bytes.Clone(next.ValidatorHash)
	want.PrevValidatorHash = bytes.Clone(next.PrevValidatorHash)
	want.RetiredValidatorHashes = confCloneHashes(next.RetiredValidatorHashes)
	want.LastUsedAt = at
	for _, b := range append([][]byte{next.ValidatorHash, next.PrevValidatorHash, old.ValidatorHash}, next.RetiredValidatorHashes...) {
		for i := range b {
			b[i] = 0x55
		}
	}
	confAssertDevice(t, want, confGet(t, s, d.Selector))
}

func confCloneHashes(hs [][]byte) [][]byte {
	out := make([][]byte, len(hs))
	for i, h := range hs {
		out[i] = bytes.Clone(h)
	}
	return out
}
