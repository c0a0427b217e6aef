package runbooks

import (
	"fmt"
	"strconv"
	"strings"
)

// Problem is one thing wrong with a runbook file.
type Problem struct {
	// File is the runbook's source: "defaults/recreate.yaml" or, for a
	// user runbook, its file name.
	File string
	// Line is the line of the offending key in File; 0 when the problem is
	// the file's as a whole.
	Line int
	// Key is the path of the offending key as written in the file, e.g.
	// "actions[1].kind"; "" when the problem is not one key's.
	Key string
	// Message says what is wrong and, when useful, what was found.
	Message string
}

// String returns "file:line: key: message", leaving out the line or the key
// when there is none.
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		b.WriteString(":" + strconv.Itoa(p.Line))
	}
	b.WriteString(": ")
	if p.Key != "" {
		b.WriteString(p.Key + ": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// ValidationError is every problem Load found, in file and line order, so
// that an operator fixes them all in one pass. Callers classify it with
// errors.As.
type ValidationError struct {
	// Problems is never empty.
	Problems []Problem
}

// Error lists the problems one per line.
func (e *ValidationError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// problems collects the problems of one load.
type problems []Problem

func (ps *problems) add(file string, line int, key, format string, args ...any) {
	*ps = append(*ps, Problem{File: file, Line: line, Key: key, Message: oneLine(fmt.Sprintf(format, args...))})
}

// oneLine keeps a message on one line, as every problem promises, whatever
// a file holds.
func oneLine(s string) string {
	return strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
}

// shown quotes a value read from a file or given as a parameter for a
// message, cut so that a pasted screenful stays one readable line.
func shown(s string) string {
	const max = 60
	if r := []rune(s); len(r) > max {
		s = string(r[:max]) + "…"
	}
	return strconv.Quote(s)
}
