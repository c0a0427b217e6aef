package runbooks

import (
	"testing"

	"vigie/internal/doccheck"
)

// TestDocComments enforces the documentation rule: a package comment, and a
// comment starting with the name on every exported name.
func TestDocComments(t *testing.T) { doccheck.Check(t, ".", "vigie/runbooks", "runbooks") }
