package ginlogin

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestParityDocNamesRealTests: every Go test docs/PARITY.md cites as
// `TestName` (`path/file_test.go`) is defined in that file, so a renamed or
// moved test cannot leave the page pointing at nothing.
func TestParityDocNamesRealTests(t *testing.T) {
	doc, err := os.ReadFile("../docs/PARITY.md")
	require.NoError(t, err)
	cited := regexp.MustCompile("`(Test[A-Za-z0-9_]+)` \\(`([^`]+_test\\.go)`\\)").FindAllStringSubmatch(string(doc), -1)
	require.NotEmpty(t, cited, "docs/PARITY.md cites no tests")

	files := map[string]string{}
	for _, c := range cited {
		name, path := c[1], c[2]
		src, ok := files[path]
		if !ok {
			b, err := os.ReadFile(filepath.Join("..", filepath.FromSlash(path)))
			if !assert.NoError(t, err, "docs/PARITY.md cites %s in %s", name, path) {
				continue
			}
			src = string(b)
			files[path] = src
		}
		assert.Contains(t, src, "func "+name+"(", "docs/PARITY.md cites %s in %s, which does not define it", name, path)
	}
}

// TestParityDocCounts: the Counts table of docs/PARITY.md matches the rows
// of each numbered section.
func TestParityDocCounts(t *testing.T) {
	doc, err := os.ReadFile("../docs/PARITY.md")
	require.NoError(t, err)
	rows := map[string]int{} // section title → table rows
	var section string
	var counts [][2]string
	inCounts := false
	for _, line := range strings.Split(string(doc), "\n") {
		if title, ok := strings.CutPrefix(line, "## "); ok {
			inCounts = title == "Counts"
			if _, rest, numbered := strings.Cut(title, ". "); numbered {
				section = rest
			} else {
				section = ""
			}
			continue
		}
		if !strings.HasPrefix(line, "| ") || strings.HasPrefix(line, "|---") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		switch {
		case inCounts:
			counts = append(counts, [2]string{strings.TrimSpace(cells[0]), strings.TrimSpace(cells[1])})
		case section != "" && !strings.HasPrefix(line, "| Flask-Login item |") && !strings.HasPrefix(line, "| Flask-Login test |"):
			rows[section]++
		}
	}
	require.NotEmpty(t, counts, "docs/PARITY.md has no Counts table")
	total := 0
	for _, c := range counts[1:] { // counts[0] is the header row
		n, err := strconv.Atoi(c[1])
		require.NoError(t, err, "count of %q", c[0])
		if c[0] == "Total" {
			assert.Equal(t, total, n, "Total")
			continue
		}
		assert.Equal(t, rows[c[0]], n, "rows of section %q", c[0])
		total += rows[c[0]]
	}
}
