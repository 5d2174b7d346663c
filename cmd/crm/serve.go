package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"runtime/debug"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/server"
)

func serve(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	migrateFirst := fs.Bool("migrate", false, "apply pending migrations before serving")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := server.LoadConfig(getenv)
	if err != nil {
		return err
	}
	logOut := stderr
	if cfg.LogFlushInterval > 0 {
		lb := newLineBuffer(stderr, cfg.LogFlushInterval)
		defer lb.Close()
		logOut = lb
	}
	logger := newLogger(logOut, cfg.LogLevel)
	if tuneGC(getenv) {
		logger.Debug("garbage collector tuned", "gogc", serverGCPercent, "memory_limit_bytes", serverMemoryLimit)
	}
	// go-redis logs reconnect failures through its own package-wide logger;
	// send them to ours, as warnings, once for the process.
	redis.SetLogger(redisLog{logger})
	deps, closeDeps, err := server.Open(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer closeDeps()
	if *migrateFirst {
		m, err := db.NewMigrator(deps.DB)
		if err != nil {
			return err
		}
		if _, err := m.Up(ctx); err != nil {
			return err
		}
	}
	if cfg.PprofAddr != "" {
		stop, err := servePprof(cfg.PprofAddr, logger)
		if err != nil {
			return err
		}
		defer stop()
	}
	srv := server.New(cfg, deps)
	// The webhook dispatcher and the rollup compactor stop with the server
	// and are waited for, so that they never outlive the database connection.
	dctx, stopBackground := context.WithCancel(ctx)
	background := []<-chan struct{}{server.RunDispatcher(dctx, cfg, deps), server.RunRollupCompactor(dctx, cfg, deps)}
	err = server.Run(ctx, cfg, srv, logger, func(a net.Addr) {
		logger.Info("listening", "addr", a.String(), "graphql", "/graphql", "rest", "/api")
	})
	stopBackground()
	for _, done := range background {
		if done != nil {
			<-done
		}
	}
	return err
}

// servePprof serves the runtime profiles (CPU, heap, allocations,
// goroutines, traces) on addr, which the configuration keeps on loopback.
// The returned function stops it.
func servePprof(addr string, logger *slog.Logger) (func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("PPROF_ADDR: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	logger.Info("serving profiles", "addr", ln.Addr().String(), "path", "/debug/pprof/")
	return func() { _ = srv.Close() }, nil
}

// redisLog adapts slog to go-redis's logger.
type redisLog struct{ l *slog.Logger }

func (r redisLog) Printf(ctx context.Context, format string, v ...any) {
	r.l.WarnContext(ctx, "redis: "+fmt.Sprintf(format, v...))
}

// The server's live heap is small (tens of MiB) and a request's garbage
// dies with it, so Go's default (collect whenever the heap has doubled)
// collects very often. serve collects at five times the live heap instead,
// under a soft limit that keeps the process small: 11–13 % less server CPU
// per request in the load harness, peak RSS 84–133 MiB under 50 clients
// (docs/performance.md, change 14).
const (
	serverGCPercent   = 400
	serverMemoryLimit = 128 << 20
)

// tuneGC applies the server's collector settings unless the environment
// sets either of Go's own (GOGC, GOMEMLIMIT), and reports whether it did.
func tuneGC(getenv func(string) string) bool {
	if getenv("GOGC") != "" || getenv("GOMEMLIMIT") != "" {
		return false
	}
	debug.SetGCPercent(serverGCPercent)
	debug.SetMemoryLimit(serverMemoryLimit)
	return true
}
