package rest_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/server/servertest"
)

// procStatus reads a "kB" line of /proc/self/status, in bytes.
func procStatus(t *testing.T, key string) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatalf("read /proc/self/status: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, key+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return kb << 10
		}
	}
	t.Fatalf("no %s in /proc/self/status", key)
	return 0
}

// TestImportMemory imports a 100,000-row, 20 MB CSV, generated on the fly
// through a pipe so that the file never exists in the test either, and
// checks that the process's peak resident set grows by less than 50 MB.
//
// The measure is peak RSS (VmHWM, after resetting it through
// /proc/self/clear_refs) against RSS before the import: that is what a
// container's memory limit counts, and it takes in what Go's heap
// statistics leave out (GC headroom, stacks, buffers outside the heap).
// HeapInuse, sampled every 5 ms, is logged beside it. Client and server
// share the process, so the figure bounds the server's growth from above.
// The test does not call t.Parallel: the other tests of this binary wait
// until it is done, so their memory does not count.
func TestImportMemory(t *testing.T) {
	const rows, limit = 100_000, 50 << 20
	a := newAPI(t)
	mt := a.Token(t, a.SeedUser(t, db.RoleManager))
	post := func(body io.Reader) *http.Response {
		t.Helper()
		req, err := http.NewRequest("POST", a.Server.URL+"/api/leads/import", body)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "text/csv")
		req.Header.Set("Authorization", "Bearer "+mt)
		resp, err := a.Server.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	// Warm up the connection pools and code paths with a small import.
	var warm bytes.Buffer
	if err := writeLeadsCSV(&warm, 900_000, 1000); err != nil {
		t.Fatal(err)
	}
	resp := post(&warm)
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()

	runtime.GC()
	debug.FreeOSMemory()
	base := procStatus(t, "VmRSS")
	reset := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	if reset != nil {
		t.Logf("cannot reset the peak RSS (%v): the figure below is an upper bound", reset)
	}
	var heapPeak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var ms runtime.MemStats
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > heapPeak.Load() {
				heapPeak.Store(ms.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()

	start := time.Now()
	pr, pw := io.Pipe()
	sent := &countingReader{r: pr}
	go func() { pw.CloseWithError(writeLeadsCSV(pw, 0, rows)) }()
	resp = post(sent)
	counted, totals, err := importStream(resp.Body)
	resp.Body.Close()
	elapsed := time.Since(start)
	close(stop)
	<-sampled
	peak := procStatus(t, "VmHWM")
	if err != nil {
		t.Fatalf("answer: %v (status %d)", err, resp.StatusCode)
	}

	if resp.StatusCode != 200 || counted["created"] != rows || totals["created"] != rows || totals["error"] != 0 {
		t.Fatalf("status %d, counted %v, totals %v", resp.StatusCode, counted, totals)
	}
	if n := liveLeads(t, a); n != rows+1000 {
		t.Fatalf("%d leads stored, want %d", n, rows+1000)
	}
	growth := peak - base
	t.Logf("imported %d rows (%.1f MB) in %s (%.0f rows/s); RSS before %.1f MiB, peak %.1f MiB, growth %.1f MiB; peak HeapInuse %.1f MiB",
		rows, float64(sent.n.Load())/1e6, elapsed.Round(time.Millisecond), float64(rows)/elapsed.Seconds(),
		mib(base), mib(peak), mib(growth), mib(int64(heapPeak.Load())))
	if sent.n.Load() < 20_000_000 {
		t.Errorf("sent %d bytes, want a 20 MB file", sent.n.Load())
	}
	if growth >= limit {
		t.Errorf("peak RSS grew by %.1f MiB, want under %d MiB", mib(growth), limit>>20)
	}
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// BenchmarkImport10k imports 10,000 fresh rows per operation through the
// whole stack (HTTP, spooling, CSV, validation, ten chunk transactions,
// the streamed answer) and reports rows per second.
func BenchmarkImport10k(b *testing.B) {
	const rows = 10_000
	env := servertest.New(b)
	tok := env.Token(b, env.SeedUser(b, db.RoleManager))
	n := 0
	for b.Loop() {
		b.StopTimer()
		var file bytes.Buffer
		if err := writeLeadsCSV(&file, 1_000_000+n*rows, rows); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		r := env.Do(b, "POST", "/api/leads/import", file.Bytes(), tok, "Content-Type", "text/csv")
		if r.Status != 200 || !bytes.Contains(r.Body, []byte(fmt.Sprintf(`"totals":{"created":%d,`, rows))) {
			b.Fatalf("status %d: %.300s", r.Status, r.Body)
		}
		n++
	}
	b.ReportMetric(float64(n*rows)/b.Elapsed().Seconds(), "rows/s")
}
