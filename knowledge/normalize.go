package knowledge

import (
	"encoding/json"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"
)

// Line is one input line reduced to what it says.
type Line struct {
	No      int    // 1-based line number in the input
	Raw     string // as received (ANSI stripped, invalid UTF-8 replaced)
	Text    string // the message: no timestamp, level, prefix or wrapper
	Level   string // "error", "warn", "info", "debug", "" when unknown
	Service string // from a compose prefix ("javisi_nocodb  | "), "" if none
	// Context holds the other fields of a JSON line ("Status":"unhealthy"):
	// they say where, the message says what.
	Context string
}

var (
	ansiRE = regexp.MustCompile(`\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07`)
	// compose v1 "javisi_nocodb_1  | ", v2 "javisi-nocodb-1  | ", plain "nocodb  | ".
	composeRE = regexp.MustCompile(`^([A-Za-z0-9][A-Za-z0-9_.-]*?)\s*\|\s?`)
	// syslog/journald: "Feb 22 10:14:03 host unit[123]: ".
	syslogRE = regexp.MustCompile(`^[A-Z][a-z]{2}\s+\d{1,2}\s+\d\d:\d\d:\d\d\s+\S+\s+[\w.@/-]+(?:\[\d+\])?:\s?`)
	// ISO and common timestamps, optionally bracketed.
	tsRE      = regexp.MustCompile(`^\[?(?:\d{4}[-/]\d\d[-/]\d\d[T ]\d\d:\d\d(?::\d\d)?(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?(?:\s*UTC)?|\d\d:\d\d:\d\d(?:[.,]\d+)?|\d{4}[-/]\d\d[-/]\d\d|\d{10}(?:\.\d+)?)\]?\s*`)
	levelRE   = regexp.MustCompile(`^\[?(?i:(ERROR|ERR|WARN|WARNING|INFO|DEBUG|FATAL|CRITICAL|CRIT|TRACE|PANIC|NOTICE|ALERT|EMERG))\]?(?::|\s+|\s*\|\s*)`)
	innerTsRE = regexp.MustCompile(`\b\d{4}[-/]\d\d[-/]\d\d[T ]\d\d:\d\d(?::\d\d)?(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?\b|\b\d\d:\d\d:\d\d(?:[.,]\d+)?\b`)
	// A shell reporting a missing command: "/bin/sh: 1: dig: not found",
	// "bash: line 1: jq: command not found".
	shellNotFoundRE = regexp.MustCompile(`(^|[\s"'])(?:(?:/usr)?/bin/)?(?:ba|da|z|a)?sh:(?: line)?(?: \d+:)? ([^\s:'"]+: (?:command )?not found)`)
	// Docker's wrapping of an exec failure: what is left says which program
	// could not be run ("exec: "curl": executable file not found").
	ociWrapRE = regexp.MustCompile(`OCI runtime (?:exec|create|start) failed: (?:exec failed: )?(?:unable to start container process: )?|(not found)(?: in \$PATH)?: unknown`)
	// logfmt pairs: key=value or key="quoted value".
	logfmtRE = regexp.MustCompile(`(\w[\w.-]*)=("(?:[^"\\]|\\.)*"|\S+)`)
	// "ERROR:  relation..." as PostgreSQL prints it.
	pgLevelRE = regexp.MustCompile(`^(?:\d+\s+)?(?:ERROR|FATAL|PANIC|WARNING|LOG|DETAIL|HINT|STATEMENT):\s+`)
)

// messageKeys are the fields of JSON and logfmt lines that carry the message.
var messageKeys = []string{"msg", "message", "error", "err", "exception", "reason", "detail", "output", "log", "text", "description", "stack", "stacktrace"}

var levelKeys = []string{"level", "lvl", "severity", "loglevel"}

// normalizeLine reduces one raw line to its message.
func normalizeLine(no int, raw string) Line {
	if !utf8.ValidString(raw) {
		raw = strings.ToValidUTF8(raw, "\uFFFD")
	}
	if strings.IndexByte(raw, 0x1b) >= 0 {
		raw = ansiRE.ReplaceAllString(raw, "")
	}
	raw = strings.TrimRight(raw, "\r\n")
	l := Line{No: no, Raw: raw}
	s := strings.TrimSpace(raw)
	if m := composeRE.FindStringSubmatch(s); m != nil && !strings.Contains(m[1], "://") && len(m[1]) < 64 {
		l.Service = m[1]
		s = strings.TrimSpace(s[len(m[0]):])
	}
	s = syslogRE.ReplaceAllString(s, "")
	for i := 0; i < 3; i++ { // "2024-01-01 10:00:00 [ERROR] ..." has several layers
		before := s
		s = tsRE.ReplaceAllString(s, "")
		if m := levelRE.FindStringSubmatch(s); m != nil {
			if l.Level == "" {
				l.Level = canonicalLevel(m[1])
			}
			s = s[len(m[0]):]
		}
		if s == before {
			break
		}
	}
	if m := pgLevelRE.FindString(s); m != "" {
		if l.Level == "" {
			l.Level = canonicalLevel(strings.TrimSpace(strings.TrimRight(m, ": ")))
		}
	}
	if strings.HasPrefix(s, "{") {
		if msg, ctx, lvl, ok := fromJSON(s); ok {
			s = msg
			l.Context = ctx
			if l.Level == "" {
				l.Level = lvl
			}
		}
	} else if strings.Count(s, "=") >= 2 {
		if msg, ctx, lvl, ok := fromLogfmt(s); ok {
			s = msg
			l.Context = ctx
			if l.Level == "" {
				l.Level = lvl
			}
		}
	}
	// Timestamps inside the message (Ansible, Caddy, Go loggers) are noise.
	if strings.IndexByte(s, ':') >= 0 {
		s = innerTsRE.ReplaceAllString(s, " ")
	}
	if strings.Contains(s, "OCI runtime") || strings.Contains(l.Context, "OCI runtime") {
		s = ociWrapRE.ReplaceAllString(s, "$1")
		l.Context = ociWrapRE.ReplaceAllString(l.Context, "$1")
	}
	// A shell reporting a missing command is not the subject: the command is.
	if strings.Contains(s, "not found") {
		s = shellNotFoundRE.ReplaceAllString(s, "$1$2")
		l.Context = shellNotFoundRE.ReplaceAllString(l.Context, "$1$2")
	}
	l.Text = strings.TrimSpace(s)
	return l
}

func canonicalLevel(s string) string {
	switch strings.ToLower(s) {
	case "error", "err", "fatal", "critical", "crit", "panic", "alert", "emerg":
		return "error"
	case "warn", "warning", "notice":
		return "warn"
	case "info", "log":
		return "info"
	case "debug", "trace":
		return "debug"
	}
	return ""
}

// fromJSON takes the message fields of a JSON log line; other short string
// values follow them, since "Status":"unhealthy" says something too.
func fromJSON(s string) (msg, context, level string, ok bool) {
	var v any
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return "", "", "", false
	}
	obj, isObj := v.(map[string]any)
	if !isObj {
		return "", "", "", false
	}
	var main, rest []string
	collectJSON(obj, &main, &rest, 0)
	for _, k := range levelKeys {
		if lv, ok := lookupFold(obj, k).(string); ok {
			level = canonicalLevel(lv)
			break
		}
	}
	if len(main) == 0 {
		// No message field: the values are all there is.
		return strings.Join(rest, " ; "), "", level, true
	}
	return strings.Join(main, " ; "), strings.Join(rest, " ; "), level, true
}

func collectJSON(v any, main, rest *[]string, depth int) {
	if depth > 8 {
		return
	}
	switch t := v.(type) {
	case map[string]any:
		// In key order: Go's map order is random, and the order of the
		// words decides the word pairs and which line a word counts for.
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			val := t[k]
			// An HTTP status is a number worth reading ("status":502).
			if n, ok := val.(json.Number); ok {
				if ks := strings.ToLower(k); (ks == "status" || ks == "status_code" || ks == "code" || ks == "statuscode") && len(n) == 3 && n[0] >= '1' && n[0] <= '5' {
					*rest = append(*rest, string(n))
				}
				continue
			}
			if str, ok := val.(string); ok {
				if isMessageKey(k) {
					*main = append(*main, str)
				} else if isLevelKey(k) || len(str) > 200 || looksLikeTimestamp(str) {
					continue
				} else {
					*rest = append(*rest, str)
				}
				continue
			}
			collectJSON(val, main, rest, depth+1)
		}
	case []any:
		for _, val := range t {
			collectJSON(val, main, rest, depth+1)
		}
	}
}

func lookupFold(obj map[string]any, key string) any {
	for k, v := range obj {
		if strings.EqualFold(k, key) {
			return v
		}
	}
	return nil
}

func isMessageKey(k string) bool {
	for _, m := range messageKeys {
		if strings.EqualFold(k, m) {
			return true
		}
	}
	return false
}

func isLevelKey(k string) bool {
	for _, m := range levelKeys {
		if strings.EqualFold(k, m) {
			return true
		}
	}
	return false
}

func looksLikeTimestamp(s string) bool {
	return tsRE.MatchString(s) && len(tsRE.FindString(s)) >= len(s)-1
}

// fromLogfmt takes msg/error values of a logfmt line (level=error msg="…");
// the other values (logger=tsdb.postgres dsName=PostgreSQL-n8n) are its
// context, as a JSON line's other fields are.
func fromLogfmt(s string) (msg, ctx, level string, ok bool) {
	pairs := logfmtRE.FindAllStringSubmatch(s, -1)
	if len(pairs) < 2 {
		return "", "", "", false
	}
	covered := 0
	var main, rest []string
	for _, p := range pairs {
		covered += len(p[0])
		k, v := p[1], p[2]
		if strings.HasPrefix(v, `"`) {
			v = strings.ReplaceAll(strings.Trim(v, `"`), `\"`, `"`)
		}
		switch {
		case isLevelKey(k):
			level = canonicalLevel(v)
		case isMessageKey(k):
			main = append(main, v)
		case len(v) <= 200 && !looksLikeTimestamp(v):
			rest = append(rest, v)
		}
	}
	// Only a line made mostly of pairs is logfmt; prose with two '=' is not.
	if covered*2 < len(s) || len(main) == 0 && level == "" {
		return "", "", "", false
	}
	if len(main) == 0 {
		return s, "", level, true
	}
	// Text outside the pairs ("[diagnostic] lane task error: lane=… error=…")
	// is part of the message too.
	if out := strings.TrimSpace(logfmtRE.ReplaceAllString(s, "")); out != "" {
		main = append([]string{out}, main...)
	}
	return strings.Join(main, " ; "), strings.Join(rest, " ; "), level, true
}
