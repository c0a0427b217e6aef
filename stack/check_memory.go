package stack

import (
	"context"
	"fmt"
)

// oomKilled flags containers the kernel killed for memory.
type oomKilled struct{}

func (oomKilled) Name() string { return "OOM killed" }

func (oomKilled) Run(_ context.Context, t *Target) ([]Finding, error) {
	var out []Finding
	for _, c := range t.Containers {
		if !c.OOMKilled {
			continue
		}
		msg := "killed for lack of memory (OOMKilled)"
		if c.MemoryLimit > 0 {
			msg += fmt.Sprintf(" under a %s limit: raise mem_limit", humanMem(c.MemoryLimit))
		}
		var secs []string
		if m, ok := t.MemoryMinimums[c.Service]; ok {
			secs = append(secs, m.Section)
			msg += fmt.Sprintf(" (the corpus asks %s for %s)", humanMem(m.Bytes), c.Service)
		}
		out = append(out, finding(c, Critical, msg, secs...))
	}
	return out, nil
}

// memoryMinimum flags memory limits below the corpus's minimums
// (LiteLLM 1024M in 10.2, OpenClaw 1536M in 11.2).
type memoryMinimum struct{}

func (memoryMinimum) Name() string { return "memory limit below the corpus minimum" }

func (memoryMinimum) Run(_ context.Context, t *Target) ([]Finding, error) {
	var out []Finding
	for _, c := range t.Containers {
		m, ok := t.MemoryMinimums[c.Service]
		if !ok || c.MemoryLimit == 0 || c.MemoryLimit >= m.Bytes {
			continue
		}
		out = append(out, finding(c, Warning, fmt.Sprintf("memory limit %s is below the %s the corpus asks for %s", humanMem(c.MemoryLimit), humanMem(m.Bytes), c.Service), m.Section))
	}
	return out, nil
}

func humanMem(b int64) string {
	switch {
	case b >= 1<<30 && b%(1<<30) == 0:
		return fmt.Sprintf("%dG", b>>30)
	case b >= 1<<20:
		return fmt.Sprintf("%dM", b>>20)
	}
	return fmt.Sprintf("%dB", b)
}
