// Subscribes with the real graphql-sse client and prints what it received:
// node sse.mjs URL QUERY VARIABLES_JSON distinct|single
// (single: its "single connection" mode, which the gateway answers with a
// 405; the client's error and the answer's status are printed).
import { createClient } from "graphql-sse";

const [url, query, variables, mode] = process.argv.slice(2);
const client = createClient({ url, singleConnection: mode === "single", retryAttempts: 0 });
const results = [];
try {
  for await (const result of client.iterate({ query, variables: JSON.parse(variables) })) {
    results.push(result);
  }
  process.stdout.write(JSON.stringify({ results }));
} catch (err) {
  const response = err.response;
  process.stdout.write(JSON.stringify({
    results,
    error: String(err.message ?? err),
    status: response?.status,
    statusText: response?.statusText,
  }));
} finally {
  client.dispose();
}
