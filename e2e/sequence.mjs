// Runs one operation N times, DELAY ms apart, on one graphql-ws client (one
// WebSocket), and prints every result.
// Usage: node sequence.mjs ws://127.0.0.1:PORT/graphql QUERY VARIABLES_JSON N DELAY_MS
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const [url, query, variables, n, delay] = process.argv.slice(2);
const client = createClient({ url, webSocketImpl: WebSocket, retryAttempts: 0, lazy: false });

function once() {
  return new Promise((resolve, reject) => {
    let result;
    client.subscribe({ query, variables: JSON.parse(variables) }, {
      next: (msg) => { result = msg; },
      error: (err) => reject(err instanceof Error ? err : new Error(`${err.code ?? ''} ${err.reason ?? JSON.stringify(err)}`)),
      complete: () => resolve(result),
    });
  });
}

try {
  const results = [];
  for (let i = 0; i < Number(n); i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, Number(delay)));
    results.push(await once());
  }
  console.log(JSON.stringify({ results }));
} catch (err) {
  console.log(JSON.stringify({ error: String(err.message || err) }));
} finally {
  client.dispose();
}
