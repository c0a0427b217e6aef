// Package tgfake is an in-process fake of the Telegram Bot API for tests.
//
// New starts an httptest server that answers like https://api.telegram.org:
// requests are POST or GET {URL}/bot{token}/{method} with parameters in the
// query string, multipart/form-data (what github.com/go-telegram/bot sends,
// complex fields such as reply_markup JSON-encoded), application/json or
// application/x-www-form-urlencoded; answers are
// {"ok":true,"result":…} or {"ok":false,"error_code":N,"description":"…"}
// with the HTTP status equal to error_code, plus "parameters":{"retry_after":N}
// on 429. Files are served at GET {URL}/file/bot{token}/{file_path}.
//
// Point a go-telegram/bot client at it with bot.WithServerURL(s.URL) and the
// same token. Tests inject what users do (SendText, SendDocument, SendPhoto,
// SendSticker, Press), which getUpdates serves, and inspect what the bot did
// (Calls, WaitCalls, Messages, Commands). FailNext, FailNextRaw,
// FailNextAfterEffect, LimitPerSecond and Block inject the failures the real
// service produces.
//
// The fake enforces the limits and error messages of the real API for the
// methods it implements (see the method list in dispatch): text length after
// entity parsing, parse_mode=HTML syntax (tdlib's parser, same messages and
// byte offsets), inline keyboard validity, "message is not modified", the
// 15-second callback query deadline, file sizes, unknown chats.
package tgfake

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	// DefaultToken is used by New when given an empty token.
	DefaultToken = "123456789:AAHfakeTokenForTgfakeTests-abcdefgh"
	// BotUsername and BotFirstName are what getMe reports.
	BotUsername  = "tgfake_bot"
	BotFirstName = "tgfake"

	// MaxUploadSize is the largest file a bot may upload (sendDocument).
	MaxUploadSize = 50 << 20
	// MaxDownloadSize is the largest file getFile lets a bot download.
	MaxDownloadSize = 20 << 20
	// MaxMessageLength and MaxCaptionLength are counted in characters
	// (Unicode code points) of the text after entity parsing.
	MaxMessageLength = 4096
	MaxCaptionLength = 1024
	// CallbackAnswerTimeout is how long after a press answerCallbackQuery is
	// still accepted.
	CallbackAnswerTimeout = 15 * time.Second
)

// Server is a running fake. Its methods are safe for concurrent use.
type Server struct {
	URL   string // base URL, to pass to bot.WithServerURL
	Token string // the only token accepted

	t     testing.TB
	srv   *httptest.Server
	botID int64
	done  chan struct{}

	mu            sync.Mutex
	skew          time.Duration
	strictHTML    bool
	uploadLimit   int64
	downloadLimit int64

	nextUpdateID int64
	pending      []queuedUpdate
	updCh        chan struct{} // closed and replaced whenever an update is queued
	pollSeq      uint64
	pollKick     chan struct{} // closed when a newer getUpdates supersedes the waiting one

	calls  []Call
	callCh chan struct{} // closed and replaced whenever a call is recorded

	chats     map[int64]*chat
	blocked   map[int64]bool
	msgs      map[int64][]*message
	nextMsgID map[int64]int

	files    map[string]*file // by file_id
	paths    map[string]*file // by file_path
	nextFile int

	queries   map[string]*query
	nextQuery int64

	faults map[string][]fault
	limits map[int64]int
	sent   map[int64][]time.Time

	webhook     string
	commandSets map[string][]BotCommand
	lastSetKey  string
	lastSet     []BotCommand
}

// Call is one request the fake received.
type Call struct {
	Method   string            // canonical name ("sendMessage" even if sent as "sendmessage"); "file" for downloads
	Params   map[string]string // parameters, JSON-valued ones (reply_markup, commands…) as raw JSON text
	Files    map[string]Upload // uploaded files, by form field name (not in Params)
	Time     time.Time         // when it arrived
	Status   int               // HTTP status answered: 200, or the error_code; 0 if the connection was closed unanswered, 499 if the client went away first
	Response string            // the body answered
}

// OK reports whether the call succeeded.
func (c Call) OK() bool { return c.Status == http.StatusOK }

// Upload is a file sent in a multipart request.
type Upload struct {
	Name string
	Data []byte
}

// BotCommand is one entry of setMyCommands.
type BotCommand struct {
	Command     string `json:"command"`
	Description string `json:"description"`
}

type apiError struct {
	code       int
	desc       string
	retryAfter int
	rawBody    []byte // FailNextRaw: answered verbatim
}

func badRequest(desc string) *apiError {
	return &apiError{code: http.StatusBadRequest, desc: "Bad Request: " + desc}
}

type fault struct {
	err   apiError
	after bool // the call takes effect, then the answer is replaced
}

// described is a successful result that carries a description too, like
// deleteWebhook's "Webhook is already deleted".
type described struct {
	result any
	desc   string
}

// New starts a fake Bot API server accepting token (DefaultToken when empty).
// It is closed by t.Cleanup; pending long polls are released first.
func New(t testing.TB, token string) *Server {
	t.Helper()
	if token == "" {
		token = DefaultToken
	}
	s := &Server{
		Token:         token,
		t:             t,
		botID:         123456789,
		done:          make(chan struct{}),
		strictHTML:    true,
		uploadLimit:   MaxUploadSize,
		downloadLimit: MaxDownloadSize,
		nextUpdateID:  100000001,
		updCh:         make(chan struct{}),
		callCh:        make(chan struct{}),
		chats:         map[int64]*chat{},
		blocked:       map[int64]bool{},
		msgs:          map[int64][]*message{},
		nextMsgID:     map[int64]int{},
		files:         map[string]*file{},
		paths:         map[string]*file{},
		queries:       map[string]*query{},
		nextQuery:     4711000000000000001,
		faults:        map[string][]fault{},
		limits:        map[int64]int{},
		sent:          map[int64][]time.Time{},
		commandSets:   map[string][]BotCommand{},
	}
	if id, err := strconv.ParseInt(strings.SplitN(token, ":", 2)[0], 10, 64); err == nil && id > 0 {
		s.botID = id
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	s.URL = s.srv.URL
	t.Cleanup(func() {
		close(s.done)
		s.srv.Close()
	})
	return s
}

// BotID is the bot's user id (the number before ':' in the token).
func (s *Server) BotID() int64 { return s.botID }

// StrictHTML sets whether a bare '&' (not starting &lt; &gt; &amp; &quot; or
// a numeric reference) is refused in parse_mode=HTML. It is on by default, as
// the Bot API documentation requires escaping '&'; the real server (tdlib)
// keeps such an '&' literally, which StrictHTML(false) reproduces.
func (s *Server) StrictHTML(strict bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.strictHTML = strict
}

// SetFileLimits lowers (or raises) the upload limit of sendDocument
// (MaxUploadSize by default) and the download limit of getFile
// (MaxDownloadSize), so tests need not move 50 MB.
func (s *Server) SetFileLimits(upload, download int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.uploadLimit, s.downloadLimit = upload, download
}

// Advance moves the fake's clock forward: message dates, the 15-second
// deadline of answerCallbackQuery and the rate limiter's window follow it.
func (s *Server) Advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.skew += d
}

func (s *Server) now() time.Time { return time.Now().Add(s.skew) }

// FailNext makes the next n calls of method (case-insensitive; "file" for
// downloads) answer {"ok":false,"error_code":code,"description":description}
// with HTTP status code, before any other processing (code 0 closes the
// connection without an answer instead). For 429, retryAfter
// goes in parameters.retry_after and an empty description becomes the real
// one, "Too Many Requests: retry after N"; other empty descriptions get the
// usual text for the code ("Internal Server Error", "Bad Gateway", …).
func (s *Server) FailNext(method string, n int, code int, description string, retryAfter int) {
	if description == "" {
		switch code {
		case http.StatusTooManyRequests:
			description = fmt.Sprintf("Too Many Requests: retry after %d", retryAfter)
		case http.StatusBadRequest:
			description = "Bad Request"
		default:
			description = http.StatusText(code)
		}
	}
	s.addFaults(method, n, fault{err: apiError{code: code, desc: description, retryAfter: retryAfter}})
}

// FailNextRaw makes the next n calls of method answer status with body
// verbatim, e.g. the HTML page nginx sends for a 502 in front of the real API.
// Status 0 closes the connection without an answer (a network error).
func (s *Server) FailNextRaw(method string, n int, status int, body string) {
	s.addFaults(method, n, fault{err: apiError{code: status, rawBody: []byte(body)}})
}

// FailNextAfterEffect makes the next n calls of method take effect (the
// message is sent, the keyboard edited…) and then answer the error instead
// of the result, as when the answer is lost on its way back; code 0 closes
// the connection without an answer. A client that retries such a call sends
// the message twice: Messages shows it.
func (s *Server) FailNextAfterEffect(method string, n int, code int, description string) {
	if description == "" {
		description = http.StatusText(code)
	}
	s.addFaults(method, n, fault{err: apiError{code: code, desc: description}, after: true})
}

func (s *Server) addFaults(method string, n int, f fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name := canonicalMethod(method)
	if f.err.code == 0 {
		f.err.rawBody = nil
	}
	for range n {
		s.faults[name] = append(s.faults[name], f)
	}
}

func (s *Server) takeFault(method string) *fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.faults[method]
	if len(q) == 0 {
		return nil
	}
	s.faults[method] = q[1:]
	f := q[0]
	return &f
}

// LimitPerSecond lets at most n messages (sendMessage, sendDocument,
// editMessageText, editMessageReplyMarkup) per second into chatID, or into
// all chats together when chatID is 0; beyond, the call answers 429 "Too Many
// Requests: retry after N" with parameters.retry_after N. n <= 0 removes the
// limit. There is no limit by default.
func (s *Server) LimitPerSecond(chatID int64, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n <= 0 {
		delete(s.limits, chatID)
		return
	}
	s.limits[chatID] = n
}

// rateLimit admits one message into chatID or answers 429.
func (s *Server) rateLimit(chatID int64) *apiError {
	now := s.now()
	keys := []int64{0}
	if chatID != 0 {
		keys = append(keys, chatID)
	}
	for _, k := range keys {
		n, ok := s.limits[k]
		if !ok {
			continue
		}
		var recent []time.Time
		for _, t := range s.sent[k] {
			if now.Sub(t) < time.Second {
				recent = append(recent, t)
			}
		}
		s.sent[k] = recent
		if len(recent) >= n {
			wait := recent[0].Add(time.Second).Sub(now)
			retry := int((wait + time.Second - 1) / time.Second)
			if retry < 1 {
				retry = 1
			}
			return &apiError{code: http.StatusTooManyRequests, desc: fmt.Sprintf("Too Many Requests: retry after %d", retry), retryAfter: retry}
		}
	}
	for _, k := range keys {
		if _, ok := s.limits[k]; ok {
			s.sent[k] = append(s.sent[k], now)
		}
	}
	return nil
}

// Calls returns the requests received so far, in the order they were
// answered, optionally only those of the given methods (case-insensitive).
// Failed calls are included; see Call.Status.
func (s *Server) Calls(method ...string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.callsLocked(false, method...)
}

func (s *Server) callsLocked(okOnly bool, method ...string) []Call {
	want := map[string]bool{}
	for _, m := range method {
		want[canonicalMethod(m)] = true
	}
	var out []Call
	for _, c := range s.calls {
		if len(want) > 0 && !want[c.Method] {
			continue
		}
		if okOnly && !c.OK() {
			continue
		}
		out = append(out, c)
	}
	return out
}

// WaitCalls waits until at least n calls of method have succeeded and returns
// the successful ones; after timeout it fails the test, listing the calls
// received. Call it from the test's goroutine.
func (s *Server) WaitCalls(t testing.TB, method string, n int, timeout time.Duration) []Call {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		got := s.callsLocked(true, method)
		ch := s.callCh
		s.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case <-ch:
		case <-deadline.C:
			t.Fatalf("tgfake: waited %v for %d successful %s calls, got %d; calls received:\n%s",
				timeout, n, canonicalMethod(method), len(got), s.describeCalls())
			return nil
		}
	}
}

func (s *Server) describeCalls() string {
	var b strings.Builder
	for _, c := range s.Calls() {
		resp := c.Response
		if len(resp) > 200 {
			resp = resp[:200] + "…"
		}
		fmt.Fprintf(&b, "  %s %d %s\n", c.Method, c.Status, resp)
	}
	if b.Len() == 0 {
		return "  (none)\n"
	}
	return b.String()
}

// Commands returns the commands of the last successful setMyCommands, or nil
// if none was made or a later deleteMyCommands removed them (same scope and
// language).
func (s *Server) Commands() []BotCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.commandSets[s.lastSetKey]; !ok {
		return nil
	}
	return append([]BotCommand(nil), s.lastSet...)
}

// Webhook returns the URL of the last successful setWebhook, "" when none is
// set (or deleteWebhook removed it). While a webhook is set, getUpdates
// answers 409 like the real API.
func (s *Server) Webhook() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.webhook
}

func (s *Server) record(c Call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, c)
	close(s.callCh)
	s.callCh = make(chan struct{})
}

// serveHTTP routes {URL}/bot{token}/{method} and {URL}/file/bot{token}/{path}.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	arrived := time.Now()
	if rest, ok := strings.CutPrefix(r.URL.Path, "/file/bot"); ok {
		s.serveFile(w, r, rest, arrived)
		return
	}
	rest, isBot := strings.CutPrefix(r.URL.Path, "/bot")
	token, method, found := strings.Cut(rest, "/")
	method = strings.TrimPrefix(method, "test/") // bot.UseTestEnvironment
	call := Call{Method: canonicalMethod(method), Time: arrived}
	if !isBot || !found {
		call.Method = r.URL.Path
		s.answer(w, &call, nil, &apiError{code: http.StatusNotFound, desc: "Not Found"})
		return
	}

	s.mu.Lock()
	limit := s.uploadLimit
	s.mu.Unlock()
	params, files, perr := readParams(r, limit+(1<<20))
	call.Params, call.Files = params, files

	h, known := dispatch[strings.ToLower(method)]
	switch {
	case token != s.Token:
		s.answer(w, &call, nil, &apiError{code: http.StatusUnauthorized, desc: "Unauthorized"})
	case !known:
		s.answer(w, &call, nil, &apiError{code: http.StatusNotFound, desc: "Not Found"})
	case perr != nil:
		s.answer(w, &call, nil, perr)
	default:
		f := s.takeFault(call.Method)
		if f != nil && !f.after {
			s.answer(w, &call, nil, &f.err)
			return
		}
		res, aerr := h.fn(s, r.Context(), params, files)
		if f != nil {
			s.answer(w, &call, nil, &f.err)
			return
		}
		s.answer(w, &call, res, aerr)
	}
}

type apiResponse struct {
	OK          bool            `json:"ok"`
	Result      any             `json:"result,omitempty"`
	ErrorCode   int             `json:"error_code,omitempty"`
	Description string          `json:"description,omitempty"`
	Parameters  *responseParams `json:"parameters,omitempty"`
}

type responseParams struct {
	RetryAfter int `json:"retry_after,omitempty"`
}

// answer writes the response and records the call.
func (s *Server) answer(w http.ResponseWriter, call *Call, result any, e *apiError) {
	var body []byte
	status := http.StatusOK
	switch {
	case e != nil && e.code == 0:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
			}
		}
		call.Status, call.Response = 0, "(connection closed without an answer)"
		s.record(*call)
		return
	case e != nil && e.rawBody != nil:
		status, body = e.code, e.rawBody
		w.Header().Set("Content-Type", "text/html")
	case e != nil:
		status = e.code
		resp := apiResponse{OK: false, ErrorCode: e.code, Description: e.desc}
		if e.retryAfter > 0 {
			resp.Parameters = &responseParams{RetryAfter: e.retryAfter}
		}
		body, _ = json.Marshal(resp)
	default:
		resp := apiResponse{OK: true, Result: result}
		if d, ok := result.(described); ok {
			resp.Result, resp.Description = d.result, d.desc
		}
		var err error
		if body, err = json.Marshal(resp); err != nil {
			status = http.StatusInternalServerError
			body = fmt.Appendf(nil, `{"ok":false,"error_code":500,"description":"tgfake: %s"}`, strings.ReplaceAll(err.Error(), `"`, `'`))
		}
	}
	if status == statusClientGone {
		call.Status = status
		s.record(*call)
		return
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
	call.Status, call.Response = status, string(body)
	s.record(*call)
}

// statusClientGone marks a request whose client disconnected before the
// answer (a long poll cancelled by the bot's shutdown).
const statusClientGone = 499

// readParams merges the query string and the body parameters. Uploaded files
// (multipart parts with a filename) go to files.
func readParams(r *http.Request, maxBody int64) (map[string]string, map[string]Upload, *apiError) {
	params := map[string]string{}
	files := map[string]Upload{}
	for k, v := range r.URL.Query() {
		if len(v) > 0 {
			params[k] = v[0]
		}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return params, files, badRequest("can't read request body")
	}
	if int64(len(body)) > maxBody {
		_, _ = io.Copy(io.Discard, r.Body)
		return params, files, &apiError{code: http.StatusRequestEntityTooLarge, desc: "Request Entity Too Large"}
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return params, files, nil
	}
	ct, ctParams, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case ct == "multipart/form-data":
		mr := multipart.NewReader(bytes.NewReader(body), ctParams["boundary"])
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				return params, files, badRequest("can't parse multipart/form-data: " + err.Error())
			}
			data, err := io.ReadAll(part)
			if err != nil {
				return params, files, badRequest("can't parse multipart/form-data: " + err.Error())
			}
			_, cd, _ := mime.ParseMediaType(part.Header.Get("Content-Disposition"))
			if _, isFile := cd["filename"]; isFile {
				files[part.FormName()] = Upload{Name: cd["filename"], Data: data}
			} else {
				params[part.FormName()] = string(data)
			}
		}
	case ct == "application/json" || ct == "" && body[0] == '{':
		var m map[string]json.RawMessage
		if err := json.Unmarshal(body, &m); err != nil {
			return params, files, badRequest("can't parse JSON encoded request: " + err.Error())
		}
		for k, raw := range m {
			raw = bytes.TrimSpace(raw)
			switch {
			case bytes.Equal(raw, []byte("null")):
			case len(raw) > 0 && raw[0] == '"':
				var v string
				_ = json.Unmarshal(raw, &v)
				params[k] = v
			default:
				var b bytes.Buffer
				if json.Compact(&b, raw) == nil {
					params[k] = b.String()
				} else {
					params[k] = string(raw)
				}
			}
		}
	default: // application/x-www-form-urlencoded, or anything else
		q, err := url.ParseQuery(string(body))
		if err != nil {
			return params, files, badRequest("can't parse urlencoded request: " + err.Error())
		}
		for k, v := range q {
			if len(v) > 0 {
				params[k] = v[0]
			}
		}
	}
	return params, files, nil
}

func canonicalMethod(name string) string {
	if h, ok := dispatch[strings.ToLower(name)]; ok {
		return h.name
	}
	return name
}

// serveFile answers GET {URL}/file/bot{token}/{file_path}.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request, rest string, arrived time.Time) {
	token, path, _ := strings.Cut(rest, "/")
	call := Call{Method: "file", Params: map[string]string{"file_path": path}, Time: arrived}
	if token != s.Token {
		s.answer(w, &call, nil, &apiError{code: http.StatusUnauthorized, desc: "Unauthorized"})
		return
	}
	if f := s.takeFault("file"); f != nil {
		s.answer(w, &call, nil, &f.err)
		return
	}
	s.mu.Lock()
	f, ok := s.paths[path]
	s.mu.Unlock()
	if !ok {
		s.answer(w, &call, nil, &apiError{code: http.StatusNotFound, desc: "Not Found"})
		return
	}
	w.Header().Set("Content-Type", f.mimeType)
	w.Header().Set("Content-Length", strconv.Itoa(len(f.data)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(f.data)
	}
	call.Status, call.Response = http.StatusOK, fmt.Sprintf("(%d bytes of %s)", len(f.data), f.name)
	s.record(call)
}

// handler is one Bot API method.
type handler struct {
	name string
	fn   func(s *Server, ctx context.Context, p map[string]string, files map[string]Upload) (any, *apiError)
}

var dispatch = map[string]handler{}

func init() {
	for _, h := range []handler{
		{"getMe", (*Server).getMe},
		{"getUpdates", (*Server).getUpdates},
		{"setWebhook", (*Server).setWebhook},
		{"deleteWebhook", (*Server).deleteWebhook},
		{"getWebhookInfo", (*Server).getWebhookInfo},
		{"sendMessage", (*Server).sendMessage},
		{"editMessageText", (*Server).editMessageText},
		{"editMessageReplyMarkup", (*Server).editMessageReplyMarkup},
		{"answerCallbackQuery", (*Server).answerCallbackQuery},
		{"sendDocument", (*Server).sendDocument},
		{"getFile", (*Server).getFile},
		{"sendChatAction", (*Server).sendChatAction},
		{"setMyCommands", (*Server).setMyCommands},
		{"deleteMyCommands", (*Server).deleteMyCommands},
		{"getMyCommands", (*Server).getMyCommands},
	} {
		dispatch[strings.ToLower(h.name)] = h
	}
}
