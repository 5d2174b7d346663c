package bench

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"
)

// Client is one of a run's concurrent clients: its number, 0 to
// Options.Clients-1, which workloads use to give each client an identity
// of its own (a telecaller), and its random source, which belongs to it
// alone, so an Op may use it without locking.
type Client struct {
	N int
	*rand.Rand
}

// Op is one request of a workload, issued by client c.
type Op func(ctx context.Context, c *Client) error

// Workload is a named operation run by many clients at once. Pair names the
// API workload a baseline is compared with; it is empty for API workloads.
type Workload struct {
	Name string
	// Pair, on a baseline workload, is the name of the API workload it is
	// the raw-SQL equivalent of.
	Pair string
	Op   Op
}

// Options fix how long and how hard a workload runs.
type Options struct {
	Duration time.Duration // measured window
	Warmup   time.Duration // run but not measured, before the window
	Clients  int           // concurrent clients, each issuing one request at a time
}

// Result is what one workload measured.
type Result struct {
	Name       string        `json:"name"`
	Pair       string        `json:"pair,omitempty"`
	Requests   int           `json:"requests"`
	Errors     int           `json:"errors"`
	FirstError string        `json:"firstError,omitempty"`
	Elapsed    time.Duration `json:"elapsedNs"`
	PerSecond  float64       `json:"perSecond"`
	Latency    Latency       `json:"latencyNs"`
	// Server is the API server process's use over the window; zero for
	// baselines or when no server process is known.
	Server ProcUsage `json:"server"`
	// CPUPerRequest is the CPU time per successful request over the window
	// of each watched party, by name: "server" (the API server), and the
	// Watch's meters ("postgres", "redis", "client": the harness itself).
	// It is what one request costs each of them, which the machine's other
	// load moves much less than it moves throughput.
	CPUPerRequest map[string]time.Duration `json:"cpuPerRequestNs,omitempty"`
	// Load1 is the machine's one-minute load average at the window's end.
	Load1 float64 `json:"load1"`
	// Ratio is PerSecond ÷ the paired workload's PerSecond, set on API
	// workloads that have a baseline.
	Ratio float64 `json:"ratio,omitempty"`
}

// Watch is what a run measures besides its requests.
type Watch struct {
	// Server is the API server: its CPU and peak RSS. Nil while a baseline
	// runs (the server idles then) or when it is not a local process.
	Server *Proc
	// Meters are the other processes whose CPU the requests cost, by name.
	Meters map[string]Meter
}

// Run drives w with opt.Clients concurrent clients: opt.Warmup unmeasured,
// then opt.Duration measured. A request counts when it finishes inside the
// measured window; a failed one counts as an error and its latency is not
// recorded. The watched processes are sampled over the window. Cancelling
// ctx ends the run early.
func Run(ctx context.Context, w Workload, opt Options, watch Watch) Result {
	if opt.Clients < 1 {
		opt.Clients = 1
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type clientResult struct {
		samples  []time.Duration
		errors   int
		firstErr error
	}
	results := make([]clientResult, opt.Clients)
	start := make(chan struct{}) // closed when the measured window opens
	var stopAt time.Time
	var wg sync.WaitGroup
	for c := range opt.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl := &Client{N: c, Rand: rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), uint64(c)))}
			res := &results[c]
			measured := false
			for ctx.Err() == nil {
				if !measured {
					select {
					case <-start:
						measured = true
					default:
					}
				}
				t0 := time.Now()
				err := w.Op(ctx, cl)
				t1 := time.Now()
				if !measured {
					continue
				}
				if t1.After(stopAt) {
					return // only requests that finish inside the window count
				}
				if err != nil {
					if res.errors == 0 {
						res.firstErr = err
					}
					res.errors++
					continue
				}
				res.samples = append(res.samples, t1.Sub(t0))
			}
		}()
	}
	sleep(ctx, opt.Warmup)
	sampler := watch.Server.Start()
	cpu0 := make(map[string]map[int]time.Duration, len(watch.Meters))
	for name, m := range watch.Meters {
		cpu0[name] = m.cpuByPID()
	}
	t0 := time.Now()
	stopAt = t0.Add(opt.Duration) // read by clients only after start is closed
	close(start)
	sleep(ctx, opt.Duration)
	elapsed := time.Since(t0)
	usage := sampler.Stop()
	used := make(map[string]time.Duration, len(watch.Meters)+1)
	for name, m := range watch.Meters {
		used[name] = cpuSince(cpu0[name], m.cpuByPID())
	}
	if watch.Server != nil {
		used["server"] = time.Duration(usage.CPU / 100 * float64(elapsed))
	}
	// Clients stop after their request in flight; it counts for nothing
	// and is not cancelled, so a slow workload's tail never turns into
	// errors.
	wg.Wait()

	r := Result{Name: w.Name, Pair: w.Pair, Elapsed: elapsed, Server: usage, Load1: LoadAverage()}
	var all []time.Duration
	for _, c := range results {
		all = append(all, c.samples...)
		r.Errors += c.errors
		if c.firstErr != nil && r.FirstError == "" {
			r.FirstError = c.firstErr.Error()
		}
	}
	r.Requests = len(all) + r.Errors
	r.PerSecond = float64(len(all)) / elapsed.Seconds()
	r.Latency = Summarise(all)
	if ok := len(all); ok > 0 && len(used) > 0 {
		r.CPUPerRequest = make(map[string]time.Duration, len(used))
		for name, cpu := range used {
			r.CPUPerRequest[name] = cpu / time.Duration(ok)
		}
	}
	return r
}

func sleep(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
