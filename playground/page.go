package playground

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"strings"
)

// examples are the operations the playground opens with, one tab each, in
// file name order: NAME.graphql with its variables in NAME.json.
//
//go:embed examples
var examples embed.FS

// TokenPlaceholder stands in the headers editor for the token to paste. The
// page's script does not send a header that still holds it.
const TokenPlaceholder = "<paste a token from: go run ./cmd/crm token --role manager>"

// title names the API in the page title and GraphiQL's logo.
const title = "Telecaller CRM"

// Tab is one default GraphiQL tab.
type Tab struct {
	Query     string `json:"query"`
	Variables string `json:"variables,omitempty"`
	Headers   string `json:"headers"`
}

// pageConfig is what the page's script reads from its JSON data block.
type pageConfig struct {
	Endpoint    string `json:"endpoint"`
	Title       string `json:"title"`
	Placeholder string `json:"placeholder"`
	// Headers is the headers editor's text for a new tab.
	Headers string `json:"headers"`
	Tabs    []Tab  `json:"tabs"`
}

// pageTemplate is the playground page. The settings go in a JSON data block
// because the CSP allows no inline script; html/template escapes them for
// that context.
var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Config.Title}} · GraphQL playground</title>
{{range .Styles}}<link rel="stylesheet" href="{{.}}">
{{end}}<script type="module" src="{{.Script}}"></script>
</head>
<body>
<div id="graphiql">Loading the GraphQL playground…</div>
<noscript>The playground needs JavaScript. Without it, POST GraphQL requests to {{.Config.Endpoint}}, as README.md shows with curl.</noscript>
<script type="application/json" id="playground-config">{{.Config}}</script>
</body>
</html>
`))

// renderPage builds the page for the GraphQL endpoint at path endpoint.
func renderPage(endpoint string, b *bundle) (*asset, error) {
	tabs, err := Examples()
	if err != nil {
		return nil, err
	}
	assets := endpoint + "/assets/"
	data := struct {
		Config pageConfig
		Script string
		Styles []string
	}{
		Config: pageConfig{Endpoint: endpoint, Title: title, Placeholder: TokenPlaceholder, Headers: headersText(), Tabs: tabs},
		Script: assets + b.script,
	}
	for _, s := range b.styles {
		data.Styles = append(data.Styles, assets+s)
	}
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, data); err != nil {
		return nil, err
	}
	// The page names the current assets, so browsers revalidate it (ETag).
	return newAsset(buf.Bytes(), "text/html; charset=utf-8", "no-cache"), nil
}

// Examples returns the default tabs: the example operations with their
// variables and the headers editor text.
func Examples() ([]Tab, error) {
	names, err := fs.Glob(examples, "examples/*.graphql")
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no example operations")
	}
	tabs := make([]Tab, 0, len(names))
	for _, name := range names {
		q, err := fs.ReadFile(examples, name)
		if err != nil {
			return nil, err
		}
		tab := Tab{Query: string(q), Headers: headersText()}
		v, err := fs.ReadFile(examples, strings.TrimSuffix(name, ".graphql")+".json")
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		if len(v) > 0 {
			if !json.Valid(v) {
				return nil, fmt.Errorf("%s: variables are not valid JSON", path.Base(name))
			}
			tab.Variables = string(v)
		}
		tabs = append(tabs, tab)
	}
	return tabs, nil
}

// headersText is the headers editor's starting text: the header to send,
// with guidance in place of the token.
func headersText() string {
	return "{\n  \"Authorization\": \"Bearer " + TokenPlaceholder + "\"\n}"
}
