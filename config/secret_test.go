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

const testSecret = "123456:AAH-the-real-bot-token_value"

func secretConfig() Config {
	cfg := Default()
	cfg.Telegram.Token = testSecret
	cfg.Telegram.AllowedChats = []int64{111}
	return cfg
}

// TestSecretsNeverPrinted is the guard of the rule "secrets never leave":
// every way a config is likely to end up in a message or a log.
func TestSecretsNeverPrinted(t *testing.T) {
	cfg := secretConfig()
	tok := cfg.Telegram.Token

	outputs := map[string]string{}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10v", "%-20s"} {
		outputs["cfg "+verb] = fmt.Sprintf(verb, cfg)
		outputs["&cfg "+verb] = fmt.Sprintf(verb, &cfg)
		outputs["token "+verb] = fmt.Sprintf(verb, tok)
		outputs["telegram "+verb] = fmt.Sprintf(verb, cfg.Telegram)
	}
	outputs["Sprint"] = fmt.Sprint(cfg)
	outputs["Sprintln"] = fmt.Sprintln(cfg, tok)
	outputs["error wrap"] = fmt.Errorf("config %v: %w", cfg, fmt.Errorf("token %s", tok)).Error()

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
	outputs["zerolog"] = zl.String()

	var sl bytes.Buffer
	slog.New(slog.NewTextHandler(&sl, nil)).Info("text", "config", cfg, "token", tok)
	slog.New(slog.NewJSONHandler(&sl, nil)).Info("json", "config", cfg, "token", tok)
	outputs["slog"] = sl.String()

	forbidden := []string{testSecret, "AAH-the-real", hex.EncodeToString([]byte(testSecret))[:16], strings.ToUpper(hex.EncodeToString([]byte(testSecret)))[:16]}
	for name, out := range outputs {
		for _, f := range forbidden {
			if strings.Contains(out, f) {
				t.Errorf("%s leaks the secret: %s", name, out)
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
		Telegram struct{ Token string }
	}
	if err := json.Unmarshal(js, &decoded); err != nil || decoded.Telegram.Token != redacted {
		t.Errorf("json token = %q (%v): %s", decoded.Telegram.Token, err, js)
	}
	if !strings.Contains(outputs["yaml"], "token: <secret>\n") {
		t.Errorf("yaml: %s", outputs["yaml"])
	}
	if got := fmt.Sprintf("%#v", tok); got != `"<secret>"` {
		t.Errorf("%%#v = %s, want \"<secret>\"", got)
	}
	if tok.Reveal() != testSecret {
		t.Errorf("Reveal() = %q", tok.Reveal())
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
	if err := cfg.ValidateBot(); err == nil || !strings.Contains(err.Error(), "telegram.token: holds the") {
		t.Fatalf("ValidateBot() = %v, want the placeholder rejected", err)
	}
}
