package app

import (
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMatchTOTPAllowsOneStepOfDriftAndNamesTheStep(t *testing.T) {
	key, err := newTOTPKey("ada@example.com")
	require.NoError(t, err)
	now := time.Unix(1_800_000_015, 0) // in the middle of step 60,000,000
	step := now.Unix() / totpPeriod
	for _, tc := range []struct {
		name   string
		at     time.Time
		ok     bool
		offset int64
	}{
		{"this step", now, true, 0},
		{"the previous step", now.Add(-30 * time.Second), true, -1},
		{"the next step", now.Add(30 * time.Second), true, 1},
		{"two steps ago", now.Add(-60 * time.Second), false, 0},
		{"two steps ahead", now.Add(60 * time.Second), false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, err := totp.GenerateCode(key.Secret(), tc.at)
			require.NoError(t, err)
			got, ok := matchTOTP(key.Secret(), code, now)
			assert.Equal(t, tc.ok, ok)
			if tc.ok {
				assert.Equal(t, step+tc.offset, got)
			}
		})
	}
	code, err := totp.GenerateCode(key.Secret(), now)
	require.NoError(t, err)
	_, ok := matchTOTP(key.Secret(), code[:3]+" "+code[3:], now)
	assert.True(t, ok, "spaces as apps show them")
	for _, bad := range []string{"", "12345", "1234567", "abcdef"} {
		_, ok := matchTOTP(key.Secret(), bad, now)
		assert.False(t, ok, bad)
	}
}

func TestTOTPKeyRebuildsTheSameKey(t *testing.T) {
	key, err := newTOTPKey("ada@example.com")
	require.NoError(t, err)
	again, err := totpKey("ada@example.com", key.Secret())
	require.NoError(t, err)
	assert.Equal(t, key.URL(), again.URL())
	assert.Contains(t, key.URL(), "issuer=ginlogin")
	_, err = totpKey("ada@example.com", "not base32!")
	assert.Error(t, err)
}

func TestLooksLikeTOTP(t *testing.T) {
	assert.True(t, looksLikeTOTP("123456"))
	assert.True(t, looksLikeTOTP(" 123 456 "))
	assert.False(t, looksLikeTOTP("abcd-efgh-jkmn-pqrs"))
	assert.False(t, looksLikeTOTP(""))
}
