package ginlogintest_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ginlogin/ginlogin/ginlogin"
	"github.com/ginlogin/ginlogin/ginlogin/ginlogintest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRememberStoreMemory(t *testing.T) {
	ginlogintest.TestRememberStore(t, func(*testing.T) ginlogin.RememberStore { return ginlogin.NewMemoryStore() })
}

func TestRememberStoreSharedStore(t *testing.T) {
	// One store for every subtest: the suite must not depend on an empty store.
	shared := ginlogin.NewMemoryStore()
	ginlogintest.TestRememberStore(t, func(*testing.T) ginlogin.RememberStore { return shared })
}

// Broken stores: a MemoryStore with one contract violation each. The suite
// must fail them in the subtests named here, and in no others unless
// othersFail is set (when the fault shows in every device comparison).
var brokenStores = map[string]struct {
	store      func() ginlogin.RememberStore
	failing    []string
	othersFail bool
}{
	"no_compare_and_swap": {
		store: func() ginlogin.RememberStore { return &noCAS{ginlogin.NewMemoryStore()} },
		failing: []string{
			"SwapValidators_twice_chains_the_states",
			"SwapValidators_confirms_the_current_validator",
			"SwapValidators_stale_state_is_ErrRotationConflict_and_changes_nothing",
			"SwapValidators_concurrent_same_state_exactly_one_wins",
		},
	},
	"missing_device_is_not_an_error": {
		store: func() ginlogin.RememberStore { return &hidesNotFound{ginlogin.NewMemoryStore()} },
		failing: []string{
			"Device_unknown_selector_is_ErrDeviceNotFound",
			"TouchDevice_unknown_selector_creates_nothing",
			"DeleteDevice_removes_only_that_device_and_is_idempotent",
			"DeleteUserDevices_removes_only_that_users_devices",
		},
	},
	"delete_of_missing_device_fails": {
		store:   func() ginlogin.RememberStore { return &strictDelete{ginlogin.NewMemoryStore()} },
		failing: []string{"DeleteDevice_removes_only_that_device_and_is_idempotent"},
	},
	"oldest_first": {
		store:   func() ginlogin.RememberStore { return &oldestFirst{ginlogin.NewMemoryStore()} },
		failing: []string{"UserDevices_lists_only_that_user_newest_first"},
	},
	"lists_and_deletes_every_user": {
		store: func() ginlogin.RememberStore { return &everyUser{MemoryStore: ginlogin.NewMemoryStore()} },
		failing: []string{
			"DeleteUserDevices_removes_only_that_users_devices",
			"UserDevices_lists_only_that_user_newest_first",
		},
	},
	"touch_ignores_expiry": {
		store:   func() ginlogin.RememberStore { return &touchNoExpiry{ginlogin.NewMemoryStore()} },
		failing: []string{"TouchDevice_with_expiry_sets_ExpiresAt"},
	},
	"seconds_only": {
		store: func() ginlogin.RememberStore { return &secondsOnly{ginlogin.NewMemoryStore()} },
		failing: []string{
			"CreateDevice_round_trips_every_field",
			"UserDevices_lists_only_that_user_newest_first",
		},
		othersFail: true,
	},
	"swap_ignores_confirmation": {
		store: func() ginlogin.RememberStore { return &swapIgnoresConfirmed{ginlogin.NewMemoryStore()} },
		failing: []string{
			"SwapValidators_confirms_the_current_validator",
			"SwapValidators_stale_state_is_ErrRotationConflict_and_changes_nothing",
		},
	},
	"keeps_few_retired_hashes": {
		store: func() ginlogin.RememberStore { return &fewRetired{ginlogin.NewMemoryStore()} },
		failing: []string{
			"SwapValidators_keeps_every_retired_hash_in_order",
		},
	},
	"caches_returned_devices": {
		store:   func() ginlogin.RememberStore { return &caching{MemoryStore: ginlogin.NewMemoryStore()} },
		failing: []string{"returned_devices_are_copies"},
	},
}

// TestBrokenStoreHelper runs the suite on the broken store named by the
// environment; TestRememberStoreCatchesBrokenStores starts it in a child
// process, because the suite failing is the expected outcome.
func TestBrokenStoreHelper(t *testing.T) {
	name := os.Getenv("GINLOGINTEST_BROKEN_STORE")
	if name == "" {
		t.Skip("runs only as a child process of TestRememberStoreCatchesBrokenStores")
	}
	broken, ok := brokenStores[name]
	require.True(t, ok, "unknown broken store %q", name)
	ginlogintest.TestRememberStore(t, func(*testing.T) ginlogin.RememberStore { return broken.store() })
}

func TestRememberStoreCatchesBrokenStores(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child test process per broken store")
	}
	failLine := regexp.MustCompile(`--- FAIL: TestBrokenStoreHelper/(\S+)`)
	for name, broken := range brokenStores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(os.Args[0], "-test.run=^TestBrokenStoreHelper$", "-test.v", "-test.count=1")
			cmd.Env = append(os.Environ(), "GINLOGINTEST_BROKEN_STORE="+name)
			out, err := cmd.CombinedOutput()
			var exitErr *exec.ExitError
			require.ErrorAs(t, err, &exitErr, "the suite must fail the broken store; output:\n%s", out)
			assert.NotContains(t, string(out), "panic:", "the suite must fail, not crash")

			var failed []string
			for _, m := range failLine.FindAllStringSubmatch(string(out), -1) {
				failed = append(failed, m[1])
			}
			for _, name := range broken.failing {
				assert.Contains(t, failed, name, "this subtest must fail; output:\n%s", out)
			}
			if !broken.othersFail {
				assert.ElementsMatch(t, broken.failing, failed, "failing subtests; output:\n%s", out)
			}
		})
	}
}

// noCAS swaps whatever the stored state is.
type noCAS struct{ *ginlogin.MemoryStore }

func (s *noCAS) SwapValidators(ctx context.Context, selector string, _, next ginlogin.Device, at time.Time) error {
	d, err := s.Device(ctx, selector)
	if err != nil {
		return err
	}
	return s.MemoryStore.SwapValidators(ctx, selector, d, next, at)
}

// hidesNotFound returns an empty device instead of ErrDeviceNotFound.
type hidesNotFound struct{ *ginlogin.MemoryStore }

func (s *hidesNotFound) Device(ctx context.Context, selector string) (ginlogin.Device, error) {
	d, err := s.MemoryStore.Device(ctx, selector)
	if errors.Is(err, ginlogin.ErrDeviceNotFound) {
		return ginlogin.Device{}, nil
	}
	return d, err
}

// strictDelete fails to delete a device that does not exist.
type strictDelete struct{ *ginlogin.MemoryStore }

func (s *strictDelete) DeleteDevice(ctx context.Context, selector string) error {
	if _, err := s.Device(ctx, selector); err != nil {
		return err
	}
	return s.MemoryStore.DeleteDevice(ctx, selector)
}

// oldestFirst lists devices in the wrong order.
type oldestFirst struct{ *ginlogin.MemoryStore }

func (s *oldestFirst) UserDevices(ctx context.Context, userID string) ([]ginlogin.Device, error) {
	list, err := s.MemoryStore.UserDevices(ctx, userID)
	slices.Reverse(list)
	return list, err
}

// everyUser ignores the user ID when listing and deleting.
type everyUser struct {
	*ginlogin.MemoryStore
	mu    sync.Mutex
	users map[string]bool
}

func (s *everyUser) CreateDevice(ctx context.Context, d ginlogin.Device) error {
	s.mu.Lock()
	if s.users == nil {
		s.users = map[string]bool{}
	}
	s.users[d.UserID] = true
	s.mu.Unlock()
	return s.MemoryStore.CreateDevice(ctx, d)
}

func (s *everyUser) allUsers() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for u := range s.users {
		out = append(out, u)
	}
	return out
}

func (s *everyUser) UserDevices(ctx context.Context, _ string) ([]ginlogin.Device, error) {
	var all []ginlogin.Device
	for _, u := range s.allUsers() {
		list, err := s.MemoryStore.UserDevices(ctx, u)
		if err != nil {
			return nil, err
		}
		all = append(all, list...)
	}
	slices.SortFunc(all, func(a, b ginlogin.Device) int { return b.CreatedAt.Compare(a.CreatedAt) })
	return all, nil
}

func (s *everyUser) DeleteUserDevices(ctx context.Context, _ string) error {
	for _, u := range s.allUsers() {
		if err := s.MemoryStore.DeleteUserDevices(ctx, u); err != nil {
			return err
		}
	}
	return nil
}

// touchNoExpiry never extends a device.
type touchNoExpiry struct{ *ginlogin.MemoryStore }

func (s *touchNoExpiry) TouchDevice(ctx context.Context, selector string, lastUsed, _ time.Time) error {
	return s.MemoryStore.TouchDevice(ctx, selector, lastUsed, time.Time{})
}

// swapIgnoresConfirmed compares only the validator hash, as a conditional
// UPDATE that forgot the confirmation column would.
type swapIgnoresConfirmed struct{ *ginlogin.MemoryStore }

func (s *swapIgnoresConfirmed) SwapValidators(ctx context.Context, selector string, old, next ginlogin.Device, at time.Time) error {
	d, err := s.Device(ctx, selector)
	if err != nil {
		return err
	}
	old.ValidatorConfirmed = d.ValidatorConfirmed
	return s.MemoryStore.SwapValidators(ctx, selector, old, next, at)
}

// fewRetired keeps only the newest four retired hashes.
type fewRetired struct{ *ginlogin.MemoryStore }

func (s *fewRetired) SwapValidators(ctx context.Context, selector string, old, next ginlogin.Device, at time.Time) error {
	if n := len(next.RetiredValidatorHashes); n > 4 {
		next.RetiredValidatorHashes = next.RetiredValidatorHashes[n-4:]
	}
	return s.MemoryStore.SwapValidators(ctx, selector, old, next, at)
}

// secondsOnly keeps times to the second, as a TIMESTAMP(0) column would.
type secondsOnly struct{ *ginlogin.MemoryStore }

func (s *secondsOnly) CreateDevice(ctx context.Context, d ginlogin.Device) error {
	for _, tp := range []*time.Time{&d.RotatedAt, &d.CreatedAt, &d.LastUsedAt, &d.ExpiresAt} {
		*tp = tp.Truncate(time.Second)
	}
	return s.MemoryStore.CreateDevice(ctx, d)
}

// caching hands out the same Device value (and so the same byte slices) for
// every lookup until the device changes.
type caching struct {
	*ginlogin.MemoryStore
	mu    sync.Mutex
	cache map[string]ginlogin.Device
}

func (s *caching) Device(ctx context.Context, selector string) (ginlogin.Device, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d, ok := s.cache[selector]; ok {
		return d, nil
	}
	d, err := s.MemoryStore.Device(ctx, selector)
	if err != nil {
		return d, err
	}
	if s.cache == nil {
		s.cache = map[string]ginlogin.Device{}
	}
	s.cache[selector] = d
	return d, nil
}

func (s *caching) forget() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.cache)
}

func (s *caching) SwapValidators(ctx context.Context, selector string, old, next ginlogin.Device, at time.Time) error {
	defer s.forget()
	return s.MemoryStore.SwapValidators(ctx, selector, old, next, at)
}

func (s *caching) TouchDevice(ctx context.Context, selector string, lastUsed, expires time.Time) error {
	defer s.forget()
	return s.MemoryStore.TouchDevice(ctx, selector, lastUsed, expires)
}

func (s *caching) DeleteDevice(ctx context.Context, selector string) error {
	defer s.forget()
	return s.MemoryStore.DeleteDevice(ctx, selector)
}

func (s *caching) DeleteUserDevices(ctx context.Context, userID string) error {
	defer s.forget()
	return s.MemoryStore.DeleteUserDevices(ctx, userID)
}

var (
	_ ginlogin.RememberStore = (*noCAS)(nil)
	_ ginlogin.RememberStore = (*hidesNotFound)(nil)
	_ ginlogin.RememberStore = (*strictDelete)(nil)
	_ ginlogin.RememberStore = (*oldestFirst)(nil)
	_ ginlogin.RememberStore = (*everyUser)(nil)
	_ ginlogin.RememberStore = (*touchNoExpiry)(nil)
	_ ginlogin.RememberStore = (*secondsOnly)(nil)
	_ ginlogin.RememberStore = (*caching)(nil)
)
