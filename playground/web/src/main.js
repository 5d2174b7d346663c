// The GraphQL playground: GraphiQL with this API's example operations as
// default tabs. The page (rendered by playground/page.go) passes its settings
// in a JSON data block, since the CSP allows no inline script.
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import 'graphiql/style.css';
import './playground.css';

const config = JSON.parse(document.getElementById('playground-config').textContent);
const send = createGraphiQLFetcher({ url: config.endpoint });

// withoutPlaceholders drops headers still holding the "<paste a token …>"
// guidance, so the schema loads (anonymous introspection) before a token is
// pasted, and queries answer UNAUTHORIZED rather than a bad-token error.
function withoutPlaceholders(headers) {
  if (!headers) return headers;
  return Object.fromEntries(
    Object.entries(headers).filter(([, v]) => !String(v).includes(config.placeholder)),
  );
}

function fetcher(params, opts) {
  return send(params, { ...opts, headers: withoutPlaceholders(opts?.headers) });
}

// GraphiQL 4 fills in only the query of the first default tab on a first
// visit, leaving its variables editor empty; hand the variables over then.
function firstVisit() {
  try {
    return localStorage.getItem('graphiql:tabState') === null;
  } catch {
    return true; // no storage: every visit is a first one
  }
}

createRoot(document.getElementById('graphiql')).render(
  createElement(
    GraphiQL,
    {
      fetcher,
      defaultTabs: config.tabs,
      variables: firstVisit() ? config.tabs[0]?.variables : undefined,
      defaultHeaders: config.headers,
      defaultEditorToolsVisibility: 'headers',
      shouldPersistHeaders: false,
    },
    createElement(GraphiQL.Logo, null, config.title),
  ),
);
