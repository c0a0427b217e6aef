// Package config is vigie's configuration: one YAML file decoded into one
// struct.
//
// The order is fixed so that every caller sees the same result: start from
// [Default], replace ${VAR} and ${VAR:-default} with values from the
// environment, decode strictly (an unknown or misspelt key is an error, not a
// silently ignored setting), then let TELEGRAM_BOT_TOKEN, TELEGRAM_API_URL,
// TELEGRAM_WEBHOOK_SECRET, VIGIE_DATABASE_URL and LITELLM_API_KEY override
// the file.
// [Config.Validate] and [Config.ValidateBot] then report every problem at
// once, each naming its key, so an operator fixes the file in one pass instead
// of one error per restart.
//
// Which file is read follows the CLI convention implemented by [Resolve]:
// --config FILE, else $VIGIE_CONFIG, else ./config.yaml when present, else the
// defaults.
//
// Durations ([Duration]) are written as Go writes them, "10s" or "1m30s".
// The Docker hosts to look at come from [Config.DockerHosts]: the hosts
// section, or when it is empty one host at $DOCKER_HOST, else at the default
// socket.
//
// Tokens (the bot token, the webhook's secret token, the LiteLLM key) and PostgreSQL URLs,
// which hold a password, are held as [Secret], which prints, logs and marshals
// as "<secret>"; only [Secret.Reveal] gives the value, so a config printed for
// debugging or logged whole cannot leak it. Validation messages about a URL
// never quote it.
package config
