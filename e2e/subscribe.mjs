// Follows one job session (or, with "restore", one restore session) with N
// real graphql-ws clients (one WebSocket each) until the server completes the
// subscription, and prints what each received.
// Usage: node subscribe.mjs ws://127.0.0.1:PORT/graphql SESSION_ID N [API_KEY|"Bearer TOKEN"|""] [restore]
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const [url, id, n, apiKey, kind] = process.argv.slice(2);
const field = kind === 'restore' ? 'restoreSessionUpdated' : 'jobSessionUpdated';
const query = kind === 'restore'
  ? `subscription($id: ID!) { restoreSessionUpdated(id: $id) { id state result details endTime } }`
  : `subscription($id: ID!) { jobSessionUpdated(id: $id) { id status progress endTime statistics { transferredDataBytes } } }`;

function follow() {
  const client = createClient({
    url,
    webSocketImpl: WebSocket,
    // A credential starting "Bearer " is an access token; anything else an API key.
    connectionParams: !apiKey ? undefined : apiKey.startsWith('Bearer ') ? { Authorization: apiKey } : { 'X-API-Key': apiKey },
    retryAttempts: 0,
  });
  const events = [];
  return new Promise((resolve, reject) => {
    client.subscribe({ query, variables: { id } }, {
      next: (msg) => events.push(msg.errors ? { errors: msg.errors } : msg.data[field]),
      // A close event carries the server's code and reason.
      error: (err) => { client.dispose(); reject(err instanceof Error ? err : new Error(`${err.code ?? ''} ${err.reason ?? JSON.stringify(err)}`)); },
      complete: () => { client.dispose(); resolve(events); },
    });
  });
}

try {
  const all = await Promise.all(Array.from({ length: Number(n) }, follow));
  console.log(JSON.stringify({ clients: all }));
} catch (err) {
  console.log(JSON.stringify({ error: String(err.message || err) }));
}
