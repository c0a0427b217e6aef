package tgfake_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"vigie/internal/tgfake"
)

const (
	alice   int64 = 42              // a user, and her private chat with the bot
	group   int64 = -4012345678     // a basic group alice writes in
	unknown int64 = 777             // a chat that never wrote to the bot
	wait          = 5 * time.Second // upper bound for anything asynchronous
)

// botErrors collects what go-telegram/bot reports through its errors
// handler (getUpdates failures, mostly).
type botErrors struct {
	mu   sync.Mutex
	errs []error
}

func (e *botErrors) add(err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.errs = append(e.errs, err)
}

func (e *botErrors) all() []error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]error(nil), e.errs...)
}

// newBot builds a go-telegram/bot client on the fake (getMe included), without
// starting it.
func newBot(t *testing.T, s *tgfake.Server, opts ...bot.Option) *bot.Bot {
	t.Helper()
	b, err := bot.New(s.Token, append([]bot.Option{bot.WithServerURL(s.URL)}, opts...)...)
	if err != nil {
		t.Fatalf("bot.New: %v", err)
	}
	return b
}

// startBot starts a long-polling bot whose default handler hands the updates
// over; it stops before the fake closes.
func startBot(t *testing.T, s *tgfake.Server) (*bot.Bot, <-chan *models.Update, *botErrors) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	updates := make(chan *models.Update, 64)
	errs := &botErrors{}
	b := newBot(t, s,
		bot.WithDefaultHandler(func(ctx context.Context, _ *bot.Bot, u *models.Update) {
			select {
			case updates <- u:
			case <-ctx.Done():
			}
		}),
		bot.WithErrorsHandler(errs.add),
	)
	done := make(chan struct{})
	go func() {
		b.Start(ctx)
		close(done)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return b, updates, errs
}

func nextUpdate(t *testing.T, updates <-chan *models.Update) *models.Update {
	t.Helper()
	select {
	case u := <-updates:
		return u
	case <-time.After(wait):
		t.Fatal("no update delivered")
		return nil
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	t.Cleanup(cancel)
	return ctx
}

// wantBadRequest checks an error is the library's wrapping of a 400 with
// exactly this description.
func wantBadRequest(t *testing.T, err error, description string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want 400 %q", description)
	}
	if !errors.Is(err, bot.ErrorBadRequest) {
		t.Fatalf("error %q does not wrap bot.ErrorBadRequest", err)
	}
	if want := "bad request, " + description; err.Error() != want {
		t.Fatalf("error\n got %q\nwant %q", err, want)
	}
}

func TestLongPollDeliversInjectedText(t *testing.T) {
	s := tgfake.New(t, "")
	_, updates, _ := startBot(t, s)

	// Let the bot reach its long poll first, so the update wakes it up.
	s.WaitCalls(t, "getMe", 1, wait)
	time.Sleep(50 * time.Millisecond)
	id := s.SendText(alice, alice, "/status caddy")

	u := nextUpdate(t, updates)
	m := u.Message
	if m == nil || m.ID != id || m.Text != "/status caddy" || m.Chat.ID != alice ||
		m.Chat.Type != models.ChatTypePrivate || m.From == nil || m.From.ID != alice || m.Date == 0 {
		t.Fatalf("update: %+v / message %+v", u, m)
	}
	if len(m.Entities) != 1 || m.Entities[0].Type != models.MessageEntityTypeBotCommand ||
		m.Entities[0].Offset != 0 || m.Entities[0].Length != len("/status") {
		t.Fatalf("entities: %+v", m.Entities)
	}

	gid := s.SendText(group, alice, "hello")
	u2 := nextUpdate(t, updates)
	if u2.ID <= u.ID || u2.Message.ID != gid || u2.Message.Chat.Type != models.ChatTypeGroup || u2.Message.From.ID != alice {
		t.Fatalf("group update: %+v %+v", u2, u2.Message)
	}

	// The bot's next poll confirms both: nothing stays queued.
	deadline := time.Now().Add(wait)
	for s.Pending() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d updates never confirmed", s.Pending())
		}
		time.Sleep(10 * time.Millisecond)
	}
	polls := s.Calls("getUpdates")
	if p := polls[0].Params; p["timeout"] != "59" || p["offset"] != "1" {
		t.Fatalf("first poll params %v", p)
	}
}

// post sends a raw request, as another client library (or curl) would.
func post(t *testing.T, s *tgfake.Server, method, contentType, body string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post(s.URL+"/bot"+s.Token+"/"+method, contentType, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s answered %d non-JSON %q", method, resp.StatusCode, raw)
	}
	return resp.StatusCode, out
}

func TestLongPollBlocksUntilTimeoutOrUpdate(t *testing.T) {
	s := tgfake.New(t, "")

	start := time.Now()
	code, out := post(t, s, "getUpdates", "application/json", `{"timeout":1}`)
	if el := time.Since(start); code != 200 || el < 900*time.Millisecond || el > 3*time.Second {
		t.Fatalf("empty poll: %d %v after %v", code, out, el)
	}
	if res, ok := out["result"].([]any); !ok || len(res) != 0 {
		t.Fatalf("empty poll result %v", out)
	}

	go func() {
		time.Sleep(200 * time.Millisecond)
		s.SendText(alice, alice, "wake up")
	}()
	start = time.Now()
	_, out = post(t, s, "getUpdates", "application/x-www-form-urlencoded", "timeout=30&offset=0")
	if el := time.Since(start); el > 3*time.Second {
		t.Fatalf("poll not woken by the update: %v", el)
	}
	res := out["result"].([]any)
	if len(res) != 1 {
		t.Fatalf("result %v", out)
	}
	first := res[0].(map[string]any)["update_id"].(float64)

	// Without a higher offset the update is served again; with it, it is gone.
	_, out = post(t, s, "getUpdates", "application/json", `{"timeout":0}`)
	if len(out["result"].([]any)) != 1 {
		t.Fatalf("unconfirmed update not served again: %v", out)
	}
	body, _ := json.Marshal(map[string]any{"offset": first + 1})
	_, out = post(t, s, "getUpdates", "application/json", string(body))
	if len(out["result"].([]any)) != 0 || s.Pending() != 0 {
		t.Fatalf("confirmed update served again: %v", out)
	}
}

func TestConcurrentGetUpdatesConflict(t *testing.T) {
	s := tgfake.New(t, "")
	first := make(chan int, 1)
	go func() {
		code, _ := post(t, s, "getUpdates", "application/json", `{"timeout":10}`)
		first <- code
	}()
	time.Sleep(200 * time.Millisecond) // the first poll is waiting
	code, out := post(t, s, "getUpdates", "application/json", `{"timeout":0}`)
	if code != 200 {
		t.Fatalf("second poll %d %v", code, out)
	}
	if c := <-first; c != http.StatusConflict {
		t.Fatalf("first poll answered %d, want 409 (terminated by other getUpdates request)", c)
	}
}

func TestSendMessageHTML(t *testing.T) {
	s := tgfake.New(t, "")
	b := newBot(t, s)
	ctx := ctxT(t)
	s.AddChat(alice, alice)

	m, err := b.SendMessage(ctx, &bot.SendMessageParams{
		ChatID:    alice,
		Text:      `<b>caddy</b> is <i>down</i> &lt;exit 1&gt; <a href="https://example.com/x">docs</a> <pre><code class="language-sh">docker ps</code></pre>`,
		ParseMode: models.ParseModeHTML,
	})
	if err != nil {
		t.Fatal(err)
	}
	if m.Text != "caddy is down <exit 1> docs docker ps" || m.Chat.ID != alice || m.From == nil || !m.From.IsBot {
		t.Fatalf("message %+v", m)
	}
	want := []models.MessageEntity{
		{Type: models.MessageEntityTypeBold, Offset: 0, Length: 5},
		{Type: models.MessageEntityTypeItalic, Offset: 9, Length: 4},
		{Type: models.MessageEntityTypeTextLink, Offset: 23, Length: 4, URL: "https://example.com/x"},
		{Type: models.MessageEntityTypePre, Offset: 28, Length: 9, Language: "sh"},
	}
	if len(m.Entities) != len(want) {
		t.Fatalf("entities %+v", m.Entities)
	}
	for i := range want {
		if m.Entities[i] != want[i] {
			t.Fatalf("entity %d = %+v, want %+v", i, m.Entities[i], want[i])
		}
	}
	got := s.Messages(alice)
	if len(got) != 1 || got[0].ID != m.ID || got[0].ParseMode != "HTML" || got[0].PlainText != m.Text {
		t.Fatalf("Messages: %+v", got)
	}

	for _, c := range []struct{ text, desc string }{
		{"<b>unclosed", `Can't find end tag corresponding to start tag "b"`},
		{"load < 5", `Unsupported start tag "" at byte offset 5`},
		{"line<br>line", `Unsupported start tag "br" at byte offset 4`},
		{"<b>x</i>", `Unmatched end tag at byte offset 4, expected "</b>", found "</i>"`},
		{"x</b>", `Unexpected end tag at byte offset 1`},
		{"<span>x</span>", `Tag "span" must have class "tg-spoiler" at byte offset 0`},
	} {
		_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice, Text: c.text, ParseMode: models.ParseModeHTML})
		wantBadRequest(t, err, "Bad Request: can't parse entities: "+c.desc)
	}

	// A bare '&' is refused by default (the documentation's rule); the real
	// server keeps it, which StrictHTML(false) reproduces.
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice, Text: "R&D", ParseMode: models.ParseModeHTML})
	if err == nil || !strings.Contains(err.Error(), `can't parse entities: Unescaped "&" at byte offset 1`) {
		t.Fatalf("bare &: %v", err)
	}
	s.StrictHTML(false)
	if m, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice, Text: "R&D", ParseMode: models.ParseModeHTML}); err != nil || m.Text != "R&D" {
		t.Fatalf("lenient bare &: %v %+v", err, m)
	}

	// Plain text is not parsed.
	if m, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice, Text: "a <b> & c"}); err != nil || m.Text != "a <b> & c" {
		t.Fatalf("plain: %v %+v", err, m)
	}
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice, Text: "<b> </b>", ParseMode: models.ParseModeHTML})
	wantBadRequest(t, err, "Bad Request: message text is empty")
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice, Text: "x", ParseMode: "HTML5"})
	wantBadRequest(t, err, "Bad Request: unsupported parse_mode")
}

func TestMessageLength(t *testing.T) {
	s := tgfake.New(t, "")
	b := newBot(t, s)
	ctx := ctxT(t)
	s.AddChat(alice, alice)

	_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice, Text: strings.Repeat("a", 4097)})
	wantBadRequest(t, err, "Bad Request: message is too long")

	for _, text := range []string{
		strings.Repeat("a", 4096),
		"<b>" + strings.Repeat("a", 4096) + "</b>", // counted after entity parsing
		strings.Repeat("&lt;", 4096),
		strings.Repeat("é", 4096),
		strings.Repeat("😀", 4096), // characters, not UTF-16 code units
	} {
		if _, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice, Text: text, ParseMode: models.ParseModeHTML}); err != nil {
			t.Fatalf("%d bytes: %v", len(text), err)
		}
	}
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice, Text: strings.Repeat("&amp;", 4097), ParseMode: models.ParseModeHTML})
	wantBadRequest(t, err, "Bad Request: message is too long")
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice, Text: ""})
	wantBadRequest(t, err, "Bad Request: message text is empty")
}

func keyboard(data ...string) *models.InlineKeyboardMarkup {
	var row []models.InlineKeyboardButton
	for _, d := range data {
		row = append(row, models.InlineKeyboardButton{Text: "btn " + d, CallbackData: d})
	}
	return &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{row}}
}

func TestInlineKeyboardValidation(t *testing.T) {
	s := tgfake.New(t, "")
	b := newBot(t, s)
	ctx := ctxT(t)
	s.AddChat(alice, alice)

	_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice, Text: "x", ReplyMarkup: keyboard(strings.Repeat("d", 65))})
	wantBadRequest(t, err, "Bad Request: BUTTON_DATA_INVALID")
	// 64 bytes is the limit, in bytes: 32 two-byte characters fit, 33 don't.
	if _, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice, Text: "x", ReplyMarkup: keyboard(strings.Repeat("d", 64), strings.Repeat("é", 32))}); err != nil {
		t.Fatal(err)
	}
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice, Text: "x", ReplyMarkup: keyboard(strings.Repeat("é", 33))})
	wantBadRequest(t, err, "Bad Request: BUTTON_DATA_INVALID")

	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice, Text: "x", ReplyMarkup: &models.InlineKeyboardMarkup{
		InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "", CallbackData: "a"}}}}})
	wantBadRequest(t, err, "Bad Request: BUTTON_TEXT_INVALID")

	// go-telegram/bot always sends "copy_text":{"text":""}: a button without
	// an action becomes an invalid copy-text button.
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice, Text: "x", ReplyMarkup: &models.InlineKeyboardMarkup{
		InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "no action"}}}}})
	wantBadRequest(t, err, "Bad Request: BUTTON_COPY_TEXT_INVALID")
	code, out := post(t, s, "sendMessage", "application/json",
		`{"chat_id":42,"text":"x","reply_markup":{"inline_keyboard":[[{"text":"no action","callback_data":""}]]}}`)
	if code != 400 || out["description"] != "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard" {
		t.Fatalf("text button: %d %v", code, out)
	}

	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice, Text: "x", ReplyMarkup: &models.InlineKeyboardMarkup{
		InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "ftp", URL: "ftp://example.com"}}}}})
	wantBadRequest(t, err, "Bad Request: inline keyboard button URL 'ftp://example.com' is invalid: Unsupported URL protocol")

	many := make([]string, 101)
	for i := range many {
		many[i] = "b"
	}
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice, Text: "x", ReplyMarkup: keyboard(many...)})
	wantBadRequest(t, err, "Bad Request: REPLY_MARKUP_TOO_LONG")
}

func TestEditMessage(t *testing.T) {
	s := tgfake.New(t, "")
	b := newBot(t, s)
	ctx := ctxT(t)
	s.AddChat(alice, alice)

	m, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice, Text: "<b>3</b> containers", ParseMode: models.ParseModeHTML, ReplyMarkup: keyboard("refresh")})
	if err != nil {
		t.Fatal(err)
	}
	if m.ReplyMarkup == nil || m.ReplyMarkup.InlineKeyboard[0][0].CallbackData != "refresh" {
		t.Fatalf("reply_markup not echoed: %+v", m.ReplyMarkup)
	}

	// Same text (spelled differently: same result after parsing) and same keyboard.
	_, err = b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: alice, MessageID: m.ID, Text: "<strong>3</strong> containers", ParseMode: models.ParseModeHTML, ReplyMarkup: keyboard("refresh")})
	wantBadRequest(t, err, "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
	_, err = b.EditMessageReplyMarkup(ctx, &bot.EditMessageReplyMarkupParams{ChatID: alice, MessageID: m.ID, ReplyMarkup: keyboard("refresh")})
	wantBadRequest(t, err, "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")

	e, err := b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: alice, MessageID: m.ID, Text: "<b>4</b> containers", ParseMode: models.ParseModeHTML, ReplyMarkup: keyboard("refresh")})
	if err != nil || e.Text != "4 containers" || e.EditDate == 0 {
		t.Fatalf("edit: %v %+v", err, e)
	}
	if _, err := b.EditMessageReplyMarkup(ctx, &bot.EditMessageReplyMarkupParams{ChatID: alice, MessageID: m.ID, ReplyMarkup: keyboard("refresh", "stop")}); err != nil {
		t.Fatal(err)
	}
	got := s.Messages(alice)
	if len(got) != 1 || got[0].Edits != 2 || got[0].Text != "<b>4</b> containers" || len(got[0].Keyboard[0]) != 2 ||
		got[0].Keyboard[0][1].CallbackData != "stop" || !json.Valid(got[0].ReplyMarkup) {
		t.Fatalf("state after edits: %+v", got)
	}

	// Editing the text without reply_markup drops the keyboard, as Telegram does.
	if _, err := b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: alice, MessageID: m.ID, Text: "done"}); err != nil {
		t.Fatal(err)
	}
	if got := s.Messages(alice)[0]; got.Keyboard != nil || got.ReplyMarkup != nil {
		t.Fatalf("keyboard kept: %+v", got)
	}

	_, err = b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: alice, MessageID: 999, Text: "x"})
	wantBadRequest(t, err, "Bad Request: message to edit not found")
	userMsg := s.SendText(alice, alice, "mine")
	_, err = b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: alice, MessageID: userMsg, Text: "x"})
	wantBadRequest(t, err, "Bad Request: message can't be edited")
}

func TestTooManyRequestsAndServerErrors(t *testing.T) {
	s := tgfake.New(t, "")
	b := newBot(t, s)
	ctx := ctxT(t)
	s.AddChat(alice, alice)
	send := func() error {
		_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice, Text: "hi"})
		return err
	}

	s.FailNext("sendMessage", 1, http.StatusTooManyRequests, "", 7)
	err := send()
	var tooMany *bot.TooManyRequestsError
	if !errors.As(err, &tooMany) || tooMany.RetryAfter != 7 || !bot.IsTooManyRequestsError(err) {
		t.Fatalf("429: %T %v", err, err)
	}
	if err.Error() != "too many requests, Too Many Requests: retry after 7: retry_after 7" {
		t.Fatalf("429 text %q", err)
	}
	// The library's 429 error does not wrap bot.ErrorTooManyRequests.
	if errors.Is(err, bot.ErrorTooManyRequests) {
		t.Fatal("errors.Is(err, bot.ErrorTooManyRequests) is now true: update the notes")
	}
	// No retry: one failed call, and the next one goes through.
	if err := send(); err != nil {
		t.Fatal(err)
	}
	calls := s.Calls("sendMessage")
	if len(calls) != 2 || calls[0].Status != 429 || !strings.Contains(calls[0].Response, `"parameters":{"retry_after":7}`) || !calls[1].OK() {
		t.Fatalf("calls %+v", calls)
	}

	// The rate limiter.
	s.LimitPerSecond(alice, 2)
	if err := send(); err != nil {
		t.Fatal(err)
	}
	if err := send(); err != nil {
		t.Fatal(err)
	}
	if err := send(); !errors.As(err, &tooMany) || tooMany.RetryAfter < 1 {
		t.Fatalf("third message in a second: %v", err)
	}
	s.Advance(1100 * time.Millisecond)
	if err := send(); err != nil {
		t.Fatalf("after the window: %v", err)
	}
	s.LimitPerSecond(alice, 0)

	// 5xx: a plain error, no sentinel, no retry.
	s.FailNext("sendMessage", 1, http.StatusInternalServerError, "", 0)
	err = send()
	if err == nil || err.Error() != "error response from telegram for method sendMessage, 500 Internal Server Error" ||
		errors.Is(err, bot.ErrorBadRequest) {
		t.Fatalf("500: %v", err)
	}
	// A 502 from the proxy in front of the API is HTML: the library fails to decode it.
	s.FailNextRaw("sendMessage", 1, http.StatusBadGateway, "<html><body><h1>502 Bad Gateway</h1></body></html>")
	err = send()
	if err == nil || !strings.HasPrefix(err.Error(), "error decode response body for method sendMessage, <html>") {
		t.Fatalf("502: %v", err)
	}
	if err := send(); err != nil {
		t.Fatal(err)
	}
}

func TestLostAnswers(t *testing.T) {
	s := tgfake.New(t, "")
	b := newBot(t, s)
	ctx := ctxT(t)
	s.AddChat(alice, alice)

	// The message is sent, but the bot hears 502: retrying it would send it twice.
	s.FailNextAfterEffect("sendMessage", 1, http.StatusBadGateway, "")
	_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice, Text: "once"})
	if err == nil || err.Error() != "error response from telegram for method sendMessage, 502 Bad Gateway" {
		t.Fatalf("502 after effect: %v", err)
	}
	if got := s.Messages(alice); len(got) != 1 || got[0].Text != "once" {
		t.Fatalf("messages %+v", got)
	}

	// A connection closed without an answer is a transport error.
	s.FailNextAfterEffect("sendMessage", 1, 0, "")
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice, Text: "twice?"})
	if err == nil || !strings.HasPrefix(err.Error(), "error do request for method sendMessage") {
		t.Fatalf("dropped connection: %v", err)
	}
	if got := s.Messages(alice); len(got) != 2 {
		t.Fatalf("messages %+v", got)
	}
	s.FailNext("sendMessage", 1, 0, "", 0)
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice, Text: "never"})
	if err == nil || len(s.Messages(alice)) != 2 {
		t.Fatalf("dropped before effect: %v, %d messages", err, len(s.Messages(alice)))
	}
	if c := s.Calls("sendMessage"); c[len(c)-1].Status != 0 {
		t.Fatalf("dropped call recorded as %+v", c[len(c)-1])
	}
}

func TestGetUpdatesErrorsAreRetriedByTheLibrary(t *testing.T) {
	s := tgfake.New(t, "")
	s.FailNext("getUpdates", 2, http.StatusTooManyRequests, "", 1)
	_, updates, errs := startBot(t, s)
	s.SendText(alice, alice, "after the storm")
	if u := nextUpdate(t, updates); u.Message.Text != "after the storm" {
		t.Fatalf("update %+v", u.Message)
	}
	if got := errs.all(); len(got) < 2 || !strings.Contains(got[0].Error(), "error get updates, too many requests") {
		t.Fatalf("errors handler got %v", got)
	}
}

func TestGetFileAndDownload(t *testing.T) {
	s := tgfake.New(t, "")
	b, updates, _ := startBot(t, s)
	ctx := ctxT(t)

	data := []byte("2026-01-01 caddy | ERR tls: handshake failure\n")
	s.SendDocument(alice, alice, "caddy.log", data, "what is this?")
	m := nextUpdate(t, updates).Message
	if m.Document == nil || m.Document.FileName != "caddy.log" || m.Document.FileSize != int64(len(data)) || m.Caption != "what is this?" {
		t.Fatalf("document message %+v / %+v", m, m.Document)
	}
	f, err := b.GetFile(ctx, &bot.GetFileParams{FileID: m.Document.FileID})
	if err != nil || f.FilePath == "" || f.FileSize != int64(len(data)) {
		t.Fatalf("getFile: %v %+v", err, f)
	}
	resp, err := http.Get(b.FileDownloadLink(f))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(got, data) {
		t.Fatalf("download: %d %q", resp.StatusCode, got)
	}

	_, err = b.GetFile(ctx, &bot.GetFileParams{FileID: "nope"})
	wantBadRequest(t, err, "Bad Request: invalid file_id")

	s.SetFileLimits(tgfake.MaxUploadSize, 1024)
	s.SendDocument(alice, alice, "big.log", bytes.Repeat([]byte("x"), 2048), "")
	big := nextUpdate(t, updates).Message
	_, err = b.GetFile(ctx, &bot.GetFileParams{FileID: big.Document.FileID})
	wantBadRequest(t, err, "Bad Request: file is too big")
}

func TestSendDocument(t *testing.T) {
	s := tgfake.New(t, "")
	b := newBot(t, s)
	ctx := ctxT(t)
	s.AddChat(alice, alice)

	report := []byte("all green\n")
	m, err := b.SendDocument(ctx, &bot.SendDocumentParams{
		ChatID:   alice,
		Document: &models.InputFileUpload{Filename: "report.txt", Data: bytes.NewReader(report)},
		Caption:  "<b>scan</b> report", ParseMode: models.ParseModeHTML,
	})
	if err != nil || m.Document == nil || m.Document.FileName != "report.txt" || m.Document.MimeType != "text/plain" || m.Caption != "scan report" {
		t.Fatalf("sendDocument: %v %+v", err, m)
	}
	got := s.Messages(alice)
	if len(got) != 1 || got[0].Document == nil || !bytes.Equal(got[0].Document.Data, report) || got[0].Text != "<b>scan</b> report" {
		t.Fatalf("Messages: %+v", got)
	}
	// The bot may resend by file_id.
	if _, err := b.SendDocument(ctx, &bot.SendDocumentParams{ChatID: alice, Document: &models.InputFileString{Data: m.Document.FileID}}); err != nil {
		t.Fatal(err)
	}

	_, err = b.SendDocument(ctx, &bot.SendDocumentParams{ChatID: alice,
		Document: &models.InputFileUpload{Filename: "r.txt", Data: bytes.NewReader(report)}, Caption: strings.Repeat("c", 1025)})
	wantBadRequest(t, err, "Bad Request: message caption is too long")
	_, err = b.SendDocument(ctx, &bot.SendDocumentParams{ChatID: alice, Document: &models.InputFileString{Data: "nope"}})
	wantBadRequest(t, err, "Bad Request: wrong file identifier/HTTP URL specified")
	// Without a Document, go-telegram/bot sends document=null (the field is
	// not omitempty): a bad file identifier.
	_, err = b.SendDocument(ctx, &bot.SendDocumentParams{ChatID: alice})
	wantBadRequest(t, err, "Bad Request: wrong file identifier/HTTP URL specified")
	if c := s.Calls("sendDocument"); c[len(c)-1].Params["document"] != "null" {
		t.Fatalf("params %v", c[len(c)-1].Params)
	}
	code, out := post(t, s, "sendDocument", "application/json", `{"chat_id":42}`)
	if code != 400 || out["description"] != "Bad Request: there is no document in the request" {
		t.Fatalf("no document: %d %v", code, out)
	}

	s.SetFileLimits(1024, tgfake.MaxDownloadSize)
	_, err = b.SendDocument(ctx, &bot.SendDocumentParams{ChatID: alice,
		Document: &models.InputFileUpload{Filename: "big.bin", Data: bytes.NewReader(make([]byte, 2048))}})
	if err == nil || err.Error() != "error response from telegram for method sendDocument, 413 Request Entity Too Large" {
		t.Fatalf("upload over the limit: %v", err)
	}
}

func TestCallbackQuery(t *testing.T) {
	s := tgfake.New(t, "")
	b, updates, _ := startBot(t, s)
	ctx := ctxT(t)
	s.AddChat(alice, alice)

	m, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice, Text: "restart caddy?", ReplyMarkup: keyboard("yes", "no")})
	if err != nil {
		t.Fatal(err)
	}
	qid := s.Press(alice, alice, m.ID, "yes")
	u := nextUpdate(t, updates)
	cq := u.CallbackQuery
	if cq == nil || cq.ID != qid || cq.Data != "yes" || cq.From.ID != alice ||
		cq.Message.Message == nil || cq.Message.Message.ID != m.ID || cq.Message.Message.Text != "restart caddy?" {
		t.Fatalf("callback update %+v", u)
	}
	if ok, err := b.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: cq.ID, Text: "restarting"}); err != nil || !ok {
		t.Fatalf("answer: %v %v", ok, err)
	}
	_, err = b.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: cq.ID})
	wantBadRequest(t, err, "Bad Request: query is too old and response timeout expired or query ID is invalid")

	late := s.Press(alice, alice, m.ID, "no")
	nextUpdate(t, updates)
	s.Advance(16 * time.Second)
	_, err = b.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: late})
	wantBadRequest(t, err, "Bad Request: query is too old and response timeout expired or query ID is invalid")

	long := s.Press(alice, alice, m.ID, "no")
	nextUpdate(t, updates)
	_, err = b.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: long, Text: strings.Repeat("x", 201)})
	wantBadRequest(t, err, "Bad Request: MESSAGE_TOO_LONG")

	// A forged callback (no such button) still reaches the bot.
	forged := s.PressRaw(alice, alice, m.ID, "rm -rf")
	if u := nextUpdate(t, updates); u.CallbackQuery == nil || u.CallbackQuery.ID != forged || u.CallbackQuery.Data != "rm -rf" {
		t.Fatalf("forged update %+v", u)
	}
	if calls := s.Calls("answerCallbackQuery"); len(calls) != 4 || !calls[0].OK() || calls[1].OK() {
		t.Fatalf("answerCallbackQuery calls %+v", calls)
	}
}

func TestPressChecksTheButtonExists(t *testing.T) {
	ft := &fakeT{TB: t}
	s := tgfake.New(ft, "")
	b := newBot(t, s)
	s.AddChat(alice, alice)
	m, err := b.SendMessage(ctxT(t), &bot.SendMessageParams{ChatID: alice, Text: "?", ReplyMarkup: keyboard("yes")})
	if err != nil {
		t.Fatal(err)
	}
	func() {
		defer func() { _ = recover() }()
		s.Press(alice, alice, m.ID, "no")
	}()
	if ft.msg != `tgfake: Press: message 1 in chat 42 has no button with callback_data "no" (it has: "yes")` {
		t.Fatalf("Press on a missing button: %q", ft.msg)
	}
}

func TestChatsTokensAndUnknownMethods(t *testing.T) {
	s := tgfake.New(t, "")
	b := newBot(t, s)
	ctx := ctxT(t)

	_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: unknown, Text: "hello?"})
	wantBadRequest(t, err, "Bad Request: chat not found")
	_, err = b.SendChatAction(ctx, &bot.SendChatActionParams{ChatID: unknown, Action: models.ChatActionTyping})
	wantBadRequest(t, err, "Bad Request: chat not found")

	s.SendText(group, alice, "hi")
	if ok, err := b.SendChatAction(ctx, &bot.SendChatActionParams{ChatID: group, Action: models.ChatActionTyping}); err != nil || !ok {
		t.Fatalf("sendChatAction: %v %v", ok, err)
	}
	_, err = b.SendChatAction(ctx, &bot.SendChatActionParams{ChatID: group, Action: "dancing"})
	wantBadRequest(t, err, "Bad Request: wrong parameter action in request")

	s.Block(group)
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: group, Text: "still there?"})
	if !errors.Is(err, bot.ErrorForbidden) || !strings.Contains(err.Error(), "Forbidden: bot was kicked from the group chat") {
		t.Fatalf("blocked: %v", err)
	}

	_, err = bot.New("1:wrong", bot.WithServerURL(s.URL))
	if !errors.Is(err, bot.ErrorUnauthorized) || !strings.Contains(err.Error(), "Unauthorized") {
		t.Fatalf("wrong token: %v", err)
	}

	code, out := post(t, s, "sendMesage", "application/json", `{"chat_id":42,"text":"typo"}`)
	if code != 404 || out["ok"] != false || out["error_code"] != float64(404) || out["description"] != "Not Found" {
		t.Fatalf("unknown method: %d %v", code, out)
	}
	// Method names are case-insensitive, parameters may come as JSON or urlencoded.
	s.AddChat(alice, alice)
	code, out = post(t, s, "SENDMESSAGE", "application/json", `{"chat_id":42,"text":"json","reply_markup":{"inline_keyboard":[[{"text":"A","callback_data":"a"}]]}}`)
	if code != 200 || out["ok"] != true {
		t.Fatalf("JSON body: %d %v", code, out)
	}
	form := url.Values{"chat_id": {"42"}, "text": {"<i>form</i>"}, "parse_mode": {"HTML"}}
	code, out = post(t, s, "sendMessage", "application/x-www-form-urlencoded", form.Encode())
	if code != 200 || out["result"].(map[string]any)["text"] != "form" {
		t.Fatalf("urlencoded body: %d %v", code, out)
	}
	if calls := s.Calls("sendMessage"); calls[len(calls)-1].Params["parse_mode"] != "HTML" {
		t.Fatalf("params not recorded: %+v", calls[len(calls)-1])
	}
}

func TestCommandsAndWebhook(t *testing.T) {
	s := tgfake.New(t, "")
	b := newBot(t, s)
	ctx := ctxT(t)

	cmds := []models.BotCommand{{Command: "status", Description: "containers per host"}, {Command: "logs", Description: "log tail"}}
	if ok, err := b.SetMyCommands(ctx, &bot.SetMyCommandsParams{Commands: cmds}); err != nil || !ok {
		t.Fatalf("setMyCommands: %v", err)
	}
	if got := s.Commands(); len(got) != 2 || got[0] != (tgfake.BotCommand{Command: "status", Description: "containers per host"}) {
		t.Fatalf("Commands: %+v", got)
	}
	_, err := b.SetMyCommands(ctx, &bot.SetMyCommandsParams{Commands: []models.BotCommand{{Command: "Status!", Description: "x"}}})
	wantBadRequest(t, err, "Bad Request: BOT_COMMAND_INVALID")
	if _, err := b.DeleteMyCommands(ctx, &bot.DeleteMyCommandsParams{}); err != nil {
		t.Fatal(err)
	}
	if got := s.Commands(); got != nil {
		t.Fatalf("Commands after delete: %+v", got)
	}

	if _, err := b.SetWebhook(ctx, &bot.SetWebhookParams{URL: "http://insecure.example"}); err == nil {
		t.Fatal("http webhook accepted")
	}
	if _, err := b.SetWebhook(ctx, &bot.SetWebhookParams{URL: "https://vigie.example/hook"}); err != nil || s.Webhook() != "https://vigie.example/hook" {
		t.Fatalf("setWebhook: %v %q", err, s.Webhook())
	}
	code, out := post(t, s, "getUpdates", "application/json", `{}`)
	if code != 409 || !strings.HasPrefix(out["description"].(string), "Conflict: can't use getUpdates method while webhook is active") {
		t.Fatalf("getUpdates with a webhook: %d %v", code, out)
	}
	if ok, err := b.DeleteWebhook(ctx, &bot.DeleteWebhookParams{DropPendingUpdates: true}); err != nil || !ok || s.Webhook() != "" {
		t.Fatalf("deleteWebhook: %v", err)
	}
}

func TestWaitCallsFailsWithTheCallList(t *testing.T) {
	s := tgfake.New(t, "")
	ft := &fakeT{TB: t}
	func() {
		defer func() { _ = recover() }()
		s.WaitCalls(ft, "sendMessage", 1, 50*time.Millisecond)
	}()
	if !strings.Contains(ft.msg, "waited 50ms for 1 successful sendMessage calls, got 0") {
		t.Fatalf("message %q", ft.msg)
	}
}

// fakeT captures Fatalf.
type fakeT struct {
	testing.TB
	msg string
}

func (f *fakeT) Helper() {}
func (f *fakeT) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	panic("fatal")
}

// Text that is not UTF-8 is refused before any parsing, as by the Bot API.
func TestSendMessageInvalidUTF8(t *testing.T) {
	s := tgfake.New(t, "")
	b := newBot(t, s)
	s.AddChat(alice, alice)
	_, err := b.SendMessage(ctxT(t), &bot.SendMessageParams{ChatID: alice, Text: "0\xf5<b>0</b>", ParseMode: models.ParseModeHTML})
	if err == nil || !strings.Contains(err.Error(), "strings must be encoded in UTF-8") {
		t.Fatalf("invalid UTF-8 accepted or wrong error: %v", err)
	}
	if n := len(s.Messages(alice)); n != 0 {
		t.Fatalf("%d messages stored", n)
	}
}
