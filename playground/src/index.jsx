// Entry of the playground bundle: GraphiQL pointed at this gateway's /graphql.
// `npm run build` bundles it with esbuild into dist/, which the Go binary
// embeds, so the playground works with no internet access.
import React from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import 'graphiql/graphiql.css';

const params = new URLSearchParams(window.location.search);
const endpoint = new URL('graphql', document.baseURI).toString();

async function fetcher(body, opts) {
  const headers = { 'Content-Type': 'application/json', Accept: 'application/json', ...(opts && opts.headers) };
  const res = await fetch(endpoint, { method: 'POST', headers, body: JSON.stringify(body), credentials: 'same-origin' });
  return res.json();
}

const defaultQuery = `# Welcome to the VB365 GraphQL gateway.
# Press the run button (or Ctrl+Enter) to run this query;
# open "Docs" on the left to browse the schema.
query RecentSessions {
  jobSessions(first: 5) {
    totalCount
    edges {
      node {
        id
        status
        progress
        creationTime
        endTime
        statistics { transferredDataBytes processedObjects bottleneck }
        job { name lastStatus }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
`;

createRoot(document.getElementById('graphiql')).render(
  React.createElement(GraphiQL, {
    fetcher,
    defaultQuery,
    query: params.get('query') || undefined,
    shouldPersistHeaders: false,
  }),
);
