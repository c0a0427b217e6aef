package cli

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"vigie/internal/tgfake"
)

const (
	dm      = int64(42)   // the operator's private chat (chat id = user id)
	group   = int64(-100) // an allowed group
	viewer  = int64(8)    // a viewer in the group
	foreign = int64(99)   // a chat nobody allowed
)

// safeBuf is a bytes.Buffer safe for the bot's goroutines and the test.
type safeBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *safeBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *safeBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type running struct {
	data   string // data_dir of the run
	fake   *tgfake.Server
	logs   *safeBuf
	stop   func() int
	cancel context.CancelFunc
}

// startBot runs `vigie run` — the real path: config file, validation, bot,
// handlers — against the fake Bot API.
func startBot(t *testing.T, extra string) *running {
	t.Helper()
	fake := tgfake.New(t, "123456:TEST-token_abcdefghijklmnopqrstuvwxyz")
	dir := t.TempDir()
	cfg := fmt.Sprintf(`log:
  level: debug
data_dir: %s
telegram:
  api_url: %s
  allowed_chats: [%d, %d]
  operators: [%d]
  viewers: [%d]
%s`, filepath.Join(dir, "data"), fake.URL, dm, group, dm, viewer, extra)
	// These tests share the main engine with others that stop containers:
	// alerts only where a test asks for them.
	if !strings.Contains(extra, "watch:") {
		cfg += "\nwatch:\n  enabled: false\n"
	}
	t.Setenv("TELEGRAM_BOT_TOKEN", fake.Token)
	t.Setenv("VIGIE_POLL_TIMEOUT", "2s")
	t.Setenv("VIGIE_CONFIG", "")
	r := runVigie(t, fake, dir, cfg)
	if !strings.Contains(extra, "webhook:") {
		fake.WaitCalls(t, "getUpdates", 1, 10*time.Second)
	}
	return r
}

// runVigie writes cfg into dir and runs `vigie run` on it until the test
// ends (or r.stop), against fake.
func runVigie(t *testing.T, fake *tgfake.Server, dir, cfg string) *running {
	t.Helper()
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	logs := &safeBuf{}
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, []string{"run", "--config", path}, IO{In: strings.NewReader(""), Out: logs, Err: logs})
	}()
	r := &running{fake: fake, logs: logs, cancel: cancel, data: filepath.Join(dir, "data")}
	var once sync.Once
	code := -1
	r.stop = func() int {
		once.Do(func() {
			cancel()
			select {
			case code = <-done:
			case <-time.After(30 * time.Second):
				t.Errorf("vigie run did not stop within 30s\n%s", logs.String())
			}
		})
		return code
	}
	t.Cleanup(func() { r.stop() })
	return r
}

// startBotNoPoll starts the bot in webhook mode (no getUpdates to wait for).
func startBotNoPoll(t *testing.T, extra string) *running { return startBot(t, extra) }

// reply waits for the n-th message (1-based) the bot sent in a chat.
func (r *running) reply(t *testing.T, chatID int64, n int) tgfake.Message {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if ms := r.fake.Messages(chatID); len(ms) >= n {
			return ms[n-1]
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no message %d in chat %d; calls:\n%v\nlogs:\n%s", n, chatID, r.fake.Calls(), r.logs.String())
	return tgfake.Message{}
}

func button(t *testing.T, m tgfake.Message, prefix string) string {
	t.Helper()
	for _, row := range m.Keyboard {
		for _, b := range row {
			if strings.HasPrefix(b.Text, prefix) {
				if len(b.CallbackData) == 0 || len(b.CallbackData) > 64 {
					t.Fatalf("callback_data %q", b.CallbackData)
				}
				return b.CallbackData
			}
		}
	}
	t.Fatalf("no button %q under %q: %+v", prefix, m.PlainText, m.Keyboard)
	return ""
}

func TestBotAnswersAllowlistedDM(t *testing.T) {
	r := startBot(t, "")
	r.fake.SendText(dm, dm, `javisi_nocodb  | ERROR [ExceptionHandler] error: password authentication failed for user "nocodb"`)
	m := r.reply(t, dm, 1)
	if !strings.Contains(m.PlainText, "§41.1") || m.ParseMode != "HTML" {
		t.Fatalf("reply: %q (%s)", m.PlainText, m.ParseMode)
	}
	for _, want := range []string{"📖 Full §41.1", "📋 Logs nocodb", "👍", "👎"} {
		button(t, m, want)
	}
	cmds := r.fake.Commands()
	names := map[string]bool{}
	for _, c := range cmds {
		names[c.Command] = true
	}
	for _, want := range []string{"help", "diagnose", "pitfall", "search", "status", "logs", "check", "scan"} {
		if !names[want] {
			t.Errorf("setMyCommands lacks /%s: %+v", want, cmds)
		}
	}
	if names["feedback"] {
		t.Error("the hidden /feedback command was registered")
	}
	// The message is in the audit trail, once the bot has stopped.
	if code := r.stop(); code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	out, _, code := run(t, "", "history", "--json", "--config", writeConfig(t, "data_dir: "+r.data+"\n"))
	if code != ExitOK || !strings.Contains(out, `"command": "diagnose"`) || !strings.Contains(out, `"user_id": 42`) {
		t.Errorf("history after the bot: %d %s", code, out)
	}
	if len(r.fake.Calls("sendChatAction")) > 0 && !strings.Contains(r.fake.Calls("sendChatAction")[0].Params["action"], "typing") {
		t.Error("chat action is not typing")
	}
}

func TestBotIgnoresForeignChatsAndUsers(t *testing.T) {
	r := startBot(t, "")
	r.fake.SendText(foreign, foreign, "Error: spawn docker EACCES")
	r.fake.SendText(group, 9, "/help") // a member of an allowed group, but not listed
	r.fake.SendText(foreign, foreign, "/start")
	// Then an allowed message: once it is answered, the others were read.
	r.fake.SendText(dm, dm, "/help")
	r.reply(t, dm, 1)
	for _, c := range r.fake.Calls() {
		if id := c.Params["chat_id"]; id == fmt.Sprint(foreign) || id == fmt.Sprint(group) {
			t.Errorf("%s sent to a chat or user not allowed: %v", c.Method, c.Params)
		}
	}
	if got := strings.Count(r.logs.String(), "not allowed: no reply"); got != 2 {
		t.Errorf("refusals logged %d times, want once per chat (2):\n%s", got, r.logs.String())
	}
	if !strings.Contains(r.logs.String(), fmt.Sprint(foreign)) {
		t.Error("the refused chat id is not in the log")
	}
}

func TestBotButtons(t *testing.T) {
	r := startBot(t, "")
	r.fake.SendText(dm, dm, "Error: spawn docker EACCES")
	m := r.reply(t, dm, 1)
	full := button(t, m, "📖 Full §11.13")

	// A forged id, another user's press, then the real press.
	forged := r.fake.PressRaw(dm, dm, m.ID, "forged-callback-id")
	r.fake.SendText(group, viewer, "Error: spawn docker EACCES")
	gm := r.reply(t, group, 1)
	// The operator presses the viewer's button: allowed in the chat, but
	// the button is not theirs.
	theirs := r.fake.Press(group, dm, gm.ID, button(t, gm, "📖 Full"))
	// Someone not allowed presses it: no answer at all.
	stranger := r.fake.Press(group, 1008, gm.ID, button(t, gm, "📖 Full"))

	// 👍 is acknowledged in the answer and its row removed.
	upID := r.fake.Press(dm, dm, m.ID, button(t, m, "👍"))
	answers := r.fake.WaitCalls(t, "answerCallbackQuery", 3, 10*time.Second)
	byID := map[string]string{}
	for _, a := range answers {
		byID[a.Params["callback_query_id"]] = a.Params["text"]
	}
	if got := byID[upID]; !strings.Contains(got, "noted for §11.13") {
		t.Errorf("feedback answer %q", got)
	}
	for name, id := range map[string]string{"forged": forged, "another user's": theirs} {
		if byID[id] != "expired — nothing was done" {
			t.Errorf("%s button answered %q", name, byID[id])
		}
	}
	if _, answered := byID[stranger]; answered {
		t.Error("a user not allowed got an answer to a button press")
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) && r.fake.Messages(dm)[0].Edits == 0 {
		time.Sleep(20 * time.Millisecond)
	}
	for _, row := range r.fake.Messages(dm)[0].Keyboard {
		if row[0].Text == "👍" {
			t.Error("the feedback row is still there")
		}
	}
	if got := r.fake.Messages(group); len(got) != 1 || got[0].Edits != 0 {
		t.Errorf("another user's press changed the group: %+v", got)
	}

	// 📖 turns the summary into the full section.
	r.fake.Press(dm, dm, m.ID, full)
	deadline = time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) && r.fake.Messages(dm)[0].Edits < 2 {
		time.Sleep(20 * time.Millisecond)
	}
	if edited := r.fake.Messages(dm)[0]; edited.Edits < 2 || !strings.Contains(edited.PlainText, "Check") {
		t.Fatalf("the press did not edit the message into the full section: %q", edited.PlainText)
	}

	// After a restart, old buttons answer "expired" too.
	r.stop()
	r2 := startBot(t, "")
	r2.fake.SendText(dm, dm, "Error: spawn docker EACCES")
	m2 := r2.reply(t, dm, 1)
	r2.fake.PressRaw(dm, dm, m2.ID, full)
	a := r2.fake.WaitCalls(t, "answerCallbackQuery", 1, 10*time.Second)
	if a[0].Params["text"] != "expired — nothing was done" || r2.fake.Messages(dm)[0].Edits != 0 {
		t.Errorf("a button of the previous run: %q", a[0].Params["text"])
	}
}

func TestBotLogDocument(t *testing.T) {
	r := startBot(t, "")
	var b strings.Builder
	for i := 0; i < 5000; i++ {
		fmt.Fprintf(&b, "javisi_caddy  | {\"level\":\"info\",\"msg\":\"handled request\",\"n\":%d}\n", i)
		if i == 3100 {
			b.WriteString("javisi_grafana  | logger=tsdb.postgres level=error msg=\"Health check failed\" error=\"pq: no PostgreSQL user name specified in startup packet\"\n")
		}
	}
	r.fake.SendDocument(dm, dm, "grafana.log", []byte(b.String()), "")
	m := r.reply(t, dm, 1)
	for _, want := range []string{"grafana.log: 5001 lines read", "§8.5", "no PostgreSQL user name"} {
		if !strings.Contains(m.PlainText, want) {
			t.Errorf("reply lacks %q:\n%s", want, m.PlainText)
		}
	}
	if len(r.fake.Calls("getFile")) != 1 {
		t.Error("the document was not fetched with getFile")
	}
}

func TestBotBadInput(t *testing.T) {
	r := startBot(t, "")
	r.fake.SendSticker(dm, dm)
	r.fake.SendPhoto(dm, dm, "")
	r.fake.SendText(dm, dm, "/frobnicate")
	r.fake.SendText(dm, dm, "/logs caddy lots")
	r.fake.SendText(dm, dm, "/pitfall")
	r.fake.SendDocument(dm, dm, "huge.log", bytes.Repeat([]byte("x"), 21<<20), "")
	r.fake.SendDocument(dm, dm, "photo.jpg", []byte("\xff\xd8\xff\xe0"), "")
	wants := []string{
		"I read text",
		"I read text",
		"unknown command /frobnicate",
		"LINES must be a number",
		"which section?",
		"limit",
		"I read .log and .txt files",
	}
	for i, want := range wants {
		m := r.reply(t, dm, i+1)
		if !strings.Contains(m.PlainText, want) {
			t.Errorf("reply %d = %q, want %q", i+1, m.PlainText, want)
		}
		if strings.Count(strings.TrimSpace(m.PlainText), "\n") > 0 {
			t.Errorf("reply %d is not one line: %q", i+1, m.PlainText)
		}
	}
}

func TestBot429StormKeepsOrder(t *testing.T) {
	r := startBot(t, "")
	r.fake.FailNext("sendMessage", 3, 429, "Too Many Requests: retry after 1", 1)
	r.fake.FailNext("sendMessage", 1, 502, "Bad Gateway", 0)
	ids := []string{"41.1", "11.13", "6.2.1", "12.5", "3.1"}
	for _, id := range ids {
		r.fake.SendText(dm, dm, "/pitfall "+id)
	}
	for i, id := range ids {
		m := r.reply(t, dm, firstMessageOf(t, r, dm, i))
		if !strings.HasPrefix(m.PlainText, "§"+id+" ") {
			t.Errorf("reply %d starts %q, want §%s", i+1, firstLine(m.PlainText), id)
		}
	}
	failed := 0
	for _, c := range r.fake.Calls("sendMessage") {
		if !c.OK() {
			failed++
		}
	}
	if failed != 4 {
		t.Errorf("%d failed sendMessage calls, want the 4 injected", failed)
	}
}

// firstMessageOf returns the 1-based index of the first message of the
// i-th reply, replies being one or more messages each (a section can be
// longer than one message).
func firstMessageOf(t *testing.T, r *running, chatID int64, i int) int {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		n := 0
		for k, m := range r.fake.Messages(chatID) {
			if strings.HasPrefix(m.PlainText, "§") {
				if n == i {
					return k + 1
				}
				n++
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("reply %d never came\n%s", i+1, r.logs.String())
	return 0
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func TestBotRateLimit(t *testing.T) {
	r := startBot(t, "  rate_limit: 3\n")
	for i := 0; i < 8; i++ {
		r.fake.SendText(dm, dm, "/help")
	}
	r.reply(t, dm, 4)
	time.Sleep(500 * time.Millisecond)
	ms := r.fake.Messages(dm)
	if len(ms) != 4 {
		t.Fatalf("%d messages, want 3 answers and 1 notice", len(ms))
	}
	if !strings.Contains(ms[3].PlainText, "faster than 3 messages a minute") {
		t.Errorf("notice = %q", ms[3].PlainText)
	}
}

func TestBotFinishesRepliesOnStop(t *testing.T) {
	r := startBot(t, "")
	r.fake.FailNext("sendMessage", 1, 429, "Too Many Requests: retry after 2", 2)
	r.fake.SendText(dm, dm, "/pitfall 41.1")
	r.fake.WaitCalls(t, "sendChatAction", 0, time.Second)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) && len(r.fake.Calls("sendMessage")) == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	// The reply is waiting out its retry_after: stop now.
	if code := r.stop(); code != ExitOK {
		t.Errorf("exit %d\n%s", code, r.logs.String())
	}
	if ms := r.fake.Messages(dm); len(ms) == 0 || !strings.Contains(ms[0].PlainText, "§41.1") {
		t.Errorf("the reply in flight was lost on stop: %+v", ms)
	}
}

func TestBotRefusesBadToken(t *testing.T) {
	fake := tgfake.New(t, "123456:RIGHT-token_abcdefghijklmnopqrstuvwx")
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	os.WriteFile(path, []byte(fmt.Sprintf("data_dir: %s\ntelegram:\n  api_url: %s\n  allowed_chats: [1]\n", filepath.Join(dir, "data"), fake.URL)), 0o600)
	t.Setenv("TELEGRAM_BOT_TOKEN", "123456:WRONG-token_abcdefghijklmnopqrstuvwx")
	_, errs, code := run(t, "", "run", "--config", path)
	if code != ExitFailure || !strings.Contains(errs, "refused by Telegram") || strings.Contains(errs, "WRONG-token") {
		t.Errorf("exit %d: %s", code, errs)
	}
}

func TestBotWebhook(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	t.Setenv("TELEGRAM_WEBHOOK_SECRET", "s3cret-Token_42")
	r := startBotNoPoll(t, fmt.Sprintf("  webhook:\n    listen: %s\n    url: https://vigie.example/telegram\n", addr))
	r.fake.AddChat(dm, dm)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) && r.fake.Webhook() == "" {
		time.Sleep(20 * time.Millisecond)
	}
	if r.fake.Webhook() != "https://vigie.example/telegram" {
		t.Fatalf("setWebhook not called: %q", r.fake.Webhook())
	}
	if p := r.fake.Calls("setWebhook"); len(p) == 0 || p[0].Params["secret_token"] != "s3cret-Token_42" {
		t.Errorf("setWebhook without the secret token: %+v", p)
	}
	update := fmt.Sprintf(`{"update_id":7,"message":{"message_id":1,"date":%d,"chat":{"id":%d,"type":"private","first_name":"A"},"from":{"id":%d,"is_bot":false,"first_name":"A"},"text":"/pitfall 41.1"}}`, time.Now().Unix(), dm, dm)
	post := func(secret string) int {
		var resp *http.Response
		var err error
		for i := 0; i < 50; i++ { // the listener may take a moment
			req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/", strings.NewReader(update))
			req.Header.Set("Content-Type", "application/json")
			if secret != "" {
				req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
			}
			resp, err = http.DefaultClient.Do(req)
			if err == nil {
				resp.Body.Close()
				return resp.StatusCode
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("webhook unreachable: %v", err)
		return 0
	}
	if code := post("wrong"); code != http.StatusUnauthorized {
		t.Errorf("wrong secret: HTTP %d", code)
	}
	if code := post(""); code != http.StatusUnauthorized {
		t.Errorf("no secret: HTTP %d", code)
	}
	time.Sleep(200 * time.Millisecond)
	if n := len(r.fake.Messages(dm)); n != 0 {
		t.Fatalf("an update without the secret was answered (%d messages)", n)
	}
	if code := post("s3cret-Token_42"); code != http.StatusOK {
		t.Errorf("right secret: HTTP %d", code)
	}
	if m := r.reply(t, dm, 1); !strings.Contains(m.PlainText, "§41.1") {
		t.Errorf("reply %q", m.PlainText)
	}
}

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// PostgreSQL down at start: the bot starts, answers, and says the request
// was not recorded.
func TestBotStoreDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close() // nothing listens there now
	t.Setenv("VIGIE_DATABASE_URL", fmt.Sprintf("postgres://vigie:secretpw@127.0.0.1:%d/vigie?sslmode=disable&connect_timeout=2", port))
	r := startBot(t, "")
	r.fake.SendText(dm, dm, "/pitfall 41.1")
	m := r.reply(t, dm, 1)
	if !strings.Contains(m.PlainText, "§41.1") {
		t.Fatalf("reply %q", m.PlainText)
	}
	note := r.reply(t, dm, 2)
	if !strings.Contains(note.PlainText, "audit unavailable: this request was not recorded") {
		t.Errorf("note %q", note.PlainText)
	}
	if strings.Contains(r.logs.String(), "secretpw") {
		t.Error("the database password reached the log")
	}
}

// Mistakes in the store's settings stop the bot at start, in one line.
func TestBotStoreMisconfigured(t *testing.T) {
	fake := tgfake.New(t, "")
	t.Setenv("TELEGRAM_BOT_TOKEN", fake.Token)
	file := filepath.Join(t.TempDir(), "a-file")
	os.WriteFile(file, []byte("x"), 0o600)
	type tc struct{ cfg, want string }
	cases := map[string]tc{
		"data_dir is a file": {fmt.Sprintf("data_dir: %s/sub\ntelegram: {api_url: %s, allowed_chats: [1]}\n", file, fake.URL), "vigie: data_dir " + file + "/sub"},
		"bad database.url":   {fmt.Sprintf("database: {url: 'postgres://u:pw@[nope'}\ntelegram: {api_url: %s, allowed_chats: [1]}\n", fake.URL), "database.url: not a valid URL"},
	}
	if psql(t, adminURL(), "SELECT 1") == nil {
		wrong := strings.Replace(adminURL(), "vigie:vigie@", "vigie:wrong-password@", 1)
		cases["wrong password"] = tc{fmt.Sprintf("data_dir: %s\ndatabase: {url: %q}\ntelegram: {api_url: %s, allowed_chats: [1]}\n", t.TempDir(), wrong, fake.URL), `password authentication failed for user "vigie"`}
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, errs, code := run(t, "", "run", "--config", writeConfig(t, c.cfg))
			if code != ExitFailure || !strings.Contains(errs, c.want) {
				t.Errorf("exit %d, stderr %q, want %q", code, errs, c.want)
			}
			if strings.Contains(errs, "wrong-password") || strings.Contains(errs, ":pw@") {
				t.Errorf("a password was printed: %s", errs)
			}
			if len(fake.Calls("getUpdates")) > 0 {
				t.Error("the bot started")
			}
		})
	}
}
