package playground_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/server/servertest"
)

// CSS selectors of GraphiQL 4's parts.
const (
	runButton     = ".graphiql-execute-button"
	queryEditor   = ".graphiql-query-editor .CodeMirror"
	headersEditor = ".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror"
	resultPane    = ".result-window .CodeMirror"
	docsButton    = ".graphiql-sidebar button[aria-label$='Documentation Explorer']"
)

// TestBrowser loads the playground and the REST docs page in headless
// Chromium against the real server, runs queries through GraphiQL's UI with
// a real token, and checks that no request leaves 127.0.0.1 and that the
// pages break no CSP rule. It saves docs/img/playground.png and
// docs/img/api-docs.png when they are missing or UPDATE_SCREENSHOTS=1.
func TestBrowser(t *testing.T) {
	start := time.Now()
	env := servertest.New(t)
	manager := env.SeedUser(t, db.RoleManager)
	manager.FullName = "Neha Kapoor" // as the screenshot shows it
	if err := db.UpsertUser(context.Background(), env.DB, manager); err != nil {
		t.Fatal(err)
	}
	seedDemoLeads(t, env, manager)
	token := env.Token(t, manager)
	rec := &pageLog{}
	ctx := newBrowser(t, rec.listen)
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	t.Logf("server and browser ready in %s", time.Since(start).Round(time.Millisecond))

	rec.reset()
	step(t, ctx, "open the playground",
		chromedp.Navigate(env.Server.URL+"/graphql"),
		chromedp.WaitVisible(chromedp.CSS(runButton)),
		chromedp.WaitVisible(chromedp.CSS(headersEditor)),
	)

	// Before a token is pasted the placeholder header is not sent, so the
	// schema loads anonymously and the docs explorer lists the root types.
	t.Run("playground loads the schema", func(t *testing.T) {
		step(t, ctx, "open the docs explorer", chromedp.Click(chromedp.CSS(docsButton)))
		docs, err := chromedp.Run(ctx, chromedp.Poll[string](
			`(document.querySelector('.graphiql-doc-explorer')?.innerText ?? '').match(/Root Types|Error fetching schema/)?.[0]`,
			chromedp.WithPollingTimeout(10*time.Second)))
		if err != nil || docs != "Root Types" {
			t.Errorf("the docs explorer shows %q (%v), not the schema; the result pane says:\n%s", docs, err, editorText(t, ctx, resultPane))
		}
		step(t, ctx, "close the docs explorer", chromedp.Click(chromedp.CSS(docsButton)))
	})

	t.Run("playground runs queries with a token", func(t *testing.T) {
		headers := fmt.Sprintf("{\n  \"Authorization\": \"Bearer %s\"\n}", token)
		step(t, ctx, "paste the token into the headers editor", replaceText(headersEditor, headers))
		if got := editorText(t, ctx, headersEditor); got != headers {
			t.Fatalf("headers editor holds %q, want the pasted headers", got)
		}
		step(t, ctx, "run the ListLeads tab", chromedp.Click(chromedp.CSS(runButton)))
		res := waitResult(t, ctx, `"totalCount": 4`)
		for _, want := range []string{"Asha Verma", "Verma Textiles", "Rahul Mehta", `"status": "FOLLOW_UP"`} {
			if !strings.Contains(res, want) {
				t.Errorf("result lacks %q:\n%s", want, res)
			}
		}
		// The screenshot shows the variables rather than the token.
		step(t, ctx, "show the variables", chromedp.Evaluate[chromedp.Void](
			`[...document.querySelectorAll('.graphiql-editor-tools button')].find(b => b.textContent.trim() === 'Variables').click()`))
		saveScreenshot(t, ctx, "playground.png")

		step(t, ctx, "type a query",
			replaceText(queryEditor, `query SearchLeads { leads(filter: {search: "Verma"}) { totalCount edges { node { name company priority } } } }`),
			// GraphiQL reads the operation name from the editor a moment later;
			// the tab is renamed once it has.
			chromedp.Poll[chromedp.Void](`document.querySelector('.graphiql-tab-active')?.innerText.includes('SearchLeads')`,
				chromedp.WithPollingTimeout(5*time.Second)),
		)
		step(t, ctx, "run it", chromedp.Click(chromedp.CSS(runButton)))
		res = waitResult(t, ctx, `"totalCount": 1`)
		if !strings.Contains(res, `"name": "Asha Verma"`) || strings.Contains(res, "Rahul Mehta") {
			t.Errorf("search result:\n%s", res)
		}
		rec.check(t, env.Server.URL)
	})

	t.Run("api docs render", func(t *testing.T) {
		rec.reset()
		step(t, ctx, "open /api/docs", chromedp.Navigate(env.Server.URL+"/api/docs"))
		text, err := chromedp.Run(ctx, chromedp.Poll[string](
			`document.body.innerText.includes('/api/leads') && document.body.innerText`,
			chromedp.WithPollingTimeout(10*time.Second)))
		if err != nil {
			body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
			t.Fatalf("the docs page did not render its operations: %v\n%s", err, body)
		}
		for _, want := range []string{"Telecaller CRM API", "/api/leads/{id}/interactions", "POST"} {
			if !strings.Contains(text, want) {
				t.Errorf("docs page lacks %q", want)
			}
		}
		saveScreenshot(t, ctx, "api-docs.png")
		rec.check(t, env.Server.URL)
	})
	t.Logf("browser test took %s", time.Since(start).Round(time.Millisecond))
}

// seedDemoLeads stores four leads GraphiQL's default tab lists (and the
// screenshot shows), and one its status filter leaves out.
func seedDemoLeads(t *testing.T, env *servertest.Env, owner *db.User) {
	t.Helper()
	next := time.Now().Add(26 * time.Hour).Truncate(time.Hour)
	leads := []struct {
		name, company string
		status        db.LeadStatus
		priority      db.LeadPriority
	}{
		{"Kiran Rao", "Rao Logistics", db.StatusQualified, db.PriorityMedium},
		{"Meera Iyer", "Iyer & Sons", db.StatusNew, db.PriorityMedium},
		{"Rahul Mehta", "Mehta Motors", db.StatusContacted, db.PriorityUrgent},
		{"Priya Nair", "", db.StatusInterested, db.PriorityLow},
		{"Asha Verma", "Verma Textiles", db.StatusFollowUp, db.PriorityHigh},
	}
	for _, l := range leads {
		env.SeedLead(t, func(x *db.Lead) {
			x.Name, x.Status, x.Priority, x.AssignedToID = l.name, l.status, l.priority, &owner.ID
			if l.company != "" {
				x.Company = &l.company
			}
			if l.status == db.StatusFollowUp {
				x.NextFollowUpAt = &next
			}
		})
	}
}

// step runs browser actions, failing the test with what was being done.
func step(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// replaceText focuses a CodeMirror editor, selects all and inserts text the
// way a paste does (typing key by key would trip its bracket auto-closing).
func replaceText(editor, text string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Click(chromedp.CSS(editor)),
		chromedp.KeyEvent("a", chromedp.KeyModifiers(chromedp.ModifierCtrl)),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, input.InsertText, input.InsertTextParams{Text: text})
			return err
		}),
	)
}

// editorText reads a CodeMirror editor's whole content.
func editorText(t *testing.T, ctx context.Context, editor string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		fmt.Sprintf(`(document.querySelector(%q)?.CodeMirror?.getValue() ?? '')`, editor)))
	if err != nil {
		t.Fatalf("read %s: %v", editor, err)
	}
	return s
}

// waitResult waits until the result pane shows want and returns its text.
func waitResult(t *testing.T, ctx context.Context, want string) string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		res := editorText(t, ctx, resultPane)
		if strings.Contains(res, want) {
			return res
		}
		if time.Now().After(deadline) {
			t.Fatalf("the result pane never showed %s; it shows:\n%s", want, res)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// saveScreenshot captures the viewport. It writes docs/img/name when that
// file is missing or UPDATE_SCREENSHOTS=1 (so test runs leave the committed
// images alone), else a file in the test's temporary directory.
func saveScreenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	dst := filepath.Join("..", "docs", "img", name)
	if _, err := os.Stat(dst); err == nil && os.Getenv("UPDATE_SCREENSHOTS") != "1" {
		dst = filepath.Join(t.TempDir(), name)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s (%d KB)", dst, len(png)/1024)
}

// pageLog records the requests a tab makes and the problems it reports:
// uncaught exceptions, console errors, CSP violations, failed loads.
type pageLog struct {
	mu       sync.Mutex
	requests []string
	problems []string
}

// listen is the tab's event listener; it runs on chromedp's reader
// goroutine, so it only records.
func (l *pageLog) listen(ev any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch e := ev.(type) {
	case *network.EventRequestWillBeSent:
		l.requests = append(l.requests, e.Request.URL)
	case *runtime.EventExceptionThrown:
		msg := e.ExceptionDetails.Text
		if e.ExceptionDetails.Exception != nil {
			msg += " " + e.ExceptionDetails.Exception.Description
		}
		l.problems = append(l.problems, "exception: "+msg)
	case *runtime.EventConsoleAPICalled:
		if e.Type == runtime.ConsoleAPICalledTypeError {
			var args []string
			for _, a := range e.Args {
				args = append(args, a.Description+string(a.Value))
			}
			l.problems = append(l.problems, "console.error: "+strings.Join(args, " "))
		}
	case *log.EventEntryAdded:
		if strings.HasSuffix(e.Entry.URL, "/favicon.ico") {
			return // the browser's own guess; the server has no icon
		}
		if e.Entry.Level == log.EntryLevelError || e.Entry.Source == log.EntrySourceSecurity {
			l.problems = append(l.problems, fmt.Sprintf("%s %s: %s %s", e.Entry.Source, e.Entry.Level, e.Entry.Text, e.Entry.URL))
		}
	}
}

func (l *pageLog) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.requests, l.problems = nil, nil
}

// check fails the test for any request that left the test server's host
// (127.0.0.1) and for any problem the page reported.
func (l *pageLog) check(t *testing.T, base string) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	host := mustURL(t, base).Hostname()
	if len(l.requests) == 0 {
		t.Error("recorded no requests: is the network listener working?")
	}
	for _, r := range l.requests {
		u := mustURL(t, r)
		switch u.Scheme {
		case "data", "blob", "about":
			continue // never leaves the browser
		}
		if u.Hostname() != host {
			t.Errorf("request left %s: %s", host, r)
		}
	}
	for _, p := range l.problems {
		t.Errorf("page reported %s", p)
	}
	t.Logf("%d requests, all to %s", len(l.requests), host)
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatalf("parse %q: %v", s, err)
	}
	return u
}
