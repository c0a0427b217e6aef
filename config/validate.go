package config

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
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
// the other subcommands do not: a token, at least one allowed chat and, when
// the webhook is enabled, its secret token. Those usually come from the
// environment, which a shell running another subcommand may not have.
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
	c.validateHTTP(&ps)
	c.validateHosts(&ps)
	c.validateChecks(&ps)
	c.validateStore(&ps)
	c.validateDiagnostics(&ps)
	c.validateActions(&ps)
	c.validateWatch(&ps, bot)
	c.validateLLM(&ps)
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

	validateWebhook(ps, t.Webhook, bot)
	if n := t.RateLimit; n < minRateLimit || n > maxRateLimit {
		ps.add("telegram.rate_limit", "must be between %d and %d (got %d)", minRateLimit, maxRateLimit, n)
	}
	if d := t.ButtonTTL; d < Duration(minButtonTTL) || d > Duration(maxButtonTTL) {
		ps.add("telegram.button_ttl", "must be between %s and %s (got %s)", Duration(minButtonTTL), Duration(maxButtonTTL), d)
	}
	if d := t.RequestTimeout; d < Duration(minRequestTimeout) || d > Duration(maxRequestTimeout) {
		ps.add("telegram.request_timeout", "must be between %s and %s (got %s)", Duration(minRequestTimeout), Duration(maxRequestTimeout), d)
	}
}

// validateWebhook checks telegram.webhook: listen, url and secret_token go
// together, and each must be what the server and setWebhook accept. The
// secret token is required only by the bot (as the bot token is), and its
// value never appears in a message; neither does the URL, whose path may
// be a secret too.
func validateWebhook(ps *problems, w Webhook, bot bool) {
	const key = "telegram.webhook"
	secret := w.SecretToken.Reveal()
	switch {
	case w.Enabled():
		// An empty host (":8443") means every interface.
		_, port, err := net.SplitHostPort(w.Listen)
		if n, perr := strconv.Atoi(port); err != nil || perr != nil || n < 1 || n > 65535 {
			ps.add(key+".listen", "must be host:port, e.g. :8443 (got %q)", w.Listen)
		}
	case w.URL != "":
		ps.add(key+".listen", "required with webhook.url")
	case secret != "":
		ps.add(key+".listen", "required with webhook.secret_token (from the file or %s)", EnvTelegramWebhookSecret)
	}

	switch {
	case w.URL == "":
		if w.Enabled() {
			ps.add(key+".url", "required with webhook.listen")
		}
	case !validHTTPSURL(w.URL):
		ps.add(key+".url", "must be an https URL")
	}

	switch {
	case secret == "":
		if w.Enabled() && bot {
			ps.add(key+".secret_token", "required with webhook.listen (set %s)", EnvTelegramWebhookSecret)
		}
	case secret == redacted:
		ps.add(key+".secret_token", "holds the %q placeholder of a redacted dump, not a token", redacted)
	case len(secret) > maxWebhookSecret:
		ps.add(key+".secret_token", "longer than %d characters (Telegram's limit)", maxWebhookSecret)
	case !validWebhookSecret(secret):
		ps.add(key+".secret_token", "may contain only A-Z, a-z, 0-9, '_' and '-' (Telegram's rule)")
	}
}

// validateHTTP checks http.listen: host:port with a numeric port, and not
// the webhook's address (one port cannot serve both).
func (c Config) validateHTTP(ps *problems) {
	const key = "http.listen"
	l := c.HTTP.Listen
	if l == "" {
		return
	}
	_, port, err := net.SplitHostPort(l)
	if n, perr := strconv.Atoi(port); err != nil || perr != nil || n < 1 || n > 65535 {
		ps.add(key, "must be host:port with a port from 1 to 65535, e.g. 127.0.0.1:9464 (got %q)", l)
		return
	}
	if w := c.Telegram.Webhook.Listen; w != "" && samePort(w, l) {
		ps.add(key, "same address as telegram.webhook.listen (%s): use another port", w)
	}
}

// samePort reports whether two listen addresses would collide: the same
// port on the same host, or on every interface for either.
func samePort(a, b string) bool {
	ha, pa, err1 := net.SplitHostPort(a)
	hb, pb, err2 := net.SplitHostPort(b)
	if err1 != nil || err2 != nil || pa != pb {
		return false
	}
	any := func(h string) bool { return h == "" || h == "0.0.0.0" || h == "::" }
	return ha == hb || any(ha) || any(hb)
}

func (c Config) validateHosts(ps *problems) {
	count := map[string]int{}
	for _, h := range c.Hosts {
		count[h.Name]++
	}
	seen := map[string]int{}
	for i, h := range c.Hosts {
		key := fmt.Sprintf("hosts[%d]", i)
		validateItemName(ps, key+".name", h.Name, seen, count)

		scheme := validateEndpoint(ps, key+".endpoint", h.Endpoint)
		if h.TLS != nil {
			switch scheme {
			case "tcp":
				validateTLS(ps, key+".tls", *h.TLS)
			case "unix", "ssh":
				ps.add(key+".tls", "only with tcp:// endpoints")
			}
		}
	}
}

// validateItemName checks the name of one item of a list whose names are
// identifiers (hosts, diagnostics.postgres): required, [a-z0-9][a-z0-9_-]*,
// unique. count holds how often each name occurs in the list and seen how
// often it has occurred so far, so that a name used again is reported once,
// where it is used the second time.
func validateItemName(ps *problems, key, name string, seen, count map[string]int) {
	switch {
	case strings.TrimSpace(name) == "":
		ps.add(key, "required")
	case !validHostName(name):
		ps.add(key, "must match [a-z0-9][a-z0-9_-]* (got %q)", name)
	}
	seen[name]++
	if seen[name] == 2 && strings.TrimSpace(name) != "" {
		ps.add(key, "%q used %s", name, times(count[name]))
	}
}

// validateEndpoint checks a Docker endpoint the way the Docker client will
// read it and returns its scheme when that is one vigie supports, else "".
// Messages show the scheme or the host, never the whole endpoint, which
// could hold a password.
func validateEndpoint(ps *problems, key, endpoint string) string {
	if strings.TrimSpace(endpoint) == "" {
		ps.add(key, "required")
		return ""
	}
	scheme, rest, ok := strings.Cut(endpoint, "://")
	if !ok {
		ps.add(key, "must start with unix://, tcp:// or ssh://")
		return ""
	}
	switch scheme {
	case "unix":
		// The Docker client takes everything after "unix://" as the
		// socket path.
		switch {
		case rest == "":
			ps.add(key, "unix needs a path, e.g. unix:///var/run/docker.sock")
		case !strings.HasPrefix(rest, "/"):
			ps.add(key, "unix needs an absolute path, e.g. unix:///var/run/docker.sock (three slashes)")
		}
		return scheme
	case "tcp", "ssh":
	default:
		ps.add(key, "scheme must be unix, tcp or ssh (got %q)", scheme)
		return ""
	}

	u, err := url.Parse(endpoint)
	if err != nil {
		// Not even the parser's words: they may quote a password
		// (`invalid port ":hunter2"`).
		ps.add(key, "not a valid URL")
		return scheme
	}
	if _, ok := u.User.Password(); ok {
		ps.add(key, "a password in the endpoint is not supported (for ssh, use a key or ssh-agent)")
		return scheme
	}
	switch scheme {
	case "tcp":
		host, port, err := net.SplitHostPort(u.Host)
		if n, _ := strconv.Atoi(port); err != nil || host == "" || n < 1 || n > 65535 {
			ps.add(key, "tcp needs host:port, e.g. tcp://192.168.1.10:2376 (got %q)", u.Host)
		}
	case "ssh":
		if u.Hostname() == "" {
			ps.add(key, "ssh needs a host, e.g. ssh://user@pi")
		}
	}
	return scheme
}

// validateTLS checks the tls section of a tcp:// host: cert and key go
// together, ca may stand alone, and a path given must not be blank.
func validateTLS(ps *problems, key string, t TLS) {
	blank := func(s string) bool { return strings.TrimSpace(s) == "" }
	if blank(t.CA) && blank(t.Cert) && blank(t.Key) {
		ps.add(key, "empty; set ca, or cert and key, or all three (or remove tls)")
		return
	}
	for _, f := range []struct{ name, path string }{{"ca", t.CA}, {"cert", t.Cert}, {"key", t.Key}} {
		if f.path != "" && blank(f.path) {
			ps.add(key+"."+f.name, "empty path")
		}
	}
	switch {
	case t.Cert != "" && t.Key == "":
		ps.add(key+".key", "required with tls.cert")
	case t.Key != "" && t.Cert == "":
		ps.add(key+".cert", "required with tls.key")
	}
}

func (c Config) validateChecks(ps *problems) {
	k := c.Checks
	if d := k.Timeout; d < Duration(minCheckTimeout) || d > Duration(maxCheckTimeout) {
		ps.add("checks.timeout", "must be between %s and %s (got %s)", Duration(minCheckTimeout), Duration(maxCheckTimeout), d)
	}
	if n := k.LogLines; n < minLogLines || n > maxLogLines {
		ps.add("checks.log_lines", "must be between %d and %d (got %d)", minLogLines, maxLogLines, n)
	}
	if n := k.RestartThreshold; n < minRestartThreshold || n > maxRestartThreshold {
		ps.add("checks.restart_threshold", "must be between %d and %d (got %d)", minRestartThreshold, maxRestartThreshold, n)
	}
}

// validateStore checks the database and audit sections. An empty
// database.url is valid: it means the embedded store.
func (c Config) validateStore(ps *problems) {
	if c.Database.URL != "" {
		validatePostgresURL(ps, "database.url", c.Database.URL)
	}
	if d := c.Database.Timeout; d < Duration(minDatabaseTimeout) || d > Duration(maxDatabaseTimeout) {
		ps.add("database.timeout", "must be between %s and %s (got %s)", Duration(minDatabaseTimeout), Duration(maxDatabaseTimeout), d)
	}
	if d := c.Audit.Retention; d < Duration(minAuditRetention) || d > Duration(maxAuditRetention) {
		ps.add("audit.retention", "must be between %s and %s (got %s)", Duration(minAuditRetention), Duration(maxAuditRetention), d)
	}
}

func (c Config) validateDiagnostics(ps *problems) {
	count := map[string]int{}
	for _, p := range c.Diagnostics.Postgres {
		count[p.Name]++
	}
	seen := map[string]int{}
	for i, p := range c.Diagnostics.Postgres {
		key := fmt.Sprintf("diagnostics.postgres[%d]", i)
		validateItemName(ps, key+".name", p.Name, seen, count)
		if strings.TrimSpace(p.URL.Reveal()) == "" {
			ps.add(key+".url", "required")
		} else {
			validatePostgresURL(ps, key+".url", p.URL)
		}
	}
}

// validatePostgresURL checks a non-empty PostgreSQL URL the way the driver
// reads it: the scheme, written in lower case as drivers expect, then the
// URL syntax. The URL holds a password, so no message quotes any part of
// it, not even url.Parse's error, which can hold a piece of the password
// (a '/' in it ends the host, and what followed the ':' is then reported
// as a bad port).
func validatePostgresURL(ps *problems, key string, s Secret) {
	raw := s.Reveal()
	if !strings.HasPrefix(raw, "postgres://") && !strings.HasPrefix(raw, "postgresql://") {
		ps.add(key, "not a PostgreSQL URL (postgres:// or postgresql://)")
		return
	}
	if _, err := url.Parse(raw); err != nil {
		ps.add(key, "not a valid URL")
	}
}

// validateActions checks the compose, actions and runbooks sections (safety
// has nothing to check). The compose command is run without a shell, so a
// first element holding a space ("docker compose" written as one string) is
// a program that does not exist; later elements are arguments and may hold
// spaces, but none may be blank. An empty runbooks.dir is valid: it means
// the embedded runbooks only.
func (c Config) validateActions(ps *problems) {
	const cmd = "compose.command"
	if len(c.Compose.Command) == 0 {
		ps.add(cmd, "must not be empty")
	}
	for i, arg := range c.Compose.Command {
		key := fmt.Sprintf("%s[%d]", cmd, i)
		switch {
		case strings.TrimSpace(arg) == "":
			ps.add(key, "must not be empty")
		case i == 0 && strings.ContainsFunc(arg, unicode.IsSpace):
			ps.add(key, "must be a program name without spaces (got %q)", arg)
		}
	}
	if d := c.Compose.Timeout; d < Duration(minComposeTimeout) || d > Duration(maxComposeTimeout) {
		ps.add("compose.timeout", "must be between %s and %s (got %s)", Duration(minComposeTimeout), Duration(maxComposeTimeout), d)
	}
	if d := c.Actions.ConfirmTTL; d < Duration(minConfirmTTL) || d > Duration(maxConfirmTTL) {
		ps.add("actions.confirm_ttl", "must be between %s and %s (got %s)", Duration(minConfirmTTL), Duration(maxConfirmTTL), d)
	}
	if d := c.Runbooks.Dir; d != "" && strings.TrimSpace(d) == "" {
		ps.add("runbooks.dir", "empty path")
	}
}

// validateLLM checks the llm section. The endpoint and the numbers are
// checked even when the model is off, so that turning it on is one edit;
// models are required only when it is on. Neither the key nor a password in
// base_url is ever quoted.
func (c Config) validateLLM(ps *problems) {
	l := c.LLM
	if !validHTTPURL(l.BaseURL) {
		ps.add("llm.base_url", "must be an http(s) URL, e.g. %s", DefaultLLMBaseURL)
	} else if u, _ := url.Parse(l.BaseURL); u.User != nil {
		ps.add("llm.base_url", "must not hold credentials: put the key in llm.api_key (or %s)", EnvLiteLLMKey)
	}
	switch key := l.APIKey.Reveal(); {
	case key == redacted:
		ps.add("llm.api_key", "holds the %q placeholder of a redacted dump, not a key", redacted)
	case strings.ContainsFunc(key, unicode.IsSpace):
		ps.add("llm.api_key", "contains whitespace (a copy-paste error?)")
	}
	if l.Enabled && len(l.Models) == 0 {
		ps.add("llm.models", "at least one model is required when llm.enabled is true")
	}
	for i, m := range l.Models {
		switch {
		case strings.TrimSpace(m) == "":
			ps.add(fmt.Sprintf("llm.models[%d]", i), "must not be empty")
		case strings.ContainsFunc(m, unicode.IsSpace):
			ps.add(fmt.Sprintf("llm.models[%d]", i), "must be a model name without spaces (got %q)", m)
		}
	}
	for _, d := range duplicates(l.Models) {
		ps.add("llm.models", "%q listed %s", d.value, times(d.count))
	}
	if n := l.MaxTokens; n < minLLMMaxTokens || n > maxLLMMaxTokens {
		ps.add("llm.max_tokens", "must be between %d and %d (got %d)", minLLMMaxTokens, maxLLMMaxTokens, n)
	}
	switch d := l.Timeout; {
	case d < Duration(minLLMTimeout) || d > Duration(maxLLMTimeout):
		ps.add("llm.timeout", "must be between %s and %s (got %s)", Duration(minLLMTimeout), Duration(maxLLMTimeout), d)
	case l.Enabled && d >= c.Telegram.RequestTimeout:
		// The bot must still send the lexical answer when the model gives
		// up.
		ps.add("llm.timeout", "must be shorter than telegram.request_timeout (%s), got %s", c.Telegram.RequestTimeout, d)
	}
	if l.DailyCalls < 0 {
		ps.add("llm.daily_calls", "must be 0 (no limit) or more (got %d)", l.DailyCalls)
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

// validHostName reports whether s matches [a-z0-9][a-z0-9_-]*.
func validHostName(s string) bool {
	for i, r := range s {
		switch {
		case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
		case i > 0 && (r == '_' || r == '-'):
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

func validHTTPSURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "https" && u.Hostname() != ""
}

// validWebhookSecret reports whether s holds only the characters Telegram
// allows in a webhook's secret_token: A-Z, a-z, 0-9, '_' and '-'.
func validWebhookSecret(s string) bool {
	for _, r := range s {
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9':
		case r == '_' || r == '-':
		default:
			return false
		}
	}
	return s != ""
}

// Bounds of the watch section. A cooldown under 10s lets a flapping
// container flood the chat; over a day an alert would never be repeated.
// Two deaths are the least a loop can be; a loop window under a minute misses
// Docker's growing restart delays. A burst of 2 folds any coincidence; over
// 1000 it never folds. A burst window under 5s splits one compose down; over
// 10m unrelated failures are folded. A scan more often than a minute reads
// logs without end.
const (
	minWatchCooldown     = 10 * time.Second
	maxWatchCooldown     = 24 * time.Hour
	minLoopCount         = 2
	maxLoopCount         = 100
	minLoopWindow        = time.Minute
	maxLoopWindow        = 24 * time.Hour
	minBurstContainers   = 2
	maxBurstContainers   = 1000
	minBurstWindow       = 5 * time.Second
	maxBurstWindow       = 10 * time.Minute
	minWatchScanInterval = time.Minute
	maxWatchScanInterval = 24 * time.Hour
)

func (c Config) validateWatch(ps *problems, bot bool) {
	w := c.Watch
	for i, id := range w.Chats {
		if id == 0 {
			ps.add("watch.chats", "0 at index %d is not a chat id", i)
		}
	}
	for _, d := range duplicates(w.Chats) {
		ps.add("watch.chats", "chat %d listed %s", d.value, times(d.count))
	}
	// Alerts never go to a chat outside the allowlist, whatever the file
	// says.
	if len(c.Telegram.AllowedChats) > 0 || bot {
		allowed := map[int64]bool{}
		for _, id := range c.Telegram.AllowedChats {
			allowed[id] = true
		}
		for _, id := range w.Chats {
			if !allowed[id] {
				ps.add("watch.chats", "%d is not in telegram.allowed_chats: alerts go to allowed chats only", id)
			}
		}
	}
	between := func(key string, d Duration, lo, hi time.Duration) {
		if d < Duration(lo) || d > Duration(hi) {
			ps.add(key, "must be between %s and %s (got %s)", Duration(lo), Duration(hi), d)
		}
	}
	between("watch.cooldown", w.Cooldown, minWatchCooldown, maxWatchCooldown)
	if n := w.LogLines; n < minLogLines || n > maxLogLines {
		ps.add("watch.log_lines", "must be between %d and %d (got %d)", minLogLines, maxLogLines, n)
	}
	if n := w.RestartLoop.Count; n < minLoopCount || n > maxLoopCount {
		ps.add("watch.restart_loop.count", "must be between %d and %d (got %d)", minLoopCount, maxLoopCount, n)
	}
	between("watch.restart_loop.window", w.RestartLoop.Window, minLoopWindow, maxLoopWindow)
	if n := w.Burst.Containers; n < minBurstContainers || n > maxBurstContainers {
		ps.add("watch.burst.containers", "must be between %d and %d (got %d)", minBurstContainers, maxBurstContainers, n)
	}
	between("watch.burst.window", w.Burst.Window, minBurstWindow, maxBurstWindow)
	if w.ScanInterval != 0 {
		between("watch.scan_interval", w.ScanInterval, minWatchScanInterval, maxWatchScanInterval)
	}
}
