package upstream_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vb365-graphql/vb365-graphql/upstream"
)

// TestReadmeMatrixIsTheTable: the README's matrix of what each version has
// is the capability table, rendered.
func TestReadmeMatrixIsTheTable(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), upstream.Matrix()) {
		t.Errorf("the README's version matrix is not the table's; put this in its place:\n%s", upstream.Matrix())
	}
}
