package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExportedNames(t *testing.T) {
	names, err := exportedNames("testdata/sample")
	require.NoError(t, err)
	assert.Equal(t, []string{"field T.Exported", "func F", "imethod I.Do", "method T.M", "type I", "type T", "value A", "value V"}, names)
}
