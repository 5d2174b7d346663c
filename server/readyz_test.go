package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/telecaller-crm/api/auth"
	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/db/dbtest"
	"github.com/telecaller-crm/api/server"
	"github.com/telecaller-crm/api/server/servertest"
)

// TestReadyzFollowsPostgres stops a real Postgres under a running server:
// /readyz turns 503, then recovers once Postgres is back, with no restart.
func TestReadyzFollowsPostgres(t *testing.T) {
	t.Parallel()
	cluster := dbtest.StartCluster(t)
	ctx := context.Background()
	bdb, err := db.Open(ctx, cluster.URL(), db.Options{MaxOpenConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	ropt, err := redis.ParseURL(os.Getenv("REDIS_URL"))
	if err != nil {
		t.Fatalf("REDIS_URL: %v (run the tests with `make test`)", err)
	}
	rdb := redis.NewClient(ropt)
	defer rdb.Close()
	v, err := auth.NewVerifier(ctx, auth.Config{Secret: []byte(servertest.Secret)})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	srv := httptest.NewServer(server.New(server.Config{}, server.Deps{DB: bdb, Redis: rdb, Verifier: v, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	defer srv.Close()

	status := func() int {
		resp, err := http.Get(srv.URL + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	waitFor := func(want int) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for got := status(); got != want; got = status() {
			if time.Now().After(deadline) {
				t.Fatalf("/readyz = %d, want %d", got, want)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	waitFor(http.StatusOK)
	cluster.Stop()
	waitFor(http.StatusServiceUnavailable)
	if resp, err := http.Get(srv.URL + "/healthz"); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("/healthz while Postgres is down: %v %v", resp, err)
	}
	cluster.Start()
	waitFor(http.StatusOK)
}
