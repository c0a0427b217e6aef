package watch

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"vigie/internal/dockertest"
	"vigie/stack"
)

// BenchmarkEventToAlert kills a real container per iteration (on a private
// engine) and measures the time from its death, as the engine dates it, to
// the alert handed to the notifier. It reports the p95 in ms.
func BenchmarkEventToAlert(b *testing.B) {
	d := dockertest.StartDaemon(b)
	stk, err := stack.New([]stack.HostSpec{{Name: "bench", Endpoint: d.Host}}, 10*time.Second, zerolog.Nop())
	if err != nil {
		b.Fatal(err)
	}
	defer stk.Close()
	rec := &recorder{}
	w := New(stk, nil, Options{Chats: []int64{1}, Diagnoser: boomDiag, BurstContainers: 1000}, zerolog.Nop())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = w.Run(ctx, rec) }()
	defer func() { cancel(); <-done }()
	time.Sleep(200 * time.Millisecond)
	var lat []time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		name := fmt.Sprintf("bench-%d", i)
		d.Docker(b, "run", "-d", "--name", name, dockertest.DaemonImage, "sh", "-c", "echo boom; exec sleep 3600")
		b.StartTimer()
		d.Docker(b, "kill", name)
		deadline := time.Now().Add(10 * time.Second)
		for {
			if s, _ := rec.snapshot(); len(s) > i {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("no alert for %s", name)
			}
			time.Sleep(time.Millisecond)
		}
		b.StopTimer()
		fin, err := time.Parse(time.RFC3339Nano, d.Docker(b, "inspect", "-f", "{{.State.FinishedAt}}", name))
		if err != nil {
			b.Fatal(err)
		}
		rec.mu.Lock()
		got := rec.sentAt[i]
		rec.mu.Unlock()
		lat = append(lat, got.Sub(fin))
		b.StartTimer()
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	p95 := lat[(len(lat)*95+99)/100-1]
	b.ReportMetric(float64(p95.Microseconds())/1000, "p95-ms")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "median-ms")
}
