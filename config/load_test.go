package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// clearEnv unsets the variables Load reads, so that the machine running the
// tests cannot change their outcome.
func clearEnv(t *testing.T) {
	t.Helper()
	for _, k := range []string{EnvConfig, EnvTelegramToken, EnvTelegramAPIURL, EnvTelegramWebhookSecret, EnvDatabaseURL, EnvLiteLLMKey} {
		unsetEnv(t, k)
	}
}

// unsetEnv unsets k for the duration of the test (t.Setenv restores it).
func unsetEnv(t *testing.T, k string) {
	t.Helper()
	t.Setenv(k, "")
	if err := os.Unsetenv(k); err != nil {
		t.Fatal(err)
	}
}

// TestTestdata holds one file per rule: each either fails to load with
// exactly wantLoad, or loads and fails validation with exactly the problems
// in want (nil: valid).
func TestTestdata(t *testing.T) {
	const secret = "123456:SECRET-value-from-env"
	tests := []struct {
		file     string
		env      map[string]string
		bot      bool // ValidateBot instead of Validate
		wantLoad string
		want     []string
	}{
		{file: "empty.yaml"},
		{file: "full.yaml", bot: true},

		// Decoding.
		{file: "unknown-key.yaml", wantLoad: `testdata/unknown-key.yaml:4: unknown key "log.colour"`},
		{file: "unknown-top-key.yaml", wantLoad: `testdata/unknown-top-key.yaml:2: unknown key "level" (did you mean "log.level"?)`},
		{file: "misspelt-key.yaml", wantLoad: `testdata/misspelt-key.yaml:2: unknown key "telegram.alowed_chats" (did you mean "allowed_chats"?)`},
		{file: "duplicate-key.yaml", wantLoad: `testdata/duplicate-key.yaml:4: duplicate key "log.level" (first at line 2)`},
		{file: "syntax-error.yaml", wantLoad: `testdata/syntax-error.yaml:2: did not find expected key`},
		{file: "wrong-type.yaml", wantLoad: `testdata/wrong-type.yaml:2: knowledge.max_input_mb: expected an integer, got "twenty"`},
		{file: "wrong-type-list.yaml", wantLoad: `testdata/wrong-type-list.yaml:2: telegram.allowed_chats[1]: expected an integer, got "general"`},
		{file: "not-a-mapping.yaml", wantLoad: `testdata/not-a-mapping.yaml:1: expected a mapping, got a list`},
		{file: "host-misspelt-key.yaml", wantLoad: `testdata/host-misspelt-key.yaml:3: unknown key "hosts[0].endpiont" (did you mean "endpoint"?)`},
		{file: "host-not-a-mapping.yaml", wantLoad: `testdata/host-not-a-mapping.yaml:1: hosts[0]: expected a mapping, got "prod"`},
		{file: "bad-duration.yaml", wantLoad: `testdata/bad-duration.yaml:3: checks.timeout: not a duration "ten"`},
		{file: "duration-no-unit.yaml", wantLoad: `testdata/duration-no-unit.yaml:2: checks.timeout: not a duration "10" (add a unit, e.g. "10s")`},
		{file: "duration-wrong-type.yaml", wantLoad: `testdata/duration-wrong-type.yaml:2: checks.timeout: expected a duration such as "10s", got a list`},
		{file: "diagnostics-misspelt-key.yaml", wantLoad: `testdata/diagnostics-misspelt-key.yaml:4: unknown key "diagnostics.postgres[0].ulr" (did you mean "url"?)`},
		{file: "compose-command-not-a-list.yaml", wantLoad: `testdata/compose-command-not-a-list.yaml:2: compose.command: expected a list, got "docker ..."`},
		{file: "safety-misspelt-key.yaml", wantLoad: `testdata/safety-misspelt-key.yaml:2: unknown key "safety.readonly" (did you mean "read_only"?)`},
		{file: "safety-read-only-wrong-type.yaml", wantLoad: `testdata/safety-read-only-wrong-type.yaml:2: safety.read_only: expected true or false, got "maybe"`},
		{file: "multi-document.yaml", wantLoad: `testdata/multi-document.yaml:3: only one YAML document is allowed`},

		// Expansion.
		{file: "env-unterminated.yaml", wantLoad: `testdata/env-unterminated.yaml:3: unterminated "${" (the closing "}" must be on the same line)`},
		{file: "env-bad-name.yaml", wantLoad: `testdata/env-bad-name.yaml:2: invalid variable name "VIGIE-LEVEL" in "${VIGIE-LEVEL}"`},
		{
			file:     "env-line-break.yaml",
			env:      map[string]string{"VIGIE_TEST_MULTILINE": "json\nextra: key"},
			wantLoad: `testdata/env-line-break.yaml:3: value of ${VIGIE_TEST_MULTILINE} contains a line break; only one-line values can be substituted`,
		},
		{
			file:     "env-secret-type-error.yaml",
			env:      map[string]string{"VIGIE_TEST_TOKEN": secret},
			wantLoad: `testdata/env-secret-type-error.yaml:2: knowledge.max_input_mb: expected an integer, got a value substituted from the environment (not shown)`,
		},

		// Validation, one rule per file.
		{file: "bad-log-level.yaml", want: []string{`log.level: must be one of debug, info, warn, error (got "verbose")`}},
		{file: "bad-log-format.yaml", want: []string{`log.format: must be one of console, json (got "xml")`}},
		{file: "empty-data-dir.yaml", want: []string{`data_dir: must not be empty`}},
		{file: "empty-corpus-path.yaml", want: []string{`knowledge.corpus: empty path at index 1`}},
		{file: "no-services.yaml", want: []string{`knowledge.services: must list at least one service`}},
		{file: "empty-service-name.yaml", want: []string{`knowledge.services: empty service name at index 2`}},
		{file: "bad-service-name.yaml", want: []string{`knowledge.services: invalid service name "nocodb db" at index 1 (letters, digits, '.', '_', '-')`}},
		{file: "duplicate-service.yaml", want: []string{`knowledge.services: "postgresql" listed twice`}},
		{file: "max-input-zero.yaml", want: []string{`knowledge.max_input_mb: must be between 1 and 200 (got 0)`}},
		{file: "max-input-too-large.yaml", want: []string{`knowledge.max_input_mb: must be between 1 and 200 (got 500)`}},
		{file: "bad-api-url.yaml", want: []string{`telegram.api_url: not an http(s) URL (got "api.telegram.org")`}},
		{file: "token-placeholder.yaml", want: []string{`telegram.token: holds the "<secret>" placeholder of a redacted dump, not a token`}},
		{file: "token-whitespace.yaml", want: []string{`telegram.token: contains whitespace (a copy-paste error?)`}},
		{file: "zero-chat.yaml", want: []string{`telegram.allowed_chats: 0 at index 1 is not a chat id`}},
		{file: "duplicate-chat.yaml", want: []string{`telegram.allowed_chats: chat -100 listed twice`}},
		{file: "bad-operator-id.yaml", want: []string{`telegram.operators: -5 at index 0 is not a user id (user ids are positive)`}},
		{file: "duplicate-operator.yaml", want: []string{`telegram.operators: user 42 listed twice`}},
		{file: "duplicate-viewer.yaml", want: []string{`telegram.viewers: user 9 listed 3 times`}},
		{file: "viewer-is-operator.yaml", want: []string{`telegram.viewers: user 42 is also in telegram.operators (operators can already read; remove one)`}},
		{file: "host-name-missing.yaml", want: []string{`hosts[1].name: required`}},
		{file: "host-bad-name.yaml", want: []string{`hosts[1].name: must match [a-z0-9][a-z0-9_-]* (got "Prod Server")`}},
		{file: "host-duplicate-name.yaml", want: []string{`hosts[2].name: "prod" used twice`}},
		{file: "host-endpoint-missing.yaml", want: []string{`hosts[0].endpoint: required`}},
		{file: "host-bad-scheme.yaml", want: []string{`hosts[0].endpoint: scheme must be unix, tcp or ssh (got "http")`}},
		{file: "host-no-scheme.yaml", want: []string{`hosts[0].endpoint: must start with unix://, tcp:// or ssh://`}},
		{file: "host-unix-no-path.yaml", want: []string{`hosts[0].endpoint: unix needs a path, e.g. unix:///var/run/docker.sock`}},
		{file: "host-unix-relative.yaml", want: []string{`hosts[0].endpoint: unix needs an absolute path, e.g. unix:///var/run/docker.sock (three slashes)`}},
		{file: "host-tcp-no-port.yaml", want: []string{`hosts[0].endpoint: tcp needs host:port, e.g. tcp://192.168.1.10:2376 (got "192.168.1.10")`}},
		{file: "host-bad-url.yaml", want: []string{`hosts[0].endpoint: not a valid URL`}},
		{file: "host-ssh-no-host.yaml", want: []string{`hosts[0].endpoint: ssh needs a host, e.g. ssh://user@pi`}},
		{file: "host-password.yaml", want: []string{`hosts[0].endpoint: a password in the endpoint is not supported (for ssh, use a key or ssh-agent)`}},
		{file: "host-tls-not-tcp.yaml", want: []string{`hosts[0].tls: only with tcp:// endpoints`}},
		{file: "host-tls-cert-without-key.yaml", want: []string{`hosts[0].tls.key: required with tls.cert`}},
		{file: "host-tls-key-without-cert.yaml", want: []string{`hosts[0].tls.cert: required with tls.key`}},
		{file: "host-tls-empty-path.yaml", want: []string{`hosts[0].tls.ca: empty path`}},
		{file: "host-tls-empty.yaml", want: []string{`hosts[0].tls: empty; set ca, or cert and key, or all three (or remove tls)`}},
		{file: "checks-timeout-zero.yaml", want: []string{`checks.timeout: must be between 1s and 5m (got 0s)`}},
		{file: "checks-timeout-too-long.yaml", want: []string{`checks.timeout: must be between 1s and 5m (got 10m)`}},
		{file: "checks-log-lines.yaml", want: []string{`checks.log_lines: must be between 10 and 5000 (got 3)`}},
		{file: "checks-restart-threshold.yaml", want: []string{`checks.restart_threshold: must be between 1 and 100 (got 0)`}},
		{file: "webhook-bad-listen.yaml", want: []string{`telegram.webhook.listen: must be host:port, e.g. :8443 (got "8443")`}},
		{file: "http-bad-listen.yaml", want: []string{`http.listen: must be host:port with a port from 1 to 65535, e.g. 127.0.0.1:9464 (got "9464")`}},
		{file: "http-port-out-of-range.yaml", want: []string{`http.listen: must be host:port with a port from 1 to 65535, e.g. 127.0.0.1:9464 (got "127.0.0.1:70000")`}},
		{file: "http-same-as-webhook.yaml", want: []string{`http.listen: same address as telegram.webhook.listen (:8443): use another port`}},
		{file: "webhook-no-url.yaml", want: []string{`telegram.webhook.url: required with webhook.listen`}},
		{file: "webhook-http-url.yaml", want: []string{`telegram.webhook.url: must be an https URL`}},
		{file: "webhook-secret-chars.yaml", want: []string{`telegram.webhook.secret_token: may contain only A-Z, a-z, 0-9, '_' and '-' (Telegram's rule)`}},
		{file: "webhook-secret-too-long.yaml", want: []string{`telegram.webhook.secret_token: longer than 256 characters (Telegram's limit)`}},
		{file: "webhook-secret-placeholder.yaml", want: []string{`telegram.webhook.secret_token: holds the "<secret>" placeholder of a redacted dump, not a token`}},
		{file: "webhook-url-without-listen.yaml", want: []string{`telegram.webhook.listen: required with webhook.url`}},
		{file: "webhook-secret-without-listen.yaml", want: []string{`telegram.webhook.listen: required with webhook.secret_token (from the file or TELEGRAM_WEBHOOK_SECRET)`}},
		{file: "telegram-rate-limit-zero.yaml", want: []string{`telegram.rate_limit: must be between 1 and 600 (got 0)`}},
		{file: "telegram-rate-limit-too-high.yaml", want: []string{`telegram.rate_limit: must be between 1 and 600 (got 601)`}},
		{file: "telegram-button-ttl-too-short.yaml", want: []string{`telegram.button_ttl: must be between 1m and 720h (got 30s)`}},
		{file: "telegram-button-ttl-too-long.yaml", want: []string{`telegram.button_ttl: must be between 1m and 720h (got 721h)`}},
		{file: "telegram-request-timeout-too-short.yaml", want: []string{`telegram.request_timeout: must be between 5s and 30m (got 4s)`}},
		{file: "telegram-request-timeout-too-long.yaml", want: []string{`telegram.request_timeout: must be between 5s and 30m (got 31m)`}},
		{file: "database-url-bad-scheme.yaml", want: []string{`database.url: not a PostgreSQL URL (postgres:// or postgresql://)`}},
		{file: "database-url-invalid.yaml", want: []string{`database.url: not a valid URL`}},
		{file: "database-timeout-too-short.yaml", want: []string{`database.timeout: must be between 1s and 1m (got 500ms)`}},
		{file: "database-timeout-too-long.yaml", want: []string{`database.timeout: must be between 1s and 1m (got 2m)`}},
		{file: "audit-retention-too-short.yaml", want: []string{`audit.retention: must be between 1h and 87600h (got 30m)`}},
		{file: "audit-retention-too-long.yaml", want: []string{`audit.retention: must be between 1h and 87600h (got 87601h)`}},
		{file: "diagnostics-name-missing.yaml", want: []string{`diagnostics.postgres[1].name: required`}},
		{file: "diagnostics-bad-name.yaml", want: []string{`diagnostics.postgres[1].name: must match [a-z0-9][a-z0-9_-]* (got "Kaneo DB")`}},
		{file: "diagnostics-duplicate-name.yaml", want: []string{`diagnostics.postgres[1].name: "javisi" used twice`}},
		{file: "diagnostics-url-missing.yaml", want: []string{`diagnostics.postgres[0].url: required`}},
		{file: "diagnostics-url-bad-scheme.yaml", want: []string{`diagnostics.postgres[0].url: not a PostgreSQL URL (postgres:// or postgresql://)`}},
		{file: "diagnostics-url-invalid.yaml", want: []string{`diagnostics.postgres[0].url: not a valid URL`}},
		{file: "compose-command-empty.yaml", want: []string{`compose.command: must not be empty`}},
		{file: "compose-command-spaces.yaml", want: []string{`compose.command[0]: must be a program name without spaces (got "docker compose")`}},
		{file: "compose-command-empty-arg.yaml", want: []string{`compose.command[2]: must not be empty`}},
		{file: "compose-timeout-too-short.yaml", want: []string{`compose.timeout: must be between 10s and 30m (got 9s)`}},
		{file: "compose-timeout-too-long.yaml", want: []string{`compose.timeout: must be between 10s and 30m (got 31m)`}},
		{file: "watch-cooldown-too-short.yaml", want: []string{`watch.cooldown: must be between 10s and 24h (got 5s)`}},
		{file: "watch-scan-interval-too-short.yaml", want: []string{`watch.scan_interval: must be between 1m and 24h (got 30s)`}},
		{file: "watch-log-lines.yaml", want: []string{`watch.log_lines: must be between 10 and 5000 (got 5)`}},
		{file: "watch-restart-loop.yaml", want: []string{`watch.restart_loop.count: must be between 2 and 100 (got 1)`, `watch.restart_loop.window: must be between 1m and 24h (got 30s)`}},
		{file: "watch-burst.yaml", want: []string{`watch.burst.containers: must be between 2 and 1000 (got 1001)`, `watch.burst.window: must be between 5s and 10m (got 11m)`}},
		{file: "watch-chat-not-allowed.yaml", bot: true, want: []string{`watch.chats: chat 111 listed twice`, `watch.chats: -100222 is not in telegram.allowed_chats: alerts go to allowed chats only`}},
		{file: "actions-confirm-ttl-too-short.yaml", want: []string{`actions.confirm_ttl: must be between 30s and 1h (got 29s)`}},
		{file: "actions-confirm-ttl-too-long.yaml", want: []string{`actions.confirm_ttl: must be between 30s and 1h (got 1h1m)`}},
		{file: "runbooks-dir-empty-path.yaml", want: []string{`runbooks.dir: empty path`}},
		{file: "llm-misspelt-key.yaml", wantLoad: `testdata/llm-misspelt-key.yaml:2: unknown key "llm.enabeld" (did you mean "enabled"?)`},
		{file: "llm-base-url-not-http.yaml", want: []string{`llm.base_url: must be an http(s) URL, e.g. http://litellm:4000/v1`}},
		{file: "llm-base-url-credentials.yaml", want: []string{`llm.base_url: must not hold credentials: put the key in llm.api_key (or LITELLM_API_KEY)`}},
		{file: "llm-api-key-placeholder.yaml", want: []string{`llm.api_key: holds the "<secret>" placeholder of a redacted dump, not a key`}},
		{file: "llm-api-key-whitespace.yaml", want: []string{`llm.api_key: contains whitespace (a copy-paste error?)`}},
		{file: "llm-enabled-no-models.yaml", want: []string{`llm.models: at least one model is required when llm.enabled is true`}},
		{file: "llm-model-empty.yaml", want: []string{`llm.models[1]: must not be empty`}},
		{file: "llm-model-spaces.yaml", want: []string{`llm.models[0]: must be a model name without spaces (got "deepseek free")`}},
		{file: "llm-model-duplicate.yaml", want: []string{`llm.models: "kimi-k2-free" listed twice`}},
		{file: "llm-max-tokens-zero.yaml", want: []string{`llm.max_tokens: must be between 1 and 4096 (got 0)`}},
		{file: "llm-max-tokens-too-large.yaml", want: []string{`llm.max_tokens: must be between 1 and 4096 (got 16000)`}},
		{file: "llm-timeout-zero.yaml", want: []string{`llm.timeout: must be between 1s and 2m (got 0s)`}},
		{file: "llm-timeout-too-long.yaml", want: []string{`llm.timeout: must be between 1s and 2m (got 3m)`}},
		{file: "llm-timeout-over-request.yaml", want: []string{`llm.timeout: must be shorter than telegram.request_timeout (30s), got 30s`}},
		{file: "llm-daily-calls-negative.yaml", want: []string{`llm.daily_calls: must be 0 (no limit) or more (got -1)`}},
		{file: "bot-missing-token.yaml", bot: true, want: []string{`telegram.token: required (set TELEGRAM_BOT_TOKEN)`}},
		{file: "bot-no-chats.yaml", bot: true, want: []string{`telegram.allowed_chats: at least one chat id is required`}},
		{file: "webhook-no-secret.yaml", bot: true, want: []string{`telegram.webhook.secret_token: required with webhook.listen (set TELEGRAM_WEBHOOK_SECRET)`}},
		{file: "many-problems.yaml", want: []string{
			`log.level: must be one of debug, info, warn, error (got "verbose")`,
			`log.format: must be one of console, json (got "xml")`,
			`data_dir: must not be empty`,
			`knowledge.services: "redis" listed twice`,
			`knowledge.max_input_mb: must be between 1 and 200 (got 0)`,
			`telegram.api_url: not an http(s) URL (got "ftp://example.com")`,
			`telegram.operators: user 42 listed twice`,
			`telegram.webhook.listen: required with webhook.url`,
			`telegram.webhook.url: must be an https URL`,
			`telegram.request_timeout: must be between 5s and 30m (got 1h)`,
			`hosts[0].name: must match [a-z0-9][a-z0-9_-]* (got "Prod")`,
			`hosts[0].endpoint: scheme must be unix, tcp or ssh (got "http")`,
			`hosts[1].tls: only with tcp:// endpoints`,
			`checks.timeout: must be between 1s and 5m (got 6m)`,
			`checks.restart_threshold: must be between 1 and 100 (got 101)`,
			`database.url: not a PostgreSQL URL (postgres:// or postgresql://)`,
			`database.timeout: must be between 1s and 1m (got 0s)`,
			`audit.retention: must be between 1h and 87600h (got 0s)`,
			`diagnostics.postgres[0].name: must match [a-z0-9][a-z0-9_-]* (got "Javisi")`,
			`diagnostics.postgres[0].url: required`,
			`diagnostics.postgres[1].url: not a valid URL`,
			`compose.command[0]: must be a program name without spaces (got "docker compose")`,
			`compose.command[1]: must not be empty`,
			`compose.timeout: must be between 10s and 30m (got 1h)`,
			`actions.confirm_ttl: must be between 30s and 1h (got 10s)`,
			`runbooks.dir: empty path`,
		}},
	}

	seen := map[string]bool{}
	for _, tt := range tests {
		seen[tt.file] = true
		t.Run(strings.TrimSuffix(tt.file, ".yaml"), func(t *testing.T) {
			clearEnv(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			cfg, err := Load(filepath.Join("testdata", tt.file))
			if tt.wantLoad != "" {
				if err == nil {
					t.Fatalf("Load: no error, want %q", tt.wantLoad)
				}
				if got := err.Error(); got != tt.wantLoad {
					t.Fatalf("Load error\n got: %s\nwant: %s", got, tt.wantLoad)
				}
				if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), secret[:7]) {
					t.Fatalf("Load error leaks an environment value: %s", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			validate := cfg.Validate
			if tt.bot {
				validate = cfg.ValidateBot
			}
			got := problemStrings(t, validate())
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("problems\n got: %q\nwant: %q", got, tt.want)
			}
			if strings.Contains(strings.Join(got, "\n"), "hunter2") {
				t.Fatalf("a problem leaks a password or secret token: %q", got)
			}
		})
	}

	// Every file in testdata is a case here (or used by a named test), so
	// none sits unchecked.
	others := map[string]bool{"env-expansion.yaml": true, "env-override.yaml": true}
	entries, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !seen[e.Name()] && !others[e.Name()] {
			t.Errorf("testdata/%s is not covered by any test", e.Name())
		}
	}
}

// problemStrings checks that err is a *ValidationError (or nil) and returns
// its problems as "key: message".
func problemStrings(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("validation error is %T, want *ValidationError", err)
	}
	if got, want := err.Error(), strings.Join(problemList(ve), "\n"); got != want {
		t.Fatalf("Error() = %q, want one problem per line %q", got, want)
	}
	return problemList(ve)
}

func problemList(ve *ValidationError) []string {
	out := make([]string, len(ve.Problems))
	for i, p := range ve.Problems {
		out[i] = p.String()
	}
	return out
}

func TestLoadEmptyIsDefault(t *testing.T) {
	clearEnv(t)
	for _, text := range []string{"", "# only a comment\n", "---\n"} {
		cfg, err := parse("config.yaml", []byte(text), os.LookupEnv)
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		if !reflect.DeepEqual(cfg, Default()) {
			t.Errorf("%q: got %+v, want Default()", text, cfg)
		}
	}
	cfg, err := Load("testdata/empty.yaml")
	if err != nil || !reflect.DeepEqual(cfg, Default()) {
		t.Fatalf("empty.yaml: %+v, %v; want Default()", cfg, err)
	}
}

func TestLoadFull(t *testing.T) {
	clearEnv(t)
	cfg, err := Load("testdata/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		Log:     Log{Level: "debug", Format: "json"},
		DataDir: "/var/lib/vigie",
		Knowledge: Knowledge{
			Corpus:     []string{"/srv/javisi/TROUBLESHOOTING.md", "/srv/javisi/docs"},
			Services:   []string{"postgresql", "redis", "nocodb"},
			MaxInputMB: 50,
		},
		Telegram: Telegram{
			Token:        "123456:full-yaml-token",
			APIURL:       "http://localhost:8081",
			AllowedChats: []int64{111, -1001234567890},
			Operators:    []int64{111},
			Viewers:      []int64{222, 333},
			Webhook: Webhook{
				Listen:      "127.0.0.1:8080",
				URL:         "https://vigie.example.com/telegram",
				SecretToken: "full-yaml_webhook-SECRET-0123456789",
			},
			RateLimit:      5,
			ButtonTTL:      Duration(90 * time.Minute),
			RequestTimeout: Duration(45 * time.Second),
		},
		HTTP: HTTP{Listen: ":9464"},
		Hosts: []Host{
			{Name: "prod", Endpoint: "unix:///var/run/docker.sock"},
			{Name: "pi_4", Endpoint: "ssh://vigie@pi.lan:2222"},
			{Name: "nas-1", Endpoint: "tcp://192.168.1.10:2376", TLS: &TLS{
				CA: "/etc/vigie/ca.pem", Cert: "/etc/vigie/cert.pem", Key: "/etc/vigie/key.pem",
			}},
			{Name: "2nd", Endpoint: "tcp://[fd00::10]:2376", TLS: &TLS{CA: "/etc/vigie/ca.pem"}},
		},
		Checks: Checks{Timeout: Duration(90 * time.Second), LogLines: 500, RestartThreshold: 5},
		Database: Database{
			URL:     "postgres://vigie:full-yaml-db-password@db.example:5432/vigie?sslmode=require",
			Timeout: Duration(10 * time.Second),
		},
		Audit: Audit{Retention: Duration(2160 * time.Hour)},
		Diagnostics: Diagnostics{Postgres: []PostgresTarget{
			{Name: "javisi", URL: "postgres://n8n:full-yaml-n8n-password@postgresql:5432/n8n"},
			{Name: "kaneo_2", URL: "postgresql://kaneo@[fd00::20]:5432/kaneo"},
		}},
		Compose: Compose{
			Command: []string{"docker-compose", "--ansi", "never"},
			Timeout: Duration(10 * time.Minute),
		},
		Safety:   Safety{ReadOnly: true},
		Actions:  Actions{ConfirmTTL: Duration(150 * time.Second)},
		Runbooks: Runbooks{Dir: "/etc/vigie/runbooks"},
		Watch: Watch{
			Chats: []int64{-1001234567890}, Cooldown: Duration(30 * time.Minute), LogLines: 300,
			RestartLoop:  RestartLoop{Count: 4, Window: Duration(15 * time.Minute)},
			Burst:        Burst{Containers: 8, Window: Duration(time.Minute)},
			ScanInterval: Duration(5 * time.Minute),
		},
		LLM: LLM{
			Enabled:    true,
			BaseURL:    "https://litellm.example/v1",
			APIKey:     "sk-full-yaml-litellm-key-0123456789",
			Models:     []string{"deepseek-free", "kimi-k2-free"},
			MaxTokens:  300,
			Timeout:    Duration(20 * time.Second),
			DailyCalls: 50,
		},
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Fatalf("got  %#v\nwant %#v\n(token %q, database.url %q)", cfg, want, cfg.Telegram.Token.Reveal(), cfg.Database.URL.Reveal())
	}
	if !cfg.Telegram.Webhook.Enabled() {
		t.Errorf("Webhook.Enabled() = false with listen %q", cfg.Telegram.Webhook.Listen)
	}
	if cfg.Knowledge.MaxInputBytes() != 50<<20 {
		t.Errorf("MaxInputBytes = %d", cfg.Knowledge.MaxInputBytes())
	}
}

// TestLoadReplacesDefaultLists checks that a list in the file replaces the
// default list rather than being appended to it.
func TestLoadReplacesDefaultLists(t *testing.T) {
	clearEnv(t)
	cfg, err := parse("config.yaml", []byte("knowledge:\n  services: [redis]\n"), os.LookupEnv)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cfg.Knowledge.Services, []string{"redis"}) {
		t.Fatalf("services = %q, want [redis]", cfg.Knowledge.Services)
	}
	if d := Default(); len(d.Knowledge.Services) != 17 {
		t.Fatalf("Default() services changed: %q", d.Knowledge.Services)
	}
}

func TestLoadMissingFile(t *testing.T) {
	clearEnv(t)
	_, err := Load("config.yaml")
	if err == nil {
		t.Fatal("no error")
	}
	if got, want := err.Error(), "config file config.yaml: no such file"; got != want {
		t.Errorf("error = %q, want %q", got, want)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("errors.Is(err, fs.ErrNotExist) = false for %v", err)
	}
}

func TestLoadDirectory(t *testing.T) {
	clearEnv(t)
	_, err := Load("testdata")
	if err == nil || err.Error() != "config file testdata: is a directory" {
		t.Fatalf("error = %v, want config file testdata: is a directory", err)
	}
}

func TestEnvExpansion(t *testing.T) {
	clearEnv(t)
	t.Setenv("VIGIE_TEST_LEVEL", "warn")
	unsetEnv(t, "VIGIE_TEST_FORMAT")
	t.Setenv("VIGIE_TEST_HOME", "/home/vigie")
	unsetEnv(t, "VIGIE_TEST_UNSET")
	t.Setenv("VIGIE_TEST_EMPTY", "")
	t.Setenv("VIGIE_TEST_TOKEN", "123456:from-env")

	cfg, err := Load("testdata/env-expansion.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Log.Level != "warn" {
		t.Errorf("log.level = %q, want warn (${VAR})", cfg.Log.Level)
	}
	if cfg.Log.Format != "json" {
		t.Errorf("log.format = %q, want json (${VAR:-default}, unset)", cfg.Log.Format)
	}
	if cfg.DataDir != "/home/vigie/data$1" {
		t.Errorf("data_dir = %q, want /home/vigie/data$1 ($$ escape)", cfg.DataDir)
	}
	wantCorpus := []string{"", "/srv/corpus", "a$b"} // unset, empty with default, lone $
	if !reflect.DeepEqual(cfg.Knowledge.Corpus, wantCorpus) {
		t.Errorf("knowledge.corpus = %q, want %q", cfg.Knowledge.Corpus, wantCorpus)
	}
	if cfg.Telegram.Token.Reveal() != "123456:from-env" {
		t.Errorf("telegram.token not expanded")
	}
}

func TestExpand(t *testing.T) {
	env := map[string]string{"A": "alpha", "EMPTY": "", "D": "${A}", "BAD": "x\ny"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	tests := []struct{ in, want, wantErr string }{
		{in: "x: ${A}", want: "x: alpha"},
		{in: "x: ${A:-def}", want: "x: alpha"},
		{in: "x: ${UNSET}", want: "x: "},
		{in: "x: ${UNSET:-def}", want: "x: def"},
		{in: "x: ${EMPTY:-def}", want: "x: def"},
		{in: "x: ${UNSET:-}", want: "x: "},
		{in: "x: ${UNSET:-a:-b}", want: "x: a:-b"},
		{in: "x: $$", want: "x: $"},
		{in: "x: $${A}", want: "x: ${A}"},
		{in: "x: $$$${A}", want: "x: $${A}"},
		{in: "x: $$${A}", want: "x: $alpha"},
		{in: "x: pa$word $", want: "x: pa$word $"},
		{in: "x: ${D}", want: "x: ${A}"}, // values are not expanded again
		{in: "x: ${A}${A}", want: "x: alphaalpha"},
		{in: "a: 1\nb: ${A", wantErr: `line 2: unterminated "${" (the closing "}" must be on the same line)`},
		{in: "a: ${A\n}", wantErr: `line 1: unterminated "${" (the closing "}" must be on the same line)`},
		{in: "a: ${}", wantErr: `line 1: invalid variable name "" in "${}"`},
		{in: "a: ${1A}", wantErr: `line 1: invalid variable name "1A" in "${1A}"`},
		{in: "a: ${A-def}", wantErr: `line 1: invalid variable name "A-def" in "${A-def}"`},
		{in: "\n\na: ${BAD}", wantErr: `line 3: value of ${BAD} contains a line break; only one-line values can be substituted`},
	}
	for _, tt := range tests {
		got, _, err := expand([]byte(tt.in), lookup)
		switch {
		case tt.wantErr != "":
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("expand(%q) error = %v, want %q", tt.in, err, tt.wantErr)
			}
		case err != nil:
			t.Errorf("expand(%q): %v", tt.in, err)
		case string(got) != tt.want:
			t.Errorf("expand(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEnvOverride(t *testing.T) {
	const (
		fileDB = "postgres://vigie:from-the-file@db:5432/vigie"
		envDB  = "postgresql://vigie:from-the-env@pg.internal:6432/vigie?sslmode=disable"
	)
	clearEnv(t)
	cfg, err := Load("testdata/env-override.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Telegram.Token.Reveal() != "from-the-file" || cfg.Telegram.APIURL != "https://file.example" ||
		cfg.Telegram.Webhook.SecretToken.Reveal() != "from-the-file-secret" {
		t.Fatalf("without env: token %q, api_url %q, webhook.secret_token %q; want the file's",
			cfg.Telegram.Token.Reveal(), cfg.Telegram.APIURL, cfg.Telegram.Webhook.SecretToken.Reveal())
	}

	if got := cfg.Database.URL.Reveal(); got != fileDB {
		t.Fatalf("without env: database.url %q, want the file's", got)
	}
	if got := cfg.LLM.APIKey.Reveal(); got != "from-the-file-llm-key" {
		t.Fatalf("without env: llm.api_key %q, want the file's", got)
	}

	// An empty variable counts as unset.
	t.Setenv(EnvTelegramWebhookSecret, "")
	t.Setenv(EnvDatabaseURL, "")
	cfg, err = Load("testdata/env-override.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Telegram.Webhook.SecretToken.Reveal(); got != "from-the-file-secret" {
		t.Fatalf("with %s empty: webhook.secret_token %q, want the file's", EnvTelegramWebhookSecret, got)
	}
	if got := cfg.Database.URL.Reveal(); got != fileDB {
		t.Fatalf("with %s empty: database.url %q, want the file's", EnvDatabaseURL, got)
	}

	t.Setenv(EnvTelegramToken, "from-the-env")
	t.Setenv(EnvTelegramAPIURL, "http://127.0.0.1:9999")
	t.Setenv(EnvTelegramWebhookSecret, "from-the-env-secret")
	t.Setenv(EnvDatabaseURL, envDB)
	t.Setenv(EnvLiteLLMKey, "from-the-env-llm-key")
	cfg, err = Load("testdata/env-override.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.LLM.APIKey.Reveal(); got != "from-the-env-llm-key" {
		t.Fatalf("with %s: llm.api_key %q, want the environment's", EnvLiteLLMKey, got)
	}
	if cfg.Telegram.Token.Reveal() != "from-the-env" || cfg.Telegram.APIURL != "http://127.0.0.1:9999" ||
		cfg.Telegram.Webhook.SecretToken.Reveal() != "from-the-env-secret" || cfg.Database.URL.Reveal() != envDB {
		t.Fatalf("with env: token %q, api_url %q, webhook.secret_token %q, database.url %q; want the environment's",
			cfg.Telegram.Token.Reveal(), cfg.Telegram.APIURL, cfg.Telegram.Webhook.SecretToken.Reveal(), cfg.Database.URL.Reveal())
	}
}

// TestDatabaseURLFromEnv checks that VIGIE_DATABASE_URL supplies
// database.url also when no file is read, and that a bad value from the
// environment is reported like one from the file, without quoting it.
func TestDatabaseURLFromEnv(t *testing.T) {
	clearEnv(t)
	t.Chdir(t.TempDir()) // no ./config.yaml: the defaults
	cfg, path, err := Resolve("")
	if err != nil || path != "" {
		t.Fatalf("Resolve = (%q, %v), want the defaults", path, err)
	}
	if cfg.Database.URL != "" {
		t.Fatalf("without %s: database.url %q, want empty (the embedded store)", EnvDatabaseURL, cfg.Database.URL.Reveal())
	}

	const envDB = "postgres://vigie:env-db-password@db:5432/vigie?sslmode=disable"
	t.Setenv(EnvDatabaseURL, envDB)
	cfg, _, err = Resolve("")
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Database.URL.Reveal(); got != envDB {
		t.Fatalf("defaults: database.url %q, want it from %s", got, EnvDatabaseURL)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}

	t.Setenv(EnvDatabaseURL, "mysql://vigie:hunter2@db:3306/vigie")
	cfg, _, err = Resolve("")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`database.url: not a PostgreSQL URL (postgres:// or postgresql://)`}
	if got := problemStrings(t, cfg.Validate()); !reflect.DeepEqual(got, want) {
		t.Fatalf("problems\n got: %q\nwant: %q", got, want)
	}
}

// TestWebhookSecretOnlyForBot checks that the webhook's secret token, like
// the bot token, is required by ValidateBot only, and that
// TELEGRAM_WEBHOOK_SECRET supplies it, also when no file is read.
func TestWebhookSecretOnlyForBot(t *testing.T) {
	clearEnv(t)
	cfg, err := Load("testdata/webhook-no-secret.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}

	t.Setenv(EnvTelegramWebhookSecret, "from-the-env-secret")
	cfg, err = Load("testdata/webhook-no-secret.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.ValidateBot(); err != nil {
		t.Fatalf("ValidateBot with %s set: %v", EnvTelegramWebhookSecret, err)
	}

	t.Chdir(t.TempDir()) // no ./config.yaml: the defaults
	cfg, path, err := Resolve("")
	if err != nil || path != "" {
		t.Fatalf("Resolve = (%q, %v), want the defaults", path, err)
	}
	if got := cfg.Telegram.Webhook.SecretToken.Reveal(); got != "from-the-env-secret" {
		t.Fatalf("defaults: webhook.secret_token %q, want it from %s", got, EnvTelegramWebhookSecret)
	}
	// A secret without a webhook is a mistake worth reporting, not a
	// reason to listen.
	if cfg.Telegram.Webhook.Enabled() {
		t.Errorf("Webhook.Enabled() with only a secret token")
	}
	want := []string{`telegram.webhook.listen: required with webhook.secret_token (from the file or TELEGRAM_WEBHOOK_SECRET)`}
	if got := problemStrings(t, cfg.Validate()); !reflect.DeepEqual(got, want) {
		t.Fatalf("problems\n got: %q\nwant: %q", got, want)
	}
}

func TestLoadErrorsAreOneLine(t *testing.T) {
	clearEnv(t)
	// Several type errors in one file are still one line.
	_, err := parse("c.yaml", []byte("knowledge:\n  max_input_mb: x\ntelegram:\n  operators: [a]\n  nope: 1\n"), os.LookupEnv)
	if err == nil {
		t.Fatal("no error")
	}
	want := `c.yaml:2: knowledge.max_input_mb: expected an integer, got "x"; ` +
		`c.yaml:4: telegram.operators[0]: expected an integer, got "a"; ` +
		`c.yaml:5: unknown key "telegram.nope"`
	if err.Error() != want {
		t.Fatalf("error\n got: %s\nwant: %s", err, want)
	}
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		t.Errorf("the yaml cause is not kept for errors.As")
	}
}

func TestResolve(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	flagFile := write("flag.yaml", "data_dir: /from/flag\n")
	envFile := write("env.yaml", "data_dir: /from/env\n")
	cwd := filepath.Join(dir, "cwd")
	if err := os.Mkdir(cwd, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cwd, DefaultPath), []byte("data_dir: /from/cwd\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o700); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, flag, env, chdir string
		wantPath, wantDataDir  string
	}{
		{name: "flag beats everything", flag: flagFile, env: envFile, chdir: cwd, wantPath: flagFile, wantDataDir: "/from/flag"},
		{name: "VIGIE_CONFIG beats ./config.yaml", env: envFile, chdir: cwd, wantPath: envFile, wantDataDir: "/from/env"},
		{name: "./config.yaml when present", chdir: cwd, wantPath: DefaultPath, wantDataDir: "/from/cwd"},
		{name: "defaults", chdir: empty, wantPath: "", wantDataDir: DefaultDataDir},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t)
			if tt.env != "" {
				t.Setenv(EnvConfig, tt.env)
			}
			t.Setenv(EnvTelegramToken, "tok-from-env")
			t.Chdir(tt.chdir)
			cfg, path, err := Resolve(tt.flag)
			if err != nil {
				t.Fatal(err)
			}
			if path != tt.wantPath || cfg.DataDir != tt.wantDataDir {
				t.Fatalf("Resolve = (data_dir %q, path %q), want (%q, %q)", cfg.DataDir, path, tt.wantDataDir, tt.wantPath)
			}
			if cfg.Telegram.Token.Reveal() != "tok-from-env" {
				t.Errorf("environment override not applied")
			}
		})
	}

	t.Run("missing explicit file is an error", func(t *testing.T) {
		clearEnv(t)
		missing := filepath.Join(dir, "missing.yaml")
		t.Setenv(EnvConfig, missing)
		t.Chdir(cwd) // ./config.yaml must not be used instead
		_, path, err := Resolve("")
		if !errors.Is(err, fs.ErrNotExist) || path != missing {
			t.Fatalf("Resolve = (%q, %v), want %q and a not-exist error", path, err, missing)
		}
		if want := "config file " + missing + ": no such file"; err.Error() != want {
			t.Errorf("error = %q, want %q", err, want)
		}
	})
}
