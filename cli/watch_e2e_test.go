package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"vigie/internal/dockertest"
	"vigie/internal/tgfake"
)

// The watch tests run `vigie run` against the fake Bot API with one Docker
// host: a private dockerd of their own, so that containers other tests
// stop on the main engine never reach their chat. They run in parallel,
// hence the token in the file rather than in the environment.

const watchToken = "123456:WATCH-token_abcdefghijklmnopqrstuvwxyz"

// startWatchBot runs the bot with the watcher on host "pi" (endpoint) and
// waits until the watch has begun.
func startWatchBot(t *testing.T, endpoint, watchExtra string) *running {
	t.Helper()
	fake := tgfake.New(t, watchToken)
	fake.AddChat(dm, dm)
	dir := t.TempDir()
	cfg := fmt.Sprintf(`log:
  level: debug
data_dir: %s
telegram:
  token: %q
  api_url: %s
  allowed_chats: [%d, %d]
  operators: [%d]
hosts:
  - name: pi
    endpoint: %s
watch:
  chats: [%d]
%s`, filepath.Join(dir, "data"), watchToken, fake.URL, dm, group, dm, endpoint, dm, watchExtra)
	r := runVigie(t, fake, dir, cfg)
	logs := r.logs
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(logs.String(), "watching: nothing in trouble") && !strings.Contains(logs.String(), "alert sent") {
		if time.Now().After(deadline) {
			t.Fatalf("the watch did not begin:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return r
}

// alertsIn returns the messages of the chat that are alerts (not replies
// to the test's commands), in their current state.
func alertsIn(r *running) []tgfake.Message {
	var out []tgfake.Message
	for _, m := range r.fake.Messages(dm) {
		if m.ReplyTo == 0 && !strings.HasPrefix(m.PlainText, "🔕 Alerts of") && !strings.HasPrefix(m.PlainText, "Alerts") {
			out = append(out, m)
		}
	}
	return out
}

// waitAlerts waits for n alerts, and fails on more.
func waitAlerts(t *testing.T, r *running, n int, within time.Duration) []tgfake.Message {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		as := alertsIn(r)
		if len(as) > n {
			t.Fatalf("%d alerts, want %d:\n%s", len(as), n, texts(as))
		}
		if len(as) == n {
			return as
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d alerts within %s, want %d:\n%s\nlogs:\n%s", len(as), within, n, texts(as), r.logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func texts(ms []tgfake.Message) string {
	var b strings.Builder
	for _, m := range ms {
		fmt.Fprintf(&b, "--- #%d (%d edits)\n%s\n", m.ID, m.Edits, m.PlainText)
	}
	return b.String()
}

// sentAt is when the fake received the sendMessage that created message id.
// The fake records a call once its answer is written, so the message can be
// seen a moment before its call: wait a little for it.
func sentAt(t *testing.T, r *running, id int) time.Time {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		for _, c := range r.fake.Calls("sendMessage") {
			var resp struct {
				Result struct {
					MessageID int `json:"message_id"`
				} `json:"result"`
			}
			if c.Status == 200 && json.Unmarshal([]byte(c.Response), &resp) == nil && resp.Result.MessageID == id {
				return c.Time
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no sendMessage call answered with message %d", id)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func finishedAt(t *testing.T, d *dockertest.Daemon, name string) time.Time {
	t.Helper()
	ts, err := time.Parse(time.RFC3339Nano, d.Docker(t, "inspect", "-f", "{{.State.FinishedAt}}", name))
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func labels(project, service string) []string {
	return []string{"--label", "com.docker.compose.project=" + project, "--label", "com.docker.compose.service=" + service}
}

// TestWatchKilledContainers: each killed container is exactly one alert,
// within a second of its death, with the pitfall its log matches and the
// buttons that act on it. The latencies give the p95 of the closing note.
func TestWatchKilledContainers(t *testing.T) {
	t.Parallel()
	d := dockertest.StartDaemon(t)
	// No folding: the kills are a second apart, each its own alert.
	r := startWatchBot(t, d.Host, "  burst:\n    containers: 1000\n    window: 5s\n")
	const n = 8
	var lat []time.Duration
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("nocodb-%d", i)
		args := append([]string{"run", "-d", "--name", name}, labels("javisi", name)...)
		args = append(args, dockertest.DaemonImage, "sh", "-c",
			`echo 'ERROR [ExceptionHandler] error: password authentication failed for user "nocodb"'; exec sleep 3600`)
		d.Docker(t, args...)
		time.Sleep(300 * time.Millisecond) // the log line is written
		d.Docker(t, "kill", name)
		as := waitAlerts(t, r, i+1, 5*time.Second)
		m := as[i]
		took := sentAt(t, r, m.ID).Sub(finishedAt(t, d, name))
		lat = append(lat, took)
		if took > time.Second {
			t.Errorf("%s: alert %s after its death, want < 1s", name, took)
		}
		if i == 0 {
			for _, want := range []string{name + " died — exit 137", "host pi", "project javisi", "§41.1", "password authentication failed"} {
				if !strings.Contains(m.PlainText, want) {
					t.Errorf("alert lacks %q:\n%s", want, m.PlainText)
				}
			}
			button(t, m, "📖 §41.1")
			button(t, m, "📋 Logs")
			button(t, m, "🛠 Recreate "+name)
			button(t, m, "🔕 1h")
		}
		time.Sleep(900 * time.Millisecond)
	}
	// Nothing more comes: one alert per death.
	time.Sleep(time.Second)
	waitAlerts(t, r, n, 0)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	p95 := lat[(len(lat)*95+99)/100-1]
	t.Logf("event → sendMessage over %d kills: min %s, median %s, p95 %s", n, lat[0].Round(time.Millisecond), lat[n/2].Round(time.Millisecond), p95.Round(time.Millisecond))
}

var deathsRE = regexp.MustCompile(`— (\d+) deaths in`)

// TestWatchCrashLoop: a container crashing again and again is one alert
// whose count rises by edits.
func TestWatchCrashLoop(t *testing.T) {
	t.Parallel()
	d := dockertest.StartDaemon(t)
	r := startWatchBot(t, d.Host, "")
	args := append([]string{"run", "-d", "--name", "crashy", "--restart", "always"}, labels("javisi", "crashy")...)
	d.Docker(t, append(args, dockertest.DaemonImage, "sh", "-c", "echo boom; exit 2")...)
	seen := map[int]bool{}
	var counts []int
	end := time.Now().Add(25 * time.Second)
	for time.Now().Before(end) {
		for _, m := range alertsIn(r) {
			if sm := deathsRE.FindStringSubmatch(m.PlainText); sm != nil {
				c, _ := strconv.Atoi(sm[1])
				if !seen[c] {
					seen[c] = true
					counts = append(counts, c)
				}
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	d.Docker(t, "update", "--restart", "no", "crashy")
	as := waitAlerts(t, r, 1, 0)
	if len(counts) < 3 {
		t.Fatalf("the count rose %d times (%v), want at least 3:\n%s", len(counts), counts, texts(as))
	}
	for i := 1; i < len(counts); i++ {
		if counts[i] <= counts[i-1] {
			t.Fatalf("counts not rising: %v", counts)
		}
	}
	if !strings.Contains(as[0].PlainText, "crashy is restarting in a loop") || as[0].Edits < 2 {
		t.Fatalf("loop alert (%d edits):\n%s", as[0].Edits, as[0].PlainText)
	}
	t.Logf("one alert, %d edits, counts seen %v", as[0].Edits, counts)
}

// TestWatchEngineRestart: the engine goes away and comes back; a container
// that was born and died while the stream was down is alerted once, from
// the events the engine replays since the last one seen; a container the
// restart left down is reported once (by its die event if it came before
// the stream closed, else in the summary of what went down in the gap).
func TestWatchEngineRestart(t *testing.T) {
	t.Parallel()
	d := dockertest.StartDaemon(t)
	// The watcher reaches the engine through a link the test removes to
	// hold it off while things happen, and puts back.
	link := filepath.Join(t.TempDir(), "e.sock")
	real := strings.TrimPrefix(d.Host, "unix://")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	r := startWatchBot(t, "unix://"+link, "")
	d.Docker(t, append(append([]string{"run", "-d", "--name", "keeper", "--restart", "always"}, labels("javisi", "keeper")...), dockertest.DaemonImage, "sleep", "3600")...)
	d.Docker(t, append(append([]string{"run", "-d", "--name", "oneshot"}, labels("javisi", "oneshot")...), dockertest.DaemonImage, "sleep", "3600")...)
	time.Sleep(500 * time.Millisecond)

	if err := os.Remove(link); err != nil {
		t.Fatal(err)
	}
	d.Restart(t) // stops both; keeper comes back by its policy, oneshot stays down
	for d.Docker(t, "inspect", "-f", "{{.State.Running}}", "keeper") != "true" {
		time.Sleep(100 * time.Millisecond)
	}
	// The watcher says it is reconnecting.
	// Counted before sending: the answer can come before a count after.
	next := len(r.fake.Messages(dm)) + 1
	r.fake.SendText(dm, dm, "/alerts")
	st := r.reply(t, dm, next)
	if !strings.Contains(st.PlainText, "⚠️ pi reconnecting") {
		t.Fatalf("/alerts while the engine is unreachable:\n%s", st.PlainText)
	}
	// Born and dead in the gap.
	d.Docker(t, append(append([]string{"run", "-d", "--name", "gapper"}, labels("javisi", "gapper")...), dockertest.DaemonImage, "sh", "-c", "echo 'FATAL: boom in the gap'; exit 3")...)
	for d.Docker(t, "inspect", "-f", "{{.State.Status}}", "gapper") != "exited" {
		time.Sleep(50 * time.Millisecond)
	}
	back := time.Now()
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	var gapAlert tgfake.Message
	for gapAlert.ID == 0 && time.Now().Before(deadline) {
		for _, m := range alertsIn(r) {
			if strings.Contains(m.PlainText, "gapper died — exit 3") {
				gapAlert = m
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	if gapAlert.ID == 0 {
		t.Fatalf("no alert for the container that died in the gap:\n%s\nlogs:\n%s", texts(alertsIn(r)), r.logs.String())
	}
	if !strings.Contains(gapAlert.PlainText, "FATAL: boom in the gap") {
		t.Errorf("gap alert without its log line:\n%s", gapAlert.PlainText)
	}
	time.Sleep(4 * time.Second) // the summary, and anything doubled, would come now
	as := alertsIn(r)
	count := func(name string) int {
		n := 0
		for _, m := range as {
			if strings.Contains(m.PlainText, name) {
				n++
			}
		}
		return n
	}
	if count("gapper") != 1 || count("oneshot") != 1 || count("keeper") > 1 {
		t.Fatalf("gapper in %d alerts, oneshot in %d, keeper in %d; want 1, 1, at most 1:\n%s\nlogs:\n%s", count("gapper"), count("oneshot"), count("keeper"), texts(as), r.logs.String())
	}
	if !strings.Contains(r.logs.String(), "event stream resumed") {
		t.Fatal("no resumption logged")
	}
	t.Logf("gap event alerted %s after the engine was reachable again; alerts:\n%s", sentAt(t, r, gapAlert.ID).Sub(back).Round(time.Millisecond), texts(as))
}

// TestWatchBurst: twenty containers stopped at once are one summary.
func TestWatchBurst(t *testing.T) {
	t.Parallel()
	d := dockertest.StartDaemon(t)
	r := startWatchBot(t, d.Host, "")
	var names []string
	for i := 0; i < 20; i++ {
		name := fmt.Sprintf("svc%02d", i)
		d.Docker(t, append(append([]string{"run", "-d", "--name", name}, labels("javisi", name)...), dockertest.DaemonImage, "sleep", "3600")...)
		names = append(names, name)
	}
	time.Sleep(300 * time.Millisecond)
	d.Docker(t, append([]string{"stop", "-t", "1"}, names...)...)
	waitAlerts(t, r, 1, 15*time.Second)
	time.Sleep(3 * time.Second)
	as := waitAlerts(t, r, 1, 0)
	if !strings.Contains(as[0].PlainText, "20 containers failed") {
		t.Fatalf("summary:\n%s", as[0].PlainText)
	}
	for _, n := range names {
		if !strings.Contains(as[0].PlainText, "javisi/"+n+" — exit 137, stopped") {
			t.Fatalf("summary lacks %s:\n%s", n, as[0].PlainText)
		}
	}
	button(t, as[0], "🔕 pi 1h")
	// The alert is in the audit trail.
	n := len(r.fake.Messages(dm))
	r.fake.SendText(dm, dm, "/history 5")
	if h := r.reply(t, dm, n+1); !strings.Contains(h.PlainText, "vigie · alert burst pi (20 containers) · sent") {
		t.Fatalf("/history after the summary:\n%s", h.PlainText)
	}
}

// TestWatchMute: a mute from the chat silences a project, /alerts shows it,
// and when it expires alerts flow again. It lasts the shortest mute there
// is, a minute.
func TestWatchMute(t *testing.T) {
	t.Parallel()
	d := dockertest.StartDaemon(t)
	r := startWatchBot(t, d.Host, "")
	run := func(name string) {
		d.Docker(t, append(append([]string{"run", "-d", "--name", name}, labels("javisi", name)...), dockertest.DaemonImage, "sleep", "3600")...)
	}
	run("first")
	run("second")
	run("third")
	time.Sleep(300 * time.Millisecond)

	r.fake.SendText(dm, dm, "/mute project javisi 1m")
	muted := time.Now()
	if m := r.reply(t, dm, 1); !strings.Contains(m.PlainText, "Alerts of project javisi muted until") {
		t.Fatalf("/mute reply:\n%s", m.PlainText)
	}
	d.Docker(t, "kill", "first")
	time.Sleep(2 * time.Second)
	waitAlerts(t, r, 0, 0)
	r.fake.SendText(dm, dm, "/alerts")
	if m := r.reply(t, dm, 2); !strings.Contains(m.PlainText, "project javisi until") || !strings.Contains(m.PlainText, "1 silenced by mutes") || !strings.Contains(m.PlainText, "pi/first died (muted)") {
		t.Fatalf("/alerts while muted:\n%s", m.PlainText)
	}
	// A mute on another name does not silence this project.
	r.fake.SendText(dm, dm, "/mute third 1h")
	r.reply(t, dm, 3)
	time.Sleep(time.Until(muted.Add(61 * time.Second)))
	d.Docker(t, "kill", "second")
	as := waitAlerts(t, r, 1, 5*time.Second)
	if !strings.Contains(as[0].PlainText, "second died") {
		t.Fatalf("after the mute expired:\n%s", as[0].PlainText)
	}
	d.Docker(t, "kill", "third") // still muted by name
	time.Sleep(2 * time.Second)
	waitAlerts(t, r, 1, 0)
	// The 🔕 button under the alert mutes that container.
	before := len(r.fake.Messages(dm))
	r.fake.Press(dm, dm, as[0].ID, button(t, as[0], "🔕 24h"))
	if m := r.reply(t, dm, before+1); !strings.Contains(m.PlainText, "container second muted until") {
		t.Fatalf("🔕 24h press:\n%s", m.PlainText)
	}
}

// TestWatchOwnRestartIsQuiet: a restart an operator confirmed is a death
// too; it is not alerted, and a crash of the same container later is.
func TestWatchOwnRestartIsQuiet(t *testing.T) {
	t.Parallel()
	d := dockertest.StartDaemon(t)
	r := startWatchBot(t, d.Host, "")
	d.Docker(t, append(append([]string{"run", "-d", "--name", "api", "--stop-timeout", "1"}, labels("javisi", "api")...), dockertest.DaemonImage, "sleep", "3600")...)
	r.fake.SendText(dm, dm, "/restart api")
	plan := r.reply(t, dm, 1)
	r.fake.Press(dm, dm, plan.ID, button(t, plan, "✅ Confirm"))
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) && !strings.Contains(r.fake.Messages(dm)[0].PlainText, "restarted —") {
		time.Sleep(100 * time.Millisecond)
	}
	if m := r.fake.Messages(dm)[0]; !strings.Contains(m.PlainText, "api restarted —") {
		t.Fatalf("restart outcome: %q", m.PlainText)
	}
	time.Sleep(2 * time.Second)
	if ms := r.fake.Messages(dm); len(ms) != 1 {
		t.Fatalf("%d messages, want the plan only:\n%s", len(ms), texts(ms))
	}
	if !strings.Contains(r.logs.String(), "not alerted: an action vigie runs") {
		t.Fatal("the watcher did not see the restart's death")
	}
}
