// Package redact removes secrets from text bound for a chat, a log line or a
// language model: passwords in DSNs and URLs, bearer tokens, API keys, bot
// tokens and the values of secret-looking settings. It is the one redactor
// every outgoing text goes through.
package redact

import (
	"regexp"
	"strings"
)

// Mask replaces what was removed.
const Mask = "‹redacted›"

var rules = []struct {
	re   *regexp.Regexp
	repl string
}{
	// scheme://user:password@host → keep user and host.
	{regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@]*:)[^\s@/]+@`), "${1}" + Mask + "@"},
	// NocoDB style pg://host?u=user&p=password&d=db.
	{regexp.MustCompile(`([?&](?:p|pass|password|pwd)=)[^&\s"']+`), "${1}" + Mask},
	// Authorization: Bearer xxx / Basic xxx.
	{regexp.MustCompile(`(?i)(\b(?:bearer|basic)\s+)[A-Za-z0-9._~+/=-]{8,}`), "${1}" + Mask},
	// Telegram bot tokens: 123456789:AA…, alone or in a Bot API URL
	// (…/bot123456789:AA…/getUpdates), where no word boundary precedes them.
	{regexp.MustCompile(`(^|[^0-9A-Za-z]|bot)\d{6,12}:[A-Za-z0-9_-]{30,}\b`), "${1}" + Mask},
	// OpenAI/OpenRouter/Anthropic style keys.
	{regexp.MustCompile(`\b(?:sk|rk|pk)-[A-Za-z0-9_-]{16,}\b`), Mask},
	// GitHub, Slack, AWS access keys.
	{regexp.MustCompile(`\b(?:gh[pousr]_[A-Za-z0-9]{20,}|xox[abprs]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16})\b`), Mask},
	// KEY=value and "key": "value" where the key names a secret.
	{regexp.MustCompile(`(?i)\b([A-Z0-9_]*(?:PASSWORD|PASSWD|PWD|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|MASTER_?KEY|CREDENTIALS?)[A-Z0-9_]*\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s,;&"']+)`), "${1}" + Mask},
	{regexp.MustCompile(`(?i)("[a-z0-9_]*(?:password|passwd|secret|token|api_?key|access_?key|private_?key|master_?key)[a-z0-9_]*"\s*:\s*)"[^"]*"`), `${1}"` + Mask + `"`},
}

// String returns s with every secret it recognises masked.
func String(s string) string {
	for _, r := range rules {
		s = r.re.ReplaceAllString(s, r.repl)
	}
	return s
}

// Values masks the given secret values wherever they occur (configured
// tokens, passwords read from an environment), then applies String.
func Values(s string, secrets ...string) string {
	for _, v := range secrets {
		if len(v) >= 4 {
			s = strings.ReplaceAll(s, v, Mask)
		}
	}
	return String(s)
}
