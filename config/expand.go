package config

import (
	"bytes"
	"fmt"
	"strings"
)

// lineError is a problem at a known line of the raw file.
type lineError struct {
	line int
	msg  string
}

func (e *lineError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

// expand replaces ${VAR} and ${VAR:-default} in src with values from env, and
// $$ with a literal $. An unset variable expands to "", and so does an empty
// one unless it has a default. A lone $ (as in a password) is left alone, and
// nothing is expanded twice, so a value containing ${ or $$ is inserted as
// is. It also returns the lines that received a value, so that decode errors
// on those lines can avoid echoing what may be a secret.
//
// Expansion works on the raw text, before YAML sees it. To keep the line
// numbers of later errors true, and to stop a variable from injecting keys, a
// value may not contain a line break.
func expand(src []byte, env lookupEnv) ([]byte, map[int]bool, error) {
	out := make([]byte, 0, len(src))
	fromEnv := map[int]bool{}
	line := 1
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '\n':
			line++
		case c == '$' && i+1 < len(src) && src[i+1] == '$':
			out = append(out, '$')
			i++
			continue
		case c == '$' && i+1 < len(src) && src[i+1] == '{':
			rest := src[i+2:]
			end := bytes.IndexAny(rest, "}\n")
			if end < 0 || rest[end] != '}' {
				return nil, nil, &lineError{line, `unterminated "${" (the closing "}" must be on the same line)`}
			}
			body := string(rest[:end])
			name, def, hasDef := strings.Cut(body, ":-")
			if !validEnvName(name) {
				return nil, nil, &lineError{line, fmt.Sprintf("invalid variable name %q in \"${%s}\"", name, body)}
			}
			val, _ := env(name)
			if val == "" && hasDef {
				val = def
			}
			if strings.ContainsAny(val, "\r\n") {
				return nil, nil, &lineError{line, fmt.Sprintf("value of ${%s} contains a line break; only one-line values can be substituted", name)}
			}
			out = append(out, val...)
			fromEnv[line] = true
			i += 2 + end // now on the closing brace
			continue
		}
		out = append(out, c)
	}
	return out, fromEnv, nil
}

// validEnvName reports whether s is a POSIX shell variable name.
func validEnvName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_', 'A' <= r && r <= 'Z', 'a' <= r && r <= 'z':
		case i > 0 && '0' <= r && r <= '9':
		default:
			return false
		}
	}
	return true
}
