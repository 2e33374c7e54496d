package app

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRecoveryCodesAreRandomAndHashedPerUser(t *testing.T) {
	codes, hashes, err := newRecoveryCodes("user-1")
	require.NoError(t, err)
	require.Len(t, codes, recoveryCodeCount)
	require.Len(t, hashes, recoveryCodeCount)
	seen := map[string]bool{}
	for i, code := range codes {
		assert.Len(t, code, recoveryCodeLength+3, code)
		for _, r := range strings.ReplaceAll(code, "-", "") {
			assert.Contains(t, recoveryCodeAlphabet, string(r))
		}
		assert.False(t, seen[code], "codes differ")
		seen[code] = true
		assert.Equal(t, hashes[i], recoveryCodeHash("user-1", code))
		assert.Equal(t, hashes[i], recoveryCodeHash("user-1", strings.ToUpper(strings.ReplaceAll(code, "-", " "))), "typed in any case, with spaces")
		assert.NotEqual(t, hashes[i], recoveryCodeHash("user-2", code), "the user's ID is hashed in")
		assert.Len(t, hashes[i], 64)
	}
}

// Every character of the alphabet is drawn about equally often: the
// rejection of biased bytes works.
func TestRandomCodeIsUniform(t *testing.T) {
	counts := map[rune]int{}
	const draws = 2000
	for range draws {
		code, err := randomCode()
		require.NoError(t, err)
		for _, r := range code {
			counts[r]++
		}
	}
	expected := float64(draws*recoveryCodeLength) / float64(len(recoveryCodeAlphabet))
	require.Len(t, counts, len(recoveryCodeAlphabet))
	for r, n := range counts {
		assert.InDelta(t, expected, float64(n), expected*0.15, "character %q", r)
	}
}
