package store

import (
	"strings"
	"testing"
)

// TestOpenQuotesNoPassword: a mistyped --redis-url is an error at start
// that says what is wrong without the password the URL holds.
func TestOpenQuotesNoPassword(t *testing.T) {
	t.Parallel()
	for _, url := range []string{"redis://:s3cret-pw@red is:6379/0", "redis://:s3cret-pw@redis:port/0", "rediss://user:s3cret-pw@redis:6379/x"} {
		_, err := Open(url, "", nil)
		if err == nil || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%s: %v; want an error without the password", url, err)
		}
	}
}
