package knowledge

import (
	"regexp"
	"strconv"
	"strings"
)

// MemoryMinimum is a memory floor the corpus sets for a service.
type MemoryMinimum struct {
	Service string
	Bytes   int64
	Section string
}

var memMinRE = regexp.MustCompile(`(?i)m[eé]moire minimum\**\s*:\s*(\d+)\s*([MG])`)

// MemoryMinimums reads the "Mémoire minimum : 1024M" rules of the corpus;
// the service is the one the section's chapter is about.
func (ix *Index) MemoryMinimums() []MemoryMinimum {
	var out []MemoryMinimum
	for i, s := range ix.sections {
		m := memMinRE.FindStringSubmatch(s.Body)
		if m == nil {
			continue
		}
		n, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil {
			continue
		}
		unit := int64(1 << 20)
		if strings.EqualFold(m[2], "G") {
			unit = 1 << 30
		}
		for _, svc := range ix.services {
			if ix.titleWords[i][svc] {
				out = append(out, MemoryMinimum{Service: svc, Bytes: n * unit, Section: s.ID})
				break
			}
		}
	}
	return out
}
