package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"go.yaml.in/yaml/v3"
)

// lookupEnv has the shape of os.LookupEnv; it is a parameter so that the
// expansion and override rules are tested without touching the process
// environment.
type lookupEnv func(key string) (string, bool)

// Load reads the YAML file at path and returns the configuration it
// describes: Default, overlaid with the file after ${VAR} expansion, then
// overridden by TELEGRAM_BOT_TOKEN, TELEGRAM_API_URL,
// TELEGRAM_WEBHOOK_SECRET, VIGIE_DATABASE_URL and LITELLM_API_KEY when they are set and
// non-empty. An empty file yields the defaults.
//
// Unknown keys, wrong types, duplicate keys and a second YAML document are
// errors. Every error is one line that starts with the file name and, when
// known, the line: `config.yaml:4: unknown key "log.colour"`. Load does not
// validate values; call Validate or ValidateBot.
func Load(path string) (Config, error) {
	return load(path, os.LookupEnv)
}

// Resolve finds and loads the configuration the way every subcommand does:
// flagPath (from --config) if not empty, else $VIGIE_CONFIG, else
// ./config.yaml when it exists, else Default with the environment overrides
// applied. It returns the path it read, "" when it used the defaults, and
// returns that path with a load error too so the caller can name it.
func Resolve(flagPath string) (Config, string, error) {
	return resolve(flagPath, os.LookupEnv)
}

func resolve(flagPath string, env lookupEnv) (Config, string, error) {
	path := flagPath
	if path == "" {
		path, _ = env(EnvConfig)
	}
	if path == "" {
		// Only a file that is absent means "use the defaults"; one that
		// exists but cannot be read is reported by load.
		if _, err := os.Stat(DefaultPath); !errors.Is(err, fs.ErrNotExist) {
			path = DefaultPath
		}
	}
	if path == "" {
		cfg := Default()
		applyEnv(&cfg, env)
		return cfg, "", nil
	}
	cfg, err := load(path, env)
	if err != nil {
		return Config{}, path, err
	}
	return cfg, path, nil
}

func load(path string, env lookupEnv) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, readError(path, err)
	}
	return parse(path, data, env)
}

// parse decodes data, read from the file called name, over Default.
func parse(name string, data []byte, env lookupEnv) (Config, error) {
	text, fromEnv, err := expand(data, env)
	if err != nil {
		var le *lineError
		if errors.As(err, &le) {
			return Config{}, &fileError{msg: fmt.Sprintf("%s:%d: %s", name, le.line, le.msg), err: err}
		}
		return Config{}, &fileError{msg: fmt.Sprintf("%s: %v", name, err), err: err}
	}

	cfg := Default()
	dec := yaml.NewDecoder(bytes.NewReader(text))
	dec.KnownFields(true)
	switch err := dec.Decode(&cfg); {
	case errors.Is(err, io.EOF):
		cfg = Default() // empty or comments only
	case err != nil:
		return Config{}, decodeError(name, text, fromEnv, err)
	default:
		// A second document would be silently ignored by Decode; an
		// operator who wrote one expects it to count.
		var extra yaml.Node
		switch err := dec.Decode(&extra); {
		case errors.Is(err, io.EOF):
		case err != nil:
			return Config{}, decodeError(name, text, fromEnv, err)
		default:
			return Config{}, &fileError{msg: fmt.Sprintf("%s:%d: only one YAML document is allowed", name, extra.Line)}
		}
	}
	applyEnv(&cfg, env)
	return cfg, nil
}

// applyEnv lets the environment override the file for the values that
// deployments usually inject: an empty variable counts as unset, as it does
// for ${VAR:-default}, so `TELEGRAM_API_URL=` in an env file changes nothing.
func applyEnv(c *Config, env lookupEnv) {
	if v, _ := env(EnvTelegramToken); v != "" {
		c.Telegram.Token = Secret(v)
	}
	if v, _ := env(EnvTelegramAPIURL); v != "" {
		c.Telegram.APIURL = v
	}
	if v, _ := env(EnvTelegramWebhookSecret); v != "" {
		c.Telegram.Webhook.SecretToken = Secret(v)
	}
	if v, _ := env(EnvDatabaseURL); v != "" {
		c.Database.URL = Secret(v)
	}
	if v, _ := env(EnvLiteLLMKey); v != "" {
		c.LLM.APIKey = Secret(v)
	}
}

// fileError is a load error whose message is already complete and one line;
// it keeps the cause for errors.Is (fs.ErrNotExist) and errors.As
// (*yaml.TypeError).
type fileError struct {
	msg string
	err error
}

func (e *fileError) Error() string { return e.msg }
func (e *fileError) Unwrap() error { return e.err }

func readError(path string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return &fileError{msg: fmt.Sprintf("config file %s: no such file", path), err: err}
	}
	cause := err
	var pe *fs.PathError
	if errors.As(err, &pe) {
		cause = pe.Err // the path is already in our message
	}
	return &fileError{msg: fmt.Sprintf("config file %s: %v", path, cause), err: err}
}
