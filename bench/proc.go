package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// clockTicks is USER_HZ, the unit of utime/stime in /proc/<pid>/stat; it
// is 100 on every Linux architecture Go supports.
const clockTicks = 100

// Proc reads a process's CPU time and resident memory from /proc. A nil
// *Proc measures nothing.
type Proc struct{ PID int }

// ProcUsage is a process's use of the machine over a window.
type ProcUsage struct {
	// CPU is the share of one core used over the window, in percent (200
	// is both cores of a 2-core machine).
	CPU float64 `json:"cpuPercent"`
	// RSSPeakMB is the largest resident set size seen, in MiB.
	RSSPeakMB float64 `json:"rssPeakMiB"`
}

// cpuTime is the process's user plus system CPU time so far.
func (p *Proc) cpuTime() (time.Duration, error) {
	_, cpu, err := readStat(p.PID)
	return cpu, err
}

// readStat reads a process's parent and its user plus system CPU time so
// far from /proc/<pid>/stat.
func readStat(pid int) (ppid int, cpu time.Duration, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, err
	}
	// The command name (field 2) may contain spaces; fields resume after ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	ppid, err0 := strconv.Atoi(f[1])               // field 4
	utime, err1 := strconv.ParseInt(f[11], 10, 64) // field 14
	stime, err2 := strconv.ParseInt(f[12], 10, 64) // field 15
	if err0 != nil || err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	return ppid, time.Duration(utime+stime) * time.Second / clockTicks, nil
}

// A Meter reads the CPU time of a set of processes, per process, so that a
// window counts each process from where it stood when the window opened
// (and a process started inside the window from zero).
type Meter interface {
	cpuByPID() map[int]time.Duration
}

func (p *Proc) cpuByPID() map[int]time.Duration {
	cpu, err := p.cpuTime()
	if err != nil {
		return nil
	}
	return map[int]time.Duration{p.PID: cpu}
}

// Visible reports whether m finds any process to meter.
func Visible(m Meter) bool { return len(m.cpuByPID()) > 0 }

// cpuSince is the CPU the processes of now used since then.
func cpuSince(then, now map[int]time.Duration) time.Duration {
	var d time.Duration
	for pid, t := range now {
		d += t - then[pid]
	}
	return d
}

// RSS is the process's resident set size in bytes.
func (p *Proc) RSS() (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.PID))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("/proc/%d/status: no VmRSS", p.PID)
}

// Sampler watches a process over a window: CPU time at both ends, RSS
// every 100 ms in between.
type Sampler struct {
	p     *Proc
	t0    time.Time
	cpu0  time.Duration
	stop  chan struct{}
	done  sync.WaitGroup
	mu    sync.Mutex
	rssHi int64
}

// Start begins a window. It is safe on a nil *Proc.
func (p *Proc) Start() *Sampler {
	s := &Sampler{p: p, t0: time.Now(), stop: make(chan struct{})}
	if p == nil {
		return s
	}
	s.cpu0, _ = p.cpuTime()
	s.done.Add(1)
	go func() {
		defer s.done.Done()
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			s.sampleRSS()
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

func (s *Sampler) sampleRSS() {
	if rss, err := s.p.RSS(); err == nil {
		s.mu.Lock()
		s.rssHi = max(s.rssHi, rss)
		s.mu.Unlock()
	}
}

// Stop ends the window and returns the usage over it.
func (s *Sampler) Stop() ProcUsage {
	if s.p == nil {
		return ProcUsage{}
	}
	close(s.stop)
	s.done.Wait()
	s.sampleRSS()
	cpu1, _ := s.p.cpuTime()
	wall := time.Since(s.t0)
	return ProcUsage{
		CPU:       100 * float64(cpu1-s.cpu0) / float64(wall),
		RSSPeakMB: float64(s.rssHi) / (1 << 20),
	}
}

// FindListener returns the process listening on TCP port, found through
// /proc/net/tcp{,6} and the socket links under /proc/<pid>/fd. Only
// processes the caller may inspect are found.
func FindListener(port int) (*Proc, error) {
	inodes := map[string]bool{}
	for _, name := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		f, err := os.Open(name)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 10 || fields[3] != "0A" { // 0A = LISTEN
				continue
			}
			_, hexPort, ok := strings.Cut(fields[1], ":")
			if p, err := strconv.ParseInt(hexPort, 16, 32); ok && err == nil && int(p) == port {
				inodes["socket:["+fields[9]+"]"] = true
			}
		}
		f.Close()
	}
	if len(inodes) == 0 {
		return nil, fmt.Errorf("nothing listens on port %d", port)
	}
	fds, _ := filepath.Glob("/proc/[0-9]*/fd/*")
	for _, fd := range fds {
		if link, err := os.Readlink(fd); err == nil && inodes[link] {
			pid, err := strconv.Atoi(strings.Split(fd, "/")[2])
			if err == nil {
				return &Proc{PID: pid}, nil
			}
		}
	}
	return nil, fmt.Errorf("the process listening on port %d is not visible to this user", port)
}

// LoadAverage is the one-minute load average, or 0 where unknown.
func LoadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}

// Machine describes where a run happened.
type Machine struct {
	CPUModel  string  `json:"cpuModel"`
	CPUs      int     `json:"cpus"`
	MemoryMB  int64   `json:"memoryMiB"`
	Kernel    string  `json:"kernel"`
	GoVersion string  `json:"goVersion"`
	Postgres  string  `json:"postgres,omitempty"`
	Load1     float64 `json:"load1AtStart"`
}

// DescribeMachine reads the CPU, memory and kernel from /proc.
func DescribeMachine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), Load1: LoadAverage()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
				m.MemoryMB = kb >> 10
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	return m
}
