package stack_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// BenchmarkSnapshot40 lists and inspects a host holding 40 containers, and
// reports beside it what `docker ps -a` takes on the same host (dockerps-ms;
// it lists without inspecting, so it shows the cost of the inspect calls).
func BenchmarkSnapshot40(b *testing.B) {
	needDocker(b)
	img := testImage(b)
	const n = 40
	batch := "vigie.test.bench=" + randHex(3)
	b.Cleanup(func() { removeLabelled(b, labelTest+"=1", labelRun+"="+runID, batch) })

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	prefix := uniqueName("bench")
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			_, errs[i] = cli(ctx, "", nil, "docker", "run", "-d", "--network", "none",
				"--name", fmt.Sprintf("%s-%02d", prefix, i),
				"--label", labelTest+"=1", "--label", labelRun+"="+runID, "--label", batch,
				img, "sleep", "3600")
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			b.Fatal(err)
		}
	}

	// docker ps -a, averaged over a few runs.
	const psRuns = 5
	var ps time.Duration
	for range psRuns {
		start := time.Now()
		out, err := cli(ctx, "", nil, "docker", "ps", "-a")
		if err != nil {
			b.Fatal(err)
		}
		ps += time.Since(start)
		if got := strings.Count(out, prefix+"-"); got != n {
			b.Fatalf("docker ps -a lists %d of the %d containers", got, n)
		}
	}
	psMs := float64(ps.Milliseconds()) / psRuns

	s := newStack(b)
	// Warm the client (API version negotiation) and check the count.
	states := s.Snapshot(ctx)
	if states[0].Err != nil {
		b.Fatal(states[0].Err)
	}
	seen := 0
	for _, c := range states[0].Containers {
		if strings.HasPrefix(c.Name, prefix+"-") {
			seen++
		}
	}
	if seen != n {
		b.Fatalf("Snapshot lists %d of the %d containers", seen, n)
	}

	// A sub-benchmark, so that the containers are made once while the
	// benchmark function runs for several b.N.
	b.Run("snapshot", func(b *testing.B) {
		start := time.Now()
		for range b.N {
			if st := s.Snapshot(ctx); st[0].Err != nil {
				b.Fatal(st[0].Err)
			}
		}
		took := time.Since(start)
		b.ReportMetric(float64(took.Microseconds())/1000/float64(b.N), "snapshot-ms")
		b.ReportMetric(psMs, "dockerps-ms")
	})
}
