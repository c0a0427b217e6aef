package config

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/rs/zerolog"
	"go.yaml.in/yaml/v3"
)

const (
	testSecret        = "123456:AAH-the-real-bot-token_value"
	testWebhookSecret = "WHS-the-real-webhook_secret-0123456789"
	// The passwords inside the PostgreSQL URLs, which are secrets whole.
	testDBPassword   = "DBP-the-real-database_password"
	testDiagPassword = "DGP-the-real-diagnostics_password"
	testDBURL        = "postgres://vigie:" + testDBPassword + "@db.internal:5432/vigie?sslmode=disable"
	testDiagURL      = "postgresql://n8n:" + testDiagPassword + "@postgresql:5432/n8n"
	testLLMKey       = "sk-LLM-the-real-litellm_key-0123456789"
)

// secretConfig is a valid bot configuration holding every kind of secret:
// both tokens, the database URL and a diagnostics URL.
func secretConfig() Config {
	cfg := Default()
	cfg.Telegram.Token = testSecret
	cfg.Telegram.AllowedChats = []int64{111}
	cfg.Telegram.Webhook = Webhook{
		Listen:      ":8443",
		URL:         "https://vigie.example.com/telegram",
		SecretToken: testWebhookSecret,
	}
	cfg.Database.URL = testDBURL
	cfg.Diagnostics.Postgres = []PostgresTarget{{Name: "javisi", URL: testDiagURL}}
	cfg.LLM.APIKey = testLLMKey
	return cfg
}

// forbiddenForms are the secrets and the forms a formatting path could
// turn them into: whole, a recognisable part, hex of either case. For a URL
// the secret is its password (hex of the URL contains hex of the password,
// each byte being two digits).
func forbiddenForms() []string {
	var out []string
	for _, s := range []string{testSecret, testWebhookSecret, testDBPassword, testDiagPassword, testLLMKey} {
		out = append(out, s, s[7:19],
			hex.EncodeToString([]byte(s))[:16], strings.ToUpper(hex.EncodeToString([]byte(s)))[:16])
	}
	return out
}

// TestSecretsNeverPrinted is the guard of the rule "secrets never leave":
// every way a config is likely to end up in a message or a log.
func TestSecretsNeverPrinted(t *testing.T) {
	cfg := secretConfig()
	if err := cfg.ValidateBot(); err != nil {
		t.Fatalf("secretConfig is not valid: %v", err)
	}
	tok := cfg.Telegram.Token
	whs := cfg.Telegram.Webhook.SecretToken
	dbu := cfg.Database.URL
	target := cfg.Diagnostics.Postgres[0]

	outputs := map[string]string{}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10v", "%-20s"} {
		outputs["cfg "+verb] = fmt.Sprintf(verb, cfg)
		outputs["&cfg "+verb] = fmt.Sprintf(verb, &cfg)
		outputs["token "+verb] = fmt.Sprintf(verb, tok)
		outputs["telegram "+verb] = fmt.Sprintf(verb, cfg.Telegram)
		outputs["webhook "+verb] = fmt.Sprintf(verb, cfg.Telegram.Webhook)
		outputs["&webhook "+verb] = fmt.Sprintf(verb, &cfg.Telegram.Webhook)
		outputs["webhook secret "+verb] = fmt.Sprintf(verb, whs)
		outputs["database "+verb] = fmt.Sprintf(verb, cfg.Database)
		outputs["&database "+verb] = fmt.Sprintf(verb, &cfg.Database)
		outputs["database url "+verb] = fmt.Sprintf(verb, dbu)
		outputs["diagnostics "+verb] = fmt.Sprintf(verb, cfg.Diagnostics)
		outputs["postgres targets "+verb] = fmt.Sprintf(verb, cfg.Diagnostics.Postgres)
		outputs["target "+verb] = fmt.Sprintf(verb, target)
		outputs["&target "+verb] = fmt.Sprintf(verb, &target)
		outputs["target url "+verb] = fmt.Sprintf(verb, target.URL)
		outputs["llm "+verb] = fmt.Sprintf(verb, cfg.LLM)
		outputs["llm key "+verb] = fmt.Sprintf(verb, cfg.LLM.APIKey)
	}
	outputs["Sprint"] = fmt.Sprint(cfg)
	outputs["Sprintln"] = fmt.Sprintln(cfg, tok, whs, dbu, target.URL)
	outputs["error wrap"] = fmt.Errorf("config %v: %w", cfg, fmt.Errorf("token %s, secret %s, database %s, target %v", tok, whs, dbu, target)).Error()

	js, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	outputs["json"] = string(js)
	ys, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	outputs["yaml"] = string(ys)

	var zl bytes.Buffer
	log := zerolog.New(&zl)
	log.Info().Interface("config", cfg).Msg("interface")
	log.Info().Any("config", cfg).Msg("any")
	log.Info().Any("token", tok).Msg("any token")
	log.Info().Stringer("token", tok).Msg("stringer")
	log.Info().Str("token", tok.String()).Msg("str")
	log.Info().Any("webhook", cfg.Telegram.Webhook).Msg("any webhook")
	log.Info().Any("secret", whs).Msg("any webhook secret")
	log.Info().Stringer("secret", whs).Msg("stringer webhook secret")
	log.Info().Any("database", cfg.Database).Msg("any database")
	log.Info().Interface("database_url", dbu).Msg("interface database url")
	log.Info().Stringer("database_url", dbu).Msg("stringer database url")
	log.Info().Any("diagnostics", cfg.Diagnostics).Msg("any diagnostics")
	log.Info().Any("target", target).Msg("any target")
	log.Info().Str("target_url", target.URL.String()).Msg("str target url")
	log.Info().Any("llm", cfg.LLM).Msg("any llm")
	outputs["zerolog"] = zl.String()

	var sl bytes.Buffer
	slog.New(slog.NewTextHandler(&sl, nil)).Info("text", "config", cfg, "token", tok, "webhook", cfg.Telegram.Webhook, "secret", whs,
		"database", cfg.Database, "database_url", dbu, "diagnostics", cfg.Diagnostics, "target", target)
	slog.New(slog.NewJSONHandler(&sl, nil)).Info("json", "config", cfg, "token", tok, "webhook", cfg.Telegram.Webhook, "secret", whs,
		"database", cfg.Database, "database_url", dbu, "diagnostics", cfg.Diagnostics, "target", target)
	outputs["slog"] = sl.String()

	for name, out := range outputs {
		for _, f := range forbiddenForms() {
			if strings.Contains(out, f) {
				t.Errorf("%s leaks a secret: %s", name, out)
			}
		}
	}

	// And they do say that a token is set.
	for _, name := range []string{"Sprint", "cfg %+v", "cfg %#v", "yaml", "zerolog", "slog"} {
		if !strings.Contains(outputs[name], redacted) {
			t.Errorf("%s does not show %s: %s", name, redacted, outputs[name])
		}
	}
	// encoding/json escapes < and > (as \u003c, \u003e), so decode to look.
	var decoded struct {
		Telegram struct {
			Token   string
			Webhook struct {
				SecretToken string `json:"secret_token"`
			}
		}
		Database struct {
			URL string
		}
		Diagnostics struct {
			Postgres []struct {
				Name, URL string
			}
		}
	}
	if err := json.Unmarshal(js, &decoded); err != nil || decoded.Telegram.Token != redacted {
		t.Errorf("json token = %q (%v): %s", decoded.Telegram.Token, err, js)
	}
	if got := decoded.Telegram.Webhook.SecretToken; got != redacted {
		t.Errorf("json webhook.secret_token = %q: %s", got, js)
	}
	if got := decoded.Database.URL; got != redacted {
		t.Errorf("json database.url = %q: %s", got, js)
	}
	if ps := decoded.Diagnostics.Postgres; len(ps) != 1 || ps[0].Name != "javisi" || ps[0].URL != redacted {
		t.Errorf("json diagnostics.postgres = %+v: %s", ps, js)
	}
	for _, want := range []string{
		"\n    token: <secret>\n",
		"\n        secret_token: <secret>\n",
		"\ndatabase:\n    url: <secret>\n",
		"\n        - name: javisi\n          url: <secret>\n",
		"\n    api_key: <secret>\n",
	} {
		if !strings.Contains(outputs["yaml"], want) {
			t.Errorf("yaml lacks %q: %s", want, outputs["yaml"])
		}
	}
	for _, s := range []Secret{tok, whs, dbu, target.URL} {
		if got := fmt.Sprintf("%#v", s); got != `"<secret>"` {
			t.Errorf("%%#v = %s, want \"<secret>\"", got)
		}
	}
	if tok.Reveal() != testSecret || whs.Reveal() != testWebhookSecret || dbu.Reveal() != testDBURL || target.URL.Reveal() != testDiagURL {
		t.Errorf("Reveal() = %q, %q, %q, %q", tok.Reveal(), whs.Reveal(), dbu.Reveal(), target.URL.Reveal())
	}
}

// TestEmptySecret checks that a missing token stays visibly missing.
func TestEmptySecret(t *testing.T) {
	var s Secret
	if s.String() != "" || s.GoString() != `""` || fmt.Sprintf("[%v]", s) != "[]" {
		t.Errorf("String %q, GoString %q, %%v %q", s.String(), s.GoString(), fmt.Sprintf("%v", s))
	}
	if js, _ := json.Marshal(s); string(js) != `""` {
		t.Errorf("json = %s", js)
	}
	ys, _ := yaml.Marshal(Telegram{})
	if !strings.Contains(string(ys), `token: ""`) {
		t.Errorf("yaml = %s", ys)
	}
	if s.Reveal() != "" {
		t.Errorf("Reveal() = %q", s.Reveal())
	}
}

// TestValidateNeverQuotesToken checks that a problem with the token is
// described without its value.
func TestValidateNeverQuotesToken(t *testing.T) {
	cfg := secretConfig()
	cfg.Telegram.Token = testSecret + " \n"
	cfg.Telegram.APIURL = "https://user:" + testSecret + "@example.com"
	err := cfg.ValidateBot()
	if err == nil {
		t.Fatal("no problem reported")
	}
	if strings.Contains(err.Error(), "AAH-the-real") {
		t.Fatalf("validation error leaks the token: %s", err)
	}
	cfg.Telegram.APIURL = "ftp://user:" + testSecret + "@example.com"
	if err := cfg.Validate(); err == nil || strings.Contains(err.Error(), "AAH-the-real") {
		t.Fatalf("validation error missing or leaks the token: %v", err)
	}

	// The webhook's secret token, whatever is wrong with it or around it;
	// nor the URL, whose path may be a secret too.
	for _, w := range []Webhook{
		{Listen: ":8443", URL: "https://vigie.example.com/" + testWebhookSecret, SecretToken: testWebhookSecret + " \n"},
		{Listen: ":8443", URL: "http://vigie.example.com/" + testWebhookSecret, SecretToken: Secret(testWebhookSecret + strings.Repeat("x", 300))},
		{URL: "ftp://" + testWebhookSecret, SecretToken: testWebhookSecret},
		{SecretToken: testWebhookSecret + ":"},
	} {
		cfg := secretConfig()
		cfg.Telegram.Webhook = w
		err := cfg.ValidateBot()
		if err == nil {
			t.Fatalf("%d-byte secret: no problem reported", len(w.SecretToken))
		}
		for _, f := range forbiddenForms() {
			if strings.Contains(err.Error(), f) {
				t.Fatalf("validation error leaks the webhook secret: %s", err)
			}
		}
	}
}

// TestValidateNeverQuotesPostgresURL checks that a problem with
// database.url or a diagnostics URL is described without any part of the
// URL, whose password would otherwise show: url.Parse's own errors can quote
// it ("invalid port \":<password>\" after host").
func TestValidateNeverQuotesPostgresURL(t *testing.T) {
	for _, pw := range []string{testDBPassword, testDiagPassword} {
		for _, u := range []string{
			"mysql://vigie:" + pw + "@db:3306/vigie",
			"POSTGRES://vigie:" + pw + "@db:5432/vigie",
			"vigie:" + pw + "@db:5432/vigie",
			"host=db user=vigie password=" + pw,
			"postgres://vigie:" + pw + "/x@db:5432/vigie",
			"postgres://vigie:" + pw + " x@db:5432/vigie",
			"postgres://vigie:" + pw + "@[db:5432/vigie",
			"postgres://vigie:" + pw + "%zz@db:5432/vigie",
			"postgres://vigie:" + pw + "@db:5432/vigie\n",
			"postgres://vigie@db:" + pw + "/vigie",
		} {
			cfg := secretConfig()
			cfg.Database.URL = Secret(u)
			cfg.Diagnostics.Postgres = append(cfg.Diagnostics.Postgres, PostgresTarget{Name: "other", URL: Secret(u)})
			err := cfg.ValidateBot()
			got := problemStrings(t, err)
			if len(got) != 2 || !strings.HasPrefix(got[0], "database.url: not a ") ||
				!strings.HasPrefix(got[1], "diagnostics.postgres[1].url: not a ") {
				t.Errorf("%q: problems %q, want database.url and diagnostics.postgres[1].url", u, got)
			}
			for _, f := range forbiddenForms() {
				if strings.Contains(err.Error(), f) {
					t.Errorf("%q: validation error leaks the password: %s", u, err)
				}
			}
		}
	}
}

// TestPostgresURLs checks the forms of PostgreSQL URL the drivers accept
// and the ones they do not.
func TestPostgresURLs(t *testing.T) {
	const (
		notPostgres = "not a PostgreSQL URL (postgres:// or postgresql://)"
		notValid    = "not a valid URL"
	)
	tests := []struct{ url, want string }{
		{url: "postgres://vigie:pw@db:5432/vigie?sslmode=disable"},
		{url: "postgresql://vigie@db/vigie"},
		{url: "postgres://db"},
		{url: "postgres:///vigie?host=/run/postgresql"},
		{url: "postgres://vigie:pw@[fd00::20]:5432/vigie"},
		{url: "postgres://vigie:pw@db1:5432,db2:5432/vigie?target_session_attrs=read-write"},
		{url: "postgres://vigie:p%40ss%2Fw%23rd@db/vigie"},
		{url: "mysql://vigie:pw@db/vigie", want: notPostgres},
		{url: "Postgres://vigie:pw@db/vigie", want: notPostgres},
		{url: "postgres:vigie", want: notPostgres},
		{url: " postgres://db/vigie", want: notPostgres},
		{url: "host=db dbname=vigie", want: notPostgres},
		{url: redacted, want: notPostgres},
		{url: "postgres://vigie:p/w@db/vigie", want: notValid},
		{url: "postgres://db/vigie\t", want: notValid},
	}
	for _, tt := range tests {
		var ps problems
		validatePostgresURL(&ps, "k", Secret(tt.url))
		var got string
		if len(ps) > 0 {
			got = ps[0].Message
		}
		if len(ps) > 1 || got != tt.want {
			t.Errorf("%q: %q, want %q", tt.url, ps, tt.want)
		}
	}
}

// TestRedactedDumpDoesNotLoadAsToken checks the round trip: a config dumped
// with yaml.Marshal and read back is rejected instead of running with the
// placeholder as its token.
func TestRedactedDumpDoesNotLoadAsToken(t *testing.T) {
	clearEnv(t)
	ys, err := yaml.Marshal(secretConfig())
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := parse("dump.yaml", ys, func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	err = cfg.ValidateBot()
	for _, key := range []string{"telegram.token", "telegram.webhook.secret_token"} {
		if err == nil || !strings.Contains(err.Error(), key+": holds the") {
			t.Errorf("ValidateBot() = %v, want the placeholder of %s rejected", err, key)
		}
	}
	// The placeholder is not a URL either.
	for _, key := range []string{"database.url", "diagnostics.postgres[0].url"} {
		if err == nil || !strings.Contains(err.Error(), key+": not a PostgreSQL URL") {
			t.Errorf("ValidateBot() = %v, want the placeholder of %s rejected", err, key)
		}
	}
}
