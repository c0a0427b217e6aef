package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/rs/zerolog"

	"vigie/internal/ctxtime"
)

// retrying is the HTTP transport to the Bot API: a 429 is retried after the
// retry_after Telegram asks for, a 5xx or a network error after a growing
// backoff; the caller waits, so replies keep their order.
type retrying struct {
	base     http.RoundTripper
	log      zerolog.Logger
	attempts int
	backoff  time.Duration
	maxWait  time.Duration
	sleep    func(ctx context.Context, d time.Duration) error
}

func newRetrying(log zerolog.Logger) *retrying {
	return &retrying{base: http.DefaultTransport, log: log, attempts: 8, backoff: 500 * time.Millisecond, maxWait: 60 * time.Second, sleep: ctxtime.Sleep}
}

func (t *retrying) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
	}
	wait := t.backoff
	for attempt := 1; ; attempt++ {
		r := req.Clone(req.Context())
		if body != nil {
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.ContentLength = int64(len(body))
		}
		resp, err := t.base.RoundTrip(r)
		var delay time.Duration
		backoff := false
		switch {
		case err != nil:
			if req.Context().Err() != nil {
				return nil, err
			}
			delay, backoff = wait, true
		case resp.StatusCode == http.StatusTooManyRequests:
			delay = retryAfter(resp)
		case resp.StatusCode >= 500:
			delay, backoff = wait, true
		default:
			return resp, nil
		}
		if attempt >= t.attempts {
			return resp, err
		}
		if resp != nil {
			io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
		}
		if delay > t.maxWait {
			delay = t.maxWait
		}
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.log.Warn().Int("status", status).AnErr("error", err).Dur("retry_in", delay).Int("attempt", attempt).Msg("Bot API call will be retried")
		if err := t.sleep(req.Context(), delay); err != nil {
			return nil, err
		}
		if backoff {
			wait *= 2
		}
	}
}

// retryAfter reads parameters.retry_after of a 429 answer (seconds).
func retryAfter(resp *http.Response) time.Duration {
	var r struct {
		Parameters struct {
			RetryAfter int `json:"retry_after"`
		} `json:"parameters"`
	}
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body = io.NopCloser(bytes.NewReader(data))
	if json.Unmarshal(data, &r) == nil && r.Parameters.RetryAfter > 0 {
		return time.Duration(r.Parameters.RetryAfter) * time.Second
	}
	return time.Second
}
