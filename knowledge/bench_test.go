package knowledge

import (
	"bytes"
	"fmt"
	"math/rand"
	"sort"
	"testing"
	"time"
)

func benchIndex(tb testing.TB) *Index {
	tb.Helper()
	secs, err := Parse(DefaultCorpusName, DefaultCorpus)
	if err != nil {
		tb.Fatal(err)
	}
	return NewIndex(secs, DefaultServices)
}

// normalLines are ordinary lines of the stack's containers.
var normalLines = []string{
	`javisi_caddy  | {"level":"info","ts":%d.123,"logger":"http.log.access","msg":"handled request","request":{"remote_ip":"100.64.0.%d","method":"GET","host":"tala.ewutelo.cloud","uri":"/api/health"},"status":200,"duration":0.00%d}`,
	`javisi_n8n  | %d-03-02T10:11:12.345Z | info | Workflow execution finished {"workflowId":"%d","executionId":"%d"}`,
	`javisi_litellm  | INFO:     172.20.2.%d:%d - "POST /v1/chat/completions HTTP/1.1" 200 OK`,
	`javisi_postgresql  | %d-03-02 10:11:12.345 UTC [%d] LOG:  checkpoint complete: wrote %d buffers (0.1%%); 0 WAL file(s) added`,
	`javisi_loki  | level=info ts=2026-03-02T10:11:12.%dZ caller=table_manager.go:%d msg="uploading tables" index-store=tsdb-%d`,
	`javisi_grafana  | logger=context userId=%d orgId=1 uname=admin t=2026-03-02T10:11:12.%d+00:00 level=info msg="Request Completed" method=GET path=/api/search status=200 duration=%dms`,
	`javisi_qdrant  | 2026-03-02T10:11:12.%dZ  INFO actix_web::middleware::logger: 172.20.2.%d "POST /collections/memory/points/search HTTP/1.1" 200 %d`,
	`javisi_openclaw  | 2026-03-02T10:11:12.%d+00:00 [gateway] session agent:concierge:%d heartbeat ok latency=%dms`,
	`javisi_redis  | 1:M 02 Mar 2026 10:11:%d.%d * %d changes in 60 seconds. Saving...`,
}

// errorLines are known errors, as the stack prints them.
var errorLines = []string{
	`javisi_nocodb  | [Nest] 1  - 03/02/2026, 10:11:12 AM   ERROR [ExceptionHandler] error: password authentication failed for user "nocodb"`,
	`javisi_openclaw  | 2026-03-02T10:11:12.000Z [diagnostic] lane task error: lane=subagent error="Error: spawn docker EACCES"`,
	`javisi_grafana  | logger=tsdb.postgres level=error msg="Health check failed" error="pq: no PostgreSQL user name specified in startup packet"`,
	`javisi_caddy  | Error: adapting config using caddyfile: /etc/caddy/Caddyfile:88: unrecognized directive: 200`,
	`javisi_n8n  | ValidationError: The 'X-Forwarded-For' header is set but the Express 'trust proxy' setting is false (default). ERR_ERL_UNEXPECTED_X_FORWARDED_FOR`,
}

// syntheticLog writes about size bytes of log, 1 % of lines known errors.
func syntheticLog(size int, seed int64) []byte {
	r := rand.New(rand.NewSource(seed))
	var b bytes.Buffer
	b.Grow(size + 512)
	for b.Len() < size {
		if r.Intn(100) == 0 {
			b.WriteString(errorLines[r.Intn(len(errorLines))])
		} else {
			fmt.Fprintf(&b, normalLines[r.Intn(len(normalLines))], r.Intn(9999), r.Intn(255), r.Intn(99999))
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func BenchmarkScan100MB(b *testing.B) {
	ix := benchIndex(b)
	data := syntheticLog(100<<20, 1)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res := ix.Scan(bytes.NewReader(data))
		if len(res.Matches) == 0 {
			b.Fatal("no match in the synthetic log")
		}
	}
}

func BenchmarkMatchLine(b *testing.B) {
	ix := benchIndex(b)
	lines := append(append([]string{}, errorLines...), fmt.Sprintf(normalLines[0], 1, 2, 3), "depuis ce matin LiteLLM et n8n tombent par intermittence, postgres dit : FATAL:  sorry, too many clients already")
	durs := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		ix.Match(lines[i%len(lines)])
		durs = append(durs, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(durs, func(i, j int) bool { return durs[i] < durs[j] })
	b.ReportMetric(float64(durs[len(durs)*99/100].Microseconds()), "p99-µs")
}

func BenchmarkIndexCorpus(b *testing.B) {
	for i := 0; i < b.N; i++ {
		secs, err := Parse(DefaultCorpusName, DefaultCorpus)
		if err != nil {
			b.Fatal(err)
		}
		NewIndex(secs, DefaultServices)
	}
}
