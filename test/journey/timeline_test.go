package journey

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The parser reads the describe output the CLI's golden files show.
func TestTimelineParsesDescribe(t *testing.T) {
	b, err := os.ReadFile("testdata/describe-active.txt")
	require.NoError(t, err)
	rows := Timeline(string(b))
	require.Len(t, rows, len(Phases))
	assert.Equal(t, Row{Status: "done", Took: 3300 * time.Millisecond}, rows["Power on"])
	assert.Equal(t, Row{Status: "done", Took: 14700 * time.Millisecond}, rows["Install"])
	assert.Equal(t, Row{Status: "done", Took: 34 * time.Second}, rows["Phone home"])
	assert.Empty(t, Timeline("Timeline: none\n"))
}
