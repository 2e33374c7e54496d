package ginlogin_test

import (
	"testing"

	"github.com/ginlogin/ginlogin/ginlogin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSessionCodecRoundTripsSessionValues(t *testing.T) {
	codec := ginlogin.SessionCodec()
	in := map[any]any{"_login": "42|1|2|3|abc", "_fresh": true, "n": 7, "list": []any{"a", int64(2)}}
	b, err := codec.Serialize(in)
	require.NoError(t, err)
	require.NotEmpty(t, b)
	assert.NotEqual(t, byte('{'), b[0], "the first byte tells the codec's output from JSON")

	out := map[any]any{}
	require.NoError(t, codec.Deserialize(b, &out))
	assert.Equal(t, in, out)
}

func TestSessionCodecRefusesMalformedInput(t *testing.T) {
	codec := ginlogin.SessionCodec()
	b, err := codec.Serialize(map[any]any{"k": "v"})
	require.NoError(t, err)
	for _, bad := range [][]byte{nil, b[:len(b)-1], append(b[:len(b):len(b)], 0), {0xF0}} {
		out := map[any]any{}
		assert.Error(t, codec.Deserialize(bad, &out), "%x", bad)
	}
}
