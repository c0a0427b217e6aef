package bot

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

func TestCallbacks(t *testing.T) {
	c := newCallbacks(time.Hour)
	now := time.Now()
	c.now = func() time.Time { return now }
	id := c.add(button{chatID: 10, action: "pitfall", arg: "41.1"})
	if len(id) == 0 || len(id) > 64 {
		t.Fatalf("callback_data %q is not 1–64 bytes", id)
	}
	if _, ok := c.take(id, 11, 1); ok {
		t.Error("a button worked in another chat")
	}
	if b, ok := c.take(id, 10, 1); !ok || b.action != "pitfall" || b.arg != "41.1" {
		t.Errorf("take = %+v %v", b, ok)
	}
	if _, ok := c.take("forged-id", 10, 1); ok {
		t.Error("a forged id worked")
	}
	mine := c.add(button{chatID: 10, userID: 7, action: "x"})
	if _, ok := c.take(mine, 10, 8); ok {
		t.Error("another user's button worked")
	}
	now = now.Add(2 * time.Hour)
	if _, ok := c.take(id, 10, 1); ok {
		t.Error("an expired button worked")
	}
}

func TestAccess(t *testing.T) {
	open := newAccess([]int64{10, -100}, nil, nil)
	if open.role(10, 10) != Viewer || open.role(-100, 5) != Viewer || open.role(11, 11) != Nobody {
		t.Error("with no user lists, members of allowed chats are viewers and nobody else")
	}
	strict := newAccess([]int64{10, -100}, []int64{1}, []int64{2})
	for _, c := range []struct {
		chat, user int64
		want       Role
	}{{-100, 1, Operator}, {-100, 2, Viewer}, {-100, 3, Nobody}, {11, 1, Nobody}} {
		if got := strict.role(c.chat, c.user); got != c.want {
			t.Errorf("role(%d, %d) = %v, want %v", c.chat, c.user, got, c.want)
		}
	}
	if !strict.firstRefusal(11) || strict.firstRefusal(11) {
		t.Error("a refused chat must be logged exactly once")
	}
}

func TestLimiter(t *testing.T) {
	l := newLimiter(3)
	now := time.Now()
	l.now = func() time.Time { return now }
	var warned, allowed int
	for i := 0; i < 10; i++ {
		ok, warn := l.allow(1)
		if ok {
			allowed++
		}
		if warn {
			warned++
		}
	}
	if allowed != 3 || warned != 1 {
		t.Errorf("allowed %d warned %d, want 3 and 1", allowed, warned)
	}
	if ok, _ := l.allow(2); !ok {
		t.Error("another user was limited")
	}
	now = now.Add(time.Minute)
	if ok, _ := l.allow(1); !ok {
		t.Error("the window did not reset")
	}
}

func TestRetryingTransport(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		n := calls.Add(1)
		switch {
		case n == 1:
			w.WriteHeader(http.StatusTooManyRequests)
			io.WriteString(w, `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 3","parameters":{"retry_after":3}}`)
		case n == 2:
			w.WriteHeader(http.StatusBadGateway)
			io.WriteString(w, `{"ok":false,"error_code":502,"description":"Bad Gateway"}`)
		default:
			io.WriteString(w, `{"ok":true,"result":"`+string(body)+`"}`)
		}
	}))
	defer srv.Close()
	tr := newRetrying(zerolog.Nop())
	var waits []time.Duration
	tr.sleep = func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	resp, err := (&http.Client{Transport: tr}).Post(srv.URL, "text/plain", strings.NewReader("payload"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(body), "payload") {
		t.Fatalf("got %d %s: the body must be sent again on retry", resp.StatusCode, body)
	}
	if len(waits) != 2 || waits[0] != 3*time.Second || waits[1] != 500*time.Millisecond {
		t.Errorf("waits = %v, want [3s (retry_after) 500ms (backoff)]", waits)
	}
}

func TestRetryingGivesUp(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, `{"ok":false,"error_code":500,"description":"Internal Server Error"}`)
	}))
	defer srv.Close()
	tr := newRetrying(zerolog.Nop())
	n := 0
	tr.sleep = func(context.Context, time.Duration) error { n++; return nil }
	resp, err := (&http.Client{Transport: tr}).Get(srv.URL)
	if err != nil || resp.StatusCode != 500 || n != tr.attempts-1 {
		t.Errorf("status %v err %v after %d waits", resp.StatusCode, err, n)
	}
}
