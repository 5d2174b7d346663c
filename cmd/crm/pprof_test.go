package main

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

func TestServePprof(t *testing.T) {
	t.Parallel()
	var logs strings.Builder
	stop, err := servePprof("127.0.0.1:0", slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	_, addr, _ := strings.Cut(logs.String(), "addr=")
	addr, _, _ = strings.Cut(addr, " ")
	resp, err := http.Get("http://" + addr + "/debug/pprof/heap?debug=1")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), "heap profile") {
		t.Errorf("GET heap profile: %d %.200s", resp.StatusCode, b)
	}
}
