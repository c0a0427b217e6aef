package knowledge

import (
	"fmt"
	"testing"
)

func TestDump(t *testing.T) {
	secs, err := Parse("x", DefaultCorpus)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secs {
		fmt.Printf("%-8s %-5v %s | parts=%d sigs=%d cmds=%d\n", s.ID, s.Archived, s.Title, len(s.Parts), len(s.Signatures), len(s.Commands))
		for _, g := range s.Signatures {
			fmt.Printf("      SIG %q\n", g)
		}
	}
}
