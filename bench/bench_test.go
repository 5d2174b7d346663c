package bench_test

import (
	"context"
	"errors"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/telecaller-crm/api/bench"
)

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

func TestPercentile(t *testing.T) {
	t.Parallel()
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = ms(i + 1) // 1..100 ms
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"no samples", nil, 50, 0},
		{"one sample is every percentile", []time.Duration{ms(7)}, 99, ms(7)},
		{"median of 1..100", hundred, 50, ms(50)},
		{"p95 of 1..100", hundred, 95, ms(95)},
		{"p99 of 1..100", hundred, 99, ms(99)},
		{"p100 is the maximum", hundred, 100, ms(100)},
		{"tiny p is the minimum", hundred, 0.001, ms(1)},
		{"nearest rank rounds up: p50 of 4", []time.Duration{ms(1), ms(2), ms(3), ms(4)}, 50, ms(2)},
		{"nearest rank rounds up: p51 of 4", []time.Duration{ms(1), ms(2), ms(3), ms(4)}, 51, ms(3)},
		{"p99 of 10 is the maximum", hundred[:10], 99, ms(10)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := bench.Percentile(tt.sorted, tt.p); got != tt.want {
				t.Errorf("Percentile(p%v) = %v, want %v", tt.p, got, tt.want)
			}
		})
	}
}

func TestSummarise(t *testing.T) {
	t.Parallel()
	samples := []time.Duration{ms(30), ms(10), ms(20), ms(40)} // unsorted on purpose
	got := bench.Summarise(samples)
	want := bench.Latency{P50: ms(20), P95: ms(40), P99: ms(40), Max: ms(40), Mean: ms(25)}
	if got != want {
		t.Errorf("Summarise = %+v, want %+v", got, want)
	}
	if (bench.Summarise(nil) != bench.Latency{}) {
		t.Error("Summarise(nil) is not zero")
	}
}

// TestRunAgainstServer drives a short run against an httptest server that
// fails every 10th request, and checks what the runner counted against
// what the server saw.
func TestRunAgainstServer(t *testing.T) {
	t.Parallel()
	var served atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if served.Add(1)%10 == 0 {
			http.Error(w, "boom", http.StatusInternalServerError)
			return
		}
		_, _ = w.Write([]byte(`{"success":true}`))
	}))
	defer srv.Close()
	op := func(ctx context.Context, _ *bench.Client) error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
		resp, err := srv.Client().Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return errors.New(resp.Status)
		}
		return nil
	}
	proc := &bench.Proc{PID: os.Getpid()} // the test process serves the requests
	watch := bench.Watch{Server: proc, Meters: map[string]bench.Meter{"client": proc}}
	res := bench.Run(context.Background(), bench.Workload{Name: "hello", Op: op}, bench.Options{Duration: 300 * time.Millisecond, Warmup: 50 * time.Millisecond, Clients: 4}, watch)

	if res.Name != "hello" || res.Requests == 0 {
		t.Fatalf("no requests measured: %+v", res)
	}
	if total := served.Load(); int64(res.Requests) > total {
		t.Errorf("measured %d requests, the server saw only %d", res.Requests, total)
	}
	if res.Errors == 0 || res.Errors > res.Requests/5 {
		t.Errorf("errors = %d of %d, want about a tenth", res.Errors, res.Requests)
	}
	if !strings.Contains(res.FirstError, "500") {
		t.Errorf("first error = %q, want the 500", res.FirstError)
	}
	wantRate := float64(res.Requests-res.Errors) / res.Elapsed.Seconds()
	if res.PerSecond != wantRate {
		t.Errorf("PerSecond = %v, want successes ÷ elapsed = %v", res.PerSecond, wantRate)
	}
	l := res.Latency
	if l.P50 <= 0 || l.P50 > l.P95 || l.P95 > l.P99 || l.P99 > l.Max {
		t.Errorf("percentiles out of order: %+v", l)
	}
	// The server's CPU per request is its CPU share over the window ÷ the
	// rate; the same process metered as "client" costs the same (ticks of
	// 10 ms apart, and the sampler's window is a little longer).
	srvCPU, cli := res.CPUPerRequest["server"], res.CPUPerRequest["client"]
	if want := time.Duration(res.Server.CPU / 100 / res.PerSecond * float64(time.Second)); srvCPU <= 0 || math.Abs(float64(srvCPU-want)) > 0.01*float64(want) {
		t.Errorf("server CPU per request = %v, want CPU ÷ rate = %v", srvCPU, want)
	}
	if tick := 10 * time.Millisecond / time.Duration(res.Requests); cli <= 0 || (cli-srvCPU).Abs() > 2*tick+srvCPU/20 {
		t.Errorf("client CPU per request = %v, want the server's %v: they are one process", cli, srvCPU)
	}
	if res.Server.RSSPeakMB <= 0 {
		t.Errorf("no RSS read for the test process: %+v", res.Server)
	}
}

func TestRunStopsWhenCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	op := func(ctx context.Context, _ *bench.Client) error {
		<-ctx.Done()
		return ctx.Err()
	}
	cancel()
	res := bench.Run(ctx, bench.Workload{Name: "blocked", Op: op}, bench.Options{Duration: time.Hour, Clients: 3}, bench.Watch{})
	if res.Requests != 0 || res.PerSecond != 0 {
		t.Errorf("a cancelled run measured %+v", res)
	}
}

func TestReportPairsBaselines(t *testing.T) {
	t.Parallel()
	rep := bench.Report{Results: []bench.Result{
		{Name: "rest_list", PerSecond: 500},
		{Name: "sql_list", Pair: "rest_list", PerSecond: 2000},
		{Name: "rest_analytics", PerSecond: 10},
	}}
	rep.Pair()
	if got := rep.Results[0].Ratio; got != 0.25 {
		t.Errorf("rest_list ratio = %v, want 0.25", got)
	}
	if rep.Results[1].Ratio != 0 || rep.Results[2].Ratio != 0 {
		t.Errorf("ratios set on a baseline or an unpaired workload: %+v", rep.Results)
	}
	var b strings.Builder
	if err := rep.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "0.25") || !strings.Contains(b.String(), "API/SQL") {
		t.Errorf("table lacks the ratio:\n%s", b.String())
	}
}

func TestFindListener(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	p, err := bench.FindListener(port)
	if err != nil {
		t.Fatalf("FindListener(%d): %v", port, err)
	}
	if p.PID != os.Getpid() {
		t.Errorf("FindListener(%d) = pid %d, want this process %d", port, p.PID, os.Getpid())
	}
	if _, err := bench.FindListener(1); err == nil {
		t.Error("FindListener(1) found a listener on port 1")
	}
}

// Each client has its own number, 0 to Clients-1, for the whole run: the
// write workloads make client N telecaller N with it.
func TestRunNumbersClients(t *testing.T) {
	t.Parallel()
	const clients = 5
	var seen [clients]atomic.Int64
	var bad atomic.Int64
	op := func(ctx context.Context, c *bench.Client) error {
		if c.N < 0 || c.N >= clients || c.Rand == nil {
			bad.Add(1)
			return errors.New("bad client")
		}
		seen[c.N].Add(1)
		time.Sleep(time.Millisecond)
		return nil
	}
	bench.Run(context.Background(), bench.Workload{Name: "numbered", Op: op}, bench.Options{Duration: 100 * time.Millisecond, Clients: clients}, bench.Watch{})
	if bad.Load() != 0 {
		t.Fatalf("%d requests from a client numbered outside 0..%d", bad.Load(), clients-1)
	}
	for n := range seen {
		if seen[n].Load() == 0 {
			t.Errorf("client %d issued no request", n)
		}
	}
}
