package ginlogin

import (
	"bytes"
	"context"
	"slices"
	"sync"
	"time"
)

// MemoryStore is a RememberStore in process memory: for tests and for sites
// that run one instance and accept that a restart logs everyone out. Use
// NewSQLStore to share devices between instances and keep them across
// restarts.
type MemoryStore struct {
	mu      sync.Mutex
	devices map[string]Device
}

var _ RememberStore = (*MemoryStore)(nil)

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{devices: make(map[string]Device)}
}

func cloneDevice(d Device) Device {
	d.ValidatorHash = bytes.Clone(d.ValidatorHash)
	d.PrevValidatorHash = bytes.Clone(d.PrevValidatorHash)
	d.RetiredValidatorHashes = cloneHashes(d.RetiredValidatorHashes)
	d.StampMAC = bytes.Clone(d.StampMAC)
	return d
}

func cloneHashes(hs [][]byte) [][]byte {
	if hs == nil {
		return nil
	}
	out := make([][]byte, len(hs))
	for i, h := range hs {
		out[i] = bytes.Clone(h)
	}
	return out
}

// CreateDevice implements RememberStore.
func (s *MemoryStore) CreateDevice(_ context.Context, d Device) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.devices[d.Selector] = cloneDevice(d)
	return nil
}

// Device implements RememberStore.
func (s *MemoryStore) Device(_ context.Context, selector string) (Device, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.devices[selector]
	if !ok {
		return Device{}, ErrDeviceNotFound
	}
	return cloneDevice(d), nil
}

// SwapValidators implements RememberStore.
func (s *MemoryStore) SwapValidators(_ context.Context, selector string, old, next Device, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.devices[selector]
	if !ok {
		return ErrDeviceNotFound
	}
	if !bytes.Equal(d.ValidatorHash, old.ValidatorHash) || d.ValidatorConfirmed != old.ValidatorConfirmed {
		return ErrRotationConflict
	}
	d.ValidatorHash = bytes.Clone(next.ValidatorHash)
	d.ValidatorConfirmed = next.ValidatorConfirmed
	d.PrevValidatorHash = bytes.Clone(next.PrevValidatorHash)
	d.RetiredValidatorHashes = cloneHashes(next.RetiredValidatorHashes)
	d.RotatedAt, d.LastUsedAt = next.RotatedAt, at
	s.devices[selector] = d
	return nil
}

// TouchDevice implements RememberStore.
func (s *MemoryStore) TouchDevice(_ context.Context, selector string, lastUsed, expires time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.devices[selector]
	if !ok {
		return ErrDeviceNotFound
	}
	d.LastUsedAt = lastUsed
	if !expires.IsZero() {
		d.ExpiresAt = expires
	}
	s.devices[selector] = d
	return nil
}

// DeleteDevice implements RememberStore.
func (s *MemoryStore) DeleteDevice(_ context.Context, selector string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.devices, selector)
	return nil
}

// DeleteUserDevices implements RememberStore.
func (s *MemoryStore) DeleteUserDevices(_ context.Context, userID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for sel, d := range s.devices {
		if d.UserID == userID {
			delete(s.devices, sel)
		}
	}
	return nil
}

// UserDevices implements RememberStore.
func (s *MemoryStore) UserDevices(_ context.Context, userID string) ([]Device, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Device
	for _, d := range s.devices {
		if d.UserID == userID {
			out = append(out, cloneDevice(d))
		}
	}
	slices.SortFunc(out, func(a, b Device) int { return b.CreatedAt.Compare(a.CreatedAt) })
	return out, nil
}

// DeleteExpired removes devices that expired before now and returns how many.
func (s *MemoryStore) DeleteExpired(_ context.Context, now time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for sel, d := range s.devices {
		if !d.ExpiresAt.After(now) {
			delete(s.devices, sel)
			n++
		}
	}
	return n, nil
}
