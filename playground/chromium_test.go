package playground_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath is where Debian's chromium package puts the browser.
const chromiumPath = "/usr/bin/chromium"

var (
	installOnce sync.Once
	installErr  string
)

// chromium returns the path of Debian's Chromium, installing the package
// with apt-get first when it is missing (once per test binary). It skips
// the test, with the reason, only when the package cannot be installed.
func chromium(t *testing.T) string {
	t.Helper()
	installOnce.Do(func() {
		if _, err := os.Stat(chromiumPath); err == nil {
			return
		}
		installErr = installChromium(t)
	})
	if installErr != "" {
		t.Skipf("Chromium is not installed and apt-get could not install it, so the browser test cannot run: %s", installErr)
	}
	return chromiumPath
}

// installChromium runs apt-get update and apt-get install chromium, and
// returns what went wrong, or "".
func installChromium(t *testing.T) string {
	t.Logf("%s is missing: installing Debian's chromium package", chromiumPath)
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	env := append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	for _, args := range [][]string{
		{"apt-get", "update", "-qq"},
		{"apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium"},
	} {
		cmd := exec.CommandContext(ctx, args[0], args[1:]...)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			return strings.Join(args, " ") + ": " + err.Error() + ": " + lastLines(string(out), 5)
		}
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		return "the chromium package installed no " + chromiumPath
	}
	t.Logf("installed chromium in %s", time.Since(start).Round(time.Second))
	return ""
}

// newBrowser starts headless Chromium with a fresh profile and the flags
// that keep it off the network (this machine has none but loopback), and
// returns a tab's context. listen sees every event of the tab from its
// start. The browser stops when the test ends.
func newBrowser(t *testing.T, listen func(ev any)) context.Context {
	t.Helper()
	profile, err := os.MkdirTemp("", "playground-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(profile) })
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium(t)),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1440, 900),
	)
	ctx, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithListener(listen))
	// Cleanups run last-in first-out: the tab, then the browser (which waits
	// for the process to exit), then the profile directory.
	t.Cleanup(cancelAlloc)
	t.Cleanup(cancelTab)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}
