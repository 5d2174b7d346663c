package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"
)

// Report is one run of the harness, as --json writes it.
type Report struct {
	StartedAt time.Time `json:"startedAt"`
	Commit    string    `json:"commit,omitempty"`
	Machine   Machine   `json:"machine"`
	Target    string    `json:"target"`
	Duration  string    `json:"duration"`
	Warmup    string    `json:"warmup"`
	Clients   int       `json:"clients"`
	// Telecallers is how many telecallers the write workloads (calls,
	// lead updates) act as: client N is telecaller N mod this number.
	Telecallers int      `json:"telecallers"`
	Results     []Result `json:"results"`
}

// Pair sets the Ratio of each API result that has a baseline: its
// throughput divided by the baseline's.
func (r *Report) Pair() {
	byName := map[string]*Result{}
	for i := range r.Results {
		byName[r.Results[i].Name] = &r.Results[i]
	}
	for _, b := range r.Results {
		if api, ok := byName[b.Pair]; ok && b.PerSecond > 0 {
			api.Ratio = api.PerSecond / b.PerSecond
		}
	}
}

// cpuColumns are the parties whose CPU per request the table shows, in
// order, with their headings.
var cpuColumns = []struct{ name, heading string }{
	{"server", "srv µs/req"}, {"postgres", "pg µs/req"}, {"redis", "redis µs/req"}, {"client", "client µs/req"},
}

// WriteTable prints the results as an aligned table.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "workload\treq/s\tp50 ms\tp95 ms\tp99 ms\terrors\tsrv CPU %\t")
	for _, c := range cpuColumns {
		fmt.Fprint(tw, c.heading, "\t")
	}
	fmt.Fprintln(tw, "srv RSS MiB\tload1\tAPI/SQL\t")
	for _, res := range r.Results {
		cpu, rss, ratio := "-", "-", "-"
		if res.Pair == "" && res.Server.RSSPeakMB > 0 {
			cpu, rss = fmt.Sprintf("%.0f", res.Server.CPU), fmt.Sprintf("%.0f", res.Server.RSSPeakMB)
		}
		if res.Ratio > 0 {
			ratio = fmt.Sprintf("%.2f", res.Ratio)
		}
		fmt.Fprintf(tw, "%s\t%.0f\t%s\t%s\t%s\t%d\t%s\t", res.Name, res.PerSecond,
			ms(res.Latency.P50), ms(res.Latency.P95), ms(res.Latency.P99), res.Errors, cpu)
		for _, c := range cpuColumns {
			perReq := "-"
			if d, ok := res.CPUPerRequest[c.name]; ok {
				perReq = fmt.Sprintf("%.0f", float64(d)/float64(time.Microsecond))
			}
			fmt.Fprint(tw, perReq, "\t")
		}
		fmt.Fprintf(tw, "%s\t%.2f\t%s\t\n", rss, res.Load1, ratio)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, res := range r.Results {
		if res.FirstError != "" {
			fmt.Fprintf(w, "%s: first error: %s\n", res.Name, res.FirstError)
		}
	}
	return nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond)) }

// WriteJSON writes the report to path, creating its directory.
func (r *Report) WriteJSON(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
