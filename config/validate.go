package config

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"
)

// Problem is one invalid setting, named by its dotted key as written in the
// file.
type Problem struct {
	// Key is the dotted key, e.g. "telegram.allowed_chats".
	Key string
	// Message says what is wrong and, when useful, what was found.
	Message string
}

// String returns "key: message".
func (p Problem) String() string { return p.Key + ": " + p.Message }

// ValidationError is every problem Validate or ValidateBot found, in the
// order of the keys in the file, so an operator can fix them all at once.
// Callers classify it with errors.As.
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

// Validate checks the values every subcommand relies on and returns a
// *ValidationError listing all problems, or nil. It reads no files and
// contacts nothing: a corpus path that does not exist is reported by the
// knowledge loader, which can say why.
func (c Config) Validate() error {
	return c.validate(false)
}

// ValidateBot is Validate plus what the Telegram bot (vigie run) needs and
// the other subcommands do not: a token and at least one allowed chat.
func (c Config) ValidateBot() error {
	return c.validate(true)
}

func (c Config) validate(bot bool) error {
	var ps problems

	switch c.Log.Level {
	case LevelDebug, LevelInfo, LevelWarn, LevelError:
	default:
		ps.add("log.level", "must be one of %s, %s, %s, %s (got %q)", LevelDebug, LevelInfo, LevelWarn, LevelError, c.Log.Level)
	}
	switch c.Log.Format {
	case FormatConsole, FormatJSON:
	default:
		ps.add("log.format", "must be one of %s, %s (got %q)", FormatConsole, FormatJSON, c.Log.Format)
	}

	if strings.TrimSpace(c.DataDir) == "" {
		ps.add("data_dir", "must not be empty")
	}

	for i, p := range c.Knowledge.Corpus {
		if strings.TrimSpace(p) == "" {
			ps.add("knowledge.corpus", "empty path at index %d", i)
		}
	}
	c.validateServices(&ps)
	if n := c.Knowledge.MaxInputMB; n < minInputMB || n > maxInputMB {
		ps.add("knowledge.max_input_mb", "must be between %d and %d (got %d)", minInputMB, maxInputMB, n)
	}

	c.validateTelegram(&ps, bot)
	return ps.err()
}

func (c Config) validateServices(ps *problems) {
	const key = "knowledge.services"
	if len(c.Knowledge.Services) == 0 {
		ps.add(key, "must list at least one service")
		return
	}
	for i, s := range c.Knowledge.Services {
		switch {
		case strings.TrimSpace(s) == "":
			ps.add(key, "empty service name at index %d", i)
		case !validServiceName(s):
			ps.add(key, "invalid service name %q at index %d (letters, digits, '.', '_', '-')", s, i)
		}
	}
	for _, d := range duplicates(c.Knowledge.Services) {
		ps.add(key, "%q listed %s", d.value, times(d.count))
	}
}

func (c Config) validateTelegram(ps *problems, bot bool) {
	t := c.Telegram
	// The token's value never appears in a message, whatever is wrong with
	// it.
	switch tok := t.Token.Reveal(); {
	case tok == "":
		if bot {
			ps.add("telegram.token", "required (set %s)", EnvTelegramToken)
		}
	case tok == redacted:
		ps.add("telegram.token", "holds the %q placeholder of a redacted dump, not a token", redacted)
	case strings.ContainsFunc(tok, unicode.IsSpace):
		ps.add("telegram.token", "contains whitespace (a copy-paste error?)")
	}

	if !validHTTPURL(t.APIURL) {
		if u, err := url.Parse(t.APIURL); err == nil && t.APIURL != "" {
			ps.add("telegram.api_url", "not an http(s) URL (got %q)", u.Redacted())
		} else {
			ps.add("telegram.api_url", "not an http(s) URL")
		}
	}

	const chats = "telegram.allowed_chats"
	if bot && len(t.AllowedChats) == 0 {
		ps.add(chats, "at least one chat id is required")
	}
	for i, id := range t.AllowedChats {
		if id == 0 {
			ps.add(chats, "0 at index %d is not a chat id", i)
		}
	}
	for _, d := range duplicates(t.AllowedChats) {
		ps.add(chats, "chat %d listed %s", d.value, times(d.count))
	}

	validateUsers(ps, "telegram.operators", t.Operators)
	validateUsers(ps, "telegram.viewers", t.Viewers)
	// A user in both lists has an ambiguous role; say which list wins
	// rather than guess.
	ops := map[int64]bool{}
	for _, id := range t.Operators {
		ops[id] = true
	}
	seen := map[int64]bool{}
	for _, id := range t.Viewers {
		if ops[id] && !seen[id] {
			seen[id] = true
			ps.add("telegram.viewers", "user %d is also in telegram.operators (operators can already read; remove one)", id)
		}
	}
}

func validateUsers(ps *problems, key string, ids []int64) {
	for i, id := range ids {
		if id <= 0 {
			ps.add(key, "%d at index %d is not a user id (user ids are positive)", id, i)
		}
	}
	for _, d := range duplicates(ids) {
		ps.add(key, "user %d listed %s", d.value, times(d.count))
	}
}

// problems accumulates Problems; its zero value is ready to use.
type problems []Problem

func (ps *problems) add(key, format string, args ...any) {
	*ps = append(*ps, Problem{Key: key, Message: fmt.Sprintf(format, args...)})
}

func (ps problems) err() error {
	if len(ps) == 0 {
		return nil
	}
	return &ValidationError{Problems: ps}
}

type duplicate[T comparable] struct {
	value T
	count int
}

// duplicates returns each value that occurs more than once in xs, in order
// of first occurrence, with its count.
func duplicates[T comparable](xs []T) []duplicate[T] {
	count := make(map[T]int, len(xs))
	for _, x := range xs {
		count[x]++
	}
	var out []duplicate[T]
	for _, x := range xs {
		if n := count[x]; n > 1 {
			out = append(out, duplicate[T]{x, n})
			count[x] = 0 // report once
		}
	}
	return out
}

func times(n int) string {
	if n == 2 {
		return "twice"
	}
	return fmt.Sprintf("%d times", n)
}

// validServiceName follows Compose's rule for service names.
func validServiceName(s string) bool {
	for i, r := range s {
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9':
		case i > 0 && (r == '.' || r == '_' || r == '-'):
		default:
			return false
		}
	}
	return s != ""
}

func validHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
