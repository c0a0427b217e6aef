package config

import (
	"os"
	"slices"
	"time"
)

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
	// DefaultHostName is the name of the one Docker host used when hosts is
	// empty.
	DefaultHostName = "local"
	// DefaultDockerEndpoint is that host's endpoint when $DOCKER_HOST is unset
	// or empty: the Docker daemon's default socket.
	DefaultDockerEndpoint = "unix:///var/run/docker.sock"
	// DefaultCheckTimeout bounds each check and each call to a Docker host.
	DefaultCheckTimeout = 10 * time.Second
	// DefaultLogLines is how many log lines are read per container.
	DefaultLogLines = 200
	// DefaultRestartThreshold is how many restarts make a restart loop.
	DefaultRestartThreshold = 3
	// DefaultRateLimit is how many messages a user may send per minute
	// before the bot asks them to slow down.
	DefaultRateLimit = 20
	// DefaultButtonTTL is how long an inline button stays valid.
	DefaultButtonTTL = 24 * time.Hour
	// DefaultRequestTimeout bounds the work done on one message.
	DefaultRequestTimeout = 2 * time.Minute
	// DefaultDatabaseTimeout bounds each call to the store.
	DefaultDatabaseTimeout = 5 * time.Second
	// DefaultAuditRetention is how long audit entries are kept before they
	// are pruned.
	DefaultAuditRetention = 720 * time.Hour
	// DefaultComposeTimeout bounds each compose command vigie runs.
	DefaultComposeTimeout = 5 * time.Minute
	// DefaultConfirmTTL is how long a plan waits for its confirmation.
	DefaultConfirmTTL = 5 * time.Minute
	// DefaultWatchCooldown is how long the same event of the same container
	// is not alerted again.
	DefaultWatchCooldown = 10 * time.Minute
	// DefaultWatchLogLines is how many log lines an alert's diagnosis reads.
	DefaultWatchLogLines = 100
	// DefaultRestartLoopWindow is the window of watch.restart_loop.
	DefaultRestartLoopWindow = 10 * time.Minute
	// DefaultBurstContainers is how many containers failing within
	// DefaultBurstWindow are folded into one summary.
	DefaultBurstContainers = 5
	// DefaultBurstWindow is the window of watch.burst.
	DefaultBurstWindow = 30 * time.Second
	// DefaultLLMBaseURL is the stack's LiteLLM proxy, as seen from a
	// container on the Compose network.
	DefaultLLMBaseURL = "http://litellm:4000/v1"
	// DefaultLLMMaxTokens is the max_tokens sent with every model call: an
	// explicit, small reservation, since OpenRouter bills the reservation
	// (corpus §10.5).
	DefaultLLMMaxTokens = 400
	// DefaultLLMTimeout bounds one model consultation, every model tried.
	DefaultLLMTimeout = 15 * time.Second
	// DefaultLLMDailyCalls is how many model calls a day vigie may make.
	DefaultLLMDailyCalls = 200

	// EnvConfig names the config file when --config is not given.
	EnvConfig = "VIGIE_CONFIG"
	// EnvTelegramToken overrides telegram.token; it lets the token live in
	// the environment (or a Docker secret) rather than in the file.
	EnvTelegramToken = "TELEGRAM_BOT_TOKEN"
	// EnvTelegramAPIURL overrides telegram.api_url, e.g. to point the bot at
	// a local Bot API server or a test fake.
	EnvTelegramAPIURL = "TELEGRAM_API_URL"
	// EnvTelegramWebhookSecret overrides telegram.webhook.secret_token, so
	// that it can live in the environment like the bot token.
	EnvTelegramWebhookSecret = "TELEGRAM_WEBHOOK_SECRET"
	// EnvDatabaseURL overrides database.url, so that the PostgreSQL URL and
	// its password can live in the environment like the bot token.
	EnvDatabaseURL = "VIGIE_DATABASE_URL"
	// EnvLiteLLMKey overrides llm.api_key, so that the LiteLLM key can live
	// in the environment like the bot token.
	EnvLiteLLMKey = "LITELLM_API_KEY"
	// EnvDockerHost is the Docker CLI's variable naming the daemon; it is
	// the endpoint of the default host when hosts is empty.
	EnvDockerHost = "DOCKER_HOST"
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

// Bounds of the checks section. A timeout under a second fails on any busy
// host; over five minutes a hung daemon holds a reply for too long. Fewer than
// ten log lines hide the error that precedes a crash, more than 5000 make a
// scan of every container slow. A restart threshold of 1 is allowed (every
// restart counts); over 100 a loop would never be reported.
const (
	minCheckTimeout     = time.Second
	maxCheckTimeout     = 5 * time.Minute
	minLogLines         = 10
	maxLogLines         = 5000
	minRestartThreshold = 1
	maxRestartThreshold = 100
)

// Bounds of the telegram section. Under one message a minute nobody can hold
// a conversation; over 600 (ten a second) the limit no longer protects
// anything. A button that lives under a minute expires while it is read;
// over 30 days (720h) the state it points to is long gone. A request given
// under 5s fails on any diagnosis that reads logs; over 30m a stuck one holds
// a user's turn for too long.
const (
	minRateLimit      = 1
	maxRateLimit      = 600
	minButtonTTL      = time.Minute
	maxButtonTTL      = 720 * time.Hour
	minRequestTimeout = 5 * time.Second
	maxRequestTimeout = 30 * time.Minute
	// maxWebhookSecret is Telegram's limit on secret_token in setWebhook.
	maxWebhookSecret = 256
)

// Bounds of the database and audit sections. A store call given under a
// second fails on any busy server; over a minute a stuck one holds a reply
// (and the bot's turn) for too long. Audit entries kept under an hour are
// gone before anyone reads them; over ten years (87600h) the trail only
// grows.
const (
	minDatabaseTimeout = time.Second
	maxDatabaseTimeout = time.Minute
	minAuditRetention  = time.Hour
	maxAuditRetention  = 87600 * time.Hour
)

// Bounds of the compose and actions sections. A compose command given under
// 10s fails on any image pull; over 30m a hung one holds the action (and its
// host) for too long. A plan that waits under 30s expires while it is read;
// over an hour the state it was planned on has likely changed.
const (
	minComposeTimeout = 10 * time.Second
	maxComposeTimeout = 30 * time.Minute
	minConfirmTTL     = 30 * time.Second
	maxConfirmTTL     = time.Hour
)

// Bounds of the llm section. max_tokens over 4096 is what corpus §10.5
// warns against (OpenRouter reserves it and answers 402); an explanation of
// 2 to 4 lines needs far less. A model given under a second never answers;
// over two minutes a diagnosis waits too long for a hint.
const (
	minLLMMaxTokens = 1
	maxLLMMaxTokens = 4096
	minLLMTimeout   = time.Second
	maxLLMTimeout   = 2 * time.Minute
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
	// HTTP configures the server of /healthz and /metrics.
	HTTP HTTP `yaml:"http" json:"http"`
	// Hosts are the Docker hosts vigie looks at; empty means one host, see
	// DockerHosts. Use DockerHosts rather than this field.
	Hosts []Host `yaml:"hosts" json:"hosts"`
	// Checks tunes the container checks.
	Checks Checks `yaml:"checks" json:"checks"`
	// Database chooses where the audit trail, pending actions, feedback and
	// alert state are kept: PostgreSQL, or the embedded store in DataDir.
	Database Database `yaml:"database" json:"database"`
	// Audit tunes the audit trail.
	Audit Audit `yaml:"audit" json:"audit"`
	// Diagnostics lists the databases the read-only diagnostics look into.
	Diagnostics Diagnostics `yaml:"diagnostics" json:"diagnostics"`
	// Compose configures the compose CLI run for compose actions.
	Compose Compose `yaml:"compose" json:"compose"`
	// Safety can turn every action off.
	Safety Safety `yaml:"safety" json:"safety"`
	// Actions tunes the plan-and-confirm flow of actions.
	Actions Actions `yaml:"actions" json:"actions"`
	// Runbooks chooses where user runbooks are read from.
	Runbooks Runbooks `yaml:"runbooks" json:"runbooks"`
	// Watch configures the alerts vigie pushes from Docker events.
	Watch Watch `yaml:"watch" json:"watch"`
	// LLM configures the optional model assistance through LiteLLM.
	LLM LLM `yaml:"llm" json:"llm"`
}

// Watch configures the alerts pushed to the chats from the Docker events of
// every host: a container dying with a non-zero exit, killed for memory,
// turning unhealthy, restarting in a loop.
type Watch struct {
	// Enabled turns the watcher on while the bot runs.
	Enabled bool `yaml:"enabled" json:"enabled"`
	// Chats receive the alerts; empty means every telegram.allowed_chats.
	// Each must be an allowed chat.
	Chats []int64 `yaml:"chats" json:"chats"`
	// Cooldown is how long the same event of the same container is not
	// alerted again (10s to 24h); repeats update the alert's count instead.
	Cooldown Duration `yaml:"cooldown" json:"cooldown"`
	// LogLines is how many of the container's last log lines are matched
	// against the corpus for the alert's diagnosis (10 to 5000).
	LogLines int `yaml:"log_lines" json:"log_lines"`
	// RestartLoop says when repeated deaths are a restart loop.
	RestartLoop RestartLoop `yaml:"restart_loop" json:"restart_loop"`
	// Burst folds many failures at once into one summary.
	Burst Burst `yaml:"burst" json:"burst"`
	// StartupSummary sends one summary of the containers already in
	// trouble when the watcher starts, rather than nothing.
	StartupSummary bool `yaml:"startup_summary" json:"startup_summary"`
	// ScanInterval is, when not 0, how often the new log lines of every
	// running container are read for new pitfall signatures (1m to 24h).
	ScanInterval Duration `yaml:"scan_interval" json:"scan_interval"`
}

// RestartLoop says how many deaths of one container within a window make a
// restart loop.
type RestartLoop struct {
	// Count is the number of deaths (2 to 100).
	Count int `yaml:"count" json:"count"`
	// Window is the time they fall within (1m to 24h).
	Window Duration `yaml:"window" json:"window"`
}

// Burst folds the alerts of many containers failing together (a host
// reboot, a compose down) into one summary.
type Burst struct {
	// Containers failing within Window that make a burst (2 to 1000).
	Containers int `yaml:"containers" json:"containers"`
	// Window is the time they fail within (5s to 10m).
	Window Duration `yaml:"window" json:"window"`
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
	// Webhook configures receiving updates by webhook; its zero value
	// means long polling.
	Webhook Webhook `yaml:"webhook" json:"webhook"`
	// RateLimit is how many messages a user may send per minute before the
	// bot asks them to slow down (1 to 600).
	RateLimit int `yaml:"rate_limit" json:"rate_limit"`
	// ButtonTTL is how long an inline button stays valid (1m to 720h).
	ButtonTTL Duration `yaml:"button_ttl" json:"button_ttl"`
	// RequestTimeout bounds the work done on one message (5s to 30m).
	RequestTimeout Duration `yaml:"request_timeout" json:"request_timeout"`
}

// Webhook configures the server that receives Telegram's updates when the
// bot does not poll for them. It is off (long polling) while Listen is
// empty; when Listen is set, URL and SecretToken are required too.
type Webhook struct {
	// Listen is the address the webhook server listens on, host:port with
	// a numeric port, e.g. ":8443" or "127.0.0.1:8080".
	Listen string `yaml:"listen" json:"listen"`
	// URL is the public https URL Telegram posts updates to, e.g.
	// https://vigie.example.com/telegram; a reverse proxy usually forwards
	// it to Listen.
	URL string `yaml:"url" json:"url"`
	// SecretToken is the secret_token given to setWebhook; a request whose
	// X-Telegram-Bot-Api-Secret-Token header differs is rejected. Telegram
	// allows 1 to 256 characters of A-Z, a-z, 0-9, '_' and '-'.
	SecretToken Secret `yaml:"secret_token" json:"secret_token"`
}

// Enabled reports whether updates come by webhook (Listen is set) rather
// than by long polling.
func (w Webhook) Enabled() bool { return w.Listen != "" }

// HTTP configures vigie's own HTTP server, which serves /healthz (for
// `vigie healthcheck` and a container HEALTHCHECK) and /metrics (for
// Prometheus). It is off while Listen is empty.
type HTTP struct {
	// Listen is the address the server listens on, host:port with a
	// numeric port, e.g. "127.0.0.1:9464", or ":9464" inside a container
	// whose port a scraper on the same Docker network reaches.
	Listen string `yaml:"listen" json:"listen"`
}

// Enabled reports whether the server is on (Listen is set).
func (h HTTP) Enabled() bool { return h.Listen != "" }

// Host is one Docker daemon vigie talks to.
type Host struct {
	// Name identifies the host in replies and commands: lower-case letters,
	// digits, '_' and '-', starting with a letter or digit; unique.
	Name string `yaml:"name" json:"name"`
	// Endpoint is the daemon's address, as in $DOCKER_HOST:
	// unix:///path/to/socket, tcp://host:port or ssh://user@host[:port].
	Endpoint string `yaml:"endpoint" json:"endpoint"`
	// TLS holds the certificates of a tcp:// endpoint; nil means plain TCP
	// (or not TCP at all).
	TLS *TLS `yaml:"tls" json:"tls"`
}

// TLS holds the paths of the PEM files used to talk to a Docker daemon over
// TCP. CA alone verifies the daemon; Cert and Key, which go together, also
// authenticate vigie to it. Relative paths are relative to the working
// directory.
type TLS struct {
	// CA is the certificate authority that signed the daemon's certificate;
	// empty means the system's roots.
	CA string `yaml:"ca" json:"ca"`
	// Cert is vigie's client certificate.
	Cert string `yaml:"cert" json:"cert"`
	// Key is the private key of Cert.
	Key string `yaml:"key" json:"key"`
}

// Checks tunes the container checks and the calls made to Docker hosts.
type Checks struct {
	// Timeout bounds each check and each call to a host (1s to 5m).
	Timeout Duration `yaml:"timeout" json:"timeout"`
	// LogLines is how many log lines are read per container by /scan and by
	// the restart-loop check (10 to 5000).
	LogLines int `yaml:"log_lines" json:"log_lines"`
	// RestartThreshold is how many restarts make a restart loop (1 to 100).
	RestartThreshold int `yaml:"restart_threshold" json:"restart_threshold"`
}

// Database chooses the store of the audit trail, pending actions, feedback
// and alert state.
type Database struct {
	// URL is a PostgreSQL URL,
	// postgres://user:password@host:5432/db?sslmode=disable (or
	// postgresql://); empty means the embedded store in DataDir. It holds a
	// password, so it is a Secret: only Reveal gives it, to the driver.
	URL Secret `yaml:"url" json:"url"`
	// Timeout bounds each call to the store (1s to 1m).
	Timeout Duration `yaml:"timeout" json:"timeout"`
}

// Audit tunes the audit trail of actions and confirmations.
type Audit struct {
	// Retention is how long an audit entry is kept; older ones are pruned
	// in the background (1h to 87600h).
	Retention Duration `yaml:"retention" json:"retention"`
}

// Diagnostics configures the read-only diagnostics (/db, /scores).
type Diagnostics struct {
	// Postgres are the PostgreSQL databases the diagnostics read; empty
	// means none.
	Postgres []PostgresTarget `yaml:"postgres" json:"postgres"`
}

// PostgresTarget is one PostgreSQL database the diagnostics read.
type PostgresTarget struct {
	// Name identifies the database in replies and commands: lower-case
	// letters, digits, '_' and '-', starting with a letter or digit;
	// unique.
	Name string `yaml:"name" json:"name"`
	// URL is the database's PostgreSQL URL (postgres:// or postgresql://);
	// a Secret, as it holds a password. A read-only role is advised.
	URL Secret `yaml:"url" json:"url"`
}

// Compose configures the compose CLI vigie runs for compose actions
// (recreate, opencut on/off).
type Compose struct {
	// Command is the program and leading arguments of the compose CLI,
	// e.g. [docker, compose], or [docker-compose] for compose v1; the
	// action's own arguments follow them. It is run directly, not through
	// a shell, so the first element is a program name or path.
	Command []string `yaml:"command" json:"command"`
	// Timeout bounds each compose command (10s to 30m).
	Timeout Duration `yaml:"timeout" json:"timeout"`
}

// Safety can turn every action off, leaving vigie read-only.
type Safety struct {
	// ReadOnly disables every action: no action buttons are shown, and
	// /recreate, /restart and /opencut refuse in one line.
	ReadOnly bool `yaml:"read_only" json:"read_only"`
}

// Actions tunes the plan-and-confirm flow of actions.
type Actions struct {
	// ConfirmTTL is how long a plan waits for its confirmation before it
	// expires (30s to 1h).
	ConfirmTTL Duration `yaml:"confirm_ttl" json:"confirm_ttl"`
}

// Runbooks chooses where user runbooks are read from.
type Runbooks struct {
	// Dir is a directory of user runbooks (*.yaml), added to the ones
	// embedded in the binary; empty means the embedded ones only. A
	// relative path is relative to the working directory.
	Dir string `yaml:"dir" json:"dir"`
}

// LLM configures the optional model assistance: when the lexical matcher
// is unsure, an OpenAI-compatible endpoint (the stack's LiteLLM proxy) is
// asked to choose among the candidate sections and explain its choice.
type LLM struct {
	// Enabled lets the bot and the console consult the model on unsure
	// diagnoses and on request (/ask, the 🤖 button). The CLI's --llm flags
	// need only an endpoint and models.
	Enabled bool `yaml:"enabled" json:"enabled"`
	// BaseURL is the OpenAI-compatible API root, up to /v1.
	BaseURL string `yaml:"base_url" json:"base_url"`
	// APIKey is the bearer key of the endpoint (a LiteLLM virtual key);
	// empty sends none.
	APIKey Secret `yaml:"api_key" json:"api_key"`
	// Models are the model names tried in order: on a 402, a 5xx, an
	// unknown model or a rate limit longer than Timeout, the next one.
	Models []string `yaml:"models" json:"models"`
	// MaxTokens is the max_tokens of every call (1 to 4096).
	MaxTokens int `yaml:"max_tokens" json:"max_tokens"`
	// Timeout bounds one consultation, every model tried (1s to 2m).
	Timeout Duration `yaml:"timeout" json:"timeout"`
	// DailyCalls is how many calls a day vigie may make (0: no limit); the
	// count restarts at local midnight and is kept in the store.
	DailyCalls int `yaml:"daily_calls" json:"daily_calls"`
}

// Configured reports whether a model endpoint is set up: a base URL and at
// least one model.
func (l LLM) Configured() bool { return l.BaseURL != "" && len(l.Models) > 0 }

// DockerHosts returns the hosts to look at, in a slice the caller may modify:
// the configured ones, or when there are none a single host named "local"
// whose endpoint is $DOCKER_HOST when set and non-empty, else
// DefaultDockerEndpoint. $DOCKER_HOST is read at each call and is not
// validated (the Docker client reports a bad one); the Docker CLI's
// DOCKER_TLS_VERIFY and DOCKER_CERT_PATH are not read, so a daemon that
// needs TLS is configured under hosts.
func (c Config) DockerHosts() []Host {
	return c.dockerHosts(os.LookupEnv)
}

func (c Config) dockerHosts(env lookupEnv) []Host {
	if len(c.Hosts) > 0 {
		return slices.Clone(c.Hosts)
	}
	endpoint, _ := env(EnvDockerHost)
	if endpoint == "" {
		endpoint = DefaultDockerEndpoint
	}
	return []Host{{Name: DefaultHostName, Endpoint: endpoint}}
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
			APIURL:         DefaultTelegramAPIURL,
			RateLimit:      DefaultRateLimit,
			ButtonTTL:      Duration(DefaultButtonTTL),
			RequestTimeout: Duration(DefaultRequestTimeout),
		},
		Checks: Checks{
			Timeout:          Duration(DefaultCheckTimeout),
			LogLines:         DefaultLogLines,
			RestartThreshold: DefaultRestartThreshold,
		},
		Database: Database{
			Timeout: Duration(DefaultDatabaseTimeout),
		},
		Audit: Audit{
			Retention: Duration(DefaultAuditRetention),
		},
		Compose: Compose{
			Command: []string{"docker", "compose"},
			Timeout: Duration(DefaultComposeTimeout),
		},
		Actions: Actions{
			ConfirmTTL: Duration(DefaultConfirmTTL),
		},
		Watch: Watch{
			Enabled:        true,
			Cooldown:       Duration(DefaultWatchCooldown),
			LogLines:       DefaultWatchLogLines,
			RestartLoop:    RestartLoop{Count: DefaultRestartThreshold, Window: Duration(DefaultRestartLoopWindow)},
			Burst:          Burst{Containers: DefaultBurstContainers, Window: Duration(DefaultBurstWindow)},
			StartupSummary: true,
		},
		LLM: LLM{
			BaseURL:    DefaultLLMBaseURL,
			MaxTokens:  DefaultLLMMaxTokens,
			Timeout:    Duration(DefaultLLMTimeout),
			DailyCalls: DefaultLLMDailyCalls,
		},
	}
}

// AlertChats returns the chats alerts go to: watch.chats, else every
// allowed chat.
func (c Config) AlertChats() []int64 {
	if len(c.Watch.Chats) > 0 {
		return c.Watch.Chats
	}
	return c.Telegram.AllowedChats
}
