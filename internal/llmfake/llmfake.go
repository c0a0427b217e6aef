// Package llmfake is an in-process fake of an OpenAI-compatible endpoint
// (LiteLLM's proxy) for tests.
//
// New starts an httptest server that serves POST {URL}/chat/completions,
// URL ending in /v1 like LiteLLM's base URL. It enforces what the real
// proxy does: a bearer key (401 in LiteLLM's error shape otherwise), a JSON
// body with a known model (400 "Invalid model name"), messages with roles,
// no streaming, and an explicit max_tokens no larger than MaxTokens (400;
// corpus §10.5: without it OpenRouter reserves the model's default and
// answers 402). Every request body received is recorded (Bodies), so tests
// can prove what was, and was not, sent.
//
// Answers are scripted: Push queues replies served in order, one per
// request, and Default is served when the queue is empty. Helpers build the
// shapes the real services produce: Answer (a 200 chat completion),
// Credits (OpenRouter's 402), RateLimited (429 with Retry-After), Status
// (any error status in LiteLLM's shape), Raw (any body), and Delay for a
// slow reply.
package llmfake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// MaxTokens is the largest max_tokens the fake accepts, the value corpus
// §10.5 recommends for every OpenRouter model.
const MaxTokens = 4096

// Reply is one scripted answer.
type Reply struct {
	Status     int           // HTTP status; 0 means 200
	Content    string        // for a 200: the assistant message's content
	Body       string        // raw body; overrides Content when set
	RetryAfter string        // Retry-After header value, "" for none
	Delay      time.Duration // wait before answering (cut short when the client goes away)
}

// Answer is a 200 chat completion whose message is content.
func Answer(content string) Reply { return Reply{Content: content} }

// Credits is OpenRouter's answer when the credits do not cover max_tokens,
// as LiteLLM passes it on: 402 with the code in the error body.
func Credits() Reply {
	return Reply{Status: http.StatusPaymentRequired, Body: `{"error":{"message":"Insufficient credits. This account never purchased credits. Make sure your key is on the correct account or org, and if so, purchase more at https://openrouter.ai/settings/credits","code":402}}`}
}

// RateLimited is a 429 with a Retry-After header (seconds, "" for none),
// OpenRouter's free tier limit as LiteLLM passes it on.
func RateLimited(retryAfter string) Reply {
	return Reply{Status: http.StatusTooManyRequests, RetryAfter: retryAfter,
		Body: `{"error":{"message":"litellm.RateLimitError: RateLimitError: OpenrouterException - Rate limit exceeded: free-models-per-min","type":"throttling_error","param":null,"code":"429"}}`}
}

// Status is an error answer in LiteLLM's shape.
func Status(code int) Reply {
	return Reply{Status: code, Body: errorBody(code, http.StatusText(code), "api_error")}
}

// Raw answers status with body as it is (a proxy's HTML page, say).
func Raw(status int, body string) Reply { return Reply{Status: status, Body: body} }

// Request is one request the fake received.
type Request struct {
	Model     string
	MaxTokens int
	Messages  []Message
	Body      []byte // as received
	Status    int    // what the fake answered
	Time      time.Time
}

// Message is one chat message of a request.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Server is a running fake. Its methods are safe for concurrent use.
type Server struct {
	// URL is the base URL to configure, ending in /v1.
	URL string
	// Key is the only bearer key accepted.
	Key string

	srv    *httptest.Server
	mu     sync.Mutex
	models map[string]bool // nil: any model
	queue  []Reply
	def    Reply
	reqs   []Request
}

// New starts a fake accepting key and, when models are given, only those
// models. It is closed when the test ends.
func New(t testing.TB, key string, models ...string) *Server {
	s := &Server{Key: key, def: Answer(`{"ids": [], "explanation": "default answer of the fake"}`)}
	if len(models) > 0 {
		s.models = map[string]bool{}
		for _, m := range models {
			s.models[m] = true
		}
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL + "/v1"
	t.Cleanup(s.srv.Close)
	return s
}

// Push queues replies, served one per request in order.
func (s *Server) Push(r ...Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue = append(s.queue, r...)
}

// Default sets the reply served when the queue is empty.
func (s *Server) Default(r Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.def = r
}

// Requests returns the requests received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqs...)
}

// Bodies returns every request body received, authorised or not.
func (s *Server) Bodies() []string {
	var out []string
	for _, r := range s.Requests() {
		out = append(out, string(r.Body))
	}
	return out
}

func errorBody(code int, msg, typ string) string {
	b, _ := json.Marshal(map[string]any{"error": map[string]any{
		"message": msg, "type": typ, "param": nil, "code": strconv.Itoa(code),
	}})
	return string(b)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	rec := Request{Body: body, Time: time.Now()}
	status, out, hdr, delay := s.answer(r, body, &rec)
	rec.Status = status
	s.mu.Lock()
	s.reqs = append(s.reqs, rec)
	s.mu.Unlock()
	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	for k, v := range hdr {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, out)
}

// answer checks the request as LiteLLM would, then serves the script.
func (s *Server) answer(r *http.Request, body []byte, rec *Request) (int, string, map[string]string, time.Duration) {
	bad := func(code int, msg, typ string) (int, string, map[string]string, time.Duration) {
		return code, errorBody(code, msg, typ), nil, 0
	}
	if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" {
		return bad(http.StatusNotFound, "Not Found", "not_found")
	}
	if r.Header.Get("Authorization") != "Bearer "+s.Key {
		return bad(http.StatusUnauthorized, "Authentication Error, Invalid proxy server token passed. Received API Key = sk-...redacted", "auth_error")
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return bad(http.StatusBadRequest, "Content-Type must be application/json", "invalid_request_error")
	}
	var req struct {
		Model     string    `json:"model"`
		Messages  []Message `json:"messages"`
		MaxTokens *int      `json:"max_tokens"`
		Stream    bool      `json:"stream"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return bad(http.StatusBadRequest, "Invalid JSON body: "+err.Error(), "invalid_request_error")
	}
	rec.Model, rec.Messages = req.Model, req.Messages
	if req.MaxTokens != nil {
		rec.MaxTokens = *req.MaxTokens
	}
	switch {
	case req.Model == "":
		return bad(http.StatusBadRequest, "model is required", "invalid_request_error")
	case s.models != nil && !s.models[req.Model]:
		return bad(http.StatusBadRequest, fmt.Sprintf("Invalid model name passed in model=%s", req.Model), "invalid_request_error")
	case len(req.Messages) == 0:
		return bad(http.StatusBadRequest, "messages is required", "invalid_request_error")
	case req.Stream:
		return bad(http.StatusBadRequest, "this fake does not stream", "invalid_request_error")
	case req.MaxTokens == nil:
		return bad(http.StatusBadRequest, "max_tokens must be explicit (corpus §10.5)", "invalid_request_error")
	case *req.MaxTokens < 1 || *req.MaxTokens > MaxTokens:
		return bad(http.StatusBadRequest, fmt.Sprintf("max_tokens must be between 1 and %d", MaxTokens), "invalid_request_error")
	}
	for _, m := range req.Messages {
		switch m.Role {
		case "system", "user", "assistant":
		default:
			return bad(http.StatusBadRequest, fmt.Sprintf("invalid role %q", m.Role), "invalid_request_error")
		}
	}
	s.mu.Lock()
	rep := s.def
	if len(s.queue) > 0 {
		rep, s.queue = s.queue[0], s.queue[1:]
	}
	s.mu.Unlock()
	status := rep.Status
	if status == 0 {
		status = http.StatusOK
	}
	hdr := map[string]string{}
	if rep.RetryAfter != "" {
		hdr["Retry-After"] = rep.RetryAfter
	}
	out := rep.Body
	if out == "" && status == http.StatusOK {
		b, _ := json.Marshal(map[string]any{
			"id": "chatcmpl-fake", "object": "chat.completion", "created": time.Now().Unix(), "model": req.Model,
			"choices": []any{map[string]any{
				"index": 0, "finish_reason": "stop",
				"message": map[string]any{"role": "assistant", "content": rep.Content},
			}},
			"usage": map[string]int{"prompt_tokens": len(body) / 4, "completion_tokens": len(rep.Content) / 4, "total_tokens": (len(body) + len(rep.Content)) / 4},
		})
		out = string(b)
	}
	return status, out, hdr, rep.Delay
}
