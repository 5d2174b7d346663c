package main_test

// Readers of the Docker files for docker_test.go: just enough of the
// Dockerfile, .dockerignore and Compose formats for the files we ship.

import (
	"encoding/json"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// dockerfile is the Dockerfile's instructions, continuation lines joined.
type dockerfile []struct{ op, args string }

func parseDockerfile(t *testing.T) dockerfile {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	var df dockerfile
	text := strings.ReplaceAll(string(raw), "\\\n", " ")
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		op, args, _ := strings.Cut(line, " ")
		df = append(df, struct{ op, args string }{strings.ToUpper(op), strings.Join(strings.Fields(args), " ")})
	}
	return df
}

// args returns the arguments of every instruction op, in order.
func (df dockerfile) args(op string) []string {
	var out []string
	for _, in := range df {
		if in.op == op {
			out = append(out, in.args)
		}
	}
	return out
}

func jsonArray(t *testing.T, args []string) []string {
	t.Helper()
	var a []string
	if len(args) != 1 || json.Unmarshal([]byte(args[0]), &a) != nil {
		t.Errorf("want one JSON-array (exec form) instruction, got %q", args)
	}
	return a
}

// goDirective returns go.mod's language version as major.minor.
func goDirective(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(raw)
	if m == nil {
		t.Fatal("go.mod has no go directive")
	}
	return string(m[1])
}

// dockerignore is .dockerignore's rules, as BuildKit applies them: a rule
// matches a path or any of its parent directories, "**" spans directories,
// and the last matching rule wins ("!" re-includes).
type dockerignore []struct {
	re     *regexp.Regexp
	negate bool
}

func readDockerignore(t *testing.T) dockerignore {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(root, ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	var d dockerignore
	for _, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		neg := strings.HasPrefix(line, "!")
		p := path.Clean(strings.TrimPrefix(strings.TrimPrefix(line, "!"), "/"))
		var re strings.Builder
		for i := 0; i < len(p); i++ {
			switch {
			case strings.HasPrefix(p[i:], "**/"):
				re.WriteString("(.*/)?")
				i += 2
			case strings.HasPrefix(p[i:], "**"):
				re.WriteString(".*")
				i++
			case p[i] == '*':
				re.WriteString("[^/]*")
			case p[i] == '?':
				re.WriteString("[^/]")
			default:
				re.WriteString(regexp.QuoteMeta(p[i : i+1]))
			}
		}
		d = append(d, struct {
			re     *regexp.Regexp
			negate bool
		}{regexp.MustCompile("^" + re.String() + "$"), neg})
	}
	return d
}

// excludes reports whether the rules leave p (slash-separated, relative to
// the context root) out of the build context.
func (d dockerignore) excludes(p string) bool {
	parts := strings.Split(path.Clean(p), "/")
	out := false
	for _, r := range d {
		for i := 1; i <= len(parts); i++ {
			if r.re.MatchString(strings.Join(parts[:i], "/")) {
				out = !r.negate
				break
			}
		}
	}
	return out
}

// parseCompose flattens docker-compose.yml's block mappings into dotted
// keys ("services.api.image"); a flow sequence stays as written, and a
// block sequence of scalars joins with ",". It handles the subset of YAML
// the file uses (no anchors, no multi-line scalars).
func parseCompose(t *testing.T) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(root, "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	type level struct {
		indent int
		key    string
	}
	var stack []level
	for n, line := range strings.Split(string(raw), "\n") {
		body := strings.TrimSpace(line)
		if body == "" || strings.HasPrefix(body, "#") {
			continue
		}
		indent := len(line) - len(strings.TrimLeft(line, " "))
		for len(stack) > 0 && stack[len(stack)-1].indent >= indent {
			stack = stack[:len(stack)-1]
		}
		keys := make([]string, len(stack))
		for i, l := range stack {
			keys[i] = l.key
		}
		if item, ok := strings.CutPrefix(body, "- "); ok {
			k := strings.Join(keys, ".")
			out[k] = strings.TrimPrefix(out[k]+","+unquote(item), ",")
			continue
		}
		k, v, ok := strings.Cut(body, ":")
		if !ok {
			t.Fatalf("docker-compose.yml:%d: not a mapping line: %q", n+1, body)
		}
		full := strings.Join(append(keys, k), ".")
		if v = strings.TrimSpace(v); v != "" {
			out[full] = unquote(v)
		}
		stack = append(stack, level{indent, k})
	}
	return out
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' && s[len(s)-1] == '"' || s[0] == '\'' && s[len(s)-1] == '\'') {
		return s[1 : len(s)-1]
	}
	return s
}

// expandDefault applies Compose's ${VAR:-default} with VAR unset.
func expandDefault(s string) string {
	return regexp.MustCompile(`\$\{[A-Z_]+:-([^}]*)\}`).ReplaceAllString(s, "$1")
}
