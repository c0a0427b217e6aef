package config

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// exampleFile is the documented example at the repository root.
const exampleFile = "../config.example.yaml"

// TestExampleLoadsAsDefaults checks that the example loads, validates, and
// shows the defaults, so the "Default:" comments in it are true.
func TestExampleLoadsAsDefaults(t *testing.T) {
	clearEnv(t)
	cfg, err := Load(exampleFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("Validate:\n%v", err)
	}
	if got, want := normalize(cfg), normalize(Default()); !reflect.DeepEqual(got, want) {
		t.Fatalf("example differs from Default()\n got: %+v\nwant: %+v", got, want)
	}
	// The bot needs exactly what the example leaves to the operator.
	want := []string{
		"telegram.token: required (set TELEGRAM_BOT_TOKEN)",
		"telegram.allowed_chats: at least one chat id is required",
	}
	if got := problemStrings(t, cfg.ValidateBot()); !reflect.DeepEqual(got, want) {
		t.Fatalf("ValidateBot problems\n got: %q\nwant: %q", got, want)
	}

	t.Setenv(EnvTelegramToken, "123456:example")
	cfg, err = Load(exampleFile)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Telegram.Token.Reveal() != "123456:example" {
		t.Fatalf("token = %q, want it from %s", cfg.Telegram.Token.Reveal(), EnvTelegramToken)
	}
}

// TestExampleHasEveryKey walks Config by its yaml tags and checks that the
// example sets every key and explains each one in a comment, so a field
// added to Config without documenting it fails here.
func TestExampleHasEveryKey(t *testing.T) {
	data, err := os.ReadFile(exampleFile)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "token: ${TELEGRAM_BOT_TOKEN}\n") {
		t.Errorf("the example must write the token as ${TELEGRAM_BOT_TOKEN}")
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	keys := map[string]*yaml.Node{}
	var walk func(n *yaml.Node, prefix string)
	walk = func(n *yaml.Node, prefix string) {
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, prefix)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				p := joinKey(prefix, n.Content[i].Value)
				keys[p] = n.Content[i]
				walk(n.Content[i+1], p)
			}
		}
	}
	walk(&doc, "")

	leaves := keyPaths(reflect.TypeFor[Config](), "", true)
	if len(leaves) < 15 {
		t.Fatalf("keyPaths found only %q", leaves)
	}
	for _, k := range leaves {
		if _, ok := keys[k]; !ok {
			t.Errorf("config.example.yaml lacks %s", k)
		}
	}
	for _, k := range keyPaths(reflect.TypeFor[Config](), "", false) {
		n, ok := keys[k]
		if !ok {
			continue // reported above, or a section whose leaves are
		}
		if strings.TrimSpace(n.HeadComment+n.LineComment) == "" {
			t.Errorf("config.example.yaml: %s (line %d) has no comment", k, n.Line)
		}
		if isLeaf(k, leaves) && !strings.Contains(n.HeadComment+n.LineComment, "Default") {
			t.Errorf("config.example.yaml: the comment of %s (line %d) does not state its default", k, n.Line)
		}
	}
}

func isLeaf(k string, leaves []string) bool {
	for _, l := range leaves {
		if l == k {
			return true
		}
	}
	return false
}

// normalize makes empty and nil slices compare equal: `corpus: []`,
// `hosts: []` and `postgres: []` in the example mean the same as the nil of Default().
func normalize(c Config) Config {
	for _, s := range []*[]string{&c.Knowledge.Corpus, &c.Knowledge.Services, &c.LLM.Models} {
		if len(*s) == 0 {
			*s = nil
		}
	}
	for _, s := range []*[]int64{&c.Telegram.AllowedChats, &c.Telegram.Operators, &c.Telegram.Viewers, &c.Watch.Chats} {
		if len(*s) == 0 {
			*s = nil
		}
	}
	if len(c.Hosts) == 0 {
		c.Hosts = nil
	}
	if len(c.Diagnostics.Postgres) == 0 {
		c.Diagnostics.Postgres = nil
	}
	return c
}
