package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"vigie/bot"
	"vigie/store"
)

// cmdRun runs the Telegram bot until SIGINT or SIGTERM, then lets the
// replies in flight finish.
func cmdRun(ctx context.Context, e *env, fs *flag.FlagSet, args []string) int {
	if len(args) > 0 {
		return e.usageErr(fs, "run takes no argument")
	}
	if err := e.cfg.ValidateBot(); err != nil {
		fmt.Fprintf(e.io.Err, "vigie: cannot start the bot%s:\n%v\n", inFile(e.cfgPath), err)
		return ExitFailure
	}
	mux, err := e.handlers()
	if err != nil {
		return e.fail("%v", err)
	}
	t := e.cfg.Telegram
	o := bot.Options{
		Token:          t.Token.Reveal(),
		APIURL:         t.APIURL,
		AllowedChats:   t.AllowedChats,
		Operators:      t.Operators,
		Viewers:        t.Viewers,
		WebhookListen:  t.Webhook.Listen,
		WebhookURL:     t.Webhook.URL,
		WebhookSecret:  t.Webhook.SecretToken.Reveal(),
		RateLimit:      t.RateLimit,
		ButtonTTL:      t.ButtonTTL.Std(),
		RequestTimeout: t.RequestTimeout.Std(),
	}
	if v, ok := pollTimeoutForTests(); ok {
		o.PollTimeout = v
	}
	// The store is tried at start so that a wrong database.url, a wrong
	// password or an unwritable data_dir is said at once; if PostgreSQL is
	// merely down, the bot starts and reads go on with a note until it is
	// back.
	if _, err := e.store().get(ctx); err != nil && !errors.Is(err, store.ErrUnavailable) {
		return e.fail("%v", err)
	}
	// /healthz and /metrics are served from here on, so that a container
	// healthcheck sees "bot starting" while the Bot API is first reached.
	var running atomic.Pointer[bot.Bot]
	if e.cfg.HTTP.Enabled() {
		stop, err := e.serveHTTP(ctx, e.healthChecks(&running))
		if err != nil {
			return e.fail("%v", err)
		}
		defer stop()
	}
	go e.store().pruneLoop(ctx, e.cfg.Audit.Retention.Std())
	o.Metrics = e.met
	b, err := bot.New(ctx, o, mux, e.log.With().Str("component", "bot").Logger())
	if err != nil {
		return e.fail("%v", err)
	}
	running.Store(b)
	var watching sync.WaitGroup
	if e.watcher != nil {
		if len(e.cfg.AlertChats()) == 0 {
			e.log.Warn().Msg("no alert chat: alerts are off")
		} else {
			watching.Add(1)
			wctx, stop := context.WithCancel(ctx)
			defer func() { stop(); watching.Wait() }()
			go func() {
				defer watching.Done()
				_ = e.watcher.Run(wctx, botAlerts{b: b, mux: mux})
			}()
		}
	}
	if err := b.Run(ctx); err != nil {
		return e.fail("%v", err)
	}
	return ExitOK
}

// pollTimeoutForTests lets end-to-end tests shorten the long poll
// (VIGIE_POLL_TIMEOUT, a Go duration); operators never need it.
func pollTimeoutForTests() (time.Duration, bool) {
	v := getenv("VIGIE_POLL_TIMEOUT")
	if v == "" {
		return 0, false
	}
	d, err := time.ParseDuration(v)
	return d, err == nil && d > 0
}
