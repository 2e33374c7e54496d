package app

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSecretBoxOpensOnlyWhatItSealedForTheSameUser(t *testing.T) {
	box, err := newSecretBox([]byte(strings.Repeat("k", 32)))
	require.NoError(t, err)
	sealed, err := box.seal("user-1", "JBSWY3DPEHPK3PXP")
	require.NoError(t, err)
	assert.NotContains(t, sealed, "JBSWY3DPEHPK3PXP")
	again, err := box.seal("user-1", "JBSWY3DPEHPK3PXP")
	require.NoError(t, err)
	assert.NotEqual(t, sealed, again, "a new nonce each time")

	got, err := box.open("user-1", sealed)
	require.NoError(t, err)
	assert.Equal(t, "JBSWY3DPEHPK3PXP", got)

	_, err = box.open("user-2", sealed)
	assert.ErrorIs(t, err, errSecretUnreadable, "moved to another user's row")
	other, err := newSecretBox([]byte(strings.Repeat("x", 32)))
	require.NoError(t, err)
	_, err = other.open("user-1", sealed)
	assert.ErrorIs(t, err, errSecretUnreadable, "another secret key")
	tampered := sealed[:len(sealed)-2] + "AA"
	if tampered == sealed {
		tampered = sealed[:len(sealed)-2] + "BB"
	}
	_, err = box.open("user-1", tampered)
	assert.ErrorIs(t, err, errSecretUnreadable, "altered")
	for _, bad := range []string{"", "v1.", "v1.!!!", "v2." + sealed[3:], "JBSWY3DPEHPK3PXP"} {
		_, err = box.open("user-1", bad)
		assert.ErrorIs(t, err, errSecretUnreadable, bad)
	}
}
