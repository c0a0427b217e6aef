package assist

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"vigie/redact"
)

// OpenAI is the Completer of an OpenAI-compatible endpoint (LiteLLM,
// OpenRouter, OpenAI). It is the one place that imports go-openai, which
// makes exactly one HTTP request per call: it has no retry of its own, and
// the transport does not replay a POST.
type OpenAI struct {
	client *openai.Client
}

// NewOpenAI returns a Completer for baseURL (up to /v1). An empty apiKey
// sends no Authorization header. timeout bounds each HTTP exchange, on top
// of the caller's context.
func NewOpenAI(baseURL, apiKey string, timeout time.Duration) *OpenAI {
	cfg := openai.DefaultConfig(apiKey)
	cfg.BaseURL = strings.TrimRight(baseURL, "/")
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.ResponseHeaderTimeout = timeout
	cfg.HTTPClient = headerDoer{c: &http.Client{Timeout: timeout, Transport: tr}}
	return &OpenAI{client: openai.NewClientWithConfig(cfg)}
}

// chatRequest is the request sent for r, and what Body shows.
func chatRequest(r Request) openai.ChatCompletionRequest {
	return openai.ChatCompletionRequest{
		Model: r.Model,
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: r.Prompt.System},
			{Role: openai.ChatMessageRoleUser, Content: r.Prompt.User},
		},
		// Always explicit: without it LiteLLM reserves the model's default
		// (16000 for some), and OpenRouter answers 402 (corpus §10.5).
		// max_tokens, not max_completion_tokens: the latter is OpenAI's own
		// and not every provider behind LiteLLM reads it.
		//lint:ignore SA1019 max_tokens is what LiteLLM and OpenRouter read
		MaxTokens: r.MaxTokens,
	}
}

// Body returns the JSON body Complete sends for r, marshalled as go-openai
// marshals it: the exact preview of a call.
func Body(r Request) ([]byte, error) { return json.Marshal(chatRequest(r)) }

// Complete sends r and returns the text of the first choice.
func (o *OpenAI) Complete(ctx context.Context, r Request) (string, error) {
	var got response
	ctx = context.WithValue(ctx, responseKey{}, &got)
	resp, err := o.client.CreateChatCompletion(ctx, chatRequest(r))
	if err != nil {
		return "", classify(ctx, err, got)
	}
	if len(resp.Choices) == 0 {
		return "", &Error{Kind: ErrInvalidAnswer, Status: got.status, Err: errors.New("no choice in the answer")}
	}
	return resp.Choices[0].Message.Content, nil
}

// classify turns a go-openai error into an *Error of the right kind, by
// status code (and by the error body's numeric code, which OpenRouter sets
// to 402 when credits run out), never by the message text.
func classify(ctx context.Context, err error, got response) error {
	if errors.Is(err, context.Canceled) && ctx.Err() != nil && !errors.Is(context.Cause(ctx), context.DeadlineExceeded) {
		return err // the caller gave up; not the endpoint's fault
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
		return &Error{Kind: ErrUnavailable, Err: errNoAnswer}
	}
	status, code, msg := got.status, 0, ""
	var apiErr *openai.APIError
	var reqErr *openai.RequestError
	switch {
	case errors.As(err, &apiErr):
		status, msg = apiErr.HTTPStatusCode, apiErr.Message
		switch c := apiErr.Code.(type) {
		case int:
			code = c
		case string:
			code, _ = strconv.Atoi(c)
		}
	case errors.As(err, &reqErr):
		status = reqErr.HTTPStatusCode
		msg = string(reqErr.Body)
	case status == 0:
		// No HTTP answer at all: connection refused, DNS, TLS.
		return &Error{Kind: ErrUnavailable, Err: err}
	}
	e := &Error{Status: status, Err: fmt.Errorf("HTTP %d: %s", status, clipRunes(oneLine(redact.String(msg)), 200))}
	switch {
	case status == http.StatusPaymentRequired || code == http.StatusPaymentRequired:
		e.Kind = ErrCredits
	case status == http.StatusTooManyRequests:
		e.Kind = ErrRateLimited
		e.RetryAfter = retryAfter(got.header.Get("Retry-After"), time.Now())
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		e.Kind = ErrAuth
	case status == http.StatusBadRequest || status == http.StatusNotFound || status == http.StatusUnprocessableEntity:
		e.Kind = ErrModel
	default:
		e.Kind = ErrUnavailable
	}
	return e
}

// errNoAnswer is the cause of a timeout; it wraps context.DeadlineExceeded
// so that callers can say "did not answer in time".
var errNoAnswer = fmt.Errorf("no answer in time: %w", context.DeadlineExceeded)

// retryAfter reads a Retry-After header: seconds, or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseFloat(v, 64); err == nil && n >= 0 {
		return time.Duration(n * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// response is what headerDoer saw of the last HTTP answer of a call:
// go-openai's errors keep the status but drop the headers, and a 429's
// Retry-After is in a header.
type response struct {
	status int
	header http.Header
}

type responseKey struct{}

// headerDoer is the HTTP client given to go-openai; it records the status
// and headers of each answer in the call's context.
type headerDoer struct{ c *http.Client }

func (d headerDoer) Do(req *http.Request) (*http.Response, error) {
	resp, err := d.c.Do(req)
	if resp != nil {
		if p, ok := req.Context().Value(responseKey{}).(*response); ok {
			p.status, p.header = resp.StatusCode, resp.Header.Clone()
		}
	}
	return resp, err
}
