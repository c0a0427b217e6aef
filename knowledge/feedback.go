package knowledge

import (
	"hash/fnv"
	"sort"
	"strconv"
	"strings"
)

// Votes returns, for a normalised error signature, the net votes (👍 minus
// 👎) operators gave each section; nil when there are none.
type Votes func(signature string) map[string]int

// SetVotes installs the operators' feedback: a section voted down for an
// error drops below the next candidate for that error; voted up, it rises.
func (ix *Index) SetVotes(v Votes) { ix.votes.Store(&v) }

func (ix *Index) votesFor(sig string) map[string]int {
	p := ix.votes.Load()
	if p == nil || *p == nil || sig == "" {
		return nil
	}
	return (*p)(sig)
}

// errorSignature is the normalised shape of an input's error: its core words,
// sorted, hashed. Timestamps, ids, numbers and word order do not change it,
// so the same error seen again gets the same feedback.
func errorSignature(q *query) string {
	seen := map[string]bool{}
	var words []string
	for _, t := range q.terms {
		if !t.core || t.weight < 0.5 || seen[t.text] || isDigits(t.text) {
			continue
		}
		seen[t.text] = true
		words = append(words, t.text)
	}
	if len(words) == 0 {
		return ""
	}
	sort.Strings(words)
	h := fnv.New64a()
	h.Write([]byte(strings.Join(words, " ")))
	return strconv.FormatUint(h.Sum64(), 36)
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// voteFactor scales a section's rank by its net votes: each net 👎 halves
// it, each net 👍 adds a fifth, within bounds.
func voteFactor(net int) float64 {
	switch {
	case net < 0:
		f := 1.0
		for i := 0; i < -net && i < 4; i++ {
			f /= 2
		}
		return f
	case net > 0:
		if net > 3 {
			net = 3
		}
		return 1 + 0.2*float64(net)
	}
	return 1
}
