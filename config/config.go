package config

// Defaults and environment variable names.
const (
	// DefaultPath is the file Resolve reads when neither --config nor
	// $VIGIE_CONFIG names one and it exists in the working directory.
	DefaultPath = "config.yaml"
	// DefaultDataDir is where the embedded store keeps its files.
	DefaultDataDir = "./data"
	// DefaultTelegramAPIURL is the public Telegram Bot API endpoint.
	DefaultTelegramAPIURL = "https://api.telegram.org"
	// DefaultMaxInputMB is the largest pasted text or log file accepted for
	// diagnosis, in MiB.
	DefaultMaxInputMB = 20

	// EnvConfig names the config file when --config is not given.
	EnvConfig = "VIGIE_CONFIG"
	// EnvTelegramToken overrides telegram.token; it lets the token live in
	// the environment (or a Docker secret) rather than in the file.
	EnvTelegramToken = "TELEGRAM_BOT_TOKEN"
	// EnvTelegramAPIURL overrides telegram.api_url, e.g. to point the bot at
	// a local Bot API server or a test fake.
	EnvTelegramAPIURL = "TELEGRAM_API_URL"
)

// Log levels and formats accepted in log.level and log.format.
const (
	// LevelDebug logs everything, including each request's matching steps.
	LevelDebug = "debug"
	// LevelInfo is the default level.
	LevelInfo = "info"
	// LevelWarn logs only what may need attention.
	LevelWarn = "warn"
	// LevelError logs only failures.
	LevelError = "error"

	// FormatConsole is human-readable output for a terminal (the default).
	FormatConsole = "console"
	// FormatJSON is one JSON object per line, for a log collector.
	FormatJSON = "json"
)

// Bounds of knowledge.max_input_mb: below 1 nothing useful fits, above 200 a
// single paste could hold the bot's memory hostage.
const (
	minInputMB = 1
	maxInputMB = 200
)

// Config is the whole of vigie's configuration, as read from YAML.
type Config struct {
	// Log configures logging.
	Log Log `yaml:"log" json:"log"`
	// DataDir is the directory of the embedded store, relative to the
	// working directory.
	DataDir string `yaml:"data_dir" json:"data_dir"`
	// Knowledge configures the corpus and the stack's service names.
	Knowledge Knowledge `yaml:"knowledge" json:"knowledge"`
	// Telegram configures the bot.
	Telegram Telegram `yaml:"telegram" json:"telegram"`
}

// Log configures logging.
type Log struct {
	// Level is one of debug, info, warn, error.
	Level string `yaml:"level" json:"level"`
	// Format is console (for a terminal) or json (for a log collector).
	Format string `yaml:"format" json:"format"`
}

// Knowledge configures what vigie knows about the stack it serves.
type Knowledge struct {
	// Corpus lists Markdown files or directories of them; empty means the
	// corpus embedded in the binary. Relative paths are relative to the
	// working directory.
	Corpus []string `yaml:"corpus" json:"corpus"`
	// Services are the Compose service names of the stack, used to tell
	// which container a pasted error concerns.
	Services []string `yaml:"services" json:"services"`
	// MaxInputMB is the largest text or log file accepted for diagnosis.
	MaxInputMB int `yaml:"max_input_mb" json:"max_input_mb"`
}

// MaxInputBytes returns MaxInputMB in bytes.
func (k Knowledge) MaxInputBytes() int64 {
	return int64(k.MaxInputMB) << 20
}

// Telegram configures the bot.
type Telegram struct {
	// Token is the bot token from @BotFather.
	Token Secret `yaml:"token" json:"token"`
	// APIURL is the Bot API endpoint, without the /bot<token> part.
	APIURL string `yaml:"api_url" json:"api_url"`
	// AllowedChats are the only chats the bot answers; group ids are
	// negative.
	AllowedChats []int64 `yaml:"allowed_chats" json:"allowed_chats"`
	// Operators are user ids allowed to confirm actions.
	Operators []int64 `yaml:"operators" json:"operators"`
	// Viewers are user ids allowed read-only commands only.
	Viewers []int64 `yaml:"viewers" json:"viewers"`
}

// Default returns the configuration used when no file is given, and the base
// that a file is decoded over. Each call returns fresh slices, so callers may
// modify the result.
func Default() Config {
	return Config{
		Log: Log{
			Level:  LevelInfo,
			Format: FormatConsole,
		},
		DataDir: DefaultDataDir,
		Knowledge: Knowledge{
			Services: []string{
				"postgresql", "redis", "qdrant", "caddy",
				"grafana", "loki", "victoriametrics", "alloy", "cadvisor",
				"n8n", "litellm", "openclaw", "nocodb", "palais",
				"opencut", "headscale", "kaneo",
			},
			MaxInputMB: DefaultMaxInputMB,
		},
		Telegram: Telegram{
			APIURL: DefaultTelegramAPIURL,
		},
	}
}
