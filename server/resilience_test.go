package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"
	"github.com/uptrace/bun"

	"github.com/telecaller-crm/api/auth"
	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/db/dbtest"
	"github.com/telecaller-crm/api/server"
	"github.com/telecaller-crm/api/server/servertest"
)

// writer posts new leads to base, one at a time, until stop is closed or
// the server refuses connections; it reports every lead that got a 201.
type writer struct {
	base, token string
	client      *http.Client
	inFlight    *atomic.Int64
}

func (w writer) create(n int64) (status int, id string, err error) {
	body, _ := json.Marshal(map[string]any{"name": fmt.Sprint("Load ", n), "email": fmt.Sprintf("load%d-%s@example.com", n, uuid.NewString()[:8])})
	req, _ := http.NewRequest(http.MethodPost, w.base+"/api/leads", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+w.token)
	w.inFlight.Add(1)
	defer w.inFlight.Add(-1)
	resp, err := w.client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	var out struct {
		Data  struct{ ID string }
		Error struct{ Code string }
	}
	b, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(b, &out)
	if resp.StatusCode >= 300 && out.Error.Code == "" {
		return resp.StatusCode, "", fmt.Errorf("status %d without the envelope: %s", resp.StatusCode, b)
	}
	return resp.StatusCode, out.Data.ID, nil
}

// TestGracefulShutdownUnderLoad stops the server (the context main cancels
// on SIGTERM) while 8 clients write leads as fast as they can. The server
// stops accepting, drains what is in flight, and every lead whose create
// got a 201 is in the database.
func TestGracefulShutdownUnderLoad(t *testing.T) {
	t.Parallel()
	env := servertest.New(t)
	tok := env.Token(t, env.SeedUser(t, db.RoleTelecaller))
	cfg := env.Config
	cfg.HTTPAddr, cfg.ShutdownTimeout = "127.0.0.1:0", 30*time.Second
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		done <- server.Run(ctx, cfg, env.Handler, slog.New(slog.DiscardHandler), func(a net.Addr) { addr <- a })
	}()
	var inFlight, seq, okCount atomic.Int64
	w := writer{base: "http://" + (<-addr).String(), token: tok, client: &http.Client{Timeout: time.Minute}, inFlight: &inFlight}

	var mu sync.Mutex
	var created []string
	var afterStop, inFlightAtStop int64
	stopping := make(chan struct{})
	var stopOnce sync.Once
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				status, id, err := w.create(seq.Add(1))
				select {
				case <-stopping:
					if err != nil {
						return // refused or closed: the server is down
					}
				default:
				}
				if err != nil {
					t.Errorf("before shutdown: %v", err)
					return
				}
				if status != http.StatusCreated {
					t.Errorf("create: %d", status)
					return
				}
				mu.Lock()
				created = append(created, id)
				select {
				case <-stopping:
					afterStop++
				default:
				}
				mu.Unlock()
				// After 300 writes, shut down while the others are mid-request.
				if okCount.Add(1) == 300 {
					stopOnce.Do(func() {
						inFlightAtStop = inFlight.Load()
						close(stopping)
						cancel()
					})
				}
			}
		}()
	}
	wg.Wait()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	var n int
	if err := env.DB.NewRaw("SELECT count(*) FROM leads WHERE id::text IN (?)", bun.In(created)).Scan(context.Background(), &n); err != nil {
		t.Fatal(err)
	}
	t.Logf("201s: %d (%d of them completed after shutdown began); requests in flight at shutdown: %d; found in the database: %d", len(created), afterStop, inFlightAtStop, n)
	if n != len(created) {
		t.Fatalf("%d leads answered 201 but %d are in the database", len(created), n)
	}
}

// TestPostgresDownMidLoad stops a real Postgres under clients reading and
// writing: while it is down every answer is 503 SERVICE_UNAVAILABLE in the
// envelope (REST) or extensions.code (GraphQL), promptly, never a 500; once
// it is back the same server serves again without a restart.
func TestPostgresDownMidLoad(t *testing.T) {
	t.Parallel()
	cluster := dbtest.StartCluster(t)
	ctx := context.Background()
	bdb, err := db.Open(ctx, cluster.URL(), db.Options{MaxOpenConns: 8, StatementTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	m, err := db.NewMigrator(bdb)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Up(ctx); err != nil {
		t.Fatal(err)
	}
	ropt, err := redis.ParseURL(os.Getenv("REDIS_URL"))
	if err != nil {
		t.Fatalf("REDIS_URL: %v", err)
	}
	rdb := redis.NewClient(ropt)
	defer rdb.Close()
	v, err := auth.NewVerifier(ctx, auth.Config{Secret: []byte(servertest.Secret)})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	cfg := server.Config{RequestTimeout: 10 * time.Second}
	srv := &http.Server{Handler: server.New(cfg, server.Deps{DB: bdb, Redis: rdb, Verifier: v, Logger: slog.New(slog.DiscardHandler)})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	user := &db.User{ID: uuid.New(), Email: "down@test.dev", Role: db.RoleManager}
	if err := db.UpsertUser(ctx, bdb, user); err != nil {
		t.Fatal(err)
	}
	tok, err := auth.SignHS256([]byte(servertest.Secret), auth.TokenSpec{UserID: user.ID, Email: user.Email, Role: auth.RoleManager, TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	client := &http.Client{Timeout: 30 * time.Second}
	var inFlight atomic.Int64
	w := writer{base: base, token: tok, client: client, inFlight: &inFlight}
	get := func(path string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, base+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for i := range 20 {
		if status, _, err := w.create(int64(i)); err != nil || status != 201 {
			t.Fatalf("warm-up create: %d %v", status, err)
		}
	}

	// Clients keep writing while Postgres goes away.
	var statuses sync.Map
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int64(0); ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				status, _, err := w.create(int64(g)*1e6 + i)
				if err != nil {
					t.Errorf("create while Postgres stops: %v", err)
					return
				}
				n, _ := statuses.LoadOrStore(status, new(atomic.Int64))
				n.(*atomic.Int64).Add(1)
			}
		}()
	}
	cluster.Stop()
	// Now down: every kind of request answers 503 in the envelope.
	for range 5 {
		if status, body := get("/api/leads?limit=5"); status != 503 || !bytes.Contains([]byte(body), []byte(`"code":"SERVICE_UNAVAILABLE"`)) {
			t.Errorf("list while down: %d %s", status, body)
		}
		if status, _, err := w.create(-1); err != nil || status != 503 {
			t.Errorf("create while down: %d %v", status, err)
		}
		if status, body := get("/graphql?query=%7Bleads(first%3A1)%7BtotalCount%7D%7D"); !bytes.Contains([]byte(body), []byte(`"code":"SERVICE_UNAVAILABLE"`)) || status >= 500 && status != 503 {
			t.Errorf("GraphQL while down: %d %s", status, body)
		}
		if status, _ := get("/readyz"); status != 503 {
			t.Errorf("/readyz while down: %d", status)
		}
	}
	close(stop)
	wg.Wait()
	statuses.Range(func(k, v any) bool {
		if s := k.(int); s != 201 && s != 503 {
			t.Errorf("%d answers with status %d during the outage", v.(*atomic.Int64).Load(), s)
		}
		return true
	})

	cluster.Start()
	// Back: the pool reconnects on its own. Bounded by count, not time.
	recovered := false
	for range 200 {
		if status, _ := get("/api/leads?limit=5"); status == 200 {
			recovered = true
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !recovered {
		t.Fatal("the server did not recover after Postgres came back")
	}
	if status, _, err := w.create(1e9); err != nil || status != 201 {
		t.Fatalf("create after recovery: %d %v", status, err)
	}
}

// TestSlowQueryCannotPinTheServer holds a row lock so that updating the
// lead waits in Postgres, then sends the update through the API: the
// statement timeout (DB_STATEMENT_TIMEOUT) or the request deadline
// (REQUEST_TIMEOUT, which cancels the query) ends the wait with 503
// SERVICE_UNAVAILABLE, nothing is left waiting in Postgres, and the same
// request succeeds once the lock is gone.
func TestSlowQueryCannotPinTheServer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, row := range []struct {
		name        string
		stmtTimeout time.Duration
		reqTimeout  time.Duration
	}{
		{"statement timeout", 300 * time.Millisecond, 30 * time.Second},
		{"request deadline cancels the query", 0, time.Second},
	} {
		t.Run(row.name, func(t *testing.T) {
			t.Parallel()
			env := servertest.New(t, func(c *server.Config, d *server.Deps) {
				c.RequestTimeout = row.reqTimeout
				bdb, err := db.Open(ctx, c.DatabaseURL, db.Options{MaxOpenConns: 4, StatementTimeout: row.stmtTimeout})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = bdb.Close() })
				d.DB = bdb
			})
			tok := env.Token(t, env.SeedUser(t, db.RoleManager))
			lead := env.SeedLead(t, nil)
			tx, err := env.DB.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = tx.Rollback() }()
			if _, err := tx.ExecContext(ctx, "SELECT 1 FROM leads WHERE id = ? FOR UPDATE", lead.ID); err != nil {
				t.Fatal(err)
			}
			path := "/api/leads/" + lead.ID.String()
			r := env.Do(t, "PATCH", path, map[string]any{"notes": "blocked"}, tok)
			servertest.Check(t, servertest.Scenario{WantStatus: 503, WantCode: "SERVICE_UNAVAILABLE"}, r)
			// The waiting statement was cancelled, not left holding a connection.
			waiting := -1
			for range 100 {
				if err := env.DB.NewRaw("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'").Scan(ctx, &waiting); err != nil {
					t.Fatal(err)
				}
				if waiting == 0 {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			if waiting != 0 {
				t.Fatalf("%d statements still wait for the lock after the 503", waiting)
			}
			// Other requests were served meanwhile and are served now.
			servertest.Check(t, servertest.Scenario{WantStatus: 200}, env.Do(t, "GET", "/api/leads?limit=1", nil, tok))
			if err := tx.Rollback(); err != nil {
				t.Fatal(err)
			}
			servertest.Check(t, servertest.Scenario{WantStatus: 200, WantContains: []string{`"notes":"unblocked"`}},
				env.Do(t, "PATCH", path, map[string]any{"notes": "unblocked"}, tok))
		})
	}
}
