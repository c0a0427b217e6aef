package handlers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"vigie/store"
	"vigie/watch"
)

// fakeAlerts is a function-field fake of the watcher.
type fakeAlerts struct {
	mute   func(store.Mute) error
	unmute func(scope, name string) (bool, error)
	status watch.Status
	muted  []store.Mute
}

func (f *fakeAlerts) Mute(_ context.Context, m store.Mute) error {
	f.muted = append(f.muted, m)
	if f.mute != nil {
		return f.mute(m)
	}
	return nil
}

func (f *fakeAlerts) Unmute(_ context.Context, scope, name string) (bool, error) {
	if f.unmute != nil {
		return f.unmute(scope, name)
	}
	return true, nil
}

func (f *fakeAlerts) Status(context.Context) watch.Status { return f.status }
func (f *fakeAlerts) Hosts() []string                     { return []string{"local", "workstation"} }

func TestMuteCommands(t *testing.T) {
	fa := &fakeAlerts{}
	m := newMux(t)
	m.deps.Alerts = fa
	run := func(cmd string) string {
		rec := &recorder{}
		req := ParseRequest(cmd)
		req.Operator = true
		if err := m.Handle(context.Background(), req, rec); err != nil {
			t.Fatal(err)
		}
		return dump(rec.replies)
	}
	tests := []struct {
		cmd, want string
		scope     string
		name      string
		d         time.Duration
	}{
		{cmd: "/mute nocodb", want: "Alerts of container nocodb muted until", scope: "container", name: "nocodb", d: time.Hour},
		{cmd: "/mute project javisi 24h", want: "/unmute project javisi lifts it", scope: "project", name: "javisi", d: 24 * time.Hour},
		{cmd: "/mute host workstation 2d", want: "(48h)", scope: "host", name: "workstation", d: 48 * time.Hour},
		{cmd: "/mute service caddy 1w", want: "container caddy", scope: "container", name: "caddy", d: 7 * 24 * time.Hour},
		{cmd: "/mute", want: "⚠️ name missing — usage: /mute NAME"},
		{cmd: "/mute nocodb soon", want: `⚠️ "soon" is not a duration`},
		{cmd: "/mute nocodb 30s", want: "⚠️ a mute lasts from 1m to 30d (got 30s)"},
		{cmd: "/mute nocodb 31d", want: "⚠️ a mute lasts from 1m to 30d (got 31d)"},
		{cmd: "/mute nocodb 1h extra", want: `⚠️ unexpected "extra"`},
		{cmd: "/mute host nas 1h", want: `⚠️ no host "nas": hosts are local, workstation`},
	}
	for _, tc := range tests {
		n := len(fa.muted)
		before := time.Now()
		got := run(tc.cmd)
		if !strings.Contains(got, tc.want) {
			t.Errorf("%s:\n%s\nwant %q", tc.cmd, got, tc.want)
		}
		if tc.scope == "" {
			if len(fa.muted) != n {
				t.Errorf("%s: muted anyway", tc.cmd)
			}
			continue
		}
		mu := fa.muted[len(fa.muted)-1]
		if mu.Scope != tc.scope || mu.Name != tc.name || mu.Until.Sub(before) < tc.d || mu.Until.Sub(before) > tc.d+time.Minute {
			t.Errorf("%s: stored %+v", tc.cmd, mu)
		}
	}

	fa.mute = func(store.Mute) error { return fmt.Errorf("db down: %w", watch.ErrNotSaved) }
	if got := run("/mute redis"); !strings.Contains(got, "holds until vigie restarts") {
		t.Errorf("mute with the store down:\n%s", got)
	}
	fa.unmute = func(scope, name string) (bool, error) { return scope == "project" && name == "javisi", nil }
	if got := run("/unmute project javisi"); !strings.Contains(got, "Alerts of project javisi are back on") {
		t.Errorf("unmute:\n%s", got)
	}
	if got := run("/unmute nocodb"); !strings.Contains(got, "⚠️ container nocodb was not muted") {
		t.Errorf("unmute of nothing:\n%s", got)
	}
	fa.unmute = func(string, string) (bool, error) { return false, errors.New("boom") }
	if got := run("/unmute nocodb"); !strings.Contains(got, "internal error (ref ") {
		t.Errorf("unmute failing:\n%s", got)
	}

	rec := &recorder{}
	if err := m.Handle(context.Background(), ParseRequest("/mute nocodb"), rec); err != nil || !strings.Contains(dump(rec.replies), "/mute is for operators") {
		t.Errorf("a viewer's /mute: %v\n%s", err, dump(rec.replies))
	}

	m.deps.Alerts = nil
	if got := run("/alerts"); !strings.Contains(got, "alerts are off here") {
		t.Errorf("/alerts without a watcher:\n%s", got)
	}
}

func TestAlertReplies(t *testing.T) {
	m := newMux(t)
	at := time.Date(2026, 11, 29, 12, 3, 14, 0, time.Local)
	died := watch.Alert{Kind: watch.Died, Host: "local", Name: "javisi_nocodb", Service: "nocodb", Project: "javisi", Image: "nocodb/nocodb:latest",
		ExitCode: 1, Count: 1, First: at, Last: at,
		Lines:   []string{`ERROR [ExceptionHandler] error: password authentication failed for user "nocodb"`},
		Pitfall: &watch.Pitfall{ID: "41.1", Title: "NocoDB crash-loop : password authentication failed", Confidence: "high"},
		Others:  []watch.Pitfall{{ID: "41.2", Title: "env_file non-rechargé"}}}
	loop := died
	loop.Kind, loop.Count, loop.Last = watch.Loop, 6, at.Add(90*time.Second)
	unhealthy := watch.Alert{Kind: watch.Unhealthy, Host: "local", Name: "caddy", Count: 1, First: at, Last: at, Recovered: at.Add(7 * time.Minute), Lines: []string{"probe: wget: can't connect"}}
	var items []watch.Item
	for i := 0; i < 30; i++ {
		items = append(items, watch.Item{Host: "local", Name: fmt.Sprintf("svc%02d", i), Project: "javisi", What: "exit 137, stopped"})
	}
	burst := watch.Alert{Kind: watch.Burst, Host: "local", Items: items, Count: 30, First: at, Last: at.Add(12 * time.Second)}
	startup := watch.Alert{Kind: watch.Startup, Hosts: []string{"local", "workstation"}, Unreachable: []string{"workstation"}, Items: items[:2], First: at, Last: at}
	var reps []Reply
	for _, a := range []watch.Alert{died, loop, unhealthy, burst, startup} {
		reps = append(reps, m.AlertReply(a))
	}
	golden(t, "alerts", dump(reps))
	for _, r := range reps {
		for _, row := range r.Buttons {
			for _, b := range row {
				if b.Action == "mute" {
					if _, _, _, err := parseScope(b.Arg, true); err != nil {
						t.Errorf("mute button %q: %v", b.Arg, err)
					}
				}
			}
		}
	}
}

func TestDurText(t *testing.T) {
	for d, want := range map[time.Duration]string{
		time.Hour: "1h", 90 * time.Minute: "1h30m", 90 * time.Second: "1m30s", 2 * time.Minute: "2m",
		24 * time.Hour: "24h", 12 * time.Second: "12s", 0: "0s", 3*time.Hour + 5*time.Second: "3h0m5s",
	} {
		if got := durText(d); got != want {
			t.Errorf("durText(%s) = %q, want %q", d, got, want)
		}
	}
}
