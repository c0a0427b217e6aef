package bot

import (
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// Metrics is what the bot counts; *metrics.Metrics implements it. The kinds
// and components are the words documented in package metrics.
type Metrics interface {
	Update(kind string)
	Reply(kind string)
	Error(component string)
}

type noMetrics struct{}

func (noMetrics) Update(string) {}
func (noMetrics) Reply(string)  {}
func (noMetrics) Error(string)  {}

// apiWatch sits under the retrying transport and remembers how the Bot API
// answered each attempt, for Health: when it last answered, and the last
// failure. Nothing it keeps holds the token (errors from the transport name
// no URL, and are redacted anyway).
type apiWatch struct {
	next  http.RoundTripper
	token string
	now   func() time.Time

	mu       sync.Mutex
	lastOK   time.Time
	lastFail time.Time
	failure  string // the last failure, one line
	fatal    bool   // the last answer means the bot cannot work (401, 404, 409)
}

func (w *apiWatch) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := w.next.RoundTrip(req)
	now := w.now()
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case err != nil:
		if req.Context().Err() != nil {
			return resp, err // our own cancellation (shutdown), not Telegram's fault
		}
		w.lastFail, w.failure, w.fatal = now, redactTokenErr(err, w.token).Error(), false
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusNotFound:
		w.lastFail, w.failure, w.fatal = now, fmt.Sprintf("Telegram refused the token (HTTP %d): check TELEGRAM_BOT_TOKEN", resp.StatusCode), true
	case resp.StatusCode == http.StatusConflict:
		w.lastFail, w.failure, w.fatal = now, "Telegram answers 409 Conflict: another process polls with this token, or a webhook is set", true
	case resp.StatusCode >= 500:
		w.lastFail, w.failure, w.fatal = now, fmt.Sprintf("Telegram answered HTTP %d", resp.StatusCode), false
	default:
		// 2xx, 429 and the other 4xx (a refused message) are answers.
		w.lastOK, w.fatal = now, false
	}
	return resp, err
}

// state returns when the API last answered, and the last failure.
func (w *apiWatch) state() (lastOK time.Time, failure string, lastFail time.Time, fatal bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.lastOK, w.failure, w.lastFail, w.fatal
}

// Health reports whether the bot works: it runs, and when it polls, the
// Bot API answered within twice the poll timeout plus a minute (a long poll
// comes back at least every poll timeout). The detail is safe to show.
func (b *Bot) Health() (string, error) {
	b.mu.Lock()
	running, webhook := b.running, b.o.WebhookListen != ""
	b.mu.Unlock()
	if !running {
		return "", errors.New("the bot loop is not running (starting, or stopped)")
	}
	lastOK, failure, lastFail, fatal := b.watch.state()
	now := b.watch.now()
	if fatal {
		return "", errors.New(failure)
	}
	if webhook {
		return "webhook on " + b.o.WebhookListen, nil
	}
	stale := 2*b.o.PollTimeout + time.Minute
	if lastOK.IsZero() || now.Sub(lastOK) > stale {
		msg := fmt.Sprintf("no answer from the Bot API for over %s", stale)
		if failure != "" {
			msg += fmt.Sprintf("; last failure %s ago: %s", now.Sub(lastFail).Round(time.Second), failure)
		}
		return "", errors.New(msg)
	}
	return fmt.Sprintf("polling; Telegram answered %s ago", now.Sub(lastOK).Round(time.Second)), nil
}
