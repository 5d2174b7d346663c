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
	// ServerCPUPerRequest is the server's CPU time per successful request
	// over the window (Server.CPU ÷ PerSecond): less sensitive to the
	// machine's other load than throughput is.
	ServerCPUPerRequest time.Duration `json:"serverCpuPerRequestNs,omitempty"`
	// Load1 is the machine's one-minute load average at the window's end.
	Load1 float64 `json:"load1"`
	// Ratio is PerSecond ÷ the paired workload's PerSecond, set on API
	// workloads that have a baseline.
	Ratio float64 `json:"ratio,omitempty"`
}

// Run drives w with opt.Clients concurrent clients: opt.Warmup unmeasured,
// then opt.Duration measured. A request counts when it finishes inside the
// measured window; a failed one counts as an error and its latency is not
// recorded. proc, when not nil, is sampled over the window. Cancelling ctx
// ends the run early.
func Run(ctx context.Context, w Workload, opt Options, proc *Proc) Result {
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
	sampler := proc.Start()
	t0 := time.Now()
	stopAt = t0.Add(opt.Duration) // read by clients only after start is closed
	close(start)
	sleep(ctx, opt.Duration)
	elapsed := time.Since(t0)
	usage := sampler.Stop()
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
	if r.PerSecond > 0 {
		r.ServerCPUPerRequest = time.Duration(usage.CPU / 100 / r.PerSecond * float64(time.Second))
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
