package knowledge

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// Search ranks sections by the words given, without abstaining: it is a
// lookup, not a diagnosis. At most n results, best first.
func (ix *Index) Search(words string, n int) []Match {
	lines := []Line{{No: 1, Raw: words, Text: words}}
	q := ix.buildQuery(lines)
	if len(q.terms) == 0 {
		return nil
	}
	cands := ix.rankQuery(q)
	var out []Match
	for _, c := range cands {
		if len(out) == n || c.bm25 == 0 {
			break
		}
		m := ix.toMatch(q, c, false, cands[0])
		m.Confidence = ""
		out = append(out, m)
	}
	q.release()
	return out
}

// Input errors a user can cause; each message says what to do.
var (
	ErrBinary = errors.New("this looks like binary data, not text: paste an error or send a .log/.txt file")
)

// TooLargeError says an input is over the configured limit. A reader that
// stopped at the limit knows only that (Size = Limit+1): the size is then
// not given.
type TooLargeError struct{ Size, Limit int64 }

func (e *TooLargeError) Error() string {
	size := ""
	if e.Size > e.Limit+1 {
		size = " " + humanBytes(e.Size) + ","
	}
	return fmt.Sprintf("input is%s over the %s limit: send the part around the error (or raise knowledge.max_input_mb)", size, humanBytes(e.Limit))
}

// CheckInput rejects what cannot be diagnosed: nothing, binary data, or more
// than limit bytes (0: no limit). Invalid UTF-8 is accepted and repaired.
func CheckInput(b []byte, limit int64) error {
	if limit > 0 && int64(len(b)) > limit {
		return &TooLargeError{Size: int64(len(b)), Limit: limit}
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return ErrEmpty
	}
	if looksBinary(b) {
		return ErrBinary
	}
	return nil
}

// looksBinary samples the start of b: NUL bytes, or many control bytes or
// invalid sequences, mean it is not a log.
func looksBinary(b []byte) bool {
	if len(b) > 8192 {
		b = b[:8192]
	}
	if bytes.IndexByte(b, 0) >= 0 {
		return true
	}
	n, bad := len(b), 0
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		switch {
		case r == utf8.RuneError && size == 1:
			bad++
		case r < 0x20 && r != '\n' && r != '\r' && r != '\t' && r != 0x1b:
			bad++
		}
		b = b[size:]
	}
	return bad > 8 && bad*10 > n
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return strings.TrimSuffix(fmt.Sprintf("%.1f", float64(n)/(1<<20)), ".0") + " MB"
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// Suggest returns section ids close to id, for "no such section" replies.
func (ix *Index) Suggest(id string) []string {
	id = strings.TrimSpace(id)
	var out []string
	for _, s := range ix.sections {
		if strings.HasPrefix(s.ID, id) || strings.HasPrefix(id, s.ID+".") {
			out = append(out, s.ID)
		}
	}
	if len(out) == 0 {
		if i := strings.IndexByte(id, '.'); i > 0 {
			for _, s := range ix.sections {
				if strings.HasPrefix(s.ID, id[:i+1]) {
					out = append(out, s.ID)
				}
			}
		}
	}
	sort.Strings(out)
	if len(out) > 8 {
		out = out[:8]
	}
	return out
}
